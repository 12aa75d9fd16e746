// The cost report: for 1, 4 and 16 chains sharing each Gateway batch, what settling every chain
// batch directly on L1 would cost versus the Gateway's aggregated submission, under the default
// gas model — and the gas the embedded L1 actually charged the submitter's transactions.
// With --l1 (an Ethereum node, e.g. anvil; scripts/bench-l1-gas starts one) both ways are also
// measured there, in the settlement contract (contracts/L1Settlement.sol): the Gateway's
// submitter settles every Gateway batch into its instance, and each chain settles each of its
// batches into an instance of its own (commit, a one-commitment proof signed by its prover,
// execute); the gas is read from the receipts.
//
//   build/bench/cost_report [--rounds N] [--messages M]
//   build/bench/cost_report --l1 http://127.0.0.1:PORT --contracts_dir build/contracts

#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/synthetic_batch.hpp"
#include "merkle/keccak.hpp"
#include "router/engine.hpp"
#include "settlement/ethereum/embedded_l1.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"
#include "settlement/ethereum/l1_submitter.hpp"
#include "settlement/ethereum/settlement_contract.hpp"
#include "settlement/state/proof_verifier.hpp"

ABSL_FLAG(int, rounds, 8, "Gateway batches per configuration (one batch of every chain in each)");
ABSL_FLAG(int, messages, 200, "messages per chain batch (they do not reach L1; roots do)");
ABSL_FLAG(std::string, l1, "",
          "also measure on this Ethereum node (JSON-RPC URL), in the contract");
ABSL_FLAG(std::string, contracts_dir, "build/contracts", "the compiled contracts (with --l1)");
ABSL_FLAG(std::string, l1_key_env, "ZKR_BENCH_L1_KEY",
          "the environment variable with the funded key that sends on --l1");

namespace {

using namespace zkr;

void check(const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "cost_report: %s\n", std::string(s.message()).c_str());
    std::exit(1);
  }
}

std::shared_ptr<const settlement::secp256k1::PrivateKey> key(std::string_view label) {
  auto k = settlement::secp256k1::PrivateKey::from_bytes(merkle::keccak256(label));
  check(k.status());
  return std::make_shared<const settlement::secp256k1::PrivateKey>(*k);
}

struct Row {
  int chains = 0;
  std::uint64_t direct = 0, aggregated = 0, l1_gas = 0;
  double fee_zk_per_chain_batch = 0, direct_zk_per_chain_batch = 0;
  // Measured in the contract on --l1: the same settlements, from the receipts.
  std::uint64_t measured_direct = 0, measured_aggregated = 0;
  std::uint64_t measured_calls[3] = {0, 0, 0};  // aggregated: commit, prove, execute
};

// An Ethereum node to measure on, with the funded key that sends there.
struct Node {
  std::unique_ptr<settlement::EthRpcClient> rpc;
  std::shared_ptr<const settlement::secp256k1::PrivateKey> key;
  std::string contracts_dir;
};

merkle::Address deploy_for(Node& node, std::uint64_t chain, const merkle::Address& signer) {
  const auto code =
      settlement::contract::creation_code(node.contracts_dir + "/L1Settlement.json", chain, signer);
  check(code.status());
  const auto at = settlement::contract::deploy(*node.rpc, *node.key, *code);
  check(at.status());
  return *at;
}

std::uint64_t gas_of(Node& node, const merkle::Address& to, const settlement::l1calls::Call& call) {
  const auto receipt =
      settlement::contract::transact(*node.rpc, *node.key, to, settlement::l1calls::encode(call));
  check(receipt.status());
  return receipt->gas_used;
}

// Chain `chain` settles its batch `b` on L1 by itself, into its own contract at `at`: gas used.
std::uint64_t settle_directly(Node& node, const merkle::Address& at,
                              const settlement::BatchCommitment& c,
                              const settlement::secp256k1::PrivateKey& prover) {
  using settlement::l1calls::Action;
  settlement::GatewayBatch own{.number = c.batch_number, .batch_root = c.chain_batch_root};
  std::uint64_t gas = gas_of(node, at,
                             {.action = Action::kCommit,
                              .chain_id = c.chain_id,
                              .first = c.batch_number,
                              .last = c.batch_number,
                              .data = settlement::l1calls::commit_payload({&own, 1})});
  settlement::AggregatedProof p{.gateway_chain_id = c.chain_id,
                                .gw_batch = c.batch_number,
                                .batch_root = c.chain_batch_root,
                                .covered = {c}};
  p.commitments_root = settlement::commitments_root(p.covered);
  const auto signature = prover.sign(settlement::aggregation_digest(p));
  check(signature.status());
  p.signature = *signature;
  gas += gas_of(node, at,
                {.action = Action::kProve,
                 .chain_id = c.chain_id,
                 .first = c.batch_number,
                 .last = c.batch_number,
                 .data = settlement::encode(p)});
  gas += gas_of(node, at,
                {.action = Action::kExecute,
                 .chain_id = c.chain_id,
                 .first = c.batch_number,
                 .last = c.batch_number,
                 .data = settlement::l1calls::execute_payload({&own, 1})});
  return gas;
}

Row run(int chains, int rounds, int messages, Node* node) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("zkrouter-cost-" + std::to_string(chains) + ".db"))
          .string();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  const auto prover = key("zkrouter cost prover");
  router::EngineConfig config;
  config.database_path = path;
  config.gateway.signing_key = key("zkrouter cost gateway");
  auto opened = router::Engine::open(config);
  check(opened.status());
  router::Engine& engine = **opened;
  for (int c = 0; c < chains; ++c) {
    check(engine.register_chain(
        {.chain_id = 270 + static_cast<std::uint64_t>(c),
         .credential = "cost-report-operator-credential",
         .prover_key = settlement::secp256k1::compressed(prover->public_key())}));
    check(engine.migrate_chain(270 + static_cast<std::uint64_t>(c),
                               settlement::SettlementLayer::kGateway));
  }
  std::mt19937_64 rng(7);
  for (int r = 1; r <= rounds; ++r) {
    for (int c = 0; c < chains; ++c) {
      const std::uint64_t chain = 270 + static_cast<std::uint64_t>(c),
                          b = static_cast<std::uint64_t>(r);
      check(engine.ingest(bench::synthetic_batch(chain, b, static_cast<std::size_t>(messages), rng))
                .status());
      check(engine.commit_batch(chain, b));
      const auto proof = settlement::sign_commitment(*engine.commitment(chain, b), *prover);
      check(proof.status());
      check(engine.prove_batch(chain, b, *proof));
      check(engine.execute_batch(chain, b).status());
    }
    check(engine.seal_block().status());
    check(engine.seal_gateway_batch().status());
  }

  // Settle on the embedded L1 (or on --l1, into the contract), one Gateway batch per transaction,
  // to measure what L1 charges.
  merkle::Address settlement_address{};
  settlement_address[19] = 0x5e;
  settlement::EmbeddedL1 embedded({.settlement_address = settlement_address,
                                   .gateway_chain_id = config.gateway.chain_id,
                                   .gateway_key = config.gateway.signing_key->public_key()});
  if (node != nullptr)
    settlement_address =
        deploy_for(*node, config.gateway.chain_id, config.gateway.signing_key->address());
  settlement::L1Client& l1 =
      node != nullptr ? static_cast<settlement::L1Client&>(*node->rpc) : embedded;
  settlement::L1Submitter submitter(
      {.settlement_address = settlement_address, .max_batches_per_tx = 1}, l1,
      node != nullptr ? *node->key : *key("zkrouter cost submitter"),
      [&engine](const auto& body) { return engine.settle(body); });
  for (int i = 0; i < 40 * rounds; ++i) {
    check(submitter.tick().status());
    if (node != nullptr) {
      check(node->rpc->call("evm_mine", {}).status());
    } else {
      embedded.mine();
    }
    if (engine.gateway_batch(static_cast<std::uint64_t>(rounds))->l1_stage ==
        settlement::L1Stage::kFinal)
      break;
  }
  Row row{.chains = chains};
  for (std::uint64_t n = 1; n <= static_cast<std::uint64_t>(rounds); ++n) {
    const auto cost = engine.cost_of_gateway_batch(n);
    check(cost.status());
    row.direct += cost->direct_gas;
    row.aggregated += cost->aggregated_gas;
    row.fee_zk_per_chain_batch += cost->fee_zk / chains;
    row.direct_zk_per_chain_batch += static_cast<double>(cost->direct_gas) / chains *
                                     static_cast<double>(config.gas_model.gas_price_wei) / 1e18 *
                                     config.gas_model.zk_per_eth;
  }
  const auto txs = engine.l1_transactions(1, static_cast<std::uint64_t>(rounds));
  check(txs.status());
  for (const auto& t : *txs) row.l1_gas += t.gas_used.value_or(0);
  row.fee_zk_per_chain_batch /= rounds;
  row.direct_zk_per_chain_batch /= rounds;

  if (node != nullptr) {
    for (const auto& t : *txs) {
      if (t.state == settlement::L1TxState::kReplaced || !t.gas_used) continue;
      row.measured_aggregated += *t.gas_used;
      row.measured_calls[static_cast<int>(t.action)] += *t.gas_used;
    }
    // Each chain by itself, into a contract of its own.
    for (int c = 0; c < chains; ++c) {
      const std::uint64_t chain = 270 + static_cast<std::uint64_t>(c);
      const merkle::Address own = deploy_for(*node, chain, prover->address());
      for (int r = 1; r <= rounds; ++r) {
        row.measured_direct += settle_directly(
            *node, own, *engine.commitment(chain, static_cast<std::uint64_t>(r)), *prover);
      }
    }
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int rounds = std::max(1, absl::GetFlag(FLAGS_rounds));
  const settlement::GasModel model;
  std::printf(
      "gas model: %lu per tx, %lu per proof check, %lu batch storage, %lu per covered "
      "commitment, EIP-2028 calldata; %.0f gwei, %.0f ZK/ETH\n",
      static_cast<unsigned long>(model.tx_base_gas),
      static_cast<unsigned long>(model.proof_verification_gas),
      static_cast<unsigned long>(model.batch_state_gas),
      static_cast<unsigned long>(model.per_commitment_gas),
      static_cast<double>(model.gas_price_wei) / 1e9, model.zk_per_eth);
  std::printf("%-7s %-15s %-15s %-7s %-16s %-14s %-14s\n", "chains", "direct gas", "aggregated",
              "ratio", "L1 gas measured", "ZK/batch dir.", "ZK/batch agg.");
  std::optional<Node> node;
  if (!absl::GetFlag(FLAGS_l1).empty()) {
    auto rpc = settlement::EthRpcClient::create(absl::GetFlag(FLAGS_l1));
    check(rpc.status());
    const char* hex = std::getenv(absl::GetFlag(FLAGS_l1_key_env).c_str());
    if (hex == nullptr) {
      std::fprintf(stderr, "cost_report: --l1 needs a funded key in $%s\n",
                   absl::GetFlag(FLAGS_l1_key_env).c_str());
      return 2;
    }
    auto k = settlement::secp256k1::PrivateKey::from_hex(hex);
    check(k.status());
    node = Node{std::move(*rpc), std::make_shared<const settlement::secp256k1::PrivateKey>(*k),
                absl::GetFlag(FLAGS_contracts_dir)};
  }
  std::vector<Row> rows;
  for (const int chains : {1, 4, 16}) {
    std::fprintf(stderr, "cost_report: %d chain(s)…\n", chains);
    const Row r = run(chains, rounds, absl::GetFlag(FLAGS_messages), node ? &*node : nullptr);
    rows.push_back(r);
    std::printf("%-7d %-15lu %-15lu %-7.3f %-16lu %-14.2f %-14.2f\n", r.chains,
                static_cast<unsigned long>(r.direct), static_cast<unsigned long>(r.aggregated),
                static_cast<double>(r.aggregated) / static_cast<double>(r.direct),
                static_cast<unsigned long>(r.l1_gas), r.direct_zk_per_chain_batch,
                r.fee_zk_per_chain_batch);
  }
  std::printf(
      "(%d Gateway batches each; direct = every chain batch committed, proven and executed "
      "on L1 by its chain)\n",
      rounds);
  if (node) {
    std::printf("\nmeasured in contracts/L1Settlement.sol on %s (gas from the receipts):\n",
                absl::GetFlag(FLAGS_l1).c_str());
    std::printf("%-7s %-15s %-15s %-7s %-12s %-12s %-12s %-12s\n", "chains", "direct gas",
                "aggregated", "ratio", "model ratio", "commit/gwb", "prove/gwb", "execute/gwb");
    for (const Row& r : rows) {
      std::printf(
          "%-7d %-15lu %-15lu %-7.3f %-12.3f %-12lu %-12lu %-12lu\n", r.chains,
          static_cast<unsigned long>(r.measured_direct),
          static_cast<unsigned long>(r.measured_aggregated),
          static_cast<double>(r.measured_aggregated) / static_cast<double>(r.measured_direct),
          static_cast<double>(r.aggregated) / static_cast<double>(r.direct),
          static_cast<unsigned long>(r.measured_calls[0] / rounds),
          static_cast<unsigned long>(r.measured_calls[1] / rounds),
          static_cast<unsigned long>(r.measured_calls[2] / rounds));
    }
  }
  return 0;
}

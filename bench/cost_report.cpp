// The cost report: for 1, 4 and 16 chains sharing each Gateway batch, what settling every chain
// batch directly on L1 would cost versus the Gateway's aggregated submission, under the default
// gas model — and the gas the embedded L1 actually charged the submitter's transactions.
//
//   build/bench/cost_report [--rounds N] [--messages M]

#include <cstdio>
#include <filesystem>
#include <random>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/synthetic_batch.hpp"
#include "merkle/keccak.hpp"
#include "router/engine.hpp"
#include "settlement/ethereum/embedded_l1.hpp"
#include "settlement/ethereum/l1_submitter.hpp"

ABSL_FLAG(int, rounds, 8, "Gateway batches per configuration (one batch of every chain in each)");
ABSL_FLAG(int, messages, 200, "messages per chain batch (they do not reach L1; roots do)");

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
};

Row run(int chains, int rounds, int messages) {
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

  // Settle on the embedded L1, one Gateway batch per transaction, to measure what L1 charges.
  merkle::Address settlement_address{};
  settlement_address[19] = 0x5e;
  settlement::EmbeddedL1 l1({.settlement_address = settlement_address,
                             .gateway_chain_id = config.gateway.chain_id,
                             .gateway_key = config.gateway.signing_key->public_key()});
  settlement::L1Submitter submitter(
      {.settlement_address = settlement_address, .max_batches_per_tx = 1}, l1,
      *key("zkrouter cost submitter"), [&engine](const auto& body) { return engine.settle(body); });
  for (int i = 0; i < 40 * rounds; ++i) {
    check(submitter.tick().status());
    l1.mine();
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
  for (const int chains : {1, 4, 16}) {
    const Row r = run(chains, rounds, absl::GetFlag(FLAGS_messages));
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
  return 0;
}

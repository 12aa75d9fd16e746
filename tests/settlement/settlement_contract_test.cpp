// The embedded L1's settlement contract model behaves exactly as the Solidity contract
// (contracts/L1Settlement.sol on anvil): the same sequences of settlement calls — in order, out of
// order, replayed, with a bad signature, a wrong root, a wrong chain, damaged payloads — go to
// both, and every accept and revert, the counters, every stored root and every event are compared.
// The calls are the ones the submitter would send for four real Gateway batches, then damaged
// here, and the admin's resumeAfter.

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "settlement/ethereum/embedded_l1.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"
#include "settlement/ethereum/eth_tx.hpp"
#include "settlement/ethereum/l1_calls.hpp"
#include "settlement/ethereum/settlement_contract.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/l1_chain.hpp"

namespace zkr::settlement {
namespace {

namespace json = boost::json;
using l1calls::Action;
using l1calls::Call;

constexpr std::uint64_t kBatches = 4;

/// One transaction: its calldata and who sends it (anvil's first account, or the deployer, the
/// contract's admin).
struct Sent {
  Sent(const Call& c) : data(l1calls::encode(c)) {}  // NOLINT: a settlement call, as the submitter
  Sent(merkle::Bytes d, bool admin) : data(std::move(d)), by_admin(admin) {}
  merkle::Bytes data;
  bool by_admin = false;
};

Sent resume_after(std::uint64_t batch, bool by_admin = true) {
  return {l1calls::with_words("resumeAfter(uint256)", {merkle::be32(batch)}), by_admin};
}

class ContractModel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_anvil()) GTEST_SKIP() << "anvil not installed: run scripts/test";
    anvil_ = std::make_unique<testing::Anvil>(testing::anvil_binary());
    ASSERT_NE(anvil_->port(), 0) << "anvil did not start";
    node_ = *EthRpcClient::create("http://127.0.0.1:" + std::to_string(anvil_->port()));
    const auto installed =
        testing::install_settlement_contract(*node_, testing::test_gateway_key()->address());
    ASSERT_TRUE(installed.ok()) << installed.status();
    snapshot_ = std::string(node_->call("evm_snapshot", {})->as_string());

    // Four Gateway batches of two chains, each with its aggregated proof.
    engine_ = testing::open_engine(dir_.file("zkrouter.db"), 1);
    for (const std::uint64_t chain : {270, 271})
      ASSERT_TRUE(testing::launch_chain(*engine_, chain).ok());
    std::map<std::uint64_t, std::uint64_t> next{{270, 1}, {271, 1}};
    for (std::uint64_t g = 1; g <= kBatches; ++g) {
      for (const std::uint64_t chain : {270, 271}) {
        if (chain == 271 && g == 2) continue;  // a Gateway batch covering one chain batch
        const std::uint64_t b = next[chain]++;
        ASSERT_TRUE(engine_->ingest(testing::generated_batch(chain, b, 3, b)).ok());
        testing::settle_batch(*engine_, chain, b);
      }
      ASSERT_TRUE(engine_->seal_block().ok());
      ASSERT_TRUE(engine_->seal_gateway_batch().ok());
    }
  }

  // The submitter's call for Gateway batches first..last.
  Call call(Action action, std::uint64_t first, std::uint64_t last) const {
    std::vector<GatewayBatch> run;
    merkle::Bytes data;
    for (std::uint64_t n = first; n <= last; ++n) {
      run.push_back(*engine_->gateway_batch(n));
      if (action == Action::kProve) {
        const merkle::Bytes p = encode(*engine_->aggregated_proof(n));
        data.insert(data.end(), p.begin(), p.end());
      }
    }
    if (action == Action::kCommit) data = l1calls::commit_payload(run);
    if (action == Action::kExecute) data = l1calls::execute_payload(run);
    return {.action = action, .chain_id = 506, .first = first, .last = last, .data = data};
  }

  // The aggregated proof of batch n with `change` applied, re-encoded.
  Call prove_with(std::uint64_t n, const std::function<void(AggregatedProof&)>& change) const {
    AggregatedProof p = *engine_->aggregated_proof(n);
    change(p);
    return {.action = Action::kProve, .chain_id = 506, .first = n, .last = n, .data = encode(p)};
  }

  struct Outcome {
    std::vector<bool> accepted;
    std::vector<std::string> reasons;  // each revert's reason in words ("" when accepted)
    std::uint64_t committed = 0, verified = 0, executed = 0;
    std::vector<merkle::Word> executed_roots;       // l2LogsRootHash(1..kBatches)
    std::vector<std::vector<merkle::Word>> events;  // each log's topics, in order
  };

  // Sends each call as a transaction on `l1` (chain `l1_chain`), `mine` putting it in a block,
  // and records whether it was accepted and, if not, why.
  static Outcome send_all(L1Client& l1, std::uint64_t l1_chain, const std::function<void()>& mine,
                          const std::vector<Sent>& calls) {
    const auto submitter = *secp256k1::PrivateKey::from_hex(testing::kAnvilKey);
    const auto admin = *secp256k1::PrivateKey::from_hex(testing::kAnvilDeployerKey);
    Outcome o;
    for (const Sent& c : calls) {
      const secp256k1::PrivateKey& key = c.by_admin ? admin : submitter;
      const eth::Eip1559Tx tx{.chain_id = l1_chain,
                              .nonce = *l1.nonce(key.address()),
                              .max_priority_fee_per_gas = 1'000'000'000,
                              .max_fee_per_gas = 100'000'000'000,
                              .gas_limit = 3'000'000,
                              .to = testing::settlement_address(),
                              .data = c.data};
      const eth::SignedTx signed_tx = *eth::sign(tx, key);
      const auto hash = l1.send_raw(signed_tx.raw);
      EXPECT_TRUE(hash.ok()) << hash.status();
      mine();
      // anvil mines each transaction as it comes, not always before answering: wait for it.
      absl::StatusOr<std::optional<L1Receipt>> receipt = l1.receipt(*hash);
      for (int i = 0; i < 100 && receipt.ok() && !receipt->has_value(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        receipt = l1.receipt(*hash);
      }
      EXPECT_TRUE(receipt.ok() && receipt->has_value());
      o.accepted.push_back(receipt.ok() && receipt->has_value() && (*receipt)->success);
      o.reasons.push_back(o.accepted.back() ? "" : reason(l1, signed_tx, **receipt));
    }
    const auto logs = l1.logs({.address = testing::settlement_address(), .to_block = *l1.head()});
    EXPECT_TRUE(logs.ok()) << logs.status();
    for (const L1Log& log : *logs) o.events.push_back(log.topics);
    return o;
  }

  Outcome on_anvil(const std::vector<Sent>& calls) {
    EXPECT_TRUE(node_->call("evm_revert", json::array{snapshot_})->as_bool());
    snapshot_ = std::string(node_->call("evm_snapshot", {})->as_string());
    Outcome o = send_all(
        *node_, 31337, [] {}, calls);
    const auto state = contract::read_state(*node_, testing::settlement_address());
    EXPECT_TRUE(state.ok()) << state.status();
    o.committed = state->committed;
    o.verified = state->verified;
    o.executed = state->executed;
    for (std::uint64_t n = 1; n <= kBatches; ++n)
      o.executed_roots.push_back(
          *contract::l2_logs_root_hash(*node_, testing::settlement_address(), n));
    return o;
  }

  Outcome on_model(const std::vector<Sent>& calls) {
    EmbeddedL1 l1({.settlement_address = testing::settlement_address(),
                   .gateway_chain_id = 506,
                   .gateway_key = testing::test_gateway_key()->public_key(),
                   .settlement_admin =
                       secp256k1::PrivateKey::from_hex(testing::kAnvilDeployerKey)->address()});
    Outcome o = send_all(
        l1, 1337, [&l1] { l1.mine(); }, calls);
    const SettlementContractState st = l1.contract();
    o.committed = st.committed;
    o.verified = st.proven;
    o.executed = st.executed;
    for (std::uint64_t n = 1; n <= kBatches; ++n) {
      const auto root = st.roots.find(n);
      o.executed_roots.push_back(n <= st.executed && root != st.roots.end() ? root->second
                                                                            : merkle::Word{});
    }
    return o;
  }

  // Why a mined transaction reverted, as the node says.
  static std::string reason(L1Client& l1, const eth::SignedTx& tx, const L1Receipt& receipt) {
    const auto r = l1.revert_reason(tx, receipt.block_number);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::string(r.status().message());
  }

  // Both answer the same to every call, reverting with the same error; returns the contract's
  // accepts.
  std::vector<bool> same_on_both(const std::string& name, const std::vector<Sent>& calls) {
    const Outcome evm = on_anvil(calls);
    const Outcome model = on_model(calls);
    EXPECT_EQ(model.accepted, evm.accepted) << name;
    EXPECT_EQ(model.reasons, evm.reasons) << name;
    EXPECT_EQ(model.committed, evm.committed) << name;
    EXPECT_EQ(model.verified, evm.verified) << name;
    EXPECT_EQ(model.executed, evm.executed) << name;
    EXPECT_EQ(model.executed_roots, evm.executed_roots) << name;
    EXPECT_EQ(model.events, evm.events) << name;
    return evm.accepted;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Anvil> anvil_;
  std::unique_ptr<EthRpcClient> node_;
  std::string snapshot_;
  std::unique_ptr<router::Engine> engine_;
};

TEST_F(ContractModel, AgreesOnEverySequence) {
  const Call c1 = call(Action::kCommit, 1, 2), c2 = call(Action::kCommit, 3, 4);
  const Call p1 = call(Action::kProve, 1, 1), p2 = call(Action::kProve, 2, 4);
  const Call e1 = call(Action::kExecute, 1, 3), e2 = call(Action::kExecute, 4, 4);
  const Call e_first = call(Action::kExecute, 1, 1);

  // The contract's own words, through the node: a commit that skips batches 1 and 2.
  EXPECT_EQ(on_anvil({c2}).reasons, std::vector<std::string>{"OutOfOrder(1, 3)"});
  EXPECT_EQ(same_on_both("in order", {c1, c2, p1, p2, e1, e2}), std::vector<bool>(6, true));
  EXPECT_EQ(
      same_on_both("out of order", {c2, p1, c1, e1, p2, p1, c2, e2, p2, e1, e2}),
      (std::vector<bool>{false, false, true, false, false, true, true, false, true, true, true}));
  EXPECT_EQ(same_on_both("replayed", {c1, c1, p1, p1, e1, c2, p2, p2, e1, e1, e2, e2}),
            (std::vector<bool>{true, false, true, false, false, true, true, false, true, false,
                               true, false}));

  // Bad signatures: a bit of r, the recovery id, the high-s twin, another key; then the real one.
  const auto stranger = *secp256k1::PrivateKey::from_hex(testing::kAnvilDeployerKey);
  const std::vector<Call> bad_signatures = {
      prove_with(1, [](AggregatedProof& p) { p.signature.r[31] ^= 1; }),
      prove_with(1, [](AggregatedProof& p) { p.signature.recovery_id ^= 1; }),
      prove_with(1,
                 [](AggregatedProof& p) {
                   // s' = n - s: the same signature for ecrecover, malleable, refused by both.
                   const merkle::Word n = *merkle::parse_word(
                       "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
                   int borrow = 0;
                   merkle::Word out{};
                   for (int i = 31; i >= 0; --i) {
                     const int d = n[i] - p.signature.s[i] - borrow;
                     borrow = d < 0;
                     out[i] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
                   }
                   p.signature.s = out;
                   p.signature.recovery_id ^= 1;
                 }),
      prove_with(
          1,
          [&stranger](AggregatedProof& p) { p.signature = *stranger.sign(aggregation_digest(p)); }),
      p1};
  std::vector<Sent> sequence{c1};
  sequence.insert(sequence.end(), bad_signatures.begin(), bad_signatures.end());
  EXPECT_EQ(same_on_both("bad signatures", sequence),
            (std::vector<bool>{true, false, false, false, false, true}));

  // Wrong roots: a commitment changed (commitments root), the batch root in the proof, in the
  // execution, in the commit (then the real proof does not match it).
  Call wrong_exec = e_first;
  wrong_exec.data[63] ^= 1;  // batch 1's root
  Call wrong_commit = c1;
  wrong_commit.data[63] ^= 1;
  EXPECT_EQ(
      same_on_both(
          "wrong roots",
          {c1, prove_with(1, [](AggregatedProof& p) { p.covered[0].chain_batch_root[0] ^= 1; }),
           prove_with(1, [](AggregatedProof& p) { p.commitments_root[5] ^= 1; }),
           prove_with(1, [](AggregatedProof& p) { p.batch_root[9] ^= 1; }), p1, wrong_exec,
           e_first}),
      (std::vector<bool>{true, false, false, false, true, false, true}));
  EXPECT_EQ(same_on_both("a wrong committed root", {wrong_commit, p1}),
            (std::vector<bool>{true, false}));

  // Another chain, an empty range, payloads cut or padded.
  Call other_chain = c1;
  other_chain.chain_id = 507;
  Call empty = c1;
  empty.first = 2;
  empty.last = 1;
  Call long_commit = c1;
  long_commit.data.resize(long_commit.data.size() + 32, 0);
  Call short_execute = e_first;
  short_execute.data.resize(short_execute.data.size() - 32);
  Call trailing_proof = p1;
  trailing_proof.data.resize(trailing_proof.data.size() + 32, 0);
  Call numbered_wrong = c1;
  numbered_wrong.data[31] ^= 3;  // batch number 1 → 2 in the first entry
  EXPECT_EQ(
      same_on_both("payloads", {other_chain, empty, long_commit, numbered_wrong, c1, trailing_proof,
                                prove_with(1, [](AggregatedProof& p) { p.gateway_chain_id = 507; }),
                                p1, short_execute, e_first}),
      (std::vector<bool>{false, false, false, false, true, false, false, true, false, true}));
}

// A chain back from the Gateway: only the admin resumes, only with nothing in flight, only
// forward; then the next batch follows the resumed counters.
TEST_F(ContractModel, AgreesOnResumingAfterBatchesSettledElsewhere) {
  Sent selector_only = resume_after(3);
  selector_only.data.resize(4);
  const auto accepted = same_on_both(
      "resume", {resume_after(2, /*by_admin=*/false), call(Action::kCommit, 1, 2), resume_after(3),
                 call(Action::kProve, 1, 2), call(Action::kExecute, 1, 2), resume_after(2),
                 Sent(l1calls::with_words("resumeAfter(uint256)", {merkle::Word{0xff}}), true),
                 selector_only, resume_after(3), call(Action::kCommit, 4, 4),
                 call(Action::kProve, 4, 4), call(Action::kExecute, 4, 4)});
  EXPECT_EQ(accepted, (std::vector<bool>{false, true, false, true, true, false, false, false, true,
                                         true, true, true}));
  const Outcome evm =
      on_anvil({resume_after(2, false), call(Action::kCommit, 1, 2), resume_after(3)});
  EXPECT_EQ(evm.reasons[2], "BatchesInFlight(2, 0)");
  EXPECT_EQ(evm.reasons[0].rfind("NotAdmin(0x", 0), 0u) << evm.reasons[0];
}

}  // namespace
}  // namespace zkr::settlement

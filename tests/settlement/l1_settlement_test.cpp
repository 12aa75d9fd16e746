// Validity proofs, aggregation, the cost ledger and L1 submission against the embedded L1, all
// through a real engine on a real SQLite file.

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "merkle/keccak.hpp"
#include "settlement/ethereum/embedded_l1.hpp"
#include "settlement/ethereum/l1_calls.hpp"
#include "settlement/ethereum/l1_submitter.hpp"
#include "settlement/state/aggregation.hpp"
#include "settlement/state/proof_verifier.hpp"
#include "tests/support/engine_fixtures.hpp"

namespace zkr::settlement {
namespace {

using router::Engine;

merkle::Address settlement_address() {
  merkle::Address a{};
  a[19] = 0x5e;
  return a;
}

secp256k1::PrivateKey submitter_key() {
  return *secp256k1::PrivateKey::from_bytes(merkle::keccak256(std::string_view("l1 submitter")));
}

// An engine with chains 270..270+n-1, each with `batches` batches executed, one Gateway block
// per round and one Gateway batch per round.
std::unique_ptr<Engine> settled_engine(const std::string& path, int chains, int rounds) {
  auto engine = testing::open_engine(path, 1);
  for (int c = 0; c < chains; ++c) EXPECT_TRUE(testing::launch_chain(*engine, 270 + c).ok());
  for (int r = 1; r <= rounds; ++r) {
    for (int c = 0; c < chains; ++c) {
      const std::uint64_t chain = 270 + c, b = r;
      EXPECT_TRUE(engine->ingest(testing::generated_batch(chain, b, 3, r)).ok());
      EXPECT_TRUE(engine->commit_batch(chain, b).ok());
      EXPECT_TRUE(engine->prove_batch(chain, b, testing::validity_proof(*engine, chain, b)).ok());
      EXPECT_TRUE(engine->execute_batch(chain, b).ok());
    }
    EXPECT_TRUE(engine->seal_block().ok());
    EXPECT_TRUE(engine->seal_gateway_batch().ok());
  }
  return engine;
}

TEST(ValidityProofs, OnlyTheChainsProverKeyProvesItsCommitment) {
  const EcdsaProofVerifier verifier;
  const BatchCommitment c{.chain_id = 270,
                          .batch_number = 2,
                          .chain_batch_root = merkle::keccak256(std::string_view("root 2")),
                          .previous_batch_root = merkle::keccak256(std::string_view("root 1"))};
  const merkle::Bytes key270 = testing::prover_public_for(270);
  const auto proof = sign_commitment(c, testing::prover_key_for(270));
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(verifier.verify(c, key270, *proof).ok());
  // Another chain's key, another batch, another previous root, a short blob, no key.
  EXPECT_FALSE(verifier.verify(c, testing::prover_public_for(271), *proof).ok());
  BatchCommitment other = c;
  other.batch_number = 3;
  EXPECT_FALSE(verifier.verify(other, key270, *proof).ok());
  other = c;
  other.previous_batch_root[0] ^= 1;
  EXPECT_FALSE(verifier.verify(other, key270, *proof).ok());
  EXPECT_FALSE(verifier.verify(c, key270, merkle::ByteSpan(*proof).first(63)).ok());
  EXPECT_EQ(verifier.verify(c, {}, *proof).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ValidityProofs, ABatchWithABadProofIsNeitherProvenNorExecuted) {
  testing::TempDir dir;
  auto engine = testing::open_engine(dir.file("zkrouter.db"), 1);
  ASSERT_TRUE(testing::launch_chain(*engine, 270).ok());
  ASSERT_TRUE(testing::launch_chain(*engine, 271).ok());
  ASSERT_TRUE(engine->ingest(testing::generated_batch(270, 1, 2)).ok());
  ASSERT_TRUE(engine->ingest(testing::generated_batch(271, 1, 2)).ok());
  ASSERT_TRUE(engine->commit_batch(270, 1).ok());
  // Chain 271's valid proof of its own batch does not prove chain 270's.
  const absl::Status s = engine->prove_batch(270, 1, testing::validity_proof(*engine, 271, 1));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("validity proof rejected"), std::string::npos) << s;
  EXPECT_EQ(engine->batch(270, 1)->stage, BatchStage::kCommitted);
  EXPECT_FALSE(engine->execute_batch(270, 1).ok());
  EXPECT_TRUE(engine->prove_batch(270, 1, testing::validity_proof(*engine, 270, 1)).ok());
  EXPECT_TRUE(engine->execute_batch(270, 1).ok());
}

TEST(Aggregation, EachGatewayBatchCarriesOneSignedProofOfWhatItCovers) {
  testing::TempDir dir;
  const std::string path = dir.file("zkrouter.db");
  {
    auto engine = settled_engine(path, 3, 2);
    for (std::uint64_t n = 1; n <= 2; ++n) {
      const auto p = engine->aggregated_proof(n);
      ASSERT_TRUE(p.has_value());
      EXPECT_EQ(p->covered.size(), 3U);
      EXPECT_EQ(p->batch_root, engine->gateway_batch(n)->batch_root);
      std::set<std::uint64_t> chains;
      for (const BatchCommitment& c : p->covered) {
        chains.insert(c.chain_id);
        EXPECT_EQ(c.batch_number, n);
        EXPECT_EQ(c.chain_batch_root, engine->batch(c.chain_id, n)->chain_batch_root);
        if (n > 1) {
          EXPECT_EQ(c.previous_batch_root, engine->batch(c.chain_id, n - 1)->chain_batch_root);
        }
      }
      EXPECT_EQ(chains, (std::set<std::uint64_t>{270, 271, 272}));
      const secp256k1::PublicKey gw = testing::test_gateway_key()->public_key();
      EXPECT_TRUE(verify_aggregated(*p, gw).ok());
      // The encoding L1 receives decodes to the same object.
      std::size_t consumed = 0;
      const merkle::Bytes wire = encode(*p);
      const auto back = decode_aggregated(wire, &consumed);
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(consumed, wire.size());
      EXPECT_TRUE(verify_aggregated(*back, gw).ok());
      // Dropping or changing a covered commitment breaks it.
      AggregatedProof dropped = *p;
      dropped.covered.pop_back();
      EXPECT_FALSE(verify_aggregated(dropped, gw).ok());
      AggregatedProof changed = *p;
      changed.covered[0].chain_batch_root[5] ^= 1;
      changed.commitments_root = commitments_root(changed.covered);  // re-rooted, not re-signed
      EXPECT_FALSE(verify_aggregated(changed, gw).ok());
      EXPECT_FALSE(verify_aggregated(*p, testing::prover_key_for(270).public_key()).ok());
    }
  }
  // Reopening checks every stored aggregated proof again.
  EXPECT_TRUE(testing::open_engine(path, 1) != nullptr);
}

TEST(CostLedger, TheAggregationRatioFallsAsMoreChainsShareAGatewayBatch) {
  double previous = 2.0;
  for (const int chains : {1, 4, 16}) {
    testing::TempDir dir;
    auto engine = settled_engine(dir.file("zkrouter.db"), chains, 1);
    const auto cost = engine->cost_of_gateway_batch(1);
    ASSERT_TRUE(cost.ok()) << cost.status();
    EXPECT_EQ(cost->covered, static_cast<std::uint32_t>(chains));
    EXPECT_EQ(cost->chains.size(), static_cast<std::size_t>(chains));
    EXPECT_LT(cost->ratio, previous) << chains << " chains";
    previous = cost->ratio;
    std::uint64_t shares = 0;
    for (const ChainCost& c : cost->chains) shares += c.share_gas;
    EXPECT_LE(shares, cost->aggregated_gas);
    EXPECT_GE(shares + cost->chains.size(), cost->aggregated_gas);  // integer division only
    const auto per_chain = engine->cost_of_chain(270);
    ASSERT_TRUE(per_chain.ok());
    EXPECT_EQ(per_chain->batches, 1U);
    if (chains > 1) {
      EXPECT_GT(per_chain->direct_gas, per_chain->share_gas);
    }
  }
  EXPECT_LT(previous, 0.2);  // 16 chains share one proof check and one batch's storage
}

class L1Settlement : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = settled_engine(dir_.file("zkrouter.db"), 2, 3);
    l1_ = std::make_unique<EmbeddedL1>(
        EmbeddedL1Config{.chain_id = 1337,
                         .finality_depth = 3,
                         .settlement_address = settlement_address(),
                         .gateway_chain_id = 506,
                         .gateway_key = testing::test_gateway_key()->public_key()});
  }
  std::unique_ptr<L1Submitter> submitter(SubmitterConfig config = {}) {
    config.settlement_address = settlement_address();
    return std::make_unique<L1Submitter>(
        config, *l1_, submitter_key(), [this](const auto& body) { return engine_->settle(body); });
  }
  // Ticks and mines until `done` or `rounds` rounds pass.
  template <typename Done>
  bool drive(L1Submitter& s, Done done, int rounds = 60) {
    for (int i = 0; i < rounds; ++i) {
      const auto r = s.tick();
      EXPECT_TRUE(r.ok()) << r.status();
      if (done()) return true;
      l1_->mine();
    }
    return done();
  }
  bool all_final() const {
    for (std::uint64_t n = 1; n <= 3; ++n)
      if (engine_->gateway_batch(n)->l1_stage != L1Stage::kFinal) return false;
    return true;
  }
  std::vector<eth::SignedTx> settlement_txs() const {
    std::vector<eth::SignedTx> out;
    for (const auto& tx : l1_->included())
      if (tx.tx.to == settlement_address()) out.push_back(tx);
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<EmbeddedL1> l1_;
};

TEST_F(L1Settlement, GatewayBatchesAreCommittedProvenExecutedAndFinal) {
  auto s = submitter();
  ASSERT_TRUE(drive(*s, [&] { return all_final(); }));
  const SettlementContractState contract = l1_->contract();
  EXPECT_EQ(contract.executed, 3U);
  // Three transactions in all, one per stage, each covering batches 1..3, in nonce order.
  const auto txs = settlement_txs();
  ASSERT_EQ(txs.size(), 3U);
  const l1calls::Action expected[] = {l1calls::Action::kCommit, l1calls::Action::kProve,
                                      l1calls::Action::kExecute};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(txs[i].tx.nonce, i);
    EXPECT_EQ(txs[i].from, submitter_key().address());
    const auto call = l1calls::decode(txs[i].tx.data);
    ASSERT_TRUE(call.ok());
    EXPECT_EQ(call->action, expected[i]);
    EXPECT_EQ(call->first, 1U);
    EXPECT_EQ(call->last, 3U);
  }
  // The prove call carries exactly the stored aggregated proofs.
  merkle::Bytes proofs;
  for (std::uint64_t n = 1; n <= 3; ++n) {
    const merkle::Bytes p = encode(*engine_->aggregated_proof(n));
    proofs.insert(proofs.end(), p.begin(), p.end());
  }
  EXPECT_EQ(l1calls::decode(txs[1].tx.data)->data, proofs);
  // Messages are l1_final and their timeline names each L1 stage.
  const auto status = engine_->status({270, 1, 0});
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->status, "l1_final");
  std::vector<std::string> stages;
  for (const auto& t : status->timeline) stages.push_back(t.stage);
  for (const char* stage : {"gateway_batch_committed", "gateway_batch_proven",
                            "gateway_batch_executed", "gateway_batch_l1_final"})
    EXPECT_NE(std::find(stages.begin(), stages.end(), stage), stages.end()) << stage;
  const auto recorded = engine_->l1_transactions(1, 3);
  ASSERT_TRUE(recorded.ok());
  ASSERT_EQ(recorded->size(), 3U);
  for (const auto& r : *recorded) {
    EXPECT_EQ(r.state, settlement::L1TxState::kFinal);
    EXPECT_TRUE(r.gas_used.has_value());
  }
}

TEST_F(L1Settlement, AStuckTransactionIsReplacedWithHigherFees) {
  auto s = submitter({.stuck_after = std::chrono::milliseconds(1)});
  const auto first = s->tick();  // offers 2 × 1 gwei base fee + 1 gwei tip
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->sent, 1);
  l1_->set_base_fee(10'000'000'000);  // the base fee jumps above the offer: the commit is stuck
  l1_->mine();
  EXPECT_TRUE(settlement_txs().empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  int bumped = 0;
  for (int i = 0; i < 20 && settlement_txs().empty(); ++i) {
    const auto r = s->tick();
    ASSERT_TRUE(r.ok()) << r.status();
    bumped += r->bumped;
    l1_->mine();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(settlement_txs().size(), 1U);
  EXPECT_GE(bumped, 1);
  const auto rows = engine_->l1_transactions(1, 3);
  ASSERT_TRUE(rows.ok());
  ASSERT_GE(rows->size(), 2U);
  EXPECT_EQ(rows->front().state, settlement::L1TxState::kReplaced);
  EXPECT_EQ(rows->front().nonce, rows->back().nonce);
  EXPECT_GT(rows->back().max_fee_per_gas, rows->front().max_fee_per_gas);
  EXPECT_EQ(settlement_txs()[0].hash, rows->back().tx_hash);
  l1_->set_base_fee(1'000'000'000);
  ASSERT_TRUE(drive(*s, [&] { return all_final(); }));
}

TEST_F(L1Settlement, ARestartBetweenPersistAndSendDoesNotSendTwice) {
  {
    auto s = submitter();
    s->skip_next_send_for_test();  // the process "dies" after writing the commit, before sending
    ASSERT_TRUE(s->tick().ok());
  }
  EXPECT_TRUE(settlement_txs().empty());
  l1_->mine();
  // A new submitter (a restarted router) resends the persisted bytes instead of a new commit.
  engine_.reset();
  engine_ = testing::open_engine(dir_.file("zkrouter.db"), 1);
  auto s = submitter();
  ASSERT_TRUE(drive(*s, [&] { return all_final(); }));
  const auto txs = settlement_txs();
  ASSERT_EQ(txs.size(), 3U);
  std::set<std::uint64_t> nonces;
  for (const auto& tx : txs) nonces.insert(tx.tx.nonce);
  EXPECT_EQ(nonces.size(), 3U);
  EXPECT_EQ(engine_->l1_transactions(1, 3)->size(), 3U);
}

TEST_F(L1Settlement, AReorgRollsStagesBackAndTheTransactionIsResent) {
  auto s = submitter();
  // Commit and prove get in; then both blocks are reorganized away.
  ASSERT_TRUE(drive(*s, [&] { return engine_->gateway_batch(1)->l1_stage == L1Stage::kProven; }));
  const std::int64_t before = engine_->last_event_seq();
  ASSERT_TRUE(l1_->reorg(2).ok());
  EXPECT_EQ(l1_->contract().proven, 0U);
  const auto r = s->tick();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(r->rolled_back, 1);
  EXPECT_TRUE(testing::has_event_after(*engine_, before, EventKind::kL1Rollback));
  EXPECT_LT(engine_->gateway_batch(1)->l1_stage, L1Stage::kProven);
  EXPECT_EQ(engine_->status({270, 1, 0})->status == "l1_final", false);
  ASSERT_TRUE(drive(*s, [&] { return all_final(); }));
  // Still exactly one commit, one prove and one execute on the canonical chain.
  EXPECT_EQ(settlement_txs().size(), 3U);
}

TEST(EmbeddedL1, RevertsCallsOutOfOrderAndProofsNotSignedByTheGateway) {
  testing::TempDir dir;
  auto engine = settled_engine(dir.file("zkrouter.db"), 1, 1);
  EmbeddedL1 l1({.settlement_address = settlement_address(),
                 .gateway_chain_id = 506,
                 .gateway_key = testing::prover_key_for(270).public_key()});  // the wrong key
  const secp256k1::PrivateKey key = submitter_key();
  const auto send = [&](l1calls::Action action, merkle::Bytes data, std::uint64_t nonce) {
    eth::Eip1559Tx tx{
        .chain_id = 1337,
        .nonce = nonce,
        .max_priority_fee_per_gas = 1'000'000'000,
        .max_fee_per_gas = 5'000'000'000,
        .gas_limit = 2'000'000,
        .to = settlement_address(),
        .data = l1calls::encode(
            {.action = action, .chain_id = 506, .first = 1, .last = 1, .data = data})};
    const auto signed_tx = eth::sign(tx, key);
    EXPECT_TRUE(l1.send_raw(signed_tx->raw).ok());
    l1.mine();
    return *l1.receipt(signed_tx->hash);
  };
  const GatewayBatch g = *engine->gateway_batch(1);
  // Execute before commit: reverted.
  EXPECT_FALSE(send(l1calls::Action::kExecute, l1calls::execute_payload({&g, 1}), 0)->success);
  EXPECT_TRUE(send(l1calls::Action::kCommit, l1calls::commit_payload({&g, 1}), 1)->success);
  // The proof is signed by the real Gateway key, not the one this L1 trusts: reverted.
  EXPECT_FALSE(send(l1calls::Action::kProve, encode(*engine->aggregated_proof(1)), 2)->success);
  EXPECT_EQ(l1.contract().proven, 0U);
}

}  // namespace
}  // namespace zkr::settlement

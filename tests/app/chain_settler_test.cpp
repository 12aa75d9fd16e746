// A chain settling on L1 itself: its operator settles through its own L1Settlement instance on the
// embedded L1 (the contract's model), and the router's L1 watch turns each execution into
// l1_final once its L1 block is final — not before, not after a reorg that undid it, never with
// a root other than the router's; back from the Gateway, the contract resumes after the
// batches settled there.

#include <gtest/gtest.h>

#include "app/chain_settler.hpp"
#include "merkle/keccak.hpp"
#include "router/l1_watch.hpp"
#include "settlement/ethereum/embedded_l1.hpp"
#include "tests/support/engine_fixtures.hpp"

namespace zkr::app {
namespace {

using settlement::SettlementLayer;
constexpr std::uint64_t kChain = 280;
// Blocks come every 20 ms and the operator looks for receipts every 100 ms: deep enough that
// its transactions are not final by the time it returns.
constexpr std::uint64_t kFinalityDepth = 32;

class ChainOnL1 : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("zkrouter.db");
    engine_ = testing::open_engine(path_, 1);
    contract_.fill(0x28);
    operator_ = std::make_shared<const settlement::secp256k1::PrivateKey>(
        *settlement::secp256k1::PrivateKey::from_bytes(
            merkle::keccak256(std::string_view("chain 280 operator"))));
    auto registration = testing::registration_for(kChain);
    registration.l1_contract = contract_;
    ASSERT_TRUE(engine_->register_chain(registration).ok());
    l1_ = std::make_unique<settlement::EmbeddedL1>(settlement::EmbeddedL1Config{
        .block_time = std::chrono::milliseconds(20), .finality_depth = kFinalityDepth});
    ASSERT_TRUE(l1_->add_settlement(contract_, kChain, testing::prover_key_for(kChain).public_key(),
                                    operator_->address())
                    .ok());
    l1_->start_mining();
    settler_ = std::make_unique<ChainSettler>(
        ChainSettler::Config{.chain_id = kChain,
                             .contract = contract_,
                             .read_counters = [this]() -> absl::StatusOr<ChainSettler::Counters> {
                               const auto s = l1_->contract(contract_);
                               return ChainSettler::Counters{s.committed, s.proven, s.executed};
                             }},
        *engine_, *l1_, operator_,
        std::make_shared<const settlement::secp256k1::PrivateKey>(testing::prover_key_for(kChain)));
    watch_ = std::make_unique<router::L1Watch>(*engine_, *l1_);
  }
  void TearDown() override { l1_->stop_mining(); }

  void record_and_execute(std::uint64_t batch) {
    ASSERT_TRUE(engine_->ingest(testing::generated_batch(kChain, batch, 3)).ok());
    testing::settle_batch(*engine_, kChain, batch);
  }
  std::string status_of(std::uint64_t batch) {
    const auto s = engine_->status({kChain, batch, 0});
    return s.ok() ? s->status : std::string(s.status().message());
  }
  // Polls until the L1 has finalized everything mined so far.
  std::size_t poll_once_final() {
    const std::uint64_t target = *l1_->head();
    while (*l1_->finalized() < target) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto pass = watch_->poll();
    EXPECT_TRUE(pass.ok()) << pass.status();
    EXPECT_TRUE(pass->problems.empty());
    return pass.ok() ? pass->became_final.size() : 0;
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<router::Engine> engine_;
  merkle::Address contract_{};
  std::shared_ptr<const settlement::secp256k1::PrivateKey> operator_;
  std::unique_ptr<settlement::EmbeddedL1> l1_;
  std::unique_ptr<ChainSettler> settler_;
  std::unique_ptr<router::L1Watch> watch_;
};

TEST_F(ChainOnL1, ExecutionsOnL1BecomeL1FinalOnlyOnceTheirBlockIsFinal) {
  record_and_execute(1);
  record_and_execute(2);
  EXPECT_EQ(status_of(1), "batch_executed");
  EXPECT_NE(engine_->status({kChain, 1, 0})->waiting_for.find("L1"), std::string::npos);

  // Nothing on L1 yet: nothing becomes final.
  auto pass = watch_->poll();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_TRUE(pass->became_final.empty());

  const auto did = settler_->step();
  ASSERT_TRUE(did.ok()) << did.status();
  EXPECT_EQ(*did, "settled batches 1..2");
  const auto state = l1_->contract(contract_);
  EXPECT_EQ(state.executed, 2u);
  EXPECT_EQ(state.roots.at(2), engine_->batch(kChain, 2)->chain_batch_root);
  // Executed on L1 but within the finality depth: still batch_executed.
  pass = watch_->poll();
  ASSERT_TRUE(pass.ok());
  EXPECT_TRUE(pass->became_final.empty());
  EXPECT_EQ(status_of(2), "batch_executed");

  EXPECT_EQ(poll_once_final(), 2u);
  EXPECT_EQ(status_of(1), "l1_final");
  EXPECT_EQ(status_of(2), "l1_final");
  EXPECT_TRUE(engine_->l1_batch_final(kChain, 2).value());
  const auto timeline = engine_->status({kChain, 2, 0})->timeline;
  ASSERT_FALSE(timeline.empty());
  EXPECT_EQ(timeline.back().stage, "l1_batch_final");
  // Recorded once: another pass adds nothing.
  EXPECT_EQ(poll_once_final(), 0u);
  EXPECT_EQ(settler_->step().value(), "");
}

TEST_F(ChainOnL1, AnExecutionUndoneByAReorgBeforeFinalityIsNotCounted) {
  record_and_execute(1);
  ASSERT_TRUE(settler_->step().ok());
  l1_->stop_mining();
  // A reorg from the execute transaction's block on drops it (and only it: commit and prove were
  // mined before).
  const auto executions =
      l1_->logs({.address = contract_,
                 .topics = {merkle::keccak256(std::string_view("BlockExecution(uint256,bytes32)"))},
                 .to_block = *l1_->head()});
  ASSERT_TRUE(executions.ok());
  ASSERT_EQ(executions->size(), 1u);
  ASSERT_TRUE(l1_->reorg(*l1_->head() - executions->front().block_number + 1).ok());
  EXPECT_EQ(l1_->contract(contract_).executed, 0u);
  EXPECT_EQ(l1_->contract(contract_).proven, 1u);
  for (std::uint64_t i = 0; i <= kFinalityDepth; ++i) l1_->mine();
  auto pass = watch_->poll();
  ASSERT_TRUE(pass.ok());
  EXPECT_TRUE(pass->became_final.empty());
  EXPECT_EQ(status_of(1), "batch_executed");
  // The operator completes what the reorg undid (execute only) and it counts once final.
  l1_->start_mining();
  const auto did = settler_->step();
  ASSERT_TRUE(did.ok()) << did.status();
  EXPECT_EQ(poll_once_final(), 1u);
  EXPECT_EQ(status_of(1), "l1_final");
}

TEST_F(ChainOnL1, BackFromTheGatewayTheContractResumesAfterTheBatchesSettledThere) {
  record_and_execute(1);
  ASSERT_TRUE(settler_->step().ok());
  ASSERT_TRUE(engine_->migrate_chain(kChain, SettlementLayer::kGateway).ok());
  record_and_execute(2);                    // on the Gateway
  EXPECT_EQ(settler_->step().value(), "");  // nothing for L1 while it stays there
  ASSERT_TRUE(engine_->migrate_chain(kChain, SettlementLayer::kL1).ok());
  record_and_execute(3);
  const auto did = settler_->step();
  ASSERT_TRUE(did.ok()) << did.status();
  EXPECT_EQ(*did, "resumed after batch 2; settled batches 3..3");
  EXPECT_EQ(l1_->contract(contract_).executed, 3u);
  EXPECT_EQ(l1_->contract(contract_).roots.count(2), 0u);
  EXPECT_EQ(poll_once_final(), 2u);  // batches 1 and 3
  EXPECT_EQ(status_of(3), "l1_final");
  EXPECT_FALSE(engine_->l1_batch_final(kChain, 2).value());
}

TEST_F(ChainOnL1, ARootL1DisagreesWithIsRefusedAndNothingIsStored) {
  record_and_execute(1);
  const std::string before = testing::database_digest(path_);
  merkle::Word wrong = engine_->batch(kChain, 1)->chain_batch_root;
  wrong[0] ^= 1;
  const absl::Status s =
      engine_->record_l1_final(kChain, 1, {.contract = contract_, .root = wrong});
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("executed on L1 with root"), std::string::npos) << s;
  EXPECT_EQ(testing::database_digest(path_), before);
  // A batch on the Gateway, or not executed, is refused too.
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(kChain, 2, 1)).ok());
  EXPECT_EQ(engine_->record_l1_final(kChain, 2, {.root = wrong}).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace zkr::app

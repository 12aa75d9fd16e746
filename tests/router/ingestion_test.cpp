// Ingestion: every kind of malformed or inconsistent batch gets its specific error and leaves the
// database's content exactly as it was; exact resubmission is a no-op; faults roll back whole.

#include <gtest/gtest.h>

#include <sched.h>

#include <atomic>

#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/log.hpp"
#include "merkle/status.hpp"
#include "settlement/store/database.hpp"
#include "tests/support/engine_fixtures.hpp"

namespace zkr::router {
namespace {

using settlement::SettlementLayer;

class Ingestion : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.database("zkrouter.db");
    engine_ = testing::open_engine(path_, 1);
    for (const std::uint64_t chain : {270, 271}) {
      ASSERT_TRUE(testing::launch_chain(*engine_, chain).ok());
    }
    ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, 1, 5)).ok());
  }

  // Submits `batch`, expects `code` with `fragment` in the message, and no change on disk.
  void expect_rejected(SealedBatch batch, absl::StatusCode code, std::string_view fragment) {
    const std::string before = testing::database_digest(path_);
    const auto result = engine_->ingest(std::move(batch));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), code) << result.status();
    EXPECT_NE(to_std(result.status().message()).find(fragment), std::string::npos)
        << result.status();
    EXPECT_EQ(testing::database_digest(path_), before) << "a rejected batch changed the database";
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(Ingestion, LocalRootMismatchNamesBothValues) {
  SealedBatch b = testing::generated_batch(270, 2, 4);
  const merkle::Word computed = b.local_root;
  b.local_root[0] ^= 1;
  expect_rejected(b, absl::StatusCode::kInvalidArgument,
                  "localRoot mismatch: claimed " + merkle::to_hex(b.local_root) + ", computed " +
                      merkle::to_hex(computed));
}

TEST_F(Ingestion, ChainBatchRootMismatchNamesBothValues) {
  SealedBatch b = testing::generated_batch(270, 2, 4);
  const merkle::Word computed = b.chain_batch_root;
  b.aggregated_root[3] ^= 1;  // the claimed root no longer matches H(localRoot, agg)
  expect_rejected(b, absl::StatusCode::kInvalidArgument,
                  "chainBatchRoot mismatch: claimed " + merkle::to_hex(computed));
}

TEST_F(Ingestion, MessageBodyMustHashToTheLogValue) {
  SealedBatch b = testing::generated_batch(270, 2, 3);
  (*b.logs[1].message)[0] ^= 1;
  expect_rejected(b, absl::StatusCode::kInvalidArgument, "log 1: keccak(message) is");
}

TEST_F(Ingestion, MessengerLogsNeedBodiesAndOthersHaveNone) {
  SealedBatch b = testing::generated_batch(270, 2, 3);
  b.logs[2].message.reset();
  expect_rejected(b, absl::StatusCode::kInvalidArgument,
                  "log 2: an L1Messenger log needs its message body");
  SealedBatch c = testing::generated_batch(270, 2, 3);
  c.logs[0].log.sender = merkle::kBootloaderAddress;
  testing::reseal(c);
  expect_rejected(c, absl::StatusCode::kInvalidArgument, "log 0: a message body is only allowed");
}

TEST_F(Ingestion, LogsMustBeInEmissionOrder) {
  SealedBatch b = testing::generated_batch(270, 2, 3);
  std::swap(b.logs[0], b.logs[2]);
  testing::reseal(b);
  expect_rejected(b, absl::StatusCode::kInvalidArgument,
                  "log 1: txNumberInBatch 1 goes back from 2");
}

TEST_F(Ingestion, RejectsUnsupportedProtocolVersionsAndOversizeBatches) {
  SealedBatch b = testing::generated_batch(270, 2, 1);
  b.protocol_version = 22;
  expect_rejected(b, absl::StatusCode::kInvalidArgument, "protocol version 22 is not supported");
  SealedBatch big = testing::generated_batch(270, 2, 1);
  big.logs.resize(merkle::kLogTreeLeaves + 1, big.logs[0]);
  expect_rejected(big, absl::StatusCode::kInvalidArgument, "at most 16384 L2->L1 logs, got 16385");
}

TEST_F(Ingestion, RejectsUnknownChainsGapsAndForks) {
  expect_rejected(testing::generated_batch(999, 1, 2), absl::StatusCode::kNotFound,
                  "unknown chain 999");
  expect_rejected(testing::generated_batch(270, 3, 2), absl::StatusCode::kFailedPrecondition,
                  "gap: chain 270 expects batch 2 next, got batch 3");
  expect_rejected(testing::generated_batch(270, 1, 5, /*seed=*/1), absl::StatusCode::kAlreadyExists,
                  "fork: batch 1 of chain 270 is already recorded with different content");
}

TEST_F(Ingestion, ExactResubmissionIsANoOp) {
  const std::string before = testing::database_digest(path_);
  const auto again = engine_->ingest(testing::generated_batch(270, 1, 5));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(testing::database_digest(path_), before);
}

// The writer gives way every GiveWay::kLogsPerStep logs in each of its steps: checking the batch
// (and once more after its tree), hashing its content (every kLogsPerStep logs, then every
// kLogsPerStep transactions), storing it (one INSERT per step) and indexing it (one hold of the
// index's lock per step), so no step holds a core for more than kLogsPerStep logs' work. Then the
// commit gives way as it writes the batch's pages (counted apart: the pages are SQLite's).
std::atomic<int> g_give_ways{0};

constexpr std::size_t kStep = GiveWay::kLogsPerStep;
constexpr std::size_t kLogs = 1000;
constexpr std::size_t kSteps = (kLogs + kStep - 1) / kStep;  // the last one partial
static_assert(kLogs % kStep != 0, "a partial last step is part of what is tested");

// Give-ways while checking a batch of kLogs logs with `transactions` transactions.
std::size_t checking_give_ways(std::size_t transactions) {
  return kLogs / kStep + 1 + kLogs / kStep + transactions / kStep;
}

TEST(GiveWay, TheWriterGivesWayEveryStepOfEachPart) {
  const GiveWay counting([] { g_give_ways++; });
  testing::TempDir dir;
  const auto engine = testing::open_engine(dir.database("zkrouter.db"), 1, counting,
                                           std::chrono::milliseconds(0), /*commit_in_steps=*/false);
  ASSERT_TRUE(testing::launch_chain(*engine, 270).ok());
  const std::size_t transactions = testing::generated_batch(270, 1, kLogs).transactions.size();

  g_give_ways = 0;
  const auto checked = validate_batch(testing::generated_batch(270, 1, kLogs), counting);
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(g_give_ways, checking_give_ways(transactions));

  g_give_ways = 0;
  const auto ingested = engine->ingest(testing::generated_batch(270, 1, kLogs));
  ASSERT_TRUE(ingested.ok()) << ingested.status();
  // checked, stored in kSteps INSERTs, indexed in kSteps holds
  EXPECT_EQ(g_give_ways, checking_give_ways(transactions) + kSteps + kSteps);

  g_give_ways = 0;  // an exact resubmission is checked again, and nothing more
  ASSERT_TRUE(engine->ingest(testing::generated_batch(270, 1, kLogs)).ok());
  EXPECT_EQ(g_give_ways, checking_give_ways(transactions));

  // With the commit in steps: at least one more give-way per kWritesPerCommitStep writes of the
  // batch's packed logs alone (two writes a page: a WAL frame's header and its page).
  const auto stepping = testing::open_engine(dir.database("steps.db"), 1, counting);
  ASSERT_TRUE(testing::launch_chain(*stepping, 270).ok());
  g_give_ways = 0;
  ASSERT_TRUE(stepping->ingest(testing::generated_batch(270, 1, kLogs)).ok());
  const std::size_t log_pages = kLogs * sizeof(merkle::PackedLog) / 4096;
  EXPECT_GE(g_give_ways, checking_give_ways(transactions) + kSteps + kSteps +
                             2 * log_pages / settlement::DatabaseOptions::kWritesPerCommitStep);
}

// With a background budget, a batch is checked, stored and indexed at SCHED_IDLE (every step seen
// from inside, through GiveWay), and the thread is back at its own policy once it is acknowledged.
std::atomic<int> g_steps_at_idle{0}, g_steps_not_at_idle{0};

TEST(BackgroundWriter, TheEngineIngestsABatchAtIdlePriority) {
  if (!router::BackgroundWriter::permitted()) GTEST_SKIP() << router::BackgroundWriter::kNeeds;
  const GiveWay looking(
      [] { (sched_getscheduler(0) == SCHED_IDLE ? g_steps_at_idle : g_steps_not_at_idle)++; });
  testing::TempDir dir;
  const auto engine = testing::open_engine(dir.database("zkrouter.db"), 1, looking,
                                           std::chrono::milliseconds(60'000),
                                           /*commit_in_steps=*/false);
  ASSERT_TRUE(testing::launch_chain(*engine, 270).ok());
  ASSERT_EQ(sched_getscheduler(0), SCHED_OTHER);
  const router::SealedBatch batch = testing::generated_batch(270, 1, kLogs);
  const std::size_t transactions = batch.transactions.size();
  const auto ingested = engine->ingest(batch);
  ASSERT_TRUE(ingested.ok()) << ingested.status();
  // every step of checking, storing and indexing
  EXPECT_EQ(g_steps_at_idle, checking_give_ways(transactions) + kSteps + kSteps);
  EXPECT_EQ(g_steps_not_at_idle, 0);
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  EXPECT_EQ(engine->batches_raised(), 0U);  // a minute is far from over
}

TEST_F(Ingestion, AFailedWriteAtAnyPointLeavesNothingBehind) {
  // The batch below takes 2 + 2 x 5 writes (its event and row, then its 70 messages' events and
  // logs, GiveWay::kLogsPerStep rows to a statement); fail each one in turn.
  const int writes =
      2 + 2 * static_cast<int>((70 + GiveWay::kLogsPerStep - 1) / GiveWay::kLogsPerStep);
  for (int n = 1; n <= writes; ++n) {
    const std::string before = testing::database_digest(path_);
    engine_->inject_write_fault(n);
    const auto result = engine_->ingest(testing::generated_batch(270, 2, 70));
    ASSERT_FALSE(result.ok()) << "write " << n;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << result.status();
    EXPECT_EQ(testing::database_digest(path_), before) << "write " << n;
    EXPECT_FALSE(engine_->batch(270, 2).has_value());
  }
  engine_->inject_write_fault(writes + 1);  // one past the last: the batch goes in whole
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, 2, 70)).ok());
  engine_->inject_write_fault(0);
  EXPECT_EQ(engine_->message({270, 2, 69})->id.log_index, 69U);
}

TEST_F(Ingestion, AFailedGatewayExecutionRollsBackMemoryToo) {
  ASSERT_TRUE(engine_->commit_batch(270, 1).ok());
  ASSERT_TRUE(engine_->prove_batch(270, 1, testing::validity_proof(*engine_, 270, 1)).ok());
  engine_->inject_write_fault(1);
  EXPECT_FALSE(engine_->execute_batch(270, 1).ok());
  // The engine reloaded: the batch is proven, not executed, and executing again works.
  EXPECT_EQ(engine_->batch(270, 1)->stage, settlement::BatchStage::kProven);
  const auto block = engine_->execute_batch(270, 1);
  ASSERT_TRUE(block.ok());
  ASSERT_TRUE(engine_->seal_block().ok());
  EXPECT_TRUE(engine_->proof({270, 1, 0}, ProofTarget::kGateway).ok());
}

TEST_F(Ingestion, LifecycleCallsAreCheckedInOrder) {
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, 2, 1)).ok());
  auto s = engine_->commit_batch(270, 2);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("in order: batch 1 is next"), std::string::npos) << s;
  s = engine_->execute_batch(270, 1).status();
  EXPECT_NE(
      s.message().find("batch 1 of chain 270 is recorded; only a proven batch can become executed"),
      std::string::npos)
      << s;
  ASSERT_TRUE(engine_->commit_batch(270, 1).ok());
  s = engine_->prove_batch(270, 1, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("validity proof rejected"), std::string::npos) << s;
  EXPECT_EQ(engine_->commit_batch(270, 9).code(), absl::StatusCode::kNotFound);
}

TEST_F(Ingestion, CredentialsAreCheckedWithoutLeakingThem) {
  EXPECT_TRUE(engine_->check_credential(270, testing::credential_for(270)).ok());
  const auto wrong = engine_->check_credential(270, testing::credential_for(271));
  EXPECT_EQ(wrong.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(wrong.message().find("operator-secret"), std::string::npos);
  EXPECT_EQ(engine_->check_credential(999, "x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(engine_->register_chain({.chain_id = 280, .credential = "short"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->register_chain(testing::registration_for(270)).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(engine_->register_chain(testing::registration_for(506)).code(),
            absl::StatusCode::kInvalidArgument);
}

// Chains launch on L1 (genesis settled there) and reach the Gateway only by migrating; the history
// keeps both, across a restart, and the batch's layer follows the migration.
TEST_F(Ingestion, AChainLaunchesOnL1AndReachesTheGatewayOnlyByMigrating) {
  merkle::Address contract{};
  contract.fill(0xc5);
  auto registration = testing::registration_for(290);
  registration.l1_contract = contract;
  ASSERT_TRUE(engine_->register_chain(registration).ok());
  const auto launched = engine_->chain(290);
  ASSERT_TRUE(launched.has_value());
  EXPECT_EQ(launched->layer, SettlementLayer::kL1);
  EXPECT_EQ(launched->history,
            (std::vector<std::pair<std::uint64_t, SettlementLayer>>{{1, SettlementLayer::kL1}}));
  EXPECT_EQ(launched->l1_contract, contract);
  ASSERT_TRUE(engine_->migrate_chain(290, SettlementLayer::kGateway).ok());
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(290, 1, 2)).ok());
  EXPECT_EQ(engine_->batch(290, 1)->layer, SettlementLayer::kGateway);

  engine_.reset();
  engine_ = testing::open_engine(path_, 1);
  const auto reopened = engine_->chain(290);
  ASSERT_TRUE(reopened.has_value());
  EXPECT_EQ(reopened->layer, SettlementLayer::kGateway);
  EXPECT_EQ(reopened->history, (std::vector<std::pair<std::uint64_t, SettlementLayer>>{
                                   {1, SettlementLayer::kL1}, {1, SettlementLayer::kGateway}}));
  EXPECT_EQ(reopened->l1_contract, contract);
  EXPECT_EQ(engine_->chain(270)->l1_contract, std::nullopt);
  EXPECT_EQ(engine_->batch(290, 1)->layer, SettlementLayer::kGateway);
}

TEST_F(Ingestion, MigrationWaitsForABatchBoundary) {
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, 2, 1)).ok());
  auto s = engine_->migrate_chain(270, SettlementLayer::kL1);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("batches 1..2 not executed"), std::string::npos) << s;
  for (std::uint64_t b : {1, 2}) {
    ASSERT_TRUE(engine_->commit_batch(270, b).ok());
    ASSERT_TRUE(engine_->prove_batch(270, b, testing::validity_proof(*engine_, 270, b)).ok());
    ASSERT_TRUE(engine_->execute_batch(270, b).ok());
  }
  ASSERT_TRUE(engine_->migrate_chain(270, SettlementLayer::kL1).ok());
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, 3, 1)).ok());
  EXPECT_EQ(engine_->batch(270, 3)->layer, SettlementLayer::kL1);
  EXPECT_EQ(engine_->batch(270, 2)->layer, SettlementLayer::kGateway);
  // Back to the Gateway: the chain keeps its shared-tree index and its tree.
  ASSERT_TRUE(engine_->commit_batch(270, 3).ok());
  ASSERT_TRUE(engine_->prove_batch(270, 3, testing::validity_proof(*engine_, 270, 3)).ok());
  ASSERT_TRUE(engine_->execute_batch(270, 3).ok());
  ASSERT_TRUE(engine_->migrate_chain(270, SettlementLayer::kGateway).ok());
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, 4, 1)).ok());
  ASSERT_TRUE(engine_->commit_batch(270, 4).ok());
  ASSERT_TRUE(engine_->prove_batch(270, 4, testing::validity_proof(*engine_, 270, 4)).ok());
  ASSERT_TRUE(engine_->execute_batch(270, 4).ok());
  EXPECT_EQ(engine_->batch(270, 4)->chain_tree_index, 2U);  // after batches 1 and 2
}

}  // namespace
}  // namespace zkr::router

// Disk-full and I/O errors injected in the store's file layer (a SQLite VFS over the real one):
// at every write-type call of every step the engine takes — ingestion, Gateway commit / prove /
// execute, block sealing, Gateway batch sealing, L1 bookkeeping — the step fails with a clear,
// retryable error, the database is byte-for-byte what it was, the engine keeps answering reads and
// takes the same step once the disk works again. A disk that stays full refuses every write and
// serves every read. A reopened database recomputes and matches everything.

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>

#include "merkle/verifier.hpp"
#include "settlement/ethereum/l1_submitter.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/fault_vfs.hpp"

namespace zkr::router {
namespace {

using testing::faults::Fault;

struct Step {
  std::string name;
  std::function<absl::Status(Engine&)> run;
};

template <typename T>
absl::Status status_of(const absl::StatusOr<T>& s) {
  return s.status();
}

// One Gateway cycle for chains 270 and 271: everything the engine writes in normal operation.
std::vector<Step> cycle(std::uint64_t b) {
  std::vector<Step> steps;
  for (const std::uint64_t chain : {270, 271}) {
    const std::string batch = " " + std::to_string(chain) + ":" + std::to_string(b);
    steps.push_back({"ingest" + batch, [=](Engine& e) {
                       return status_of(e.ingest(testing::generated_batch(chain, b, 6 + b)));
                     }});
    steps.push_back({"commit" + batch, [=](Engine& e) { return e.commit_batch(chain, b); }});
    steps.push_back({"prove" + batch, [=](Engine& e) {
                       return e.prove_batch(chain, b, testing::validity_proof(e, chain, b));
                     }});
    steps.push_back(
        {"execute" + batch, [=](Engine& e) { return status_of(e.execute_batch(chain, b)); }});
  }
  const std::string cycle_name = " (cycle " + std::to_string(b) + ")";
  steps.push_back({"seal block" + cycle_name, [](Engine& e) { return status_of(e.seal_block()); }});
  steps.push_back({"seal Gateway batch" + cycle_name,
                   [](Engine& e) { return status_of(e.seal_gateway_batch()); }});
  // What the L1 submitter writes: a transaction record and a stage change, in one transaction.
  steps.push_back({"L1 bookkeeping" + cycle_name, [b](Engine& e) {
                     return e.settle([&](settlement::GatewayWriter& w) {
                       return w.set_l1_stage(b, settlement::L1Stage::kCommitted,
                                             R"("action":"commit")");
                     });
                   }});
  return steps;
}

class StoreFaults : public ::testing::TestWithParam<Fault> {
 protected:
  static void SetUpTestSuite() { testing::faults::install(); }
  void SetUp() override {
    engine_ = testing::open_engine(path_, 1);
    for (const std::uint64_t chain : {270, 271})
      ASSERT_TRUE(testing::launch_chain(*engine_, chain).ok());
  }
  void TearDown() override { testing::faults::disarm(); }

  // Fails `step` at its 1st, 2nd, … write-type call until it gets through; returns how many
  // calls were failed.
  int fail_at_every_write(const Step& step) {
    const std::string expected =
        GetParam() == Fault::kDiskFull ? "database or disk is full" : "disk I/O error";
    for (int n = 1; n < 200; ++n) {
      const std::string before = testing::database_digest(path_);
      const std::int64_t events = engine_->last_event_seq();
      testing::faults::arm(GetParam(), n);
      const absl::Status s = step.run(*engine_);
      const bool fired = testing::faults::fired() > 0;
      testing::faults::disarm();
      if (!fired) {
        EXPECT_TRUE(s.ok()) << step.name << ": " << s;
        return n - 1;
      }
      EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable)
          << step.name << " call " << n << ": " << s;
      EXPECT_NE(s.message().find(expected), std::string::npos) << s;
      EXPECT_EQ(testing::database_digest(path_), before) << step.name << " call " << n;
      EXPECT_EQ(engine_->last_event_seq(), events) << step.name << " call " << n;
      if (HasFailure()) return n;
    }
    ADD_FAILURE() << step.name << " never got through";
    return 0;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.file("faults.db");
  std::unique_ptr<Engine> engine_;
};

TEST_P(StoreFaults, AFaultAtAnyWriteOfAnyStepLeavesNothingBehindAndTheStepThenSucceeds) {
  std::map<std::string, int> failed_calls;
  int total = 0;
  for (std::uint64_t b = 1; b <= 2; ++b) {
    for (const Step& step : cycle(b)) {
      const int n = fail_at_every_write(step);
      if (HasFailure()) return;
      EXPECT_GE(n, 1) << step.name << " wrote nothing";
      failed_calls[step.name] = n;
      total += n;
    }
  }
  std::string summary;
  for (const auto& [name, n] : failed_calls) summary += " " + name + "=" + std::to_string(n);
  std::printf("write calls failed, per step:%s\n", summary.c_str());
  EXPECT_GE(total, 40);
  // The state reached through all those failures is what a fresh engine recomputes from disk,
  // and its proofs verify.
  const auto root = engine_->interop_root(*engine_->last_sealed_block());
  ASSERT_TRUE(root.ok());
  engine_.reset();
  engine_ = testing::open_engine(path_, 1);
  EXPECT_EQ(*engine_->interop_root(*engine_->last_sealed_block()), *root);
  EXPECT_EQ(engine_->gateway_batch(2)->l1_stage, settlement::L1Stage::kCommitted);
  for (const std::uint64_t chain : {270, 271}) {
    for (std::uint64_t b = 1; b <= 2; ++b) {
      const auto info = engine_->batch(chain, b);
      ASSERT_TRUE(info.has_value());
      EXPECT_EQ(info->stage, settlement::BatchStage::kExecuted);
      EXPECT_EQ(info->chain_batch_root, testing::generated_batch(chain, b, 6 + b).chain_batch_root);
      const auto proof = engine_->proof({chain, b, 0}, ProofTarget::kGateway);
      ASSERT_TRUE(proof.ok()) << proof.status();
      const auto row = engine_->message({chain, b, 0});
      EXPECT_TRUE(merkle::verify_log(chain, b, 0, row->log, proof->proof,
                                     [&](const merkle::Word&, const merkle::Word& n) {
                                       const auto r = engine_->interop_root(*merkle::to_u64(n));
                                       return r.ok() ? std::optional(*r) : std::nullopt;
                                     })
                      .ok());
    }
  }
  // Exactly once: one batch event and one message event per log.
  const auto events = engine_->events_after(0, 100000);
  ASSERT_TRUE(events.ok());
  std::size_t recorded = 0, messages = 0;
  for (const auto& e : *events) {
    recorded += e.kind == settlement::EventKind::kBatchRecorded;
    messages += e.kind == settlement::EventKind::kMessageRecorded;
  }
  EXPECT_EQ(recorded, 4U);
  EXPECT_EQ(messages, 7U + 7U + 8U + 8U);
}

TEST_P(StoreFaults, AStoreThatKeepsFailingRefusesWritesAndStillServesReads) {
  for (const Step& step : cycle(1)) ASSERT_TRUE(step.run(*engine_).ok()) << step.name;
  const auto proof = engine_->proof({270, 1, 0}, ProofTarget::kGateway);
  ASSERT_TRUE(proof.ok());
  const std::string before = testing::database_digest(path_);
  testing::faults::arm(GetParam(), 1, /*sticky=*/true);
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto r = engine_->ingest(testing::generated_batch(270, 2, 5));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
    EXPECT_FALSE(engine_->seal_block().ok());
    // Reads are untouched by a failing disk.
    const auto again = engine_->proof({270, 1, 0}, ProofTarget::kGateway);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->proof, proof->proof);
    EXPECT_TRUE(engine_->message({271, 1, 3}).ok());
  }
  testing::faults::disarm();
  EXPECT_EQ(testing::database_digest(path_), before);
  // Space comes back: the same submission goes through, once.
  const auto r = engine_->ingest(testing::generated_batch(270, 2, 5));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->duplicate);
  EXPECT_TRUE(engine_->ingest(testing::generated_batch(270, 2, 5))->duplicate);
  EXPECT_EQ(engine_->chain(270)->last_recorded, 2U);
}

INSTANTIATE_TEST_SUITE_P(Faults, StoreFaults, ::testing::Values(Fault::kDiskFull, Fault::kIoError),
                         [](const auto& p) {
                           return p.param == Fault::kDiskFull ? std::string("DiskFull")
                                                              : std::string("IoError");
                         });

}  // namespace
}  // namespace zkr::router

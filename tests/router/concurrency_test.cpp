// Commits never hold up reads: while a write transaction is open (its body running, its commit
// not yet made) every in-memory read answers, and sees the state before the write; once it
// commits, readers see all of it. A write that fails leaves memory as it was.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "merkle/status.hpp"
#include "tests/support/engine_fixtures.hpp"

namespace zkr::router {
namespace {

using namespace std::chrono_literals;

class Concurrency : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = testing::open_engine(dir_.database("zkrouter.db"));
    testing::replay_scenario(*engine_);
  }
  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(Concurrency, ReadsAreAnsweredWhileAWriteTransactionIsOpen) {
  const std::uint64_t sealed = *engine_->last_sealed_block();
  const auto before = engine_->proof({270, 1, 0}, ProofTarget::kGateway);
  ASSERT_TRUE(before.ok()) << before.status();

  // The write: a Gateway change written, then the body waits for the reader before committing.
  std::promise<void> written, read;
  std::future<void> reader_done = read.get_future();
  std::future<absl::Status> write = std::async(std::launch::async, [&] {
    return engine_->settle([&](settlement::GatewayWriter& w) -> absl::Status {
      ZKR_RETURN_IF_ERROR(w.write(w.gateway().seal_block()).status());
      written.set_value();
      // Holds the transaction open until the reader has its answers (or 20 s pass: then the
      // reader was held up, which the assertions below report).
      reader_done.wait_for(20s);
      return absl::OkStatus();
    });
  });
  written.get_future().wait();
  const auto during = engine_->proof({270, 1, 0}, ProofTarget::kGateway);
  const auto root_during = engine_->interop_root(sealed);
  const auto next_during = engine_->interop_root(sealed + 1);
  const auto status_during = engine_->status({270, 1, 0});
  const auto last_during = engine_->last_sealed_block();
  read.set_value();
  // Had a read waited for the commit, the write would have run to its 20 s wait first.
  ASSERT_EQ(write.wait_for(10s), std::future_status::ready) << "the writer did not finish";
  EXPECT_TRUE(write.get().ok());

  ASSERT_TRUE(during.ok()) << during.status();
  EXPECT_EQ(during->proof, before->proof);
  ASSERT_TRUE(root_during.ok());
  EXPECT_FALSE(next_during.ok()) << "the uncommitted block was visible to a reader";
  EXPECT_TRUE(status_during.ok());
  EXPECT_EQ(last_during, sealed);
  // Committed: the new block is there for every reader.
  EXPECT_EQ(engine_->last_sealed_block(), sealed + 1);
  EXPECT_TRUE(engine_->interop_root(sealed + 1).ok());
}

TEST_F(Concurrency, AFailedWriteLeavesMemoryAsItWas) {
  const std::uint64_t sealed = *engine_->last_sealed_block();
  const std::int64_t events = engine_->last_event_seq();
  const auto stage = engine_->gateway_batch(1)->l1_stage;
  // Steps written, then the transaction fails: nothing of them is applied or published.
  EXPECT_EQ(engine_
                ->settle([&](settlement::GatewayWriter& w) -> absl::Status {
                  ZKR_RETURN_IF_ERROR(w.write(w.gateway().seal_block()).status());
                  return absl::UnavailableError("the disk went away");
                })
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(engine_
                ->settle([&](settlement::GatewayWriter& w) -> absl::Status {
                  ZKR_RETURN_IF_ERROR(w.set_l1_stage(1, settlement::L1Stage::kCommitted, ""));
                  ZKR_RETURN_IF_ERROR(w.set_l1_stage(1, settlement::L1Stage::kProven, ""));
                  EXPECT_EQ(*w.l1_stage(1),
                            settlement::L1Stage::kProven);  // as this transaction left it
                  return absl::UnavailableError("the disk went away");
                })
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(engine_->last_sealed_block(), sealed);
  EXPECT_EQ(engine_->gateway_batch(1)->l1_stage, stage);
  EXPECT_EQ(engine_->last_event_seq(), events);
  // The same steps then succeed, once.
  ASSERT_TRUE(engine_->seal_block().ok());
  EXPECT_EQ(engine_->last_sealed_block(), sealed + 1);
  EXPECT_EQ(engine_->last_event_seq(), events + 1);
}

}  // namespace
}  // namespace zkr::router

// BackgroundWriter: a thread in a scope runs at SCHED_IDLE and comes back to its own policy when
// the scope ends; one still in its scope past the budget is raised by the watchdog; a Foreground
// (a hold of a lock readers wait for) brings it to its own policy for the hold; a scope entered
// inside a scope is part of it.

#include "router/background_writer.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <chrono>
#include <thread>

namespace zkr::router {
namespace {

using std::chrono::milliseconds;

class BackgroundWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!BackgroundWriter::permitted()) GTEST_SKIP() << BackgroundWriter::kNeeds;
    ASSERT_EQ(sched_getscheduler(0), SCHED_OTHER);
  }
};

TEST_F(BackgroundWriterTest, AScopeRunsAtIdlePriorityAndComesBack) {
  BackgroundWriter writer(milliseconds(60'000));
  {
    const BackgroundWriter::Scope scope = writer.enter();
    EXPECT_EQ(sched_getscheduler(0), SCHED_IDLE);
  }
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  EXPECT_EQ(writer.raised(), 0U);

  // A thread at SCHED_BATCH comes back to SCHED_BATCH.
  const sched_param none{};
  ASSERT_EQ(sched_setscheduler(0, SCHED_BATCH, &none), 0);
  {
    const BackgroundWriter::Scope scope = writer.enter();
    EXPECT_EQ(sched_getscheduler(0), SCHED_IDLE);
  }
  EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH);
  ASSERT_EQ(sched_setscheduler(0, SCHED_OTHER, &none), 0);
}

TEST_F(BackgroundWriterTest, AScopeEnteredInsideAScopeIsPartOfIt) {
  BackgroundWriter writer(milliseconds(60'000));
  {
    const BackgroundWriter::Scope outer = writer.enter();  // a batch's decoding
    {
      const BackgroundWriter::Scope inner = writer.enter();  // its ingest
      EXPECT_EQ(sched_getscheduler(0), SCHED_IDLE);
    }
    EXPECT_EQ(sched_getscheduler(0), SCHED_IDLE) << "the inner scope's end left the outer one";
  }
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);

  // Raised inside the outer scope: the inner one does not take the thread back to idle, and a
  // hold inside it still comes back to the thread's own policy.
  BackgroundWriter quick(milliseconds(50));
  {
    const BackgroundWriter::Scope outer = quick.enter();
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (quick.raised() == 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(milliseconds(5));
    ASSERT_EQ(quick.raised(), 1U) << "not raised within 10 s of a 50 ms budget";
    {
      const BackgroundWriter::Scope inner = quick.enter();
      EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
      { const BackgroundWriter::Foreground hold; }
      EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
    }
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  }
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  EXPECT_EQ(quick.raised(), 1U);
}

TEST_F(BackgroundWriterTest, AScopePastItsBudgetIsRaisedToNormalPriority) {
  BackgroundWriter writer(milliseconds(50));
  {
    const BackgroundWriter::Scope scope = writer.enter();
    EXPECT_EQ(sched_getscheduler(0), SCHED_IDLE);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (sched_getscheduler(0) == SCHED_IDLE && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(milliseconds(5));
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER) << "not raised within 10 s of a 50 ms budget";
    EXPECT_EQ(writer.raised(), 1U);
  }
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);

  // Two threads at once, each raised on its own.
  std::thread other([&] {
    const BackgroundWriter::Scope scope = writer.enter();
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  });
  {
    const BackgroundWriter::Scope scope = writer.enter();
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  }
  other.join();
  EXPECT_EQ(writer.raised(), 3U);
}

TEST_F(BackgroundWriterTest, AForegroundHoldRunsAtTheThreadsOwnPolicy) {
  BackgroundWriter writer(milliseconds(60'000));
  {
    const BackgroundWriter::Foreground outside;  // in no scope: nothing changes
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  }
  const sched_param none{};
  ASSERT_EQ(sched_setscheduler(0, SCHED_BATCH, &none), 0);
  {
    const BackgroundWriter::Scope scope = writer.enter();
    for (int round = 0; round < 2; ++round) {
      {
        const BackgroundWriter::Foreground hold;
        EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH);  // its own policy, not SCHED_OTHER
        {
          const BackgroundWriter::Foreground nested;
          EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH);
        }
        EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH) << "the outer hold is still on";
      }
      EXPECT_EQ(sched_getscheduler(0), SCHED_IDLE) << "back in the background after the hold";
    }
  }
  EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH);
  {
    const BackgroundWriter::Foreground after;  // the scope has ended
    EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH);
  }
  ASSERT_EQ(sched_setscheduler(0, SCHED_OTHER, &none), 0);
  EXPECT_EQ(writer.raised(), 0U);
}

TEST_F(BackgroundWriterTest, AHoldThatOutlastsTheBudgetStaysRaisedAfterIt) {
  BackgroundWriter writer(milliseconds(50));
  const BackgroundWriter::Scope scope = writer.enter();
  {
    const BackgroundWriter::Foreground hold;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (writer.raised() == 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(milliseconds(5));
    ASSERT_EQ(writer.raised(), 1U) << "not raised within 10 s of a 50 ms budget";
  }
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER) << "a raised batch does not go back to idle";
}

}  // namespace
}  // namespace zkr::router

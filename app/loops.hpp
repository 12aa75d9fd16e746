#pragma once
// Background work shared by `devnet` and `serve`: a periodic task, the Gateway's sealing step, the
// L1 submitter's step and the watch over chains settling on L1 themselves.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "router/engine.hpp"
#include "router/l1_watch.hpp"
#include "settlement/ethereum/l1_submitter.hpp"

namespace zkr::app {

/// Runs `step` every `interval` (without drift) on a thread of its own until stop() or
/// destruction.
class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds interval, std::function<void()> step);
  ~PeriodicTask() { stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  void stop();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

/// Seals the open Gateway block, and a Gateway batch once `blocks_per_batch` blocks are unbatched.
/// Returns the sealed block's number.
[[nodiscard]] absl::StatusOr<std::uint64_t> seal_gateway_step(router::Engine& engine,
                                                              int blocks_per_batch);

/// One round of the L1 submitter; prints an error once until it changes, and when it clears.
class L1Step {
 public:
  L1Step(settlement::L1Submitter& submitter, std::string who)
      : submitter_(&submitter), who_(std::move(who)) {}
  void operator()();

 private:
  settlement::L1Submitter* submitter_;
  std::string who_;
  std::string last_error_;
};

/// One pass of the L1 watch (router/l1_watch.hpp); logs what became final, and a problem once
/// until it changes. Returns the (chain, batch) pairs that became final.
class L1WatchStep {
 public:
  L1WatchStep(router::Engine& engine, settlement::L1Client& l1, std::string who)
      : watch_(engine, l1), who_(std::move(who)) {}
  std::vector<std::pair<std::uint64_t, std::uint64_t>> operator()();

 private:
  router::L1Watch watch_;
  std::string who_;
  std::string last_problem_;
};

}  // namespace zkr::app

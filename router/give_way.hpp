#pragma once
// The writer's courtesy to readers. A batch costs its writer milliseconds of CPU (checking 1000
// logs, storing them, indexing them); run in one piece, it holds a core while the sockets' thread
// and the clients waiting on it queue behind. Between steps of a batch the writer calls GiveWay:
// if another thread is waiting for this core, it runs first (sched_yield puts the writer behind it
// for one time slice); if none is, the call returns at once and costs a system call.

#include <sched.h>

namespace zkr::router {

class GiveWay {
 public:
  /// Logs per step: checked, hashed, stored (one INSERT statement) or indexed (one hold of its
  /// lock). Small, since a step is what a reader queued on the writer's core may wait for: at 64
  /// a step took 100–200 µs (bench/RESULTS.md, "No long stretches").
  static constexpr unsigned kLogsPerStep = 16;

  /// Does nothing (what tests and tools that are the only thread get by default).
  constexpr GiveWay() noexcept = default;
  /// Calls `yield` between steps (tests count the calls).
  explicit constexpr GiveWay(void (*yield)()) noexcept : yield_(yield) {}
  /// Lets a thread waiting for this core run first.
  static constexpr GiveWay to_waiting_threads() noexcept {
    return GiveWay([] { sched_yield(); });
  }

  /// Whether the calls do anything.
  constexpr bool active() const noexcept { return yield_ != nullptr; }

  void operator()() const {
    if (yield_ != nullptr) yield_();
  }

 private:
  void (*yield_)() = nullptr;
};

}  // namespace zkr::router

#pragma once
// The writer as background work. A batch costs its writer milliseconds of CPU; readers (proofs,
// the sockets' thread, clients on the same machine) want answers in microseconds. While a batch is
// ingested, its thread runs under SCHED_IDLE: it gets a core only when no other thread wants one,
// a thread that wakes preempts it at once, and the kernel counts its core as free when it places a
// woken thread (so a reader is not queued behind the writer while the other core idles). A batch
// still unfinished after `budget` goes on at normal priority (a watchdog thread raises it), so a
// read load that fills every core delays an acknowledgement by about `budget`, never without end.
//
// While it holds a lock that readers wait for, a background thread comes to the foreground (its own
// policy) for the hold: preempted at idle priority with the lock held, it would leave the readers
// waiting until a core fell idle or its budget ran out (priority inversion).
//
// Raising a thread back from SCHED_IDLE needs CAP_SYS_NICE or an RLIMIT_NICE of at least 20
// (sched(7)); permitted() tells whether this process has it.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

namespace zkr::router {

class BackgroundWriter {
 public:
  /// Whether a thread of this process may go to SCHED_IDLE and come back (tried on a thread of
  /// its own).
  [[nodiscard]] static bool permitted();
  /// What permitted() needs, for the error or warning when it is missing.
  static constexpr const char* kNeeds =
      "the writer at background priority needs CAP_SYS_NICE or an RLIMIT_NICE of at least 20 "
      "(ulimit -e 20), to raise a late batch back to normal priority";

  explicit BackgroundWriter(std::chrono::milliseconds budget);
  ~BackgroundWriter();
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  /// The calling thread at background priority, until it ends (then back to what it was).
  class Scope {
   public:
    Scope(Scope&& other) noexcept;
    Scope& operator=(Scope&&) = delete;
    ~Scope();

   private:
    friend class BackgroundWriter;
    explicit Scope(BackgroundWriter* owner) noexcept : owner_(owner) {}
    BackgroundWriter* owner_;  // null: the thread was left as it was
  };
  /// Must end on the thread that entered it. Entered again inside a scope (a batch's decoding
  /// wraps its ingest), the inner one is part of the outer one: it changes nothing.
  [[nodiscard]] Scope enter();

  /// The calling thread at its own policy while this lives, if it is in a Scope that has not been
  /// raised; nothing otherwise. Wraps each hold of a lock that readers wait for. Nests.
  class Foreground {
   public:
    Foreground();
    ~Foreground();
    Foreground(const Foreground&) = delete;
    Foreground& operator=(const Foreground&) = delete;

   private:
    bool counted_ = false;  // made inside a scope
  };

  /// Batches that outlasted the budget and were raised to normal priority.
  std::uint64_t raised() const noexcept { return raised_.load(); }

 private:
  struct Running {
    pid_t tid;
    int policy;
    std::chrono::steady_clock::time_point due;
  };
  /// Ends the calling thread's scope (its token and policy are the thread's own record).
  void leave();
  /// Sets the calling thread to `policy` if its scope `token` has not been raised.
  void set_unless_raised(std::uint64_t token, int policy);
  void watch();

  const std::chrono::milliseconds budget_;
  std::mutex mutex_;
  std::condition_variable wake_;
  // By token, so in order of entry and so of due time (one budget for all); one per worker.
  std::map<std::uint64_t, Running> running_;
  std::uint64_t next_token_ = 1;
  bool stopping_ = false;
  std::atomic<std::uint64_t> raised_{0};
  std::thread watchdog_;
};

}  // namespace zkr::router

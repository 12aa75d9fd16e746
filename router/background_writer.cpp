#include "router/background_writer.hpp"

#include <sched.h>
#include <unistd.h>

namespace zkr::router {
namespace {

bool set_policy(pid_t tid, int policy) {
  const sched_param none{};
  return sched_setscheduler(tid, policy, &none) == 0;
}

// Only threads at a time-sharing policy are moved; a real-time one is left as it is.
bool time_shared(int policy) {
  return policy == SCHED_OTHER || policy == SCHED_BATCH;
}

// The scope the calling thread is in, for Foreground.
struct Current {
  BackgroundWriter* owner = nullptr;
  std::uint64_t token = 0;
  int policy = SCHED_OTHER;
  int depth = 0;  // Foregrounds alive
};
thread_local Current t_current;

}  // namespace

bool BackgroundWriter::permitted() {
  bool ok = false;
  std::thread probe([&ok] {
    const int policy = sched_getscheduler(0);
    ok = time_shared(policy) && set_policy(0, SCHED_IDLE) && set_policy(0, policy);
  });
  probe.join();
  return ok;
}

BackgroundWriter::BackgroundWriter(std::chrono::milliseconds budget)
    : budget_(budget), watchdog_([this] { watch(); }) {}

BackgroundWriter::~BackgroundWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  watchdog_.join();
}

BackgroundWriter::Scope BackgroundWriter::enter() {
  if (t_current.owner != nullptr) return Scope(nullptr);  // inside a scope already: part of it
  const int policy = sched_getscheduler(0);
  if (!time_shared(policy) || !set_policy(0, SCHED_IDLE)) return Scope(nullptr);
  std::uint64_t token = 0;
  {
    std::lock_guard lock(mutex_);
    token = next_token_++;
    running_.emplace(token, Running{gettid(), policy, std::chrono::steady_clock::now() + budget_});
  }
  wake_.notify_all();
  t_current = Current{.owner = this, .token = token, .policy = policy};
  return Scope(this);
}

void BackgroundWriter::leave() {
  const Current c = t_current;
  t_current = Current{};
  {
    std::lock_guard lock(mutex_);  // the watchdog raises threads only while holding it
    running_.erase(c.token);
  }
  set_policy(0, c.policy);
}

void BackgroundWriter::set_unless_raised(std::uint64_t token, int policy) {
  std::lock_guard lock(mutex_);  // the watchdog erases a raised scope's entry under it
  if (running_.contains(token)) set_policy(0, policy);
}

BackgroundWriter::Foreground::Foreground() {
  Current& c = t_current;
  if (c.owner == nullptr) return;
  counted_ = true;
  if (c.depth++ == 0) c.owner->set_unless_raised(c.token, c.policy);
}

BackgroundWriter::Foreground::~Foreground() {
  Current& c = t_current;
  if (!counted_ || c.owner == nullptr) return;  // not in a scope, or it has ended
  if (--c.depth == 0) c.owner->set_unless_raised(c.token, SCHED_IDLE);
}

void BackgroundWriter::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (running_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const auto first = running_.begin();  // the first due
    // A copy: the entry may be erased while this thread waits (and the wait reads it after).
    const std::chrono::steady_clock::time_point due = first->second.due;
    if (std::chrono::steady_clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    // Still in its scope: leave() erases the entry under this lock before the thread moves on.
    if (set_policy(first->second.tid, first->second.policy)) raised_++;
    running_.erase(first);
  }
}

BackgroundWriter::Scope::Scope(Scope&& other) noexcept : owner_(other.owner_) {
  other.owner_ = nullptr;
}

BackgroundWriter::Scope::~Scope() {
  if (owner_ != nullptr) owner_->leave();
}

}  // namespace zkr::router

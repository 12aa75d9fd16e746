#include "app/loops.hpp"

#include "settlement/log.hpp"

namespace zkr::app {

PeriodicTask::PeriodicTask(std::chrono::milliseconds interval, std::function<void()> step) {
  thread_ = std::thread([this, interval, step = std::move(step)] {
    auto next = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      step();
      lock.lock();
      next += interval;
      cv_.wait_until(lock, next, [this] { return stopping_; });
    }
  });
}

void PeriodicTask::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::uint64_t> seal_gateway_step(router::Engine& engine, int blocks_per_batch) {
  const auto sealed = engine.seal_block();
  if (!sealed.ok()) return sealed.status();
  if (engine.unbatched_blocks() >= static_cast<std::size_t>(blocks_per_batch)) {
    if (auto batch = engine.seal_gateway_batch(); !batch.ok()) return batch.status();
  }
  return sealed;
}

void L1Step::operator()() {
  const auto tick = submitter_->tick();
  if (tick.ok()) {
    if (!last_error_.empty()) log::info(who_, ": L1 submission resumed");
    last_error_.clear();
    const settlement::TickReport& r = *tick;
    if (r.sent + r.resent + r.bumped + r.included + r.finalized + r.rolled_back > 0)
      log::debug(who_, ": L1: ", r.sent, " sent, ", r.resent, " resent, ", r.bumped, " bumped, ",
                 r.included, " included, ", r.finalized, " final, ", r.rolled_back, " rolled back");
    return;
  }
  const std::string message(tick.status().message());
  if (message == last_error_) return;
  last_error_ = message;
  log::warning(who_, ": L1 submission: ", message);
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> L1WatchStep::operator()() {
  const auto pass = watch_.poll();
  std::string problem = pass.ok() ? std::string() : std::string(pass.status().message());
  if (pass.ok() && !pass->problems.empty()) problem = pass->problems.front();
  if (!problem.empty() && problem != last_problem_)
    log::warning(who_, ": watching L1 for chains settling there: ", problem);
  last_problem_ = problem;
  if (!pass.ok()) return {};
  for (const auto& [chain, batch] : pass->became_final)
    log::debug(who_, ": batch ", batch, " of chain ", chain, " is final on L1");
  return pass->became_final;
}

}  // namespace zkr::app

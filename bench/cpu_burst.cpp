// A second control for "reads while writing" (scripts/bench-load, part 5): one thread that spins
// for --burst_us, then sleeps until the next --period_us, for --seconds. Sized from the server's
// own CPU time while it ingests, it uses the same CPU in the same rhythm as the ingestion (one
// batch every 20 ms) but does no I/O and touches nothing of zkrouter's.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"

ABSL_FLAG(double, burst_us, 7000, "microseconds of spinning per period");
ABSL_FLAG(double, period_us, 20000, "microseconds from one burst's start to the next");
ABSL_FLAG(double, seconds, 10, "how long to run");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using Clock = std::chrono::steady_clock;
  const auto us = [](double v) {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double, std::micro>(v));
  };
  const auto burst = us(absl::GetFlag(FLAGS_burst_us)), period = us(absl::GetFlag(FLAGS_period_us));
  if (burst <= Clock::duration::zero() || period < burst) {
    std::fprintf(stderr, "cpu_burst: need 0 < --burst_us <= --period_us\n");
    return 2;
  }
  const auto end = Clock::now() + us(absl::GetFlag(FLAGS_seconds) * 1e6);
  volatile std::uint64_t sink = 0;
  for (auto next = Clock::now(); next < end; next += period) {
    while (Clock::now() < next + burst) sink = sink + 1;
    std::this_thread::sleep_until(next + period);
  }
  return 0;
}

#include "settlement/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

namespace zkr::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_fd{2};
}  // namespace

const char* level_name(Level level) noexcept {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "?";
}

bool level_from_name(std::string_view name, Level& out) noexcept {
  for (const Level l : {Level::kDebug, Level::kInfo, Level::kWarning, Level::kError}) {
    if (name == level_name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

void set_level(Level level) noexcept {
  g_level.store(static_cast<int>(level));
}

bool enabled(Level level) noexcept {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void set_output(int fd) noexcept {
  g_fd.store(fd);
}

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string line = absl::StrCat(absl::string_view(stamp, n), ".", ms < 100 ? "0" : "",
                                  ms < 10 ? "0" : "", ms, "Z ", level_name(level), " ",
                                  absl::string_view(message.data(), message.size()), "\n");
  const int fd = g_fd.load();
  for (std::size_t done = 0; done < line.size();) {
    const ssize_t w = ::write(fd, line.data() + done, line.size() - done);
    if (w <= 0) return;  // nowhere to report a failing log
    done += static_cast<std::size_t>(w);
  }
}

}  // namespace zkr::log

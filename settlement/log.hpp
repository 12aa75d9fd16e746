#pragma once
// The process's log: one line per record on standard error (or a file descriptor the caller
// chooses), with a UTC timestamp and a level, written with a single write() so lines of different
// threads never interleave. Records below the threshold cost one atomic load.

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace zkr::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
const char* level_name(Level level) noexcept;  // "debug", "info", "warning", "error"
/// The level named `name`; false (and `out` untouched) for any other name.
bool level_from_name(std::string_view name, Level& out) noexcept;

/// Records below `level` are dropped. The default is kInfo. Thread-safe.
void set_level(Level level) noexcept;
bool enabled(Level level) noexcept;
/// Where records go (standard error, 2, by default). The caller keeps `fd` open.
void set_output(int fd) noexcept;

/// "2026-11-29T20:22:19.123Z warning <message>\n", if `level` is enabled.
void write(Level level, std::string_view message);

template <typename... Args>
void debug(const Args&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, absl::StrCat(args...));
}
template <typename... Args>
void info(const Args&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, absl::StrCat(args...));
}
template <typename... Args>
void warning(const Args&... args) {
  if (enabled(Level::kWarning)) write(Level::kWarning, absl::StrCat(args...));
}
template <typename... Args>
void error(const Args&... args) {
  if (enabled(Level::kError)) write(Level::kError, absl::StrCat(args...));
}

}  // namespace zkr::log

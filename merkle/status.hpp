#pragma once
// The one error channel across module lines: absl::Status / absl::StatusOr<T>.
// Abseil 20220623 has no RETURN_IF_ERROR / ASSIGN_OR_RETURN, so they live here, in the lowest
// module.

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#define ZKR_CONCAT_INNER(a, b) a##b
#define ZKR_CONCAT(a, b) ZKR_CONCAT_INNER(a, b)

/// Evaluates `expr` (an absl::Status) and returns it from the enclosing function if it is not OK.
#define ZKR_RETURN_IF_ERROR(expr) \
  ZKR_RETURN_IF_ERROR_IMPL(ZKR_CONCAT(zkr_status_, __COUNTER__), expr)
#define ZKR_RETURN_IF_ERROR_IMPL(tmp, expr)                  \
  do {                                                       \
    if (::absl::Status tmp = (expr); !tmp.ok()) [[unlikely]] \
      return tmp;                                            \
  } while (false)

/// `ZKR_ASSIGN_OR_RETURN(auto x, f());` or `ZKR_ASSIGN_OR_RETURN(x, f());`: unwraps a StatusOr or
/// returns its status from the enclosing function.
#define ZKR_ASSIGN_OR_RETURN(lhs, expr) \
  ZKR_ASSIGN_OR_RETURN_IMPL(ZKR_CONCAT(zkr_statusor_, __COUNTER__), lhs, expr)
#define ZKR_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) [[unlikely]]                     \
    return std::move(tmp).status();               \
  lhs = std::move(tmp).value()

/// A broken invariant is a bug: report it and abort (never a Status).
#define ZKR_CHECK(cond)                                       \
  do {                                                        \
    if (!(cond)) [[unlikely]]                                 \
      ::zkr::detail::check_failed(#cond, __FILE__, __LINE__); \
  } while (false)

namespace zkr {
namespace detail {
[[noreturn]] void check_failed(const char* condition, const char* file, int line) noexcept;
}  // namespace detail

/// absl::string_view is not std::string_view in this Abseil build; this bridges the two.
inline std::string_view to_std(absl::string_view s) noexcept {
  return {s.data(), s.size()};
}
/// At most `max` bytes of UTF-8 `text`, cut before a character, never inside one: for echoing
/// (valid UTF-8) input in error messages, which must stay valid UTF-8.
inline std::string_view utf8_prefix(std::string_view text, std::size_t max) noexcept {
  if (text.size() <= max) return text;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

inline absl::string_view to_absl(std::string_view s) noexcept {
  return {s.data(), s.size()};
}

}  // namespace zkr

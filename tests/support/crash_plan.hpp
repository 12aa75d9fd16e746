#pragma once
// What the crash child does, shared with the test that checks it.

#include <array>
#include <cstdint>

#include "tests/support/engine_fixtures.hpp"

namespace zkr::testing {

inline constexpr std::array<std::uint64_t, 4> kCrashChains{300, 301, 302, 303};
inline constexpr std::uint64_t kCrashL1Chain = 303;

/// The batch the crash child submits as (chain, batch): the same every time.
inline router::SealedBatch crash_batch(std::uint64_t chain, std::uint64_t batch) {
  return generated_batch(chain, batch, 1 + (chain * 31 + batch * 17) % 40);
}

}  // namespace zkr::testing

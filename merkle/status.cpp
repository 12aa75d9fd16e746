#include "merkle/status.hpp"

#include <cstdio>
#include <cstdlib>

namespace zkr::detail {

void check_failed(const char* condition, const char* file, int line) noexcept {
  std::fprintf(stderr, "zkrouter: invariant broken: %s (%s:%d)\n", condition, file, line);
  std::abort();
}

}  // namespace zkr::detail

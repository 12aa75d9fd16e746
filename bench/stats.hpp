#pragma once
// Percentiles for the benchmark programs.

#include <algorithm>
#include <cstddef>
#include <vector>

namespace zkr::bench {

/// The p-quantile (0 ≤ p ≤ 1) of ascending samples: the sample at rank ⌊p·n⌋ (the last for p = 1);
/// 0 when there are none.
inline double percentile_of_sorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
}

/// The same of samples in any order.
inline double percentile(std::vector<double> samples, double p) {
  std::sort(samples.begin(), samples.end());
  return percentile_of_sorted(samples, p);
}

}  // namespace zkr::bench

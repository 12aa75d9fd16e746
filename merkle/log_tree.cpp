#include "merkle/log_tree.hpp"

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"

namespace zkr::merkle {

LogTree::LogTree() : root_(kLogTreeZeros[kLogTreeDepth]) {}

absl::StatusOr<LogTree> LogTree::build(std::span<const Word> leaves) {
  if (leaves.size() > kLogTreeLeaves) {
    return absl::InvalidArgumentError(absl::StrCat("a batch holds at most ", kLogTreeLeaves,
                                                   " L2->L1 logs, got ", leaves.size()));
  }
  LogTree tree;
  if (leaves.empty()) return tree;

  std::size_t total = 0;
  std::size_t count = leaves.size();
  for (std::size_t k = 0; k <= kLogTreeDepth; ++k) {
    tree.offsets_[k] = static_cast<std::uint32_t>(total);
    tree.counts_[k] = static_cast<std::uint32_t>(count);
    total += count;
    count = (count + 1) / 2;
  }
  tree.nodes_.resize(total);
  std::copy(leaves.begin(), leaves.end(), tree.nodes_.begin());

  for (std::size_t k = 1; k <= kLogTreeDepth; ++k) {
    const Word* below = tree.nodes_.data() + tree.offsets_[k - 1];
    Word* level = tree.nodes_.data() + tree.offsets_[k];
    const std::size_t below_count = tree.counts_[k - 1];
    const std::size_t pairs = below_count / 2;
    hash_pairs(std::span<const Word>(below, 2 * pairs), std::span<Word>(level, pairs));
    if (below_count % 2 == 1)
      level[pairs] = hash_pair(below[below_count - 1], kLogTreeZeros[k - 1]);
  }
  tree.root_ = tree.nodes_[tree.offsets_[kLogTreeDepth]];
  return tree;
}

absl::StatusOr<LogPath> LogTree::path(std::size_t index) const {
  if (index >= size()) {
    return absl::OutOfRangeError(
        absl::StrCat("log index ", index, " is out of range: the batch has ", size(), " logs"));
  }
  LogPath out;
  path_into(index, out);
  return out;
}

void LogTree::path_into(std::size_t index, LogPath& out) const noexcept {
  for (std::size_t k = 0; k < kLogTreeDepth; ++k) {
    const std::size_t sibling = (index >> k) ^ 1U;
    out[k] = sibling < counts_[k] ? nodes_[offsets_[k] + sibling] : kLogTreeZeros[k];
  }
}

}  // namespace zkr::merkle

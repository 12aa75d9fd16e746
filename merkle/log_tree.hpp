#pragma once
// The per-batch L2→L1 logs tree (spec §2.1): a fixed binary tree of 16384 leaves (depth 14) whose
// empty slots hold keccak(88 zero bytes). Only the non-empty part is stored and hashed: a batch of
// n logs costs about n + 14 hashes, not 16383.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/constants.hpp"
#include "merkle/types.hpp"

namespace zkr::merkle {

/// The 14 siblings from a leaf up to localRoot, lowest first.
using LogPath = std::array<Word, kLogTreeDepth>;

class LogTree {
 public:
  /// An empty tree: root Z[14].
  LogTree();

  /// Builds the tree over `leaves` (leaf hashes, in batch order). InvalidArgument above 16384.
  /// Cost: about leaves.size() + 14 Keccak permutations; memory about 2 words per leaf.
  [[nodiscard]] static absl::StatusOr<LogTree> build(std::span<const Word> leaves);

  std::size_t size() const noexcept { return counts_[0]; }
  /// localRoot. O(1).
  const Word& root() const noexcept { return root_; }
  const Word& leaf(std::size_t index) const noexcept { return nodes_[index]; }

  /// The path of leaf `index`; OutOfRange unless index < size(). O(14), no hashing.
  [[nodiscard]] absl::StatusOr<LogPath> path(std::size_t index) const;
  /// Same without the range check. Precondition: index < size().
  void path_into(std::size_t index, LogPath& out) const noexcept;

 private:
  std::array<std::uint32_t, kLogTreeDepth + 1> offsets_{};  // level k starts at nodes_[offsets_[k]]
  std::array<std::uint32_t, kLogTreeDepth + 1> counts_{};   // non-empty nodes on level k
  std::vector<Word> nodes_;
  Word root_;
};

}  // namespace zkr::merkle

#pragma once
// MessageRoot (spec §3): the leaf formulas, the per-chain append-only tree
// (DynamicIncrementalMerkle) and the shared tree of chain leaves (FullMerkle). Both trees are
// padded to the next power of two of their size with Y[k] and have depth ceil(log2 n).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "merkle/types.hpp"

namespace zkr::merkle {

/// keccak(BATCH_LEAF_PADDING ‖ chainBatchRoot ‖ be32(batchNumber)).
Word batch_leaf(const Word& chain_batch_root, std::uint64_t batch_number) noexcept;
/// keccak(CHAIN_ID_LEAF_PADDING ‖ chainRoot ‖ be32(chainId)).
Word chain_id_leaf(const Word& chain_root, std::uint64_t chain_id) noexcept;

/// ceil(log2 n) for n >= 1; 0 for n <= 1.
std::size_t tree_depth(std::size_t n) noexcept;

/// A chain's tree of batch leaves on a settlement layer. Append-only; the root and any path can be
/// read for every historical size k <= size() without rebuilding: complete subtrees are stored
/// once, and only the O(depth) nodes on the right edge of size k are hashed per query.
class ChainTree {
 public:
  /// Appends a leaf. Amortized O(1) hashes (at most depth).
  void append(const Word& leaf);
  std::size_t size() const noexcept { return levels_.empty() ? 0 : levels_[0].size(); }
  const Word& leaf(std::size_t index) const noexcept { return levels_[0][index]; }

  /// The root at the current size; 0x00 for an empty tree (not Y[0]).
  Word root() const { return *root_at(size()); }
  /// The root after the first `size` appends. OutOfRange if size > size().
  [[nodiscard]] absl::StatusOr<Word> root_at(std::size_t size) const;
  /// The path of leaf `index` in the tree of the first `size` leaves (depth ceil(log2 size) words).
  [[nodiscard]] absl::StatusOr<std::vector<Word>> path_at(std::size_t index,
                                                          std::size_t size) const;

 private:
  /// Right-edge nodes of the tree of `size` leaves, per level (partial subtrees only are hashed).
  std::vector<Word> edge_nodes(std::size_t size) const;
  const Word& node(std::size_t level, std::size_t pos, std::size_t size,
                   const std::vector<Word>& edge) const noexcept;

  std::vector<std::vector<Word>>
      levels_;  // levels_[k][p]: complete node over leaves [p·2^k, (p+1)·2^k)
};

/// The shared tree of chain-id leaves: leaves are appended (a chain registers) and updated (its
/// chain root changes). O(depth) hashes per change.
class SharedTree {
 public:
  SharedTree() = default;
  /// Builds a tree over `leaves` in O(n) hashes (one level at a time).
  static SharedTree from_leaves(std::vector<Word> leaves);
  /// Appends a leaf and returns its index.
  std::size_t push(const Word& leaf);
  /// Replaces leaf `index`. OutOfRange if index >= size().
  [[nodiscard]] absl::Status update(std::size_t index, const Word& leaf);
  std::size_t size() const noexcept { return levels_.empty() ? 0 : levels_[0].size(); }
  std::size_t depth() const noexcept { return tree_depth(size()); }
  const Word& leaf(std::size_t index) const noexcept { return levels_[0][index]; }
  /// The root; Y[0] when empty (FullMerkle.setup).
  const Word& root() const noexcept;
  /// The path of leaf `index` (depth() words). OutOfRange if index >= size().
  [[nodiscard]] absl::StatusOr<std::vector<Word>> path(std::size_t index) const;

 private:
  void rehash_from(std::size_t index);
  std::vector<std::vector<Word>> levels_;  // levels_[k] holds ceil(n / 2^k) nodes
};

}  // namespace zkr::merkle

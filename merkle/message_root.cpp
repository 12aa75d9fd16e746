#include "merkle/message_root.hpp"

#include <bit>

#include "absl/strings/str_cat.h"
#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"

namespace zkr::merkle {

Word batch_leaf(const Word& chain_batch_root, std::uint64_t batch_number) noexcept {
  return hash_triple(kBatchLeafPadding, chain_batch_root, be32(batch_number));
}

Word chain_id_leaf(const Word& chain_root, std::uint64_t chain_id) noexcept {
  return hash_triple(kChainIdLeafPadding, chain_root, be32(chain_id));
}

std::size_t tree_depth(std::size_t n) noexcept {
  return n <= 1 ? 0 : static_cast<std::size_t>(std::bit_width(n - 1));
}

// ---- ChainTree ----------------------------------------------------------------------------------

void ChainTree::append(const Word& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  std::size_t pos = levels_[0].size();
  levels_[0].push_back(leaf);
  // A right child completes its parent; carry upwards while that happens.
  for (std::size_t k = 0; pos % 2 == 1; ++k, pos /= 2) {
    if (levels_.size() == k + 1) levels_.emplace_back();
    levels_[k + 1].push_back(hash_pair(levels_[k][pos - 1], levels_[k][pos]));
  }
}

const Word& ChainTree::node(std::size_t level, std::size_t pos, std::size_t size,
                            const std::vector<Word>& edge) const noexcept {
  const std::size_t first = pos << level;
  if (first >= size) return kMessageRootZeros[level];
  if (first + (std::size_t{1} << level) <= size) return levels_[level][pos];
  return edge[level];
}

std::vector<Word> ChainTree::edge_nodes(std::size_t size) const {
  const std::size_t depth = tree_depth(size);
  std::vector<Word> edge(depth + 1);
  edge[0] = levels_[0][size - 1];
  for (std::size_t k = 1; k <= depth; ++k) {
    const std::size_t pos = (size - 1) >> k;
    if (((pos + 1) << k) <= size) {
      edge[k] = levels_[k][pos];
    } else {
      edge[k] = hash_pair(node(k - 1, 2 * pos, size, edge), node(k - 1, 2 * pos + 1, size, edge));
    }
  }
  return edge;
}

absl::StatusOr<Word> ChainTree::root_at(std::size_t size) const {
  if (size > this->size()) {
    return absl::OutOfRangeError(
        absl::StrCat("chain tree has ", this->size(), " leaves; no state at size ", size));
  }
  if (size == 0) return kZeroWord;
  return edge_nodes(size).back();
}

absl::StatusOr<std::vector<Word>> ChainTree::path_at(std::size_t index, std::size_t size) const {
  if (size > this->size() || index >= size) {
    return absl::OutOfRangeError(absl::StrCat("no leaf ", index, " in the chain tree of size ",
                                              size, " (", this->size(), " leaves appended)"));
  }
  const std::vector<Word> edge = edge_nodes(size);
  const std::size_t depth = edge.size() - 1;
  std::vector<Word> path(depth);
  for (std::size_t k = 0; k < depth; ++k) path[k] = node(k, (index >> k) ^ 1U, size, edge);
  return path;
}

// ---- SharedTree ---------------------------------------------------------------------------------

SharedTree SharedTree::from_leaves(std::vector<Word> leaves) {
  SharedTree tree;
  if (leaves.empty()) return tree;
  const std::size_t depth = tree_depth(leaves.size());
  tree.levels_.reserve(depth + 1);
  tree.levels_.push_back(std::move(leaves));
  for (std::size_t k = 1; k <= depth; ++k) {
    const std::vector<Word>& below = tree.levels_[k - 1];
    std::vector<Word> level((below.size() + 1) / 2);
    const std::size_t pairs = below.size() / 2;
    hash_pairs(std::span<const Word>(below.data(), 2 * pairs),
               std::span<Word>(level.data(), pairs));
    if (below.size() % 2 == 1) level[pairs] = hash_pair(below.back(), kMessageRootZeros[k - 1]);
    tree.levels_.push_back(std::move(level));
  }
  return tree;
}

const Word& SharedTree::root() const noexcept {
  return levels_.empty() || levels_[0].empty() ? kMessageRootZeros[0] : levels_.back()[0];
}

void SharedTree::rehash_from(std::size_t index) {
  const std::size_t n = size();
  const std::size_t depth = tree_depth(n);
  levels_.resize(depth + 1);
  for (std::size_t k = 1; k <= depth; ++k) {
    const std::size_t want = ((n - 1) >> k) + 1;
    levels_[k].resize(want);
    const std::size_t pos = index >> k;
    const std::vector<Word>& below = levels_[k - 1];
    const Word& left = below[2 * pos];
    const Word& right = 2 * pos + 1 < below.size() ? below[2 * pos + 1] : kMessageRootZeros[k - 1];
    levels_[k][pos] = hash_pair(left, right);
  }
}

std::size_t SharedTree::push(const Word& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  const std::size_t index = levels_[0].size() - 1;
  rehash_from(index);
  return index;
}

absl::Status SharedTree::update(std::size_t index, const Word& leaf) {
  if (index >= size()) {
    return absl::OutOfRangeError(
        absl::StrCat("shared tree has ", size(), " leaves; cannot update leaf ", index));
  }
  levels_[0][index] = leaf;
  rehash_from(index);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Word>> SharedTree::path(std::size_t index) const {
  if (index >= size()) {
    return absl::OutOfRangeError(
        absl::StrCat("shared tree has ", size(), " leaves; no path for leaf ", index));
  }
  const std::size_t depth = tree_depth(size());
  std::vector<Word> out(depth);
  for (std::size_t k = 0; k < depth; ++k) {
    const std::size_t sibling = (index >> k) ^ 1U;
    out[k] = sibling < levels_[k].size() ? levels_[k][sibling] : kMessageRootZeros[k];
  }
  return out;
}

}  // namespace zkr::merkle

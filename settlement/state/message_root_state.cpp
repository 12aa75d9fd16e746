#include "settlement/state/message_root_state.hpp"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::settlement {

using merkle::Word;

MessageRootState::MessageRootState(std::uint64_t gateway_chain_id, std::uint64_t first_block)
    : gateway_chain_id_(gateway_chain_id), first_block_(first_block), open_block_(first_block) {
  ZKR_CHECK(register_chain(gateway_chain_id).ok());
}

std::optional<std::uint64_t> MessageRootState::last_sealed_block() const noexcept {
  if (blocks_.empty()) return std::nullopt;
  return open_block_ - 1;
}

absl::StatusOr<std::size_t> MessageRootState::register_chain(std::uint64_t chain_id) {
  if (index_of_.contains(chain_id)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "chain ", chain_id, " is already in the shared tree at index ", index_of_.at(chain_id)));
  }
  const std::size_t index = shared_.push(merkle::chain_id_leaf(merkle::kZeroWord, chain_id));
  chain_ids_.push_back(chain_id);
  index_of_[chain_id] = index;
  chains_[chain_id];
  return index;
}

std::optional<std::size_t> MessageRootState::chain_index(std::uint64_t chain_id) const {
  const auto it = index_of_.find(chain_id);
  if (it == index_of_.end()) return std::nullopt;
  return it->second;
}

std::size_t MessageRootState::chain_tree_size(std::uint64_t chain_id) const {
  const auto it = chains_.find(chain_id);
  return it == chains_.end() ? 0 : it->second.tree.size();
}

absl::StatusOr<MessageRootState::Appended> MessageRootState::append_batch(
    std::uint64_t chain_id, std::uint64_t batch_number, const Word& chain_batch_root) {
  const auto index = chain_index(chain_id);
  if (!index) {
    return absl::FailedPreconditionError(
        absl::StrCat("chain ", chain_id, " is not registered on the Gateway's MessageRoot"));
  }
  ChainHistory& chain = chains_.at(chain_id);
  const std::size_t position = chain.tree.size();
  chain.tree.append(merkle::batch_leaf(chain_batch_root, batch_number));
  const Word root = chain.tree.root();
  ZKR_RETURN_IF_ERROR(shared_.update(*index, merkle::chain_id_leaf(root, chain_id)));
  changed_in_open_block_.push_back(chain_id);
  return Appended{position, root};
}

Word MessageRootState::seal_block() {
  const std::uint64_t block = open_block_;
  for (const std::uint64_t chain_id : changed_in_open_block_) {
    ChainHistory& chain = chains_.at(chain_id);
    if (!chain.sizes.empty() && chain.sizes.back().first == block) {
      chain.sizes.back().second = chain.tree.size();
    } else {
      chain.sizes.emplace_back(block, chain.tree.size());
    }
  }
  changed_in_open_block_.clear();
  blocks_.push_back(BlockRecord{shared_.root(), shared_.size()});
  remember(block, std::make_shared<const merkle::SharedTree>(shared_));
  ++open_block_;
  return blocks_.back().shared_root;
}

std::size_t MessageRootState::ChainHistory::size_at(std::uint64_t block) const noexcept {
  // The last entry at or before `block`.
  const auto it =
      std::upper_bound(sizes.begin(), sizes.end(), block,
                       [](std::uint64_t b, const auto& entry) { return b < entry.first; });
  return it == sizes.begin() ? 0 : std::prev(it)->second;
}

absl::StatusOr<Word> MessageRootState::shared_root_at(std::uint64_t block) const {
  if (block < first_block_ || block >= open_block_) {
    return absl::NotFoundError(absl::StrCat(
        "Gateway block ", block, " is not sealed (sealed blocks: ",
        blocks_.empty() ? std::string("none") : absl::StrCat(first_block_, "..", open_block_ - 1),
        ")"));
  }
  return blocks_[block - first_block_].shared_root;
}

namespace {
std::size_t snapshot_bytes(const merkle::SharedTree& tree) {
  return 2 * sizeof(Word) * tree.size() + 256;  // the levels halve: ~2n nodes, plus overhead
}
}  // namespace

void MessageRootState::remember(std::uint64_t block, Snapshot tree) const {
  std::lock_guard lock(cache_mutex_);
  if (cached_.contains(block)) return;
  cached_bytes_ += snapshot_bytes(*tree);
  lru_.emplace_front(block, std::move(tree));
  cached_[block] = lru_.begin();
  while (cached_bytes_ > kSnapshotBudgetBytes && lru_.size() > 1) {
    cached_bytes_ -= snapshot_bytes(*lru_.back().second);
    cached_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

MessageRootState::Snapshot MessageRootState::snapshot_at(std::uint64_t block) const {
  {
    std::lock_guard lock(cache_mutex_);
    if (const auto it = cached_.find(block); it != cached_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  // Rebuild: every registered chain's leaf as of the end of `block`.
  const BlockRecord& record = blocks_[block - first_block_];
  std::vector<Word> leaves(record.chain_count);
  for (std::size_t i = 0; i < record.chain_count; ++i) {
    const std::uint64_t id = chain_ids_[i];
    const ChainHistory& chain = chains_.at(id);
    leaves[i] = merkle::chain_id_leaf(*chain.tree.root_at(chain.size_at(block)), id);
  }
  auto tree = std::make_shared<const merkle::SharedTree>(
      merkle::SharedTree::from_leaves(std::move(leaves)));
  ZKR_CHECK(tree->root() == record.shared_root);
  remember(block, tree);
  return tree;
}

absl::StatusOr<merkle::GatewayProofPart> MessageRootState::gateway_part(
    std::uint64_t chain_id, std::size_t chain_tree_index, std::uint64_t block) const {
  ZKR_RETURN_IF_ERROR(shared_root_at(block).status());
  const auto index = chain_index(chain_id);
  const auto it = chains_.find(chain_id);
  if (!index || it == chains_.end()) {
    return absl::NotFoundError(absl::StrCat("chain ", chain_id, " is not on the Gateway"));
  }
  const std::size_t size = it->second.size_at(block);
  if (chain_tree_index >= size) {
    return absl::FailedPreconditionError(absl::StrCat("Gateway block ", block,
                                                      " precedes the execution of leaf ",
                                                      chain_tree_index, " of chain ", chain_id));
  }
  const Snapshot shared = snapshot_at(block);
  merkle::GatewayProofPart part;
  part.batch_leaf_index = chain_tree_index;
  ZKR_ASSIGN_OR_RETURN(part.chain_path, it->second.tree.path_at(chain_tree_index, size));
  part.chain_index = *index;
  ZKR_ASSIGN_OR_RETURN(part.shared_path, shared->path(*index));
  part.gateway_chain_id = gateway_chain_id_;
  return part;
}

}  // namespace zkr::settlement

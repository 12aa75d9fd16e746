#pragma once
// The Gateway's MessageRoot in memory (spec §3): the chain registry of the shared tree, one
// append-only chain tree per chain, the shared tree, and enough history to answer any sealed
// block: per chain the tree size after each block that changed it, per block its shared root.
// Not thread-safe, except the const queries, which may run concurrently with each other.

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/message_root.hpp"
#include "merkle/proof.hpp"
#include "merkle/types.hpp"

namespace zkr::settlement {

class MessageRootState {
 public:
  /// The Gateway registers itself at shared-tree index 0. Blocks are numbered from first_block.
  MessageRootState(std::uint64_t gateway_chain_id, std::uint64_t first_block);

  std::uint64_t gateway_chain_id() const noexcept { return gateway_chain_id_; }
  /// The block executions currently go into (sealed blocks are all lower).
  std::uint64_t open_block() const noexcept { return open_block_; }
  std::optional<std::uint64_t> last_sealed_block() const noexcept;

  /// Adds a chain to the shared tree in the open block; AlreadyExists if it is there.
  [[nodiscard]] absl::StatusOr<std::size_t> register_chain(std::uint64_t chain_id);
  std::optional<std::size_t> chain_index(std::uint64_t chain_id) const;
  /// Leaves in a registered chain's tree (the index the next appended batch gets); 0 otherwise.
  std::size_t chain_tree_size(std::uint64_t chain_id) const;
  std::size_t chain_count() const noexcept { return shared_.size(); }

  struct Appended {
    std::size_t chain_tree_index;  // position of the batch leaf in the chain tree
    merkle::Word chain_root;
  };
  /// addChainBatchRoot in the open block: appends the batch leaf, updates the chain's shared leaf.
  [[nodiscard]] absl::StatusOr<Appended> append_batch(std::uint64_t chain_id,
                                                      std::uint64_t batch_number,
                                                      const merkle::Word& chain_batch_root);

  /// Closes the open block and returns its shared root (historicalRoot). Opens the next block.
  merkle::Word seal_block();

  const merkle::Word& shared_root() const noexcept { return shared_.root(); }
  std::size_t shared_depth() const noexcept { return shared_.depth(); }
  /// historicalRoot(block) of a sealed block. NotFound otherwise.
  [[nodiscard]] absl::StatusOr<merkle::Word> shared_root_at(std::uint64_t block) const;

  /// The Gateway part of a proof for the batch at `chain_tree_index` of `chain_id`, against the
  /// state at the end of sealed block `block` (which must include that batch). O(depth) hashing
  /// for recent blocks; older blocks rebuild the shared tree once and are cached.
  [[nodiscard]] absl::StatusOr<merkle::GatewayProofPart> gateway_part(std::uint64_t chain_id,
                                                                      std::size_t chain_tree_index,
                                                                      std::uint64_t block) const;

 private:
  struct ChainHistory {
    merkle::ChainTree tree;
    std::vector<std::pair<std::uint64_t, std::size_t>> sizes;  // (sealed block, tree size after it)
    std::size_t size_at(std::uint64_t block) const noexcept;
  };
  struct BlockRecord {
    merkle::Word shared_root;
    std::size_t chain_count;
  };
  using Snapshot = std::shared_ptr<const merkle::SharedTree>;
  /// The shared tree at the end of sealed `block`: from the cache, or rebuilt and cached.
  Snapshot snapshot_at(std::uint64_t block) const;
  /// Caches `tree` as block's snapshot and evicts the least recently used beyond the budget.
  void remember(std::uint64_t block, Snapshot tree) const;

  std::uint64_t gateway_chain_id_;
  std::uint64_t first_block_;
  std::uint64_t open_block_;
  merkle::SharedTree shared_;
  std::vector<std::uint64_t> chain_ids_;  // by shared-tree index
  std::unordered_map<std::uint64_t, std::size_t> index_of_;
  std::unordered_map<std::uint64_t, ChainHistory> chains_;
  std::vector<std::uint64_t> changed_in_open_block_;
  std::vector<BlockRecord> blocks_;  // blocks_[b - first_block_]

  // Shared trees at the end of sealed blocks, least recently used last, within a memory budget:
  // each is about 64 bytes per chain, so the default keeps ~10 000 blocks of 50 chains. Every
  // newly sealed block goes in; older ones are rebuilt from the chain trees on a miss.
  static constexpr std::size_t kSnapshotBudgetBytes = 32 << 20;
  mutable std::mutex cache_mutex_;
  mutable std::list<std::pair<std::uint64_t, Snapshot>> lru_;
  mutable std::unordered_map<std::uint64_t, std::list<std::pair<std::uint64_t, Snapshot>>::iterator>
      cached_;
  mutable std::size_t cached_bytes_ = 0;
};

}  // namespace zkr::settlement

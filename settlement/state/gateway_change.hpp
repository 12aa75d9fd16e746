#pragma once
// What one step of the Gateway changes. The Gateway computes it against its current state without
// changing anything; the store writes it (the event first, its seq then recorded in the rows);
// once that transaction has committed, Gateway::apply() makes memory agree. A step that fails, or
// a transaction that does not commit, leaves the Gateway in memory as it was.

#include <cstdint>
#include <optional>
#include <variant>

#include "merkle/types.hpp"
#include "settlement/state/aggregation.hpp"
#include "settlement/state/types.hpp"
#include "settlement/store/events.hpp"

namespace zkr::settlement {

namespace change {

/// A new chain; on the Gateway, with the shared-tree leaf it gets in `block`.
struct ChainRegistered {
  ChainInfo chain;
  std::optional<std::size_t> shared_index;
  std::uint64_t block = 0;
};

/// A chain moving to `to` from `first_batch` on; the first move to the Gateway adds its leaf.
struct ChainMigrated {
  std::uint64_t chain_id = 0;
  std::uint64_t first_batch = 0;
  SettlementLayer to = SettlementLayer::kGateway;
  std::optional<std::size_t> shared_index;
  std::uint64_t block = 0;
};

struct BatchRecorded {
  BatchInfo batch;  // as stored: layer from the chain's history, stage kRecorded
};

struct BatchCommitted {
  std::uint64_t chain_id = 0;
  std::uint64_t batch_number = 0;
};

struct BatchProven {
  std::uint64_t chain_id = 0;
  std::uint64_t batch_number = 0;
  merkle::Bytes proof;  // the verified validity proof
};

/// Executed on its settlement layer; on the Gateway in the open block, as leaf `chain_tree_index`
/// of its chain's tree.
struct BatchExecuted {
  std::uint64_t chain_id = 0;
  std::uint64_t batch_number = 0;
  std::optional<std::uint64_t> block;
  std::optional<std::size_t> chain_tree_index;
};

struct BlockSealed {
  std::uint64_t number = 0;
  merkle::Word shared_root{};  // historicalRoot(number)
  std::size_t chain_count = 0;
};

struct GatewayBatchSealed {
  GatewayBatch batch;
  AggregatedProof proof;
};

struct L1StageSet {
  std::uint64_t gw_batch = 0;
  L1Stage stage = L1Stage::kSealed;
};

/// A batch settled on L1 whose execution there is final (only its event is stored).
struct L1BatchFinal {
  std::uint64_t chain_id = 0;
  std::uint64_t batch_number = 0;
};

}  // namespace change

struct GatewayChange {
  Event event;  // appended by the store; its seq is assigned there
  std::variant<change::ChainRegistered, change::ChainMigrated, change::BatchRecorded,
               change::BatchCommitted, change::BatchProven, change::BatchExecuted,
               change::BlockSealed, change::GatewayBatchSealed, change::L1StageSet,
               change::L1BatchFinal>
      step;
};

}  // namespace zkr::settlement

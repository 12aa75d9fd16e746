#pragma once
// Vocabulary of the settlement module.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "merkle/types.hpp"

namespace zkr::settlement {

enum class SettlementLayer { kL1, kGateway };
const char* layer_name(SettlementLayer layer) noexcept;  // "l1" / "gateway"
std::optional<SettlementLayer> layer_from_name(std::string_view name) noexcept;

/// A chain batch's stage on its settlement layer.
enum class BatchStage : int { kRecorded = 0, kCommitted = 1, kProven = 2, kExecuted = 3 };
const char* stage_name(BatchStage stage) noexcept;  // "recorded", "committed", …
std::optional<BatchStage> stage_from_name(std::string_view name) noexcept;

/// What a chain's validity proof commits to (the seam a SNARK verifier plugs into).
struct BatchCommitment {
  std::uint64_t chain_id = 0;
  std::uint64_t batch_number = 0;
  merkle::Word chain_batch_root{};
  merkle::Word previous_batch_root{};  // zero for the chain's first batch
  friend bool operator==(const BatchCommitment&, const BatchCommitment&) = default;
};

struct ChainInfo {
  std::uint64_t chain_id = 0;
  SettlementLayer layer = SettlementLayer::kL1;  // every chain launches on L1
  merkle::Word credential_hash{};
  merkle::Bytes prover_key;
  /// Its settlement contract on L1 (contracts/L1Settlement.sol), if known: where the router
  /// watches the executions of the batches it settles on L1 itself.
  std::optional<merkle::Address> l1_contract;
  /// (first batch, layer) in the order of the events that made them: the layer that applies from
  /// that batch on. Starts with (1, L1); a migration before the first batch adds a second (1, …).
  std::vector<std::pair<std::uint64_t, SettlementLayer>> history;
  std::uint64_t first_batch = 1;
  std::uint64_t last_recorded = 0;  // 0 = none (batch numbers start at first_batch >= 1)
  std::uint64_t last_committed = 0;
  std::uint64_t last_proven = 0;
  std::uint64_t last_executed = 0;

  SettlementLayer layer_for(std::uint64_t batch) const noexcept;
};

/// "batch N of chain M", as every message about a chain batch names it.
std::string batch_name(std::uint64_t chain_id, std::uint64_t batch_number);

struct BatchInfo {
  std::uint64_t chain_id = 0;
  std::uint64_t batch_number = 0;
  std::uint32_t protocol_version = 0;
  SettlementLayer layer = SettlementLayer::kGateway;
  std::uint32_t log_count = 0;
  merkle::Word local_root{};
  merkle::Word aggregated_root{};
  merkle::Word chain_batch_root{};
  merkle::Word content_hash{};
  BatchStage stage = BatchStage::kRecorded;
  std::optional<std::uint64_t> executed_block;  // Gateway block of execution
  std::optional<std::uint64_t> chain_tree_index;
};

/// How far a Gateway batch has got on L1.
enum class L1Stage : int { kSealed = 0, kCommitted = 1, kProven = 2, kExecuted = 3, kFinal = 4 };
const char* l1_stage_name(L1Stage stage) noexcept;  // "sealed", "committed", …, "final"

struct GatewayBatch {
  std::uint64_t number = 0;
  std::uint64_t first_block = 0;
  std::uint64_t last_block = 0;
  merkle::Word local_root{};
  merkle::Word shared_root{};
  merkle::Word batch_root{};
  L1Stage l1_stage = L1Stage::kSealed;
};

}  // namespace zkr::settlement

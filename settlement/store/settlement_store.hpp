#pragma once
// SQL for the settlement tables: chains and their migrations, the Gateway's chain registry,
// batches and their stages, Gateway blocks and batches, and settings. Writes run inside the
// caller's transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "settlement/state/gateway_change.hpp"
#include "settlement/state/types.hpp"
#include "settlement/store/database.hpp"
#include "settlement/store/events.hpp"

namespace zkr::settlement {

struct StoredExecution {
  std::uint64_t chain_id;
  std::uint64_t batch_number;
  std::uint64_t block;
  std::uint64_t chain_tree_index;
  merkle::Word chain_batch_root;
};

struct StoredBlock {
  std::uint64_t number;
  merkle::Word shared_root;
  std::size_t chain_count;
};

class SettlementStore {
 public:
  /// Writes one Gateway change: appends its event, then its rows (which record the event's seq).
  /// Returns the event's seq.
  [[nodiscard]] static absl::StatusOr<std::int64_t> persist(Database& db,
                                                            const GatewayChange& change);

  [[nodiscard]] static absl::StatusOr<std::optional<std::string>> setting(Database& db,
                                                                          std::string_view key);
  [[nodiscard]] static absl::Status put_setting(Database& db, std::string_view key,
                                                std::string_view value);

  [[nodiscard]] static absl::Status insert_chain(Database& db, const ChainInfo& chain,
                                                 std::int64_t seq);
  [[nodiscard]] static absl::Status insert_migration(Database& db, std::uint64_t chain_id,
                                                     std::uint64_t first_batch,
                                                     SettlementLayer layer, std::int64_t seq);
  [[nodiscard]] static absl::Status insert_gateway_chain(Database& db, std::size_t index,
                                                         std::uint64_t chain_id,
                                                         std::uint64_t block);
  [[nodiscard]] static absl::Status insert_batch(Database& db, const BatchInfo& batch);
  [[nodiscard]] static absl::Status set_stage(Database& db, std::uint64_t chain_id,
                                              std::uint64_t batch, BatchStage stage);
  [[nodiscard]] static absl::Status set_proof(Database& db, std::uint64_t chain_id,
                                              std::uint64_t batch, merkle::ByteSpan proof);
  [[nodiscard]] static absl::Status set_executed(Database& db, std::uint64_t chain_id,
                                                 std::uint64_t batch,
                                                 std::optional<std::uint64_t> block,
                                                 std::optional<std::uint64_t> chain_tree_index,
                                                 std::int64_t seq);
  [[nodiscard]] static absl::Status insert_block(Database& db, const StoredBlock& block,
                                                 std::int64_t seq);
  [[nodiscard]] static absl::Status insert_gateway_batch(Database& db, const GatewayBatch& batch,
                                                         std::int64_t seq);

  // Loading at start, in replay order.
  [[nodiscard]] static absl::StatusOr<std::vector<ChainInfo>> load_chains(Database& db);
  [[nodiscard]] static absl::StatusOr<std::vector<std::pair<std::uint64_t, std::uint64_t>>>
  load_gateway_chains(Database& db);
  [[nodiscard]] static absl::StatusOr<std::vector<BatchInfo>> load_batches(Database& db);
  [[nodiscard]] static absl::StatusOr<std::optional<BatchInfo>> load_batch(
      Database& db, std::uint64_t chain_id, std::uint64_t batch_number);
  [[nodiscard]] static absl::StatusOr<std::vector<StoredExecution>> load_gateway_executions(
      Database& db);
  [[nodiscard]] static absl::StatusOr<std::vector<StoredBlock>> load_blocks(Database& db);
  [[nodiscard]] static absl::StatusOr<std::vector<GatewayBatch>> load_gateway_batches(Database& db);
  [[nodiscard]] static absl::Status insert_aggregated_proof(Database& db, std::uint64_t gw_batch,
                                                            std::size_t covered,
                                                            merkle::ByteSpan proof);
  /// The stored aggregated proofs, in Gateway batch order (DataLoss on a gap).
  [[nodiscard]] static absl::StatusOr<std::vector<merkle::Bytes>> load_aggregated_proofs(
      Database& db);
  [[nodiscard]] static absl::StatusOr<std::optional<merkle::Bytes>> load_aggregated_proof(
      Database& db, std::uint64_t gw_batch);
  [[nodiscard]] static absl::Status set_l1_stage(Database& db, std::uint64_t gw_batch,
                                                 L1Stage stage);
};

}  // namespace zkr::settlement

#pragma once
// The event log: every state change gets a gapless global sequence number (the stream cursor),
// written in the same transaction as the change.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "settlement/store/database.hpp"

namespace zkr::settlement {

enum class EventKind : int {
  kChainRegistered = 1,
  kChainMigrated = 2,
  kMessageRecorded = 10,  // one per log of a recorded batch
  kBatchRecorded = 11,
  kBatchCommitted = 12,  // on the batch's settlement layer (the Gateway, or L1)
  kBatchProven = 13,
  kBatchExecuted = 14,       // on the Gateway: gateway_final; on L1: executed on L1
  kGatewayBlockSealed = 20,  // a new interop root
  kGatewayBatchSealed = 21,
  kGatewayBatchCommittedOnL1 = 30,
  kGatewayBatchProvenOnL1 = 31,
  kGatewayBatchExecutedOnL1 = 32,
  kGatewayBatchFinalOnL1 = 33,  // l1_final for every message in it
  kL1BatchFinal = 34,           // l1_final for a batch settled directly on L1
  kL1Rollback = 35,             // an L1 reorg rolled a stage back
};

/// The stable lowercase name used in the API ("message_recorded", …).
const char* event_kind_name(EventKind kind) noexcept;
std::optional<EventKind> event_kind_from_name(std::string_view name) noexcept;

struct Event {
  std::int64_t seq = 0;
  EventKind kind = EventKind::kChainRegistered;
  std::optional<std::uint64_t> chain_id{};
  std::optional<std::uint64_t> batch_number{};
  std::optional<std::uint64_t> log_index{};
  std::optional<std::uint64_t> block_number{};  // Gateway block
  std::optional<std::uint64_t> gw_batch{};      // Gateway batch
  std::int64_t created_at_ms = 0;
  std::string detail{};  // JSON object text with kind-specific fields, or empty
};

/// SQL for the events table. Appends must run inside the writer's transaction.
class EventStore {
 public:
  /// Appends and returns the new sequence number (previous + 1).
  [[nodiscard]] static absl::StatusOr<std::int64_t> append(Database& db, Event event);
  /// Events with seq > after, ascending, at most `limit`.
  [[nodiscard]] static absl::StatusOr<std::vector<Event>> read_after(Database& db,
                                                                     std::int64_t after,
                                                                     std::size_t limit);
  /// Events with seq > after other than messages' records (which their batch's record carries),
  /// ascending, at most `limit`: what a follower applies.
  [[nodiscard]] static absl::StatusOr<std::vector<Event>> state_changes_after(Database& db,
                                                                              std::int64_t after,
                                                                              std::size_t limit);
  /// The batch-level events of one chain batch (no per-message rows), ascending.
  [[nodiscard]] static absl::StatusOr<std::vector<Event>> for_batch(Database& db,
                                                                    std::uint64_t chain_id,
                                                                    std::uint64_t batch);
  /// The events of one Gateway batch, ascending.
  [[nodiscard]] static absl::StatusOr<std::vector<Event>> for_gateway_batch(Database& db,
                                                                            std::uint64_t gw_batch);
  /// The event of `kind` about Gateway block `block`, if any.
  [[nodiscard]] static absl::StatusOr<std::optional<Event>> for_block(Database& db, EventKind kind,
                                                                      std::uint64_t block);
  /// The first event of `kind` after seq `after`, if any.
  [[nodiscard]] static absl::StatusOr<std::optional<Event>> next_of_kind(Database& db,
                                                                         EventKind kind,
                                                                         std::int64_t after);
  /// The chain-batch commit, prove and execute events with after < seq < before, ascending.
  [[nodiscard]] static absl::StatusOr<std::vector<Event>> batch_steps_between(Database& db,
                                                                              std::int64_t after,
                                                                              std::int64_t before);
  [[nodiscard]] static absl::StatusOr<std::int64_t> last_seq(Database& db);
};

std::int64_t now_ms() noexcept;

}  // namespace zkr::settlement

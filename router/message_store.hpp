#pragma once
// SQL for the logs table: every L2->L1 log of every recorded batch, with message bodies and the
// decoded destination of bundles, and the per-log "message_recorded" events.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/log.hpp"
#include "router/batch.hpp"
#include "settlement/state/types.hpp"
#include "settlement/store/database.hpp"

namespace zkr::router {

/// A log's identity: its chain, batch and leaf index. Written "270:1:0".
struct MessageId {
  std::uint64_t chain_id = 0;
  std::uint64_t batch_number = 0;
  std::uint64_t log_index = 0;

  std::string to_string() const;
  [[nodiscard]] static absl::StatusOr<MessageId> parse(std::string_view text);
  friend bool operator==(const MessageId&, const MessageId&) = default;
};

struct LogRow {
  MessageId id;
  merkle::Word tx_hash{};
  merkle::L2ToL1Log log;
  LogKind kind = LogKind::kLog;
  std::optional<merkle::Address> sender;
  std::optional<merkle::Bytes> body;
  std::optional<std::uint64_t> destination_chain_id;
  std::int64_t recorded_seq = 0;
};

struct MessageFilter {
  std::optional<std::uint64_t> source_chain_id;
  std::optional<std::uint64_t> destination_chain_id;
  std::optional<merkle::Address> sender;  // served by the engine's in-memory index
  std::optional<LogKind> kind;
  std::optional<settlement::BatchStage> stage;  // the stage its batch has reached
  std::optional<std::int64_t> from_time_ms;     // recorded at or after
  std::optional<std::int64_t> to_time_ms;       // recorded before
  std::int64_t after_seq = 0;                   // paging cursor: recorded_seq of the last row seen
  std::size_t limit = 100;
};

struct MessagePage {
  std::vector<LogRow> rows;
  std::int64_t next_cursor = 0;  // pass as after_seq to continue; rows may be fewer than the limit
};

class MessageStore {
 public:
  /// Inserts every log of the batch (and its transactions' facts) and one message_recorded event
  /// per log, in the caller's transaction. Returns the seq of the first log's event; the others
  /// follow one by one. Gives way after every statement (GiveWay::kLogsPerStep rows).
  [[nodiscard]] static absl::StatusOr<std::int64_t> insert(settlement::Database& db,
                                                           const ValidatedBatch& batch,
                                                           GiveWay give_way = GiveWay());
  [[nodiscard]] static absl::StatusOr<std::optional<LogRow>> get(settlement::Database& db,
                                                                 const MessageId& id);
  /// The logs of transaction `tx_hash` in one batch, starting at `first` (its first log).
  [[nodiscard]] static absl::StatusOr<std::vector<LogRow>> tx_logs(settlement::Database& db,
                                                                   const MessageId& first,
                                                                   const merkle::Word& tx_hash);
  /// What the chain said of transaction `tx_hash` of the batch, if anything.
  /// How many recorded transactions of `chain_id` `from` signed (to `to`, when given), from the
  /// facts the chain sent.
  [[nodiscard]] static absl::StatusOr<std::uint64_t> transactions_sent(
      settlement::Database& db, std::uint64_t chain_id, const merkle::Address& from,
      std::optional<merkle::Address> to);
  [[nodiscard]] static absl::StatusOr<std::optional<TxFacts>> tx_facts(settlement::Database& db,
                                                                       std::uint64_t chain_id,
                                                                       std::uint64_t batch_number,
                                                                       const merkle::Word& tx_hash);
  /// Logs matching the filter (all but `sender`), ascending by recorded_seq; with `only_seq`,
  /// just that one log if it matches.
  [[nodiscard]] static absl::StatusOr<std::vector<LogRow>> list(
      settlement::Database& db, const MessageFilter& filter,
      std::optional<std::int64_t> only_seq = std::nullopt);

  /// What start-up needs of each stored log.
  struct LoadedLog {
    merkle::Word leaf;
    merkle::Word tx_hash;
    std::optional<merkle::Address> sender;
    std::int64_t seq;
  };
  /// Calls `visit(chain, batch, logs)` for every batch with stored logs, in key order (or for
  /// batch `only` alone, when given).
  [[nodiscard]] static absl::Status for_each_batch(
      settlement::Database& db,
      const std::function<absl::Status(std::uint64_t, std::uint64_t, std::vector<LoadedLog>)>&
          visit,
      std::optional<std::pair<std::uint64_t, std::uint64_t>> only = std::nullopt);
};

}  // namespace zkr::router

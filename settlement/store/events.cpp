#include "settlement/store/events.hpp"

#include <array>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::settlement {
namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 15> kNames{{
    {EventKind::kChainRegistered, "chain_registered"},
    {EventKind::kChainMigrated, "chain_migrated"},
    {EventKind::kMessageRecorded, "message_recorded"},
    {EventKind::kBatchRecorded, "batch_recorded"},
    {EventKind::kBatchCommitted, "batch_committed"},
    {EventKind::kBatchProven, "batch_proven"},
    {EventKind::kBatchExecuted, "batch_executed"},
    {EventKind::kGatewayBlockSealed, "gateway_block_sealed"},
    {EventKind::kGatewayBatchSealed, "gateway_batch_sealed"},
    {EventKind::kGatewayBatchCommittedOnL1, "gateway_batch_committed"},
    {EventKind::kGatewayBatchProvenOnL1, "gateway_batch_proven"},
    {EventKind::kGatewayBatchExecutedOnL1, "gateway_batch_executed"},
    {EventKind::kGatewayBatchFinalOnL1, "gateway_batch_l1_final"},
    {EventKind::kL1BatchFinal, "l1_batch_final"},
    {EventKind::kL1Rollback, "l1_rollback"},
}};

constexpr std::string_view kColumns =
    "seq, kind, chain_id, batch_number, log_index, block_number, gw_batch, created_at, detail";

std::optional<std::uint64_t> opt_u64(const Statement& s, int i) {
  if (s.column_is_null(i)) return std::nullopt;
  return static_cast<std::uint64_t>(s.column_int64(i));
}

absl::StatusOr<std::vector<Event>> collect(Statement* s) {
  std::vector<Event> out;
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&out](const Statement& row) {
    Event e;
    e.seq = row.column_int64(0);
    e.kind = static_cast<EventKind>(row.column_int64(1));
    e.chain_id = opt_u64(row, 2);
    e.batch_number = opt_u64(row, 3);
    e.log_index = opt_u64(row, 4);
    e.block_number = opt_u64(row, 5);
    e.gw_batch = opt_u64(row, 6);
    e.created_at_ms = row.column_int64(7);
    e.detail = row.column_text(8);
    out.push_back(std::move(e));
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace

const char* event_kind_name(EventKind kind) noexcept {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name.data();
  return "unknown";
}

std::optional<EventKind> event_kind_from_name(std::string_view name) noexcept {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

std::int64_t now_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<std::int64_t> EventStore::append(Database& db, Event e) {
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      // The next number is MAX + 1 (there is one writer), on either backend, with no gap after a
      // rolled-back write.
      db.prepare("INSERT INTO events (seq, kind, chain_id, batch_number, log_index, block_number, "
                 "gw_batch, created_at, detail) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM "
                 "events), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING seq"));
  s->bind(1, static_cast<int>(e.kind))
      .bind(2, e.chain_id)
      .bind(3, e.batch_number)
      .bind(4, e.log_index)
      .bind(5, e.block_number)
      .bind(6, e.gw_batch)
      .bind(7, e.created_at_ms != 0 ? e.created_at_ms : now_ms());
  if (e.detail.empty()) {
    s->bind_null(8);
  } else {
    s->bind(8, std::string_view(e.detail));
  }
  return inserted_key(s);
}

absl::StatusOr<std::vector<Event>> EventStore::read_after(Database& db, std::int64_t after,
                                                          std::size_t limit) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare(std::string("SELECT ") + std::string(kColumns) +
                                  " FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2"));
  s->bind(1, after).bind(2, static_cast<std::int64_t>(limit));
  return collect(s);
}

absl::StatusOr<std::vector<Event>> EventStore::state_changes_after(Database& db, std::int64_t after,
                                                                   std::size_t limit) {
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare(std::string("SELECT ") + std::string(kColumns) +
                 " FROM events WHERE seq > ?1 AND kind <> ?3 ORDER BY seq LIMIT ?2"));
  s->bind(1, after)
      .bind(2, static_cast<std::int64_t>(limit))
      .bind(3, static_cast<int>(EventKind::kMessageRecorded));
  return collect(s);
}

absl::StatusOr<std::vector<Event>> EventStore::for_batch(Database& db, std::uint64_t chain_id,
                                                         std::uint64_t batch) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare(std::string("SELECT ") + std::string(kColumns) +
                                  " FROM events WHERE chain_id = ?1 AND batch_number = ?2 "
                                  "AND log_index IS NULL ORDER BY seq"));
  s->bind(1, chain_id).bind(2, batch);
  return collect(s);
}

absl::StatusOr<std::vector<Event>> EventStore::for_gateway_batch(Database& db,
                                                                 std::uint64_t gw_batch) {
  ZKR_ASSIGN_OR_RETURN(Statement * s, db.prepare(std::string("SELECT ") + std::string(kColumns) +
                                                 " FROM events WHERE gw_batch = ?1 ORDER BY seq"));
  s->bind(1, gw_batch);
  return collect(s);
}

absl::StatusOr<std::optional<Event>> EventStore::for_block(Database& db, EventKind kind,
                                                           std::uint64_t block) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare(std::string("SELECT ") + std::string(kColumns) +
                                  " FROM events WHERE block_number = ?1 AND kind = ?2 ORDER BY seq "
                                  "LIMIT 1"));
  s->bind(1, block).bind(2, static_cast<int>(kind));
  ZKR_ASSIGN_OR_RETURN(std::vector<Event> events, collect(s));
  if (events.empty()) return std::nullopt;
  return std::move(events.front());
}

absl::StatusOr<std::optional<Event>> EventStore::next_of_kind(Database& db, EventKind kind,
                                                              std::int64_t after) {
  ZKR_ASSIGN_OR_RETURN(
      Statement * s, db.prepare(std::string("SELECT ") + std::string(kColumns) +
                                " FROM events WHERE seq > ?1 AND kind = ?2 ORDER BY seq LIMIT 1"));
  s->bind(1, after).bind(2, static_cast<int>(kind));
  ZKR_ASSIGN_OR_RETURN(std::vector<Event> events, collect(s));
  if (events.empty()) return std::nullopt;
  return std::move(events.front());
}

absl::StatusOr<std::vector<Event>> EventStore::batch_steps_between(Database& db, std::int64_t after,
                                                                   std::int64_t before) {
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare(absl::StrCat("SELECT ", to_absl(kColumns),
                              " FROM events WHERE seq > ?1 AND seq < ?2 AND kind IN (",
                              static_cast<int>(EventKind::kBatchCommitted), ", ",
                              static_cast<int>(EventKind::kBatchProven), ", ",
                              static_cast<int>(EventKind::kBatchExecuted), ") ORDER BY seq")));
  s->bind(1, after).bind(2, before);
  return collect(s);
}

absl::StatusOr<std::int64_t> EventStore::last_seq(Database& db) {
  return db.scalar_int64("SELECT COALESCE(MAX(seq), 0) FROM events");
}

}  // namespace zkr::settlement

#include "router/message_store.hpp"

#include <array>
#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "settlement/store/events.hpp"

namespace zkr::router {

using settlement::Database;
using settlement::Statement;

namespace {

constexpr std::string_view kRowColumns =
    "l.chain_id, l.batch_number, l.log_index, l.tx_hash, l.packed, l.kind, l.sender, l.body, "
    "l.destination_chain_id, l.recorded_seq";

absl::StatusOr<LogRow> read_row(const Statement& s) {
  LogRow r;
  r.id = {static_cast<std::uint64_t>(s.column_int64(0)),
          static_cast<std::uint64_t>(s.column_int64(1)),
          static_cast<std::uint64_t>(s.column_int64(2))};
  ZKR_ASSIGN_OR_RETURN(r.tx_hash, s.column_word(3));
  ZKR_ASSIGN_OR_RETURN(r.log, merkle::deserialize_log(s.column_blob(4)));
  const auto kind = s.column_int64(5);
  if (kind < 0 || kind > 2)
    return absl::DataLossError(absl::StrCat("log ", r.id.to_string(), " has kind ", kind));
  r.kind = static_cast<LogKind>(kind);
  if (!s.column_is_null(6)) {
    const auto blob = s.column_blob(6);
    if (blob.size() != 20)
      return absl::DataLossError(absl::StrCat("log ", r.id.to_string(), " has a bad sender"));
    merkle::Address a;
    std::memcpy(a.data(), blob.data(), 20);
    r.sender = a;
  }
  if (!s.column_is_null(7)) {
    const auto blob = s.column_blob(7);
    r.body = merkle::Bytes(blob.begin(), blob.end());
  }
  if (!s.column_is_null(8)) r.destination_chain_id = static_cast<std::uint64_t>(s.column_int64(8));
  r.recorded_seq = s.column_int64(9);
  return r;
}

absl::StatusOr<std::vector<LogRow>> collect(Statement* s) {
  std::vector<LogRow> rows;
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&rows](const Statement& row) -> absl::Status {
    ZKR_ASSIGN_OR_RETURN(LogRow r, read_row(row));
    rows.push_back(std::move(r));
    return absl::OkStatus();
  }));
  return rows;
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

}  // namespace

std::string MessageId::to_string() const {
  return absl::StrCat(chain_id, ":", batch_number, ":", log_index);
}

absl::StatusOr<MessageId> MessageId::parse(std::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(to_absl(text), ':');
  MessageId id;
  if (parts.size() != 3 || !parse_u64(to_std(parts[0]), id.chain_id) ||
      !parse_u64(to_std(parts[1]), id.batch_number) || !parse_u64(to_std(parts[2]), id.log_index)) {
    return absl::InvalidArgumentError(
        absl::StrCat("message id '", to_absl(utf8_prefix(text, 64)),
                     "' is not of the form chain:batch:index (e.g. 270:1:0)"));
  }
  return id;
}

namespace {

/// Rows per INSERT: a batch's logs and their events go in a few statements instead of one round
/// trip per row (which is what a PostgreSQL server across a socket charges for); the writer gives
/// way after each.
constexpr std::size_t kRowsPerInsert = GiveWay::kLogsPerStep;

/// "INSERT INTO <head> VALUES (?1, …, ?k), (…), …" for `rows` rows of `columns` parameters.
std::string multi_row_insert(std::string_view head, std::size_t rows, std::size_t columns) {
  std::string sql = absl::StrCat("INSERT INTO ", to_absl(head), " VALUES ");
  int n = 1;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (std::size_t c = 0; c < columns; ++c) absl::StrAppend(&sql, c == 0 ? "?" : ", ?", n++);
    sql += ")";
  }
  return sql;
}

/// The statements for a chunk of `rows` logs and their events: a whole chunk's text is built once
/// (it is some kilobytes, and the writer runs it sixteen times a batch), a last partial chunk's as
/// it comes.
struct ChunkSql {
  std::string events;
  std::string logs;
};
ChunkSql chunk_sql(std::size_t rows) {
  constexpr std::string_view kEvents =
      "events (seq, kind, chain_id, batch_number, log_index, created_at)";
  constexpr std::string_view kLogs =
      "logs (chain_id, batch_number, log_index, tx_hash, packed, kind, sender, body, "
      "destination_chain_id, recorded_seq)";
  return {multi_row_insert(kEvents, rows, 6), multi_row_insert(kLogs, rows, 10)};
}

}  // namespace

absl::StatusOr<std::int64_t> MessageStore::insert(Database& db, const ValidatedBatch& v,
                                                  GiveWay give_way) {
  const SealedBatch& b = v.batch;
  const std::int64_t now = settlement::now_ms();
  // The messages' events are numbered on from the newest (one writer: nothing else appends).
  ZKR_ASSIGN_OR_RETURN(const std::int64_t last, settlement::EventStore::last_seq(db));
  const std::int64_t first_seq = last + 1;
  // The chunk's packed logs, alive until its statement has run (they are bound in place).
  std::array<merkle::PackedLog, kRowsPerInsert> packed;
  for (std::size_t from = 0; from < b.logs.size(); from += kRowsPerInsert) {
    const std::size_t rows = std::min(kRowsPerInsert, b.logs.size() - from);
    static const ChunkSql whole = chunk_sql(kRowsPerInsert);
    const ChunkSql partial = rows == kRowsPerInsert ? ChunkSql{} : chunk_sql(rows);
    const ChunkSql& sql = rows == kRowsPerInsert ? whole : partial;
    ZKR_ASSIGN_OR_RETURN(Statement * e, db.prepare(sql.events));
    ZKR_ASSIGN_OR_RETURN(Statement * s, db.prepare(sql.logs));
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t i = from + r;
      const BatchLog& l = b.logs[i];
      const LogFacts& f = v.facts[i];
      const std::int64_t seq = first_seq + static_cast<std::int64_t>(i);
      const int ep = static_cast<int>(r * 6);
      e->bind(ep + 1, seq)
          .bind(ep + 2, static_cast<int>(settlement::EventKind::kMessageRecorded))
          .bind(ep + 3, b.chain_id)
          .bind(ep + 4, b.batch_number)
          .bind(ep + 5, static_cast<std::uint64_t>(i))
          .bind(ep + 6, now);
      // The blobs are bound in place: the batch, its facts and `packed` outlive the run below.
      packed[r] = merkle::serialize(l.log);
      const int p = static_cast<int>(r * 10);
      s->bind(p + 1, b.chain_id)
          .bind(p + 2, b.batch_number)
          .bind(p + 3, static_cast<std::uint64_t>(i))
          .bind_borrowed(p + 4, l.tx_hash)
          .bind_borrowed(p + 5, packed[r])
          .bind(p + 6, static_cast<int>(f.kind));
      if (f.sender) {
        s->bind_borrowed(p + 7, *f.sender);
      } else {
        s->bind_null(p + 7);
      }
      if (l.message) {
        s->bind_borrowed(p + 8, *l.message);
      } else {
        s->bind_null(p + 8);
      }
      s->bind(p + 9, f.destination_chain_id).bind(p + 10, seq);
    }
    ZKR_RETURN_IF_ERROR(e->run());
    ZKR_RETURN_IF_ERROR(s->run());
    give_way();
  }
  if (!b.transactions.empty()) {
    ZKR_ASSIGN_OR_RETURN(Statement * t,
                         db.prepare("INSERT INTO transactions (chain_id, batch_number, tx_hash, "
                                    "block_number, block_hash, tx_from, tx_to) VALUES (?1, ?2, "
                                    "?3, ?4, ?5, ?6, ?7)"));
    for (const TxFacts& f : b.transactions) {
      t->bind(1, b.chain_id).bind(2, b.batch_number).bind(3, f.tx_hash).bind(4, f.block_number);
      const auto bind_opt = [t](int index, const auto& value) {
        if (value) {
          t->bind(index, merkle::ByteSpan(*value));
        } else {
          t->bind_null(index);
        }
      };
      bind_opt(5, f.block_hash);
      bind_opt(6, f.from);
      bind_opt(7, f.to);
      ZKR_RETURN_IF_ERROR(t->run());
    }
  }
  return first_seq;
}

absl::StatusOr<std::uint64_t> MessageStore::transactions_sent(Database& db, std::uint64_t chain_id,
                                                              const merkle::Address& from,
                                                              std::optional<merkle::Address> to) {
  // No index on the sender: the chain's rows are scanned (the devnet asks once per account).
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("SELECT COUNT(*) FROM transactions WHERE chain_id = ?1 AND "
                                  "tx_from = ?2 AND (CAST(?3 AS BLOB) IS NULL OR tx_to = ?3)"));
  s->bind(1, chain_id).bind(2, merkle::ByteSpan(from));
  if (to) {
    s->bind(3, merkle::ByteSpan(*to));
  } else {
    s->bind_null(3);
  }
  std::uint64_t count = 0;
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    count = static_cast<std::uint64_t>(row.column_int64(0));
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<std::optional<TxFacts>> MessageStore::tx_facts(Database& db, std::uint64_t chain_id,
                                                              std::uint64_t batch_number,
                                                              const merkle::Word& tx_hash) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("SELECT block_number, block_hash, tx_from, tx_to FROM "
                                  "transactions WHERE chain_id = ?1 AND batch_number = ?2 AND "
                                  "tx_hash = ?3"));
  s->bind(1, chain_id).bind(2, batch_number).bind(3, tx_hash);
  std::optional<TxFacts> out;
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    TxFacts f;
    f.tx_hash = tx_hash;
    if (!row.column_is_null(0)) f.block_number = static_cast<std::uint64_t>(row.column_int64(0));
    if (!row.column_is_null(1)) {
      ZKR_ASSIGN_OR_RETURN(f.block_hash, row.column_word(1));
    }
    for (const auto& [column, target] : {std::pair{2, &f.from}, std::pair{3, &f.to}}) {
      if (row.column_is_null(column)) continue;
      const auto blob = row.column_blob(column);
      if (blob.size() != 20) {
        return absl::DataLossError(
            absl::StrCat("transaction ", merkle::to_hex(tx_hash), " has a bad stored address"));
      }
      std::memcpy(target->emplace().data(), blob.data(), 20);
    }
    out = f;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<LogRow>> MessageStore::get(Database& db, const MessageId& id) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare(absl::StrCat("SELECT ", to_absl(kRowColumns),
                                               " FROM logs l WHERE l.chain_id = ?1 AND "
                                               "l.batch_number = ?2 AND l.log_index = ?3")));
  s->bind(1, id.chain_id).bind(2, id.batch_number).bind(3, id.log_index);
  ZKR_ASSIGN_OR_RETURN(std::vector<LogRow> rows, collect(s));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

absl::StatusOr<std::vector<LogRow>> MessageStore::tx_logs(Database& db, const MessageId& first,
                                                          const merkle::Word& tx_hash) {
  // A transaction's logs are contiguous in its batch: read forward from the first while the hash
  // matches.
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare(absl::StrCat("SELECT ", to_absl(kRowColumns),
                                               " FROM logs l WHERE l.chain_id = ?1 AND "
                                               "l.batch_number = ?2 AND l.log_index >= ?3 "
                                               "ORDER BY l.log_index")));
  s->bind(1, first.chain_id).bind(2, first.batch_number).bind(3, first.log_index);
  std::vector<LogRow> rows;
  while (true) {
    ZKR_ASSIGN_OR_RETURN(const bool row, s->step());
    if (!row) break;
    ZKR_ASSIGN_OR_RETURN(LogRow r, read_row(*s));
    if (r.tx_hash != tx_hash) break;
    rows.push_back(std::move(r));
  }
  s->reset();
  return rows;
}

absl::StatusOr<std::vector<LogRow>> MessageStore::list(Database& db, const MessageFilter& f,
                                                       std::optional<std::int64_t> only_seq) {
  // Filters bind as NULL when absent; the planner uses the recorded_seq order via the events PK.
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare(absl::StrCat(
          "SELECT ", to_absl(kRowColumns),
          " FROM events e JOIN logs l ON l.chain_id = e.chain_id AND l.batch_number = "
          "e.batch_number AND "
          "l.log_index = e.log_index WHERE e.seq > ?1 AND e.kind = ",
          static_cast<int>(settlement::EventKind::kMessageRecorded),
          // An absent filter is a NULL parameter; its type is stated for PostgreSQL.
          " AND (CAST(?2 AS INTEGER) IS NULL OR l.chain_id = ?2) "
          "AND (CAST(?3 AS INTEGER) IS NULL OR l.destination_chain_id = ?3) "
          "AND (CAST(?4 AS INTEGER) IS NULL OR l.kind = ?4) "
          "AND (CAST(?5 AS INTEGER) IS NULL OR e.created_at >= ?5) "
          "AND (CAST(?6 AS INTEGER) IS NULL OR e.created_at < ?6) "
          "AND (CAST(?8 AS INTEGER) IS NULL OR e.seq = ?8) "
          "AND (CAST(?9 AS INTEGER) IS NULL OR EXISTS (SELECT 1 FROM batches b WHERE "
          "b.chain_id = l.chain_id AND b.batch_number = l.batch_number AND b.stage = ?9)) "
          "ORDER BY e.seq LIMIT ?7")));
  s->bind(1, f.after_seq).bind(2, f.source_chain_id).bind(3, f.destination_chain_id);
  if (f.kind) {
    s->bind(4, static_cast<int>(*f.kind));
  } else {
    s->bind_null(4);
  }
  s->bind(5, f.from_time_ms)
      .bind(6, f.to_time_ms)
      .bind(7, static_cast<std::int64_t>(f.limit))
      .bind(8, only_seq);
  if (f.stage) {
    s->bind(9, static_cast<int>(*f.stage));
  } else {
    s->bind_null(9);
  }
  return collect(s);
}

absl::Status MessageStore::for_each_batch(
    Database& db,
    const std::function<absl::Status(std::uint64_t, std::uint64_t, std::vector<LoadedLog>)>& visit,
    std::optional<std::pair<std::uint64_t, std::uint64_t>> only) {
  constexpr char kColumns[] =
      "SELECT chain_id, batch_number, packed, tx_hash, sender, recorded_seq FROM logs ";
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare(absl::StrCat(kColumns, only ? "WHERE chain_id = ?1 AND batch_number = ?2 " : "",
                              "ORDER BY chain_id, batch_number, log_index")));
  if (only) s->bind(1, only->first).bind(2, only->second);
  std::uint64_t chain = 0, batch = 0;
  std::vector<LoadedLog> logs;
  std::vector<merkle::PackedLog> packed_logs;  // the batch's logs, hashed together at its end
  std::vector<merkle::Word> leaves;
  bool any = false;
  absl::Status status;
  while (status.ok()) {
    absl::StatusOr<bool> row = s->step();
    if (!row.ok()) {
      status = row.status();
      break;
    }
    const auto c = *row ? static_cast<std::uint64_t>(s->column_int64(0)) : 0;
    const auto b = *row ? static_cast<std::uint64_t>(s->column_int64(1)) : 0;
    if (any && (!*row || c != chain || b != batch)) {
      leaves.resize(packed_logs.size());
      merkle::log_leaf_hashes(packed_logs, leaves);
      for (std::size_t i = 0; i < logs.size(); ++i) logs[i].leaf = leaves[i];
      status = visit(chain, batch, std::move(logs));
      logs.clear();
      packed_logs.clear();
    }
    if (!*row || !status.ok()) break;
    const auto packed = s->column_blob(2);
    const auto sender = s->column_blob(4);
    absl::StatusOr<merkle::Word> tx = s->column_word(3);
    if (packed.size() != merkle::kLogSerializeSize || !tx.ok() ||
        (!sender.empty() && sender.size() != 20)) {
      status =
          absl::DataLossError(absl::StrCat("a log of batch ", b, " of chain ", c, " is malformed"));
      break;
    }
    merkle::PackedLog& p = packed_logs.emplace_back();
    std::memcpy(p.data(), packed.data(), p.size());
    LoadedLog l{.leaf = {}, .tx_hash = *tx, .sender = std::nullopt, .seq = s->column_int64(5)};
    if (!sender.empty()) {
      merkle::Address a;
      std::memcpy(a.data(), sender.data(), 20);
      l.sender = a;
    }
    chain = c;
    batch = b;
    any = true;
    logs.push_back(l);
  }
  s->reset();
  return status;
}

}  // namespace zkr::router

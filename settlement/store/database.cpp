#include "settlement/store/database.hpp"

#include <cstring>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"
#include "settlement/store/postgres.hpp"
#include "settlement/store/sqlite.hpp"

namespace zkr::settlement {

bool is_postgres_location(std::string_view location) noexcept {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string display_location(std::string_view location) {
  return is_postgres_location(location) ? redact_url(location) : std::string(location);
}

absl::StatusOr<std::unique_ptr<Database>> Database::open(const std::string& location,
                                                         const DatabaseOptions& options) {
  if (is_postgres_location(location)) return open_postgres(location, options);
  return open_sqlite(location, options);
}

absl::Status Statement::run() {
  const absl::StatusOr<bool> row = step();
  reset();  // on failure too: borrowed bytes are not read again
  return row.status();
}

absl::StatusOr<merkle::Word> Statement::column_word(int i) const {
  const auto blob = column_blob(i);
  if (blob.size() != 32) {
    return absl::DataLossError(
        absl::StrCat("column ", column_name(i), " holds ", blob.size(), " bytes, expected 32"));
  }
  merkle::Word w;
  std::memcpy(w.data(), blob.data(), 32);
  return w;
}

absl::StatusOr<std::int64_t> Database::scalar_int64(std::string_view sql) {
  ZKR_ASSIGN_OR_RETURN(Statement * s, prepare(sql));
  std::int64_t value = 0;
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&value](const Statement& row) {
    value = row.column_int64(0);
    return absl::OkStatus();
  }));
  return value;
}

absl::StatusOr<std::int64_t> inserted_key(Statement* s) {
  ZKR_ASSIGN_OR_RETURN(const bool row, s->step());
  const std::int64_t key = row ? s->column_int64(0) : 0;
  s->reset();
  if (!row) return absl::InternalError("an INSERT … RETURNING gave no row");
  return key;
}

absl::StatusOr<Transaction> Transaction::begin(Database& db) {
  ZKR_RETURN_IF_ERROR(db.begin_transaction());
  return Transaction(&db);
}

namespace {
constexpr absl::string_view kWriterLockHeld = "zkrouter/writer-lock-held";
}

bool writer_lock_held(const absl::Status& status) noexcept {
  return status.GetPayload(kWriterLockHeld).has_value();
}

void mark_writer_lock_held(absl::Status& status) {
  status.SetPayload(kWriterLockHeld, absl::Cord("1"));
}

absl::StatusOr<Transaction> Transaction::snapshot(Database& db) {
  ZKR_RETURN_IF_ERROR(db.begin_snapshot());
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) db_->rollback_transaction();
}

absl::Status Transaction::commit() {
  Database* db = db_;
  ZKR_RETURN_IF_ERROR(db->commit_transaction());
  db_ = nullptr;
  return absl::OkStatus();
}

}  // namespace zkr::settlement

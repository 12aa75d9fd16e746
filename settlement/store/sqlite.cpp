#include "settlement/store/sqlite.hpp"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::settlement {

// ---- Statement ----------------------------------------------------------------------------------

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (const int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->error(rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::span<const std::uint8_t> blob) {
  const int rc = sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->error(rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->error(rc, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (const int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->error(rc, "bind");
  return *this;
}

absl::StatusOr<bool> Statement::step() {
  if (!bind_status_.ok()) return bind_status_;
  if (db_->inject_fault(stmt_)) {
    return absl::UnavailableError("disk I/O error (injected fault)");
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(rc, sqlite3_sql(stmt_));
}

absl::Status Statement::run() {
  ZKR_ASSIGN_OR_RETURN(const bool row, step());
  (void)row;
  reset();
  return absl::OkStatus();
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = absl::OkStatus();
}

std::int64_t Statement::column_int64(int i) const noexcept {
  return sqlite3_column_int64(stmt_, i);
}

bool Statement::column_is_null(int i) const noexcept {
  return sqlite3_column_type(stmt_, i) == SQLITE_NULL;
}

std::span<const std::uint8_t> Statement::column_blob(int i) const noexcept {
  const void* p = sqlite3_column_blob(stmt_, i);
  const int n = sqlite3_column_bytes(stmt_, i);
  return {static_cast<const std::uint8_t*>(p), static_cast<std::size_t>(n)};
}

std::string Statement::column_text(int i) const {
  const unsigned char* p = sqlite3_column_text(stmt_, i);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
           : std::string();
}

absl::StatusOr<merkle::Word> Statement::column_word(int i) const {
  const auto blob = column_blob(i);
  if (blob.size() != 32) {
    return absl::DataLossError(absl::StrCat("column ", sqlite3_column_name(stmt_, i), " holds ",
                                            blob.size(), " bytes, expected 32"));
  }
  merkle::Word w;
  std::memcpy(w.data(), blob.data(), 32);
  return w;
}

// ---- Database -----------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Database>> Database::open(const std::string& path,
                                                         const DatabaseOptions& options) {
  sqlite3* raw = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<Database> db(new Database(raw, path));
  if (rc != SQLITE_OK) {
    return absl::UnavailableError(absl::StrCat("cannot open database ", path, ": ",
                                               raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  if (!options.read_only) ZKR_RETURN_IF_ERROR(db->exec("PRAGMA journal_mode=WAL"));
  // Say what we mean: Debian's build would default WAL to FULL anyway.
  ZKR_RETURN_IF_ERROR(db->exec(options.durability == Durability::kFull
                                   ? "PRAGMA synchronous=FULL"
                                   : "PRAGMA synchronous=NORMAL"));
  ZKR_RETURN_IF_ERROR(db->exec("PRAGMA foreign_keys=ON"));
  ZKR_RETURN_IF_ERROR(db->exec(absl::StrCat("PRAGMA cache_size=-", options.cache_size_kib)));
  ZKR_RETURN_IF_ERROR(db->exec("PRAGMA temp_store=MEMORY"));
  return db;
}

Database::~Database() {
  cache_.clear();  // statements first
  sqlite3_close_v2(db_);
}

absl::Status Database::error(int rc, std::string_view what) const {
  const std::string msg = absl::StrCat("SQLite error ", rc, " (", sqlite3_errstr(rc), ") in ",
                                       to_absl(what), ": ", sqlite3_errmsg(db_));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
      return absl::UnavailableError(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(msg);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(msg);
    default:
      return absl::InternalError(msg);
  }
}

absl::Status Database::exec(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return absl::Status(error(rc, "exec").code(),
                        absl::StrCat("SQLite: ", msg, " in: ", text.substr(0, 200)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Statement*> Database::prepare(std::string_view sql) {
  const std::string key(sql);
  if (auto it = cache_.find(key); it != cache_.end()) {
    it->second->reset();
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(rc, key);
  auto owned = std::unique_ptr<Statement>(new Statement(stmt, this));
  Statement* raw = owned.get();
  cache_.emplace(key, std::move(owned));
  return raw;
}

std::int64_t Database::last_insert_rowid() const noexcept {
  return sqlite3_last_insert_rowid(db_);
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

bool Database::inject_fault(sqlite3_stmt* stmt) noexcept {
  if (fail_countdown_ <= 0 || sqlite3_stmt_readonly(stmt)) return false;
  return --fail_countdown_ == 0;
}

// ---- Transaction --------------------------------------------------------------------------------

absl::StatusOr<Transaction> Transaction::begin(Database& db) {
  ZKR_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

absl::Status Transaction::commit() {
  Database* db = db_;
  ZKR_RETURN_IF_ERROR(db->exec("COMMIT"));
  db_ = nullptr;
  return absl::OkStatus();
}

}  // namespace zkr::settlement

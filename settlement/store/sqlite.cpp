#include "settlement/store/sqlite.hpp"

#include <sqlite3.h>

#include <cstring>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::settlement {
namespace {

class SqliteDatabase;

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(sqlite3_stmt* stmt, SqliteDatabase* db) : stmt_(stmt), db_(db) {}
  ~SqliteStatement() override;

  Statement& bind_null(int index) override;
  absl::StatusOr<bool> step() override;
  void reset() noexcept override;
  std::int64_t column_int64(int i) const noexcept override;
  bool column_is_null(int i) const noexcept override;
  std::span<const std::uint8_t> column_blob(int i) const noexcept override;
  std::string column_text(int i) const override;

 protected:
  Statement& bind_int64(int index, std::int64_t value) override;
  Statement& bind_blob(int index, std::span<const std::uint8_t> blob) override;
  Statement& bind_blob_borrowed(int index, std::span<const std::uint8_t> blob) override;
  Statement& bind_text(int index, std::string_view text) override;
  std::string column_name(int i) const override { return sqlite3_column_name(stmt_, i); }

 private:
  sqlite3_stmt* stmt_;
  SqliteDatabase* db_;
  absl::Status bind_status_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db) { location_ = std::move(path); }
  ~SqliteDatabase() override;

  Backend backend() const noexcept override { return Backend::kSqlite; }
  absl::Status exec(std::string_view sql) override;
  absl::StatusOr<Statement*> prepare(std::string_view sql) override;
  absl::Status begin_transaction() override { return exec("BEGIN IMMEDIATE"); }
  absl::Status begin_snapshot() override { return exec("BEGIN"); }
  absl::Status commit_transaction() override { return exec("COMMIT"); }
  void rollback_transaction() noexcept override { (void)exec("ROLLBACK"); }

  absl::Status error(int rc, std::string_view what) const;
  bool fault_for(sqlite3_stmt* stmt) noexcept {
    return !sqlite3_stmt_readonly(stmt) && inject_fault();
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> cache_;
};

// ---- Statement ----------------------------------------------------------------------------------

SqliteStatement::~SqliteStatement() {
  sqlite3_finalize(stmt_);
}

Statement& SqliteStatement::bind_int64(int index, std::int64_t value) {
  if (const int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->error(rc, "bind");
  return *this;
}

Statement& SqliteStatement::bind_blob(int index, std::span<const std::uint8_t> blob) {
  const int rc = sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->error(rc, "bind");
  return *this;
}

Statement& SqliteStatement::bind_blob_borrowed(int index, std::span<const std::uint8_t> blob) {
  const int rc = sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(), SQLITE_STATIC);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->error(rc, "bind");
  return *this;
}

Statement& SqliteStatement::bind_text(int index, std::string_view text) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->error(rc, "bind");
  return *this;
}

Statement& SqliteStatement::bind_null(int index) {
  if (const int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->error(rc, "bind");
  return *this;
}

absl::StatusOr<bool> SqliteStatement::step() {
  if (!bind_status_.ok()) return bind_status_;
  if (db_->fault_for(stmt_)) {
    return absl::UnavailableError("disk I/O error (injected fault)");
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(rc, sqlite3_sql(stmt_));
}

void SqliteStatement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = absl::OkStatus();
}

std::int64_t SqliteStatement::column_int64(int i) const noexcept {
  return sqlite3_column_int64(stmt_, i);
}

bool SqliteStatement::column_is_null(int i) const noexcept {
  return sqlite3_column_type(stmt_, i) == SQLITE_NULL;
}

std::span<const std::uint8_t> SqliteStatement::column_blob(int i) const noexcept {
  const void* p = sqlite3_column_blob(stmt_, i);
  const int n = sqlite3_column_bytes(stmt_, i);
  return {static_cast<const std::uint8_t*>(p), static_cast<std::size_t>(n)};
}

std::string SqliteStatement::column_text(int i) const {
  const unsigned char* p = sqlite3_column_text(stmt_, i);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
           : std::string();
}

// ---- Database -----------------------------------------------------------------------------------

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> open_sqlite(const std::string& path,
                                                      const DatabaseOptions& options) {
  sqlite3* raw = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  auto db = std::make_unique<SqliteDatabase>(raw, path);
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
  return std::unique_ptr<Database>(std::move(db));
}

namespace {

SqliteDatabase::~SqliteDatabase() {
  cache_.clear();  // statements first
  sqlite3_close_v2(db_);
}

absl::Status SqliteDatabase::error(int rc, std::string_view what) const {
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

absl::Status SqliteDatabase::exec(std::string_view sql) {
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

absl::StatusOr<Statement*> SqliteDatabase::prepare(std::string_view sql) {
  const std::string key(sql);
  if (auto it = cache_.find(key); it != cache_.end()) {
    it->second->reset();
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(rc, key);
  auto owned = std::make_unique<SqliteStatement>(stmt, this);
  Statement* raw = owned.get();
  cache_.emplace(key, std::move(owned));
  return raw;
}

}  // namespace
}  // namespace zkr::settlement

#pragma once
// A thin RAII layer over SQLite: connections, prepared statements (cached per connection),
// transactions, and errors as absl::Status. Used only by the store classes.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "merkle/types.hpp"

namespace zkr::settlement {

enum class Durability {
  kFull,    // synchronous=FULL: a commit survives power loss (fsync of the WAL on every commit)
  kNormal,  // synchronous=NORMAL: a commit survives a process crash (kill -9), not power loss
};

struct DatabaseOptions {
  Durability durability = Durability::kFull;
  bool read_only = false;
  int busy_timeout_ms = 5000;
  std::int64_t cache_size_kib = 64 * 1024;
};

class Statement {
 public:
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::uint64_t value) {
    return bind(index, static_cast<std::int64_t>(value));
  }
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, std::span<const std::uint8_t> blob);
  Statement& bind(int index, const merkle::Word& w) {
    return bind(index, std::span<const std::uint8_t>(w));
  }
  Statement& bind(int index, std::string_view text);
  Statement& bind_null(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  /// Advances: true with a row, false when done. Errors carry SQLite's message.
  [[nodiscard]] absl::StatusOr<bool> step();
  /// step() for statements that return no rows.
  [[nodiscard]] absl::Status run();
  void reset() noexcept;

  std::int64_t column_int64(int i) const noexcept;
  bool column_is_null(int i) const noexcept;
  std::span<const std::uint8_t> column_blob(int i) const noexcept;
  std::string column_text(int i) const;
  /// A 32-byte BLOB column; DataLoss if it is not 32 bytes.
  [[nodiscard]] absl::StatusOr<merkle::Word> column_word(int i) const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, class Database* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_;
  class Database* db_;
  absl::Status bind_status_;
};

/// One SQLite connection. Not thread-safe: one owner thread at a time.
class Database {
 public:
  /// Opens (creating if needed) a database file in WAL mode with the given durability.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Database>> open(
      const std::string& path, const DatabaseOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  [[nodiscard]] absl::Status exec(std::string_view sql);
  /// A prepared statement, cached by its SQL text; reset before it is returned.
  [[nodiscard]] absl::StatusOr<Statement*> prepare(std::string_view sql);

  std::int64_t last_insert_rowid() const noexcept;
  /// The first column of the first row of `sql` (0 when there is no row).
  [[nodiscard]] absl::StatusOr<std::int64_t> scalar_int64(std::string_view sql);
  const std::string& path() const noexcept { return path_; }

  /// Test hook (fault injection): the Nth write step from now fails with an I/O error (0 = off).
  void fail_nth_write(int n) noexcept { fail_countdown_ = n; }

 private:
  friend class Statement;
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  [[nodiscard]] absl::Status error(int rc, std::string_view what) const;
  bool inject_fault(sqlite3_stmt* stmt) noexcept;

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
  int fail_countdown_ = 0;
};

/// Steps through every row of a bound statement, calling `visit(const Statement&) -> absl::Status`;
/// stops at the first error. The statement is reset afterwards either way.
template <typename Visit>
[[nodiscard]] absl::Status for_each_row(Statement* s, Visit&& visit) {
  absl::Status status;
  while (status.ok()) {
    absl::StatusOr<bool> row = s->step();
    if (!row.ok()) {
      status = row.status();
    } else if (!*row) {
      break;
    } else {
      status = visit(static_cast<const Statement&>(*s));
    }
  }
  s->reset();
  return status;
}

/// BEGIN IMMEDIATE … COMMIT; rolls back on destruction unless committed.
class Transaction {
 public:
  [[nodiscard]] static absl::StatusOr<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  [[nodiscard]] absl::Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace zkr::settlement

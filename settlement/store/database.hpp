#pragma once
// The connection layer the store classes use, over either backend: SQLite (a file; the default and
// the devnet's) or PostgreSQL (a `postgresql://` URL). Connections, prepared statements (cached per
// connection), transactions, errors as absl::Status. The SQL the stores write is the subset both
// speak: `?N` parameters (each used; a parameter that may be NULL is CAST to its type where it is
// only tested for NULL), INTEGER / BLOB / TEXT (BIGINT / BYTEA on PostgreSQL, translated), ON
// CONFLICT, RETURNING, partial indexes, keys always given (no rowid or sequence).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "merkle/types.hpp"

namespace zkr::settlement {

enum class Durability {
  kFull,    // SQLite synchronous=FULL / PostgreSQL synchronous_commit=on: survives power loss
  kNormal,  // SQLite synchronous=NORMAL: survives a process crash (kill -9), not power loss
};

enum class Backend { kSqlite, kPostgres };

struct DatabaseOptions {
  Durability durability = Durability::kFull;
  bool read_only = false;
  int busy_timeout_ms = 5000;
  std::int64_t cache_size_kib = 64 * 1024;  // SQLite's page cache
  /// SQLite writer: WAL checkpoints (copying the WAL's pages into the database file) run on a
  /// thread of their own, with a connection of its own, instead of inside the commit that takes the
  /// WAL past SQLite's threshold (1000 pages); a commit then no longer does that copy, milliseconds
  /// of CPU in one piece. Each checkpoint runs inside `run_checkpoint`, if given (which calls its
  /// argument once: to run it at another priority). A commit that finds the WAL at twice the
  /// threshold copies what the thread has left (little, unless the thread is starved), so that
  /// SQLite can start the WAL again from its beginning and the WAL stays bounded. PostgreSQL
  /// ignores both.
  bool checkpoint_in_background = false;
  std::function<void(const std::function<void()>& checkpoint)> run_checkpoint;
  /// SQLite writer: a commit in steps. SQLite writes a transaction's pages to the WAL inside its
  /// COMMIT, in one call: a batch's hundred pages took up to 0.8 ms of CPU in one piece. Given,
  /// this is called on the committing thread every kWritesPerCommitStep file writes of a commit
  /// (a WAL frame is two: its header and its page), to let waiting threads run. PostgreSQL
  /// ignores it (its commit is another process's work).
  std::function<void()> give_way_in_commit;
  static constexpr int kWritesPerCommitStep = 16;
};

/// Whether `location` names a PostgreSQL database ("postgresql://…" or "postgres://…").
bool is_postgres_location(std::string_view location) noexcept;
/// `location` as it may be printed: a URL's password replaced by "***".
std::string display_location(std::string_view location);

/// Whether `status` says another process is the database's writer (PostgreSQL's writer lock is
/// held): what a standby writer waits on.
bool writer_lock_held(const absl::Status& status) noexcept;
/// Marks `status` as saying so (the PostgreSQL backend does).
void mark_writer_lock_held(absl::Status& status);

/// A prepared statement: bind parameters (1-based), step through rows, read columns (0-based).
class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  virtual ~Statement() = default;

  Statement& bind(int index, std::int64_t value) { return bind_int64(index, value); }
  Statement& bind(int index, std::uint64_t value) {
    return bind_int64(index, static_cast<std::int64_t>(value));
  }
  Statement& bind(int index, int value) { return bind_int64(index, value); }
  Statement& bind(int index, std::span<const std::uint8_t> blob) { return bind_blob(index, blob); }
  Statement& bind(int index, const merkle::Word& w) {
    return bind_blob(index, std::span<const std::uint8_t>(w));
  }
  Statement& bind(int index, std::string_view text) { return bind_text(index, text); }
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }
  /// A BLOB the statement may read in place instead of copying: the bytes must stay valid until
  /// run() or reset() (both drop the binding, as does prepare() when it hands the statement out
  /// again). For bulk inserts, where a copy per value is most of the binding's cost.
  Statement& bind_borrowed(int index, std::span<const std::uint8_t> blob) {
    return bind_blob_borrowed(index, blob);
  }
  virtual Statement& bind_null(int index) = 0;

  /// Advances: true with a row, false when done. Errors carry the backend's message.
  [[nodiscard]] virtual absl::StatusOr<bool> step() = 0;
  /// step() for statements that return no rows; resets the statement, whatever the outcome.
  [[nodiscard]] absl::Status run();
  virtual void reset() noexcept = 0;

  virtual std::int64_t column_int64(int i) const noexcept = 0;
  virtual bool column_is_null(int i) const noexcept = 0;
  /// Valid until the next step() or reset().
  virtual std::span<const std::uint8_t> column_blob(int i) const noexcept = 0;
  virtual std::string column_text(int i) const = 0;
  /// A 32-byte BLOB column; DataLoss if it is not 32 bytes.
  [[nodiscard]] absl::StatusOr<merkle::Word> column_word(int i) const;

 protected:
  virtual Statement& bind_int64(int index, std::int64_t value) = 0;
  virtual Statement& bind_blob(int index, std::span<const std::uint8_t> blob) = 0;
  /// Copies unless the backend can do better.
  virtual Statement& bind_blob_borrowed(int index, std::span<const std::uint8_t> blob) {
    return bind_blob(index, blob);
  }
  virtual Statement& bind_text(int index, std::string_view text) = 0;
  virtual std::string column_name(int i) const = 0;
};

/// One connection. Not thread-safe: one owner thread at a time.
class Database {
 public:
  /// Opens a SQLite file (created if needed, WAL mode, the given durability) or, for a
  /// `postgresql://` URL, connects to that PostgreSQL database.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Database>> open(
      const std::string& location, const DatabaseOptions& options = {});
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  virtual ~Database() = default;

  virtual Backend backend() const noexcept = 0;
  /// Runs SQL text (several statements allowed) with no parameters and no rows. On PostgreSQL
  /// the schema's types are translated (INTEGER → BIGINT, BLOB → BYTEA, …).
  [[nodiscard]] virtual absl::Status exec(std::string_view sql) = 0;
  /// A prepared statement, cached by its SQL text; reset before it is returned.
  [[nodiscard]] virtual absl::StatusOr<Statement*> prepare(std::string_view sql) = 0;
  /// The first column of the first row of `sql` (0 when there is no row).
  [[nodiscard]] absl::StatusOr<std::int64_t> scalar_int64(std::string_view sql);
  /// Where it is: the file, or the URL without its password.
  const std::string& path() const noexcept { return location_; }

  [[nodiscard]] virtual absl::Status begin_transaction() = 0;
  /// A read transaction whose reads all see one snapshot (SQLite: a deferred BEGIN in WAL mode;
  /// PostgreSQL: REPEATABLE READ), also on a read-only connection or a hot standby.
  [[nodiscard]] virtual absl::Status begin_snapshot() = 0;
  [[nodiscard]] virtual absl::Status commit_transaction() = 0;
  virtual void rollback_transaction() noexcept = 0;

  /// Test hook (fault injection): the Nth write step from now fails with an I/O error (0 = off).
  void fail_nth_write(int n) noexcept { fail_countdown_ = n; }

 protected:
  /// Counts down a write for fail_nth_write: true when this one must fail.
  bool inject_fault() noexcept { return fail_countdown_ > 0 && --fail_countdown_ == 0; }
  std::string location_;

 private:
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

/// Runs a bound INSERT … RETURNING key and gives the key.
[[nodiscard]] absl::StatusOr<std::int64_t> inserted_key(Statement* s);

/// A write transaction (SQLite: BEGIN IMMEDIATE); rolls back on destruction unless committed.
class Transaction {
 public:
  [[nodiscard]] static absl::StatusOr<Transaction> begin(Database& db);
  /// A read transaction over one snapshot (Database::begin_snapshot); ends when destroyed.
  [[nodiscard]] static absl::StatusOr<Transaction> snapshot(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  [[nodiscard]] absl::Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace zkr::settlement

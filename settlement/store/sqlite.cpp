#include "settlement/store/sqlite.hpp"

#include <sqlite3.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"
#include "settlement/store/sqlite_vfs.hpp"

namespace zkr::settlement {
namespace {

class SqliteDatabase;

// A commit in steps (DatabaseOptions::give_way_in_commit). The writer's connection opens its files
// through a VFS layer whose writes count themselves on the committing thread; every
// kWritesPerCommitStep-th calls that thread's give-way, set for the length of a COMMIT.
thread_local const std::function<void()>* t_give_way = nullptr;
thread_local int t_writes = 0;

int write_in_steps(sqlite3_file* below, const void* data, int amount, sqlite3_int64 offset) {
  const int rc = below->pMethods->xWrite(below, data, amount, offset);
  if (t_give_way != nullptr && ++t_writes % DatabaseOptions::kWritesPerCommitStep == 0)
    (*t_give_way)();
  return rc;
}

/// The layer over the default VFS of now (tests make theirs the default), registered the first
/// time.
absl::StatusOr<const char*> steps_vfs() {
  sqlite3_vfs* below = sqlite3_vfs_find(nullptr);
  if (below == nullptr) return absl::InternalError("SQLite has no default VFS");
  std::string error;
  sqlite3_vfs* vfs = sqlite_vfs::register_over(
      below, absl::StrCat("zkr-commit-steps/", below->zName),
      sqlite_vfs::WriteCalls{.write = write_in_steps}, /*make_default=*/false, &error);
  if (vfs == nullptr)
    return absl::InternalError(absl::StrCat("cannot register a SQLite VFS: ", error));
  return vfs->zName;
}

class CommitSteps {
 public:
  explicit CommitSteps(const std::function<void()>& give_way) : previous_(t_give_way) {
    t_give_way = give_way ? &give_way : nullptr;
    t_writes = 0;
  }
  ~CommitSteps() { t_give_way = previous_; }
  CommitSteps(const CommitSteps&) = delete;
  CommitSteps& operator=(const CommitSteps&) = delete;

 private:
  const std::function<void()>* previous_;
};

// WAL checkpoints on a thread of their own (DatabaseOptions::checkpoint_in_background). The
// writer's connection reports the WAL's size after every commit (sqlite3_wal_hook, which replaces
// SQLite's own automatic checkpoint); past kThreshold pages this thread runs a PASSIVE checkpoint
// on its own connection. PASSIVE waits for nobody: the writer goes on appending to the WAL while
// it runs, and restarts the WAL from its start once a checkpoint has caught up with it.
class WalCheckpointer {
 public:
  static constexpr int kThreshold = 1000;  // pages: SQLite's default autocheckpoint
  // The committing writer checkpoints what the thread has left. SQLite starts the WAL again from
  // its beginning only at a write that finds every page of it copied, which a checkpoint on
  // another thread, while the writer goes on appending, rarely leaves.
  static constexpr int kWriterCompletesAt = 2 * kThreshold;

  using Runner = std::function<void(const std::function<void()>&)>;
  WalCheckpointer(sqlite3* checkpointer, Runner runner)
      : conn_(checkpointer), runner_(std::move(runner)), thread_([this] { run(); }) {}
  ~WalCheckpointer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    sqlite3_close_v2(conn_);
  }
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  /// The writer connection's wal hook: `pages` in the WAL after a commit.
  static int on_commit(void* self, sqlite3* writer, const char* schema, int pages) {
    if (pages >= kWriterCompletesAt) {
      sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (pages >= kThreshold) {
      auto* c = static_cast<WalCheckpointer*>(self);
      {
        std::lock_guard lock(c->mutex_);
        c->due_ = true;
      }
      c->wake_.notify_one();
    }
    return SQLITE_OK;
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return due_ || stopping_; });
      if (stopping_) return;
      due_ = false;
      lock.unlock();
      // A failure (the writer's own checkpoint running, say) leaves the pages for the next one.
      const std::function<void()> checkpoint = [this] {
        sqlite3_wal_checkpoint_v2(conn_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      };
      if (runner_) {
        runner_(checkpoint);
      } else {
        checkpoint();
      }
      lock.lock();
    }
  }

  sqlite3* conn_;
  Runner runner_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: it starts with the members above in place
};

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
  absl::Status commit_transaction() override {
    const CommitSteps steps(give_way_in_commit_);
    return exec("COMMIT");
  }
  void rollback_transaction() noexcept override { (void)exec("ROLLBACK"); }

  absl::Status error(int rc, std::string_view what) const;
  bool fault_for(sqlite3_stmt* stmt) noexcept {
    return !sqlite3_stmt_readonly(stmt) && inject_fault();
  }

  /// Checkpoints the WAL from now on (the wal hook is this connection's: SQLite's own automatic
  /// checkpoint stops).
  void checkpoint_with(std::unique_ptr<WalCheckpointer> checkpointer) {
    checkpointer_ = std::move(checkpointer);
    sqlite3_wal_hook(db_, &WalCheckpointer::on_commit, checkpointer_.get());
  }
  void give_way_in_commit(std::function<void()> give_way) {
    give_way_in_commit_ = std::move(give_way);
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> cache_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // with checkpoint_in_background
  std::function<void()> give_way_in_commit_;
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
  const char* vfs = nullptr;
  if (options.give_way_in_commit && !options.read_only) {
    ZKR_ASSIGN_OR_RETURN(vfs, steps_vfs());
  }
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs);
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
  if (options.checkpoint_in_background && !options.read_only) {
    sqlite3* conn = nullptr;
    const int crc =
        sqlite3_open_v2(path.c_str(), &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    // A first read opens its view of the WAL; until then a checkpoint on it does nothing.
    const int rrc = crc == SQLITE_OK
                        ? sqlite3_exec(conn, "PRAGMA schema_version", nullptr, nullptr, nullptr)
                        : crc;
    if (rrc != SQLITE_OK) {
      const std::string why = conn ? sqlite3_errmsg(conn) : sqlite3_errstr(rrc);
      sqlite3_close_v2(conn);
      return absl::UnavailableError(
          absl::StrCat("cannot open database ", path, " for its checkpoints: ", why));
    }
    db->checkpoint_with(std::make_unique<WalCheckpointer>(conn, options.run_checkpoint));
  }
  if (vfs != nullptr) db->give_way_in_commit(options.give_way_in_commit);
  return std::unique_ptr<Database>(std::move(db));
}

namespace {

SqliteDatabase::~SqliteDatabase() {
  cache_.clear();  // statements first
  sqlite3_wal_hook(db_, nullptr, nullptr);
  checkpointer_.reset();
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

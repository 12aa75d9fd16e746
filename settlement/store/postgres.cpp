#include "settlement/store/postgres.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::settlement {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

/// A failed result as a Status: the SQLSTATE class decides the code (integrity → AlreadyExists,
/// connection, resources, shutdown, serialization → Unavailable, corruption → DataLoss).
absl::Status pg_error(PGconn* conn, const PGresult* res, std::string_view what) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  const std::string code = state != nullptr ? state : "08000";
  const std::string text =
      absl::StrCat("PostgreSQL error ", code, " in ", to_absl(what.substr(0, 200)), ": ", message);
  const std::string cls = code.substr(0, 2);
  if (cls == "23") return absl::AlreadyExistsError(text);
  if (cls == "08" || cls == "53" || cls == "57" || cls == "40" || cls == "55" ||
      PQstatus(conn) != CONNECTION_OK)
    return absl::UnavailableError(text);
  if (code == "XX001" || code == "XX002") return absl::DataLossError(text);
  return absl::InternalError(text);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class PgDatabase;

class PgStatement final : public Statement {
 public:
  PgStatement(PgDatabase* db, std::string name, std::string sql, int params, bool writes)
      : db_(db), name_(std::move(name)), sql_(std::move(sql)), writes_(writes) {
    values_.resize(params);
    null_.resize(params, true);
    binary_.resize(params, 0);
  }

  Statement& bind_null(int index) override {
    if (slot(index)) null_[index - 1] = true;
    return *this;
  }
  absl::StatusOr<bool> step() override;
  void reset() noexcept override {
    result_.reset();
    row_ = -1;
    for (std::size_t i = 0; i < null_.size(); ++i) null_[i] = true;
    bind_status_ = absl::OkStatus();
  }
  std::int64_t column_int64(int i) const noexcept override {
    const char* v = PQgetvalue(result_.get(), row_, i);
    std::int64_t out = 0;
    std::from_chars(v, v + PQgetlength(result_.get(), row_, i), out);
    return out;
  }
  bool column_is_null(int i) const noexcept override {
    return PQgetisnull(result_.get(), row_, i) != 0;
  }
  std::span<const std::uint8_t> column_blob(int i) const noexcept override;
  std::string column_text(int i) const override {
    return std::string(PQgetvalue(result_.get(), row_, i),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, i)));
  }

 protected:
  Statement& bind_int64(int index, std::int64_t value) override {
    if (slot(index)) set(index, std::to_string(value), false);
    return *this;
  }
  Statement& bind_blob(int index, std::span<const std::uint8_t> blob) override {
    if (slot(index))
      set(index, std::string(reinterpret_cast<const char*>(blob.data()), blob.size()), true);
    return *this;
  }
  Statement& bind_text(int index, std::string_view text) override {
    if (slot(index)) set(index, std::string(text), false);
    return *this;
  }
  std::string column_name(int i) const override { return PQfname(result_.get(), i); }

 private:
  bool slot(int index) {
    if (index >= 1 && static_cast<std::size_t>(index) <= values_.size()) return true;
    if (bind_status_.ok())
      bind_status_ = absl::InternalError(
          absl::StrCat("bind: parameter ", index, " out of range in ", sql_.substr(0, 200)));
    return false;
  }
  void set(int index, std::string value, bool binary) {
    values_[index - 1] = std::move(value);
    null_[index - 1] = false;
    binary_[index - 1] = binary ? 1 : 0;
  }

  PgDatabase* db_;
  std::string name_;
  std::string sql_;
  bool writes_;
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<int> binary_;
  ResultPtr result_{nullptr, &PQclear};
  int row_ = -1;
  absl::Status bind_status_;
  // column_blob's bytes, decoded from bytea hex, per column (valid until the next row).
  mutable std::vector<std::vector<std::uint8_t>> blobs_;
};

class PgDatabase final : public Database {
 public:
  PgDatabase(PGconn* conn, std::string location, DatabaseOptions options)
      : conn_(conn), options_(options) {
    location_ = std::move(location);
  }

  /// The session's settings, and for a writer its lock (taken within busy_timeout).
  absl::Status set_up_session(int lock_wait_ms) {
    // Say what we mean: a commit is durable (WAL flushed) before it is acknowledged; warnings
    // (NOTICEs such as "relation already exists, skipping") are not printed.
    ZKR_RETURN_IF_ERROR(exec("SET synchronous_commit = on; SET client_min_messages = warning"));
    ZKR_RETURN_IF_ERROR(exec(absl::StrCat("SET lock_timeout = ", options_.busy_timeout_ms)));
    if (options_.read_only) return exec("SET default_transaction_read_only = on");
    return take_writer_lock(lock_wait_ms);
  }

  /// A connection the server closed (a restart, a failover, a network cut) is opened again
  /// before the next transaction; a writer must win its lock back at once (a standby may have
  /// taken over meanwhile).
  absl::Status reconnect_if_lost() {
    if (PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
    cache_.clear();  // the server's prepared statements went with the session
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string why = PQerrorMessage(conn_);
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      return absl::UnavailableError(
          absl::StrCat("lost the connection to PostgreSQL at ", location_, ": ", why));
    }
    return set_up_session(0);
  }
  ~PgDatabase() override {
    cache_.clear();
    PQfinish(conn_);
  }

  Backend backend() const noexcept override { return Backend::kPostgres; }

  absl::Status exec(std::string_view sql) override { return run_simple(postgres_ddl(sql), sql); }

  absl::StatusOr<Statement*> prepare(std::string_view sql) override {
    // Outside a transaction (a reader's single statement) a lost connection is opened again;
    // inside one, the transaction fails as a whole.
    if (!in_transaction_) ZKR_RETURN_IF_ERROR(reconnect_if_lost());
    const std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) {
      it->second->reset();
      return it->second.get();
    }
    const std::string text = postgres_parameters(postgres_ddl(sql));
    const std::string name = absl::StrCat("zkr_", cache_.size() + 1);
    ResultPtr res(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr), &PQclear);
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return pg_error(conn_, res.get(), key);
    ResultPtr described(PQdescribePrepared(conn_, name.c_str()), &PQclear);
    if (PQresultStatus(described.get()) != PGRES_COMMAND_OK)
      return pg_error(conn_, described.get(), key);
    const bool writes = !std::string_view(key).starts_with("SELECT");
    auto owned = std::make_unique<PgStatement>(this, name, key, PQnparams(described.get()), writes);
    PgStatement* raw = owned.get();
    cache_.emplace(key, std::move(owned));
    return raw;
  }

  absl::Status begin_transaction() override { return begin("BEGIN"); }
  absl::Status begin_snapshot() override {
    return begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  absl::Status commit_transaction() override {
    in_transaction_ = false;
    return run_simple("COMMIT", "COMMIT");
  }
  void rollback_transaction() noexcept override {
    in_transaction_ = false;
    (void)run_simple("ROLLBACK", "ROLLBACK");
  }

  PGconn* conn() const noexcept { return conn_; }
  bool fault() noexcept { return inject_fault(); }

  /// The session takes the writer's advisory lock, trying for `wait_ms` (a writer that just died
  /// may still hold it until PostgreSQL notices), or says who holds it.
  absl::Status take_writer_lock(int wait_ms) {
    const std::string sql = absl::StrCat("SELECT pg_try_advisory_lock(", kWriterLockKey, ")");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    for (;;) {
      ResultPtr res(PQexec(conn_, sql.c_str()), &PQclear);
      if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) return pg_error(conn_, res.get(), sql);
      if (std::string_view(PQgetvalue(res.get(), 0, 0)) == "t") return absl::OkStatus();
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // Who holds it: its backend's pid, client address and since when.
    const std::string who = absl::StrCat(
        "SELECT a.pid, COALESCE(host(a.client_addr), 'local socket'), a.backend_start "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = "
        "'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = ",
        kWriterLockKey, " LIMIT 1");
    ResultPtr holder(PQexec(conn_, who.c_str()), &PQclear);
    std::string detail = "another session";
    if (PQresultStatus(holder.get()) == PGRES_TUPLES_OK && PQntuples(holder.get()) == 1)
      detail =
          absl::StrCat("PostgreSQL backend pid ", PQgetvalue(holder.get(), 0, 0), " from ",
                       PQgetvalue(holder.get(), 0, 1), " since ", PQgetvalue(holder.get(), 0, 2));
    absl::Status held = absl::FailedPreconditionError(
        absl::StrCat("another zkrouter is the writer of ", location_, " (", detail,
                     "); one writer at a time (a PostgreSQL advisory lock): stop that one first"));
    mark_writer_lock_held(held);
    return held;
  }

 private:
  absl::Status run_simple(const std::string& sql, std::string_view what) {
    ResultPtr res(PQexec(conn_, sql.c_str()), &PQclear);
    const ExecStatusType st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
      return pg_error(conn_, res.get(), what);
    return absl::OkStatus();
  }

  absl::Status begin(const std::string& sql) {
    ZKR_RETURN_IF_ERROR(reconnect_if_lost());
    ZKR_RETURN_IF_ERROR(run_simple(sql, "BEGIN"));
    in_transaction_ = true;
    return absl::OkStatus();
  }

  PGconn* conn_;
  DatabaseOptions options_;
  bool in_transaction_ = false;
  std::unordered_map<std::string, std::unique_ptr<PgStatement>> cache_;
};

absl::StatusOr<bool> PgStatement::step() {
  if (!bind_status_.ok()) return bind_status_;
  if (!result_) {
    if (writes_ && db_->fault()) return absl::UnavailableError("disk I/O error (injected fault)");
    std::vector<const char*> values(values_.size());
    std::vector<int> lengths(values_.size());
    for (std::size_t i = 0; i < values_.size(); ++i) {
      values[i] = null_[i] ? nullptr : values_[i].data();
      lengths[i] = static_cast<int>(values_[i].size());
    }
    result_.reset(PQexecPrepared(db_->conn(), name_.c_str(), static_cast<int>(values.size()),
                                 values.data(), lengths.data(), binary_.data(), 0));
    const ExecStatusType st = PQresultStatus(result_.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      absl::Status error = pg_error(db_->conn(), result_.get(), sql_);
      result_.reset();
      return error;
    }
    row_ = -1;
  }
  ++row_;
  return row_ < PQntuples(result_.get());
}

std::span<const std::uint8_t> PgStatement::column_blob(int i) const noexcept {
  // Text results: bytea comes as "\x" followed by hex digits.
  const char* v = PQgetvalue(result_.get(), row_, i);
  const int n = PQgetlength(result_.get(), row_, i);
  if (blobs_.size() <= static_cast<std::size_t>(i)) blobs_.resize(static_cast<std::size_t>(i) + 1);
  std::vector<std::uint8_t>& blob = blobs_[static_cast<std::size_t>(i)];
  blob.clear();
  if (n < 2 || v[0] != '\\' || v[1] != 'x') return {};
  blob.reserve(static_cast<std::size_t>(n - 2) / 2);
  for (int k = 2; k + 1 < n; k += 2) {
    const int hi = hex_value(v[k]);
    const int lo = hex_value(v[k + 1]);
    if (hi < 0 || lo < 0) break;
    blob.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return blob;
}

}  // namespace

namespace {

bool word_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/// `text` with every whole-word `from` (outside quoted strings) replaced by `to`.
std::string replace_words(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size() + 16);
  bool quoted = false;
  for (std::size_t i = 0; i < text.size();) {
    if (!quoted && text.substr(i, 2) == "--") {  // a comment, to the end of its line
      const std::size_t end = std::min(text.find('\n', i), text.size());
      out += text.substr(i, end - i);
      i = end;
      continue;
    }
    if (text[i] == '\'') quoted = !quoted;
    if (!quoted && text.substr(i, from.size()) == from && (i == 0 || !word_char(text[i - 1])) &&
        (i + from.size() == text.size() || !word_char(text[i + from.size()]))) {
      out += to;
      i += from.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace

std::string postgres_ddl(std::string_view sqlite_sql) {
  std::string out = replace_words(sqlite_sql, "WITHOUT ROWID", "");
  // ") WITHOUT ROWID;" became ") ;": close the gap.
  for (std::size_t at = out.find(") ;"); at != std::string::npos; at = out.find(") ;", at))
    out.erase(at + 1, 1);
  out = replace_words(out, "INTEGER", "BIGINT");
  return replace_words(out, "BLOB", "BYTEA");
}

std::string postgres_parameters(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int next = 1;
  bool quoted = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (!quoted && sql.substr(i, 2) == "--") {  // a comment, to the end of its line
      const std::size_t end = std::min(sql.find('\n', i), sql.size());
      out += sql.substr(i, end - i);
      i = end - 1;
      continue;
    }
    if (c == '\'') quoted = !quoted;
    if (c != '?' || quoted) {
      out += c;
      continue;
    }
    out += '$';
    if (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') continue;  // ?N → $N
    out += std::to_string(next++);
  }
  return out;
}

std::string redact_url(std::string_view url) {
  // scheme://user:password@host… → scheme://user:***@host…
  const std::size_t scheme = url.find("://");
  const std::size_t at = url.find('@');
  if (scheme == std::string_view::npos || at == std::string_view::npos || at < scheme)
    return std::string(url);
  const std::size_t colon = url.find(':', scheme + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return absl::StrCat(to_absl(url.substr(0, colon + 1)), "***", to_absl(url.substr(at)));
}

absl::StatusOr<std::unique_ptr<Database>> open_postgres(const std::string& url,
                                                        const DatabaseOptions& options) {
  PGconn* conn = PQconnectdb(url.c_str());
  auto db = std::make_unique<PgDatabase>(conn, redact_url(url), options);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string why = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return absl::UnavailableError(
        absl::StrCat("cannot connect to PostgreSQL at ", db->path(), ": ", why));
  }
  ZKR_RETURN_IF_ERROR(db->set_up_session(options.busy_timeout_ms));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace zkr::settlement

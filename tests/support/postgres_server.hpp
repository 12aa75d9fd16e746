#pragma once
// A real PostgreSQL server for tests: initdb into a temporary folder and `postgres` on a free
// loopback port, run as an unprivileged user when the tests run as root (PostgreSQL refuses root);
// databases created and dropped per test. The suites run against it when ZKR_TEST_POSTGRES_FILE
// names the file holding its URL (written by tests/support/pg_server_main.cpp, the ctest fixture
// PgServer, which starts it before and stops it after the PostgreSQL runs of the suites).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace zkr::testing {

/// A running server, stopped (and its folder removed) by stop() or the destructor.
class PostgresServer {
 public:
  /// initdb into `dir` (created; owned by the unprivileged user), then starts the server.
  [[nodiscard]] static absl::StatusOr<PostgresServer> start(const std::string& dir);
  PostgresServer(PostgresServer&& other) noexcept;
  PostgresServer& operator=(PostgresServer&&) = delete;
  ~PostgresServer();

  /// A hot standby of `primary` in `dir`: pg_basebackup of it (with its replication settings),
  /// started on a port of its own; it streams the primary's WAL and answers read-only queries.
  [[nodiscard]] static absl::StatusOr<PostgresServer> start_standby(const std::string& dir,
                                                                    const PostgresServer& primary);

  std::uint16_t port() const { return port_; }
  /// The URL of its `postgres` database (the admin connection).
  const std::string& url() const { return url_; }
  /// Stops it with SIGKILL (a crash) or a fast shutdown; the folder stays (restart() reuses it).
  void stop(bool crash = false);
  [[nodiscard]] absl::Status restart();
  /// Leaves the server running and its folder in place after this object is gone.
  void release() noexcept {
    running_ = false;
    dir_.clear();
  }

 private:
  PostgresServer(std::string dir, std::uint16_t port);
  std::string dir_;
  std::uint16_t port_ = 0;
  std::string url_;
  bool running_ = false;
};

/// Stops the server whose folder is `dir` (for the ctest fixture's cleanup).
void stop_postgres_in(const std::string& dir);

/// The admin URL of the suites' server, if they run against PostgreSQL.
std::optional<std::string> test_postgres_url();

/// A fresh, empty database on `admin_url`'s server: its URL.
[[nodiscard]] absl::StatusOr<std::string> create_database(const std::string& admin_url);
/// A digest of every row of every table of the database `url` names (tests compare it before and
/// after a refused write).
std::string postgres_digest(const std::string& url);
/// Drops the database `url` names (closing its connections).
void drop_database(const std::string& admin_url, const std::string& url);

}  // namespace zkr::testing

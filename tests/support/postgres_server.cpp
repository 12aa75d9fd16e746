#include "tests/support/postgres_server.hpp"

#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"
#include "tests/support/process.hpp"

namespace zkr::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";
constexpr const char* kUser = "nobody";  // PostgreSQL refuses to run as root

/// `command` as the unprivileged user when we are root, as ourselves otherwise.
std::string as_server_user(const std::string& command) {
  if (::geteuid() != 0) return command;
  return absl::StrCat("runuser -u ", kUser, " -- ", command);
}

absl::Status run(const std::string& command, const std::string& what) {
  const int rc = std::system(command.c_str());
  if (rc != 0) return absl::InternalError(absl::StrCat(what, " failed (", rc, "): ", command));
  return absl::OkStatus();
}

absl::Status admin_exec(const std::string& admin_url, const std::string& sql) {
  PGconn* conn = PQconnectdb(admin_url.c_str());
  absl::Status status;
  if (PQstatus(conn) != CONNECTION_OK) {
    status =
        absl::UnavailableError(absl::StrCat("connect ", admin_url, ": ", PQerrorMessage(conn)));
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
      status = absl::InternalError(absl::StrCat(sql, ": ", PQresultErrorMessage(res)));
    PQclear(res);
  }
  PQfinish(conn);
  return status;
}

std::string server_command(const std::string& dir, std::uint16_t port) {
  return as_server_user(absl::StrCat(
      kBin, "/pg_ctl -D ", dir, "/data -l ", dir, "/server.log -w -t 60 -o \"-p ", port, " -k ",
      dir, " -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on\" start",
      " > /dev/null"));
}

}  // namespace

PostgresServer::PostgresServer(std::string dir, std::uint16_t port)
    : dir_(std::move(dir)),
      port_(port),
      url_(absl::StrCat("postgresql://zkrouter@127.0.0.1:", port, "/postgres")) {}

PostgresServer::PostgresServer(PostgresServer&& other) noexcept
    : dir_(std::move(other.dir_)),
      port_(other.port_),
      url_(std::move(other.url_)),
      running_(other.running_) {
  other.running_ = false;
  other.dir_.clear();
}

absl::StatusOr<PostgresServer> PostgresServer::start(const std::string& dir) {
  if (!fs::exists(fs::path(kBin) / "initdb"))
    return absl::FailedPreconditionError(
        absl::StrCat("no PostgreSQL 15 server in ", kBin, " (Debian package postgresql)"));
  fs::create_directories(dir);
  if (::geteuid() == 0 && !run(absl::StrCat("chown ", kUser, " ", dir), "chown").ok())
    return absl::InternalError("cannot give the server's folder to " + std::string(kUser));
  if (!fs::exists(fs::path(dir) / "data")) {
    if (absl::Status s = run(as_server_user(absl::StrCat(kBin, "/initdb -D ", dir,
                                                         "/data -U zkrouter --auth=trust -E UTF8 ",
                                                         "--no-sync > ", dir, "/initdb.log 2>&1")),
                             "initdb (log: " + dir + "/initdb.log)");
        !s.ok())
      return s;
  }
  PostgresServer server(dir, free_port());
  if (absl::Status s =
          run(server_command(dir, server.port_), "pg_ctl start (log: " + dir + "/server.log)");
      !s.ok())
    return s;
  server.running_ = true;
  return server;
}

absl::StatusOr<PostgresServer> PostgresServer::start_standby(const std::string& dir,
                                                             const PostgresServer& primary) {
  fs::create_directories(dir);
  if (::geteuid() == 0 && !run(absl::StrCat("chown ", kUser, " ", dir), "chown").ok())
    return absl::InternalError("cannot give the server's folder to " + std::string(kUser));
  ZKR_RETURN_IF_ERROR(
      run(as_server_user(absl::StrCat(
              kBin, "/pg_basebackup -h 127.0.0.1 -p ", primary.port_, " -U zkrouter -D ", dir,
              "/data -R -X stream -c fast --no-sync > ", dir, "/basebackup.log 2>&1")),
          "pg_basebackup (log: " + dir + "/basebackup.log)"));
  PostgresServer server(dir, free_port());
  ZKR_RETURN_IF_ERROR(
      run(server_command(dir, server.port_), "pg_ctl start (log: " + dir + "/server.log)"));
  server.running_ = true;
  return server;
}

void PostgresServer::stop(bool crash) {
  if (!running_) return;
  if (crash) {
    std::ifstream pid_file(dir_ + "/data/postmaster.pid");
    long pid = 0;
    if (pid_file >> pid && pid > 0) (void)std::system(absl::StrCat("kill -9 ", pid).c_str());
  } else {
    stop_postgres_in(dir_);
  }
  running_ = false;
}

absl::Status PostgresServer::restart() {
  ZKR_RETURN_IF_ERROR(run(server_command(dir_, port_), "pg_ctl start"));
  running_ = true;
  return absl::OkStatus();
}

PostgresServer::~PostgresServer() {
  if (dir_.empty()) return;
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void stop_postgres_in(const std::string& dir) {
  (void)std::system(as_server_user(absl::StrCat(kBin, "/pg_ctl -D ", dir,
                                                "/data -m fast -w stop > /dev/null 2>&1"))
                        .c_str());
}

std::optional<std::string> test_postgres_url() {
  const char* file = std::getenv("ZKR_TEST_POSTGRES_FILE");
  if (file == nullptr) return std::nullopt;
  std::ifstream in(file);
  std::string url;
  if (!(in >> url)) return std::nullopt;
  return url;
}

absl::StatusOr<std::string> create_database(const std::string& admin_url) {
  static std::mt19937_64 rng(std::random_device{}());
  const std::string name = absl::StrCat("zkr_test_", ::getpid(), "_", rng() % 1000000000);
  ZKR_RETURN_IF_ERROR(admin_exec(admin_url, "CREATE DATABASE " + name));
  return admin_url.substr(0, admin_url.rfind('/') + 1) + name;
}

std::string postgres_digest(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string all;
  const auto query = [&](const std::string& sql) {
    PGresult* res = PQexec(conn, sql.c_str());
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
      all += "error:" + std::string(PQresultErrorMessage(res));
    return res;
  };
  PGresult* tables = query(
      "SELECT table_name, (SELECT count(*) FROM information_schema.columns c WHERE c.table_name = "
      "t.table_name AND c.table_schema = 'public') FROM information_schema.tables t WHERE "
      "table_schema = 'public' ORDER BY table_name");
  for (int t = 0; t < PQntuples(tables); ++t) {
    const std::string name = PQgetvalue(tables, t, 0);
    const int columns = std::atoi(PQgetvalue(tables, t, 1));
    std::string order = "1";
    for (int c = 2; c <= std::min(columns, 3); ++c) order += ", " + std::to_string(c);
    PGresult* rows = query("SELECT * FROM \"" + name + "\" ORDER BY " + order);
    all += name + ":" + std::to_string(PQntuples(rows)) + ";";
    for (int r = 0; r < PQntuples(rows); ++r)
      for (int c = 0; c < PQnfields(rows); ++c)
        all += (PQgetisnull(rows, r, c) ? std::string("\x01null")
                                        : std::string(PQgetvalue(rows, r, c))) +
               "\x02";
    PQclear(rows);
  }
  PQclear(tables);
  PQfinish(conn);
  return all;
}

void drop_database(const std::string& admin_url, const std::string& url) {
  const std::string name = url.substr(url.rfind('/') + 1);
  (void)admin_exec(admin_url, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

}  // namespace zkr::testing

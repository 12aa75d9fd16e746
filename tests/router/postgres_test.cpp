// The PostgreSQL backend: how the schema and statements are put in PostgreSQL's words (always),
// and — when the suite runs against a real server (ZKR_TEST_POSTGRES_FILE, the PgServer fixture)
// — that PostgreSQL itself lets one writer at a time hold the database, names the one that does,
// and frees it when that writer dies, even by SIGKILL. Every other engine and API test runs
// against that server too (the Pg.* tests).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "settlement/store/postgres.hpp"
#include "tests/support/engine_fixtures.hpp"

namespace zkr {
namespace {

using namespace std::chrono_literals;

TEST(PostgresDialect, PutsTheSchemaAndParametersInPostgresWords) {
  EXPECT_EQ(
      settlement::postgres_ddl("CREATE TABLE t (\n  a INTEGER PRIMARY KEY,\n  b BLOB NOT NULL,"
                               " c INTEGER\n) WITHOUT ROWID;"),
      "CREATE TABLE t (\n  a BIGINT PRIMARY KEY,\n  b BYTEA NOT NULL, c BIGINT\n);");
  // Comments (with their apostrophes) and quoted strings are left as they are.
  EXPECT_EQ(settlement::postgres_ddl(
                "-- the chain's key: a BLOB\nCREATE TABLE t (k BLOB) WITHOUT ROWID;"),
            "-- the chain's key: a BLOB\nCREATE TABLE t (k BYTEA);");
  EXPECT_EQ(settlement::postgres_ddl("INSERT INTO t VALUES ('INTEGER')"),
            "INSERT INTO t VALUES ('INTEGER')");
  // Words that merely contain the type names are left alone.
  EXPECT_EQ(settlement::postgres_ddl("SELECT blobs, integers FROM t"),
            "SELECT blobs, integers FROM t");
  EXPECT_EQ(
      settlement::postgres_parameters("SELECT a FROM t WHERE b = ?2 AND c = ?10 AND d = '?1'"),
      "SELECT a FROM t WHERE b = $2 AND c = $10 AND d = '?1'");
  EXPECT_EQ(settlement::postgres_parameters("INSERT INTO t VALUES (?, ?)"),
            "INSERT INTO t VALUES ($1, $2)");
  EXPECT_EQ(settlement::redact_url("postgresql://zk:secret@db.example:5432/zkrouter"),
            "postgresql://zk:***@db.example:5432/zkrouter");
  EXPECT_EQ(settlement::redact_url("postgresql://zk@db.example/zkrouter"),
            "postgresql://zk@db.example/zkrouter");
  EXPECT_TRUE(settlement::is_postgres_location("postgres://h/db"));
  EXPECT_FALSE(settlement::is_postgres_location("data/postgresql.db"));
}

absl::StatusOr<std::unique_ptr<router::Engine>> try_open(const std::string& url) {
  router::EngineConfig config;
  config.database_path = url;
  config.gateway = {.chain_id = 506, .first_block = 10, .signing_key = testing::test_gateway_key()};
  config.reader_connections = 2;
  return router::Engine::open(config);
}

TEST(Postgres, OneWriterAtATimeAndTheSecondIsToldWhoHoldsIt) {
  if (!testing::on_postgres()) GTEST_SKIP() << "runs against PostgreSQL only (Pg.* tests)";
  testing::TempDir dir;
  const std::string url = dir.database("zkrouter");
  auto first = testing::open_engine(url);
  const auto second = try_open(url);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("another zkrouter is the writer"), std::string::npos)
      << second.status();
  EXPECT_NE(second.status().message().find("pid"), std::string::npos) << second.status();
  first.reset();  // its session ends: the lock is free
  const auto third = try_open(url);
  EXPECT_TRUE(third.ok()) << third.status();
}

TEST(Postgres, AWriterKilledWithSigkillFreesTheDatabaseForTheNext) {
  if (!testing::on_postgres()) GTEST_SKIP() << "runs against PostgreSQL only (Pg.* tests)";
  testing::TempDir dir;
  const std::string url = dir.database("zkrouter");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the writer: opens, says so, and waits to be killed
    auto engine = try_open(url);
    const char ok = engine.ok() ? '1' : '0';
    (void)::write(ready[1], &ok, 1);
    for (;;) ::pause();
  }
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ASSERT_EQ(ok, '1');
  EXPECT_FALSE(try_open(url).ok()) << "a second writer while the first lives";
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  // PostgreSQL ends the dead writer's session when its socket closes; the next writer gets in.
  absl::StatusOr<std::unique_ptr<router::Engine>> next = try_open(url);
  for (int i = 0; i < 100 && !next.ok(); ++i) {
    std::this_thread::sleep_for(100ms);
    next = try_open(url);
  }
  EXPECT_TRUE(next.ok()) << next.status();
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace zkr

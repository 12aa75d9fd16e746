// Start-up checks: trees rebuilt from the database must match the stored roots, or the engine
// refuses to start and says why; a database newer than the binary is refused.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "router/engine.hpp"
#include "settlement/store/database.hpp"
#include "tests/support/engine_fixtures.hpp"

namespace zkr::router {
namespace {

void execute_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

absl::Status open_status(const std::string& path) {
  EngineConfig config;
  config.database_path = path;
  config.gateway = {.chain_id = 506, .first_block = 1, .signing_key = testing::test_gateway_key()};
  return Engine::open(config).status();
}

// A database with one executed batch in sealed block 1 and Gateway batch 1.
std::string prepared(const testing::TempDir& dir) {
  const std::string path = dir.file("zkrouter.db");
  auto engine = testing::open_engine(path, 1);
  EXPECT_TRUE(testing::launch_chain(*engine, 270).ok());
  EXPECT_TRUE(engine->ingest(testing::generated_batch(270, 1, 3)).ok());
  EXPECT_TRUE(engine->commit_batch(270, 1).ok());
  EXPECT_TRUE(engine->prove_batch(270, 1, testing::validity_proof(*engine, 270, 1)).ok());
  EXPECT_TRUE(engine->execute_batch(270, 1).ok());
  EXPECT_TRUE(engine->seal_block().ok());
  EXPECT_TRUE(engine->seal_gateway_batch().ok());
  return path;
}

// Bulk inserts bind their blobs in place (Statement::bind_borrowed): the bytes stored are the
// caller's, and a run that fails leaves no binding behind to be read later.
TEST(Recovery, BorrowedBlobsAreStoredAndAFailedRunLeavesNoneBound) {
  testing::TempDir dir;
  auto db = settlement::Database::open(dir.file("borrowed.db"));
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)").ok());
  auto insert = (*db)->prepare("INSERT INTO t (k, v) VALUES (?1, ?2)");
  ASSERT_TRUE(insert.ok()) << insert.status();
  {
    std::vector<std::uint8_t> bytes{1, 2, 3};
    ASSERT_TRUE((*insert)->bind(1, 1).bind_borrowed(2, bytes).run().ok());
    const absl::Status again = (*insert)->bind(1, 1).bind_borrowed(2, bytes).run();
    EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;  // the same key
  }  // the bytes are gone: the failed run must not have left them bound
  const absl::Status unbound = (*insert)->bind(1, 2).run();
  ASSERT_TRUE(unbound.ok()) << unbound;
  auto select = (*db)->prepare("SELECT k, v IS NULL, length(v), hex(v) FROM t ORDER BY k");
  ASSERT_TRUE(select.ok());
  std::vector<std::string> rows;
  ASSERT_TRUE(settlement::for_each_row(*select, [&](const settlement::Statement& row) {
                rows.push_back(absl::StrCat(row.column_int64(0), ":", row.column_int64(1), ":",
                                            row.column_int64(2), ":", row.column_text(3)));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(rows, (std::vector<std::string>{"1:0:3:010203", "2:1:0:"}));
}

// Writes `transactions` transactions of ten 4000-byte blobs each (about ten pages apiece).
void write_pages(settlement::Database& db, int transactions) {
  static int next_key = 0;
  const std::vector<std::uint8_t> blob(4000, 0xab);
  for (int t = 0; t < transactions; ++t) {
    ASSERT_TRUE(db.begin_transaction().ok());
    auto insert = db.prepare("INSERT INTO t (k, v) VALUES (?1, ?2)");
    ASSERT_TRUE(insert.ok()) << insert.status();
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE((*insert)->bind(1, next_key++).bind(2, blob).run().ok());
    ASSERT_TRUE(db.commit_transaction().ok());
  }
}

std::uintmax_t file_size(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

// With checkpoint_in_background, the commits leave the WAL to a thread of its own, which copies
// it into the database file through the runner it was given.
TEST(Recovery, CheckpointsRunOnTheirOwnThread) {
  testing::TempDir dir;
  const std::string path = dir.file("checkpoints.db");
  std::mutex mutex;
  std::condition_variable done;
  std::vector<std::thread::id> ran_on;
  settlement::DatabaseOptions options;
  options.durability = settlement::Durability::kNormal;
  options.checkpoint_in_background = true;
  options.run_checkpoint = [&](const std::function<void()>& checkpoint) {
    checkpoint();
    std::lock_guard lock(mutex);
    ran_on.push_back(std::this_thread::get_id());
    done.notify_all();
  };
  auto db = settlement::Database::open(path, options);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)").ok());
  const std::uintmax_t before = file_size(path);
  write_pages(**db, 150);  // about 1500 pages: past the 1000-page threshold once
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(done.wait_for(lock, std::chrono::seconds(30), [&] { return !ran_on.empty(); }));
    for (const std::thread::id id : ran_on) EXPECT_NE(id, std::this_thread::get_id());
  }
  // The pages reached the database file (the WAL's 1000 frames hold fewer distinct pages: a
  // transaction writes its b-tree's inner pages again).
  EXPECT_GE(file_size(path), before + 500 * 4096);
  auto count = (*db)->prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(count.ok());
  ASSERT_TRUE(*(*count)->step());
  EXPECT_EQ((*count)->column_int64(0), 1500);
}

// A checkpoint thread that never gets to run (here: held in its runner) does not let the WAL grow
// without end: at twice the threshold the committing writer checkpoints it itself, and the WAL
// is written again from its start.
TEST(Recovery, AStalledCheckpointThreadLeavesTheWalBounded) {
  testing::TempDir dir;
  const std::string path = dir.file("stalled.db");
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  settlement::DatabaseOptions options;
  options.durability = settlement::Durability::kNormal;
  options.checkpoint_in_background = true;
  options.run_checkpoint = [&](const std::function<void()>&) {
    std::unique_lock lock(mutex);
    released.wait(lock, [&] { return release; });
  };
  {
    auto db = settlement::Database::open(path, options);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)").ok());
    write_pages(**db, 1000);  // about 10 000 pages
    // A WAL frame is a page and its 24-byte header; 2000 frames and one transaction at most.
    EXPECT_LT(file_size(path + "-wal"), std::uintmax_t{2100} * (4096 + 24));
    EXPECT_GT(file_size(path), std::uintmax_t{9000} * 4096);  // the writer's own checkpoints
    {
      std::lock_guard lock(mutex);
      release = true;
    }
    released.notify_all();
  }  // closed with the thread released
}

// With give_way_in_commit, a commit's writes into the WAL run in steps: the give-way is called on
// the committing thread once every kWritesPerCommitStep writes (a frame is two: header, page),
// and outside a commit never.
TEST(Recovery, ACommitWritesItsPagesInSteps) {
  testing::TempDir dir;
  const std::string path = dir.file("steps.db");
  std::vector<std::thread::id> calls;
  settlement::DatabaseOptions options;
  options.durability = settlement::Durability::kNormal;
  options.give_way_in_commit = [&] { calls.push_back(std::this_thread::get_id()); };
  auto db = settlement::Database::open(path, options);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)").ok());
  ASSERT_TRUE((*db)->exec("INSERT INTO t (k, v) VALUES (-1, zeroblob(100000))").ok());
  EXPECT_TRUE(calls.empty()) << "statements outside a transaction's commit run in one piece";
  ASSERT_TRUE((*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());

  ASSERT_TRUE((*db)->begin_transaction().ok());
  auto insert = (*db)->prepare("INSERT INTO t (k, v) VALUES (?1, ?2)");
  ASSERT_TRUE(insert.ok()) << insert.status();
  const std::vector<std::uint8_t> blob(4000, 0xcd);
  for (int k = 0; k < 200; ++k) ASSERT_TRUE((*insert)->bind(1, k).bind(2, blob).run().ok());
  EXPECT_TRUE(calls.empty()) << "the rows wait in the page cache until the commit";
  ASSERT_TRUE((*db)->commit_transaction().ok());

  // The WAL holds this commit's frames alone (it was emptied before).
  auto wal = (*db)->prepare("PRAGMA wal_checkpoint(PASSIVE)");
  ASSERT_TRUE(wal.ok()) << wal.status();
  ASSERT_TRUE(*(*wal)->step());
  const std::int64_t frames = (*wal)->column_int64(1);
  EXPECT_GE(frames, 200);
  // Two writes a frame, and one for the WAL's header when it starts again.
  const std::int64_t per_step = settlement::DatabaseOptions::kWritesPerCommitStep;
  EXPECT_GE(static_cast<std::int64_t>(calls.size()), 2 * frames / per_step);
  EXPECT_LE(static_cast<std::int64_t>(calls.size()), (2 * frames + 1) / per_step);
  for (const std::thread::id id : calls) EXPECT_EQ(id, std::this_thread::get_id());

  auto count = (*db)->prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(count.ok());
  ASSERT_TRUE(*(*count)->step());
  EXPECT_EQ((*count)->column_int64(0), 201);
}

TEST(Recovery, ReopensCleanly) {
  testing::TempDir dir;
  EXPECT_TRUE(open_status(prepared(dir)).ok());
}

TEST(Recovery, RefusesATamperedLog) {
  testing::TempDir dir;
  const std::string path = prepared(dir);
  execute_sql(path, "UPDATE logs SET packed = zeroblob(88) WHERE log_index = 1");
  const auto s = open_status(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("batch 1 of chain 270: localRoot is"), std::string::npos) << s;
}

TEST(Recovery, RefusesATamperedSharedRoot) {
  testing::TempDir dir;
  const std::string path = prepared(dir);
  execute_sql(path, "UPDATE gateway_blocks SET shared_root = zeroblob(32) WHERE number = 1");
  const auto s = open_status(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("shared root of Gateway block 1"), std::string::npos) << s;
}

TEST(Recovery, RefusesATamperedChainBatchRoot) {
  testing::TempDir dir;
  const std::string path = prepared(dir);
  execute_sql(path, "UPDATE batches SET chain_batch_root = zeroblob(32)");
  const auto s = open_status(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
}

TEST(Recovery, RefusesAGatewayBatchRootMismatch) {
  testing::TempDir dir;
  const std::string path = prepared(dir);
  execute_sql(path, "UPDATE gateway_batches SET batch_root = zeroblob(32)");
  const auto s = open_status(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("root of Gateway batch 1"), std::string::npos) << s;
}

TEST(Recovery, RefusesADatabaseNewerThanTheBinary) {
  testing::TempDir dir;
  const std::string path = prepared(dir);
  execute_sql(path, "INSERT INTO schema_migrations VALUES (999, 'future', 0)");
  const auto s = open_status(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("schema version 999, newer than this zkrouter knows"),
            std::string::npos)
      << s;
}

TEST(Recovery, RefusesAnotherGatewaysDatabase) {
  testing::TempDir dir;
  const std::string path = prepared(dir);
  EngineConfig config;
  config.database_path = path;
  config.gateway = {.chain_id = 9075, .first_block = 1, .signing_key = testing::test_gateway_key()};
  const auto s = Engine::open(config).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("belongs to Gateway chain 506"), std::string::npos) << s;
}

}  // namespace
}  // namespace zkr::router

// A read replica follows its writer through the database alone: opened read-only on the same
// database (an SQLite file here, PostgreSQL in the Pg.* run), it rebuilds the state from the rows,
// applies each committed event as the writer did, and then answers every proof, interop root,
// status and event exactly as the writer does. It refuses writes, naming the writer; it does not
// start on a database no writer has created; it stops following (and keeps serving what it
// applied) at an event that does not follow from the ones before it.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "merkle/status.hpp"
#include "settlement/store/database.hpp"
#include "settlement/store/events.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/postgres_server.hpp"

namespace zkr::router {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Engine> open_replica(const std::string& path,
                                     std::chrono::milliseconds follow_interval = 5ms) {
  EngineConfig config;
  config.database_path = path;
  config.role = Role::kReplica;
  config.gateway = {.chain_id = 506, .first_block = 10, .signing_key = nullptr};
  config.reader_connections = 2;
  config.follow_interval = follow_interval;
  auto engine = Engine::open(config);
  if (!engine.ok()) throw std::runtime_error(std::string(engine.status().message()));
  return std::move(*engine);
}

/// Waits until `replica` has applied every event up to `seq` (or 20 s pass).
bool caught_up(const Engine& replica, std::int64_t seq) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (replica.last_event_seq() >= seq) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

std::vector<LogRow> all_messages(const Engine& engine) {
  std::vector<LogRow> out;
  MessageFilter f;
  f.limit = 1000;
  for (;;) {
    auto page = engine.list_messages(f);
    if (!page.ok() || page->rows.empty()) break;
    for (LogRow& r : page->rows) out.push_back(std::move(r));
    f.after_seq = page->next_cursor;
  }
  return out;
}

/// Everything a client can read of the state, compared word for word.
void expect_same_answers(const Engine& writer, const Engine& replica) {
  ASSERT_EQ(replica.last_event_seq(), writer.last_event_seq());
  ASSERT_EQ(replica.last_sealed_block(), writer.last_sealed_block());
  ASSERT_EQ(replica.gateway_batch_count(), writer.gateway_batch_count());
  const auto messages = all_messages(writer);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(all_messages(replica).size(), messages.size());
  for (const LogRow& m : messages) {
    for (const ProofTarget target : {ProofTarget::kGateway, ProofTarget::kL1}) {
      const auto w = writer.proof(m.id, target);
      const auto r = replica.proof(m.id, target);
      ASSERT_EQ(w.ok(), r.ok()) << m.id.to_string();
      if (!w.ok()) {
        EXPECT_EQ(w.status(), r.status());
        continue;
      }
      EXPECT_EQ(w->proof, r->proof) << m.id.to_string();
      EXPECT_EQ(w->settled_root, r->settled_root);
      EXPECT_EQ(w->gateway_block, r->gateway_block);
    }
    const auto ws = writer.status(m.id);
    const auto rs = replica.status(m.id);
    ASSERT_TRUE(ws.ok() && rs.ok()) << m.id.to_string();
    EXPECT_EQ(ws->status, rs->status);
    EXPECT_EQ(ws->timeline.size(), rs->timeline.size());
  }
  for (std::uint64_t block = 10; block <= *writer.last_sealed_block(); ++block) {
    const auto w = writer.interop_root(block);
    const auto r = replica.interop_root(block);
    ASSERT_TRUE(w.ok() && r.ok());
    EXPECT_EQ(*w, *r) << "block " << block;
  }
  for (std::uint64_t n = 1; n <= writer.gateway_batch_count(); ++n) {
    EXPECT_EQ(writer.gateway_batch(n)->batch_root, replica.gateway_batch(n)->batch_root);
    EXPECT_EQ(writer.gateway_batch(n)->l1_stage, replica.gateway_batch(n)->l1_stage);
  }
  const auto we = writer.events_after(0, 100000);
  const auto re = replica.events_after(0, 100000);
  ASSERT_TRUE(we.ok() && re.ok());
  ASSERT_EQ(we->size(), re->size());
  for (std::size_t i = 0; i < we->size(); ++i) {
    EXPECT_EQ((*we)[i].seq, (*re)[i].seq);
    EXPECT_EQ((*we)[i].detail, (*re)[i].detail);
  }
}

class Replica : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string path_ = dir_.database("zkrouter.db");
};

TEST_F(Replica, FollowsItsWriterAndAnswersAsItDoes) {
  auto writer = testing::open_engine(path_);
  // Opened before anything happens: it follows every step live.
  auto live = open_replica(path_);
  testing::replay_scenario(*writer);
  // L1 stages, including a rollback, as the submitter writes them.
  ASSERT_TRUE(writer
                  ->settle([](settlement::GatewayWriter& w) -> absl::Status {
                    ZKR_RETURN_IF_ERROR(w.set_l1_stage(1, settlement::L1Stage::kCommitted, ""));
                    return w.set_l1_stage(1, settlement::L1Stage::kProven, R"("l1TxHash":"0x01")");
                  })
                  .ok());
  ASSERT_TRUE(writer
                  ->settle([](settlement::GatewayWriter& w) {
                    return w.set_l1_stage(1, settlement::L1Stage::kCommitted, "");
                  })
                  .ok());
  ASSERT_TRUE(caught_up(*live, writer->last_event_seq()));
  expect_same_answers(*writer, *live);
  const auto status = live->follow_status();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->applied_seq, writer->last_event_seq());
  EXPECT_TRUE(status->error.empty()) << status->error;
  EXPECT_FALSE(writer->follow_status().has_value());

  // One started afterwards rebuilds the same state from the rows.
  auto cold = open_replica(path_);
  expect_same_answers(*writer, *cold);

  // And both go on following new batches.
  const std::uint64_t next = writer->chain(270)->last_recorded + 1;
  ASSERT_TRUE(writer->ingest(testing::generated_batch(270, next, 40, 7)).ok());
  ASSERT_TRUE(caught_up(*live, writer->last_event_seq()));
  ASSERT_TRUE(caught_up(*cold, writer->last_event_seq()));
  const auto id = MessageId{270, next, 39};
  ASSERT_TRUE(live->message(id).ok());
  EXPECT_EQ(live->proof(id, ProofTarget::kGateway).status().code(),
            writer->proof(id, ProofTarget::kGateway).status().code());
}

// A replica that has not applied the newest events yet still knows they are committed: a
// subscriber moving to it from a replica further ahead resumes from its cursor.
TEST_F(Replica, KnowsTheNewestCommittedEventBeforeItHasAppliedIt) {
  auto writer = testing::open_engine(path_);
  testing::replay_scenario(*writer);
  auto replica = open_replica(path_, std::chrono::minutes(10));  // it looks again in 10 minutes
  const std::int64_t applied = replica->last_event_seq();
  EXPECT_EQ(applied, writer->last_event_seq());
  EXPECT_EQ(*replica->newest_committed_event(), applied);
  const auto chain = writer->chain(270);
  ASSERT_TRUE(writer->ingest(testing::generated_batch(270, chain->last_recorded + 1, 3)).ok());
  EXPECT_EQ(replica->last_event_seq(), applied);  // not applied yet, but known to be committed
  EXPECT_GT(writer->last_event_seq(), applied);
  EXPECT_EQ(*replica->newest_committed_event(), writer->last_event_seq());
  EXPECT_EQ(*writer->newest_committed_event(), writer->last_event_seq());
}

TEST_F(Replica, RefusesWritesNamingTheWriter) {
  auto writer = testing::open_engine(path_);
  testing::replay_scenario(*writer);
  ASSERT_TRUE(writer->advertise_writer("http://10.1.2.3:8545").ok());
  auto replica = open_replica(path_);
  const std::int64_t before = writer->last_event_seq();
  const absl::Status s = replica->register_chain(testing::registration_for(999));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("read replica"), std::string::npos) << s;
  EXPECT_NE(s.message().find("http://10.1.2.3:8545"), std::string::npos) << s;
  EXPECT_EQ(replica->seal_block().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(replica->ingest(testing::generated_batch(270, writer->chain(270)->last_recorded + 1, 3))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(writer->last_event_seq(), before);
  EXPECT_FALSE(writer->chain(999).has_value());
}

TEST_F(Replica, DoesNotStartBeforeItsWriterHasCreatedTheGateway) {
  if (!testing::on_postgres()) {
    // An SQLite replica opens the file read-only: there is none yet.
    EXPECT_THROW(open_replica(path_), std::runtime_error);
    return;
  }
  try {
    open_replica(path_);
    FAIL() << "a replica started on an empty database";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("writer first"), std::string::npos) << e.what();
  }
}

TEST_F(Replica, StopsFollowingAtAnEventThatDoesNotFollowAndKeepsServing) {
  std::int64_t good = 0;
  {
    auto writer = testing::open_engine(path_);
    testing::replay_scenario(*writer);
    good = writer->last_event_seq();
  }
  auto replica = open_replica(path_);
  const auto proof = replica->proof({270, 1, 0}, ProofTarget::kGateway);
  ASSERT_TRUE(proof.ok()) << proof.status();
  {
    // A block sealed with a root its state does not give, written behind the router's back.
    auto db = settlement::Database::open(path_);
    ASSERT_TRUE(db.ok()) << db.status();
    settlement::Event forged{.kind = settlement::EventKind::kGatewayBlockSealed,
                             .chain_id = 506,
                             .block_number = *replica->last_sealed_block() + 1,
                             .detail = R"({"root":"0x00"})"};
    ASSERT_TRUE(settlement::EventStore::append(**db, forged).ok());
  }
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::optional<FollowStatus> status;
  while (std::chrono::steady_clock::now() < deadline) {
    status = replica->follow_status();
    if (status->stopped) break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(status->stopped);
  EXPECT_NE(status->error.find("does not follow"), std::string::npos) << status->error;
  EXPECT_EQ(replica->last_event_seq(), good);
  const auto after = replica->proof({270, 1, 0}, ProofTarget::kGateway);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->proof, proof->proof);
}

// PostgreSQL's own replication underneath: the replica reads a hot standby streaming the writer's
// database (read-only, no LISTEN there) and follows it by polling.
TEST_F(Replica, FollowsAHotStandbyOfItsWritersDatabase) {
  if (!testing::on_postgres()) GTEST_SKIP() << "runs against PostgreSQL only (Pg.* tests)";
  auto primary = testing::PostgresServer::start(dir_.file("primary"));
  ASSERT_TRUE(primary.ok()) << primary.status();
  const auto url = testing::create_database(primary->url());
  ASSERT_TRUE(url.ok()) << url.status();
  auto writer = testing::open_engine(*url);
  testing::replay_scenario(*writer);
  auto standby = testing::PostgresServer::start_standby(dir_.file("standby"), *primary);
  ASSERT_TRUE(standby.ok()) << standby.status();
  // The same database, on the standby's port.
  const std::string primary_port = ":" + std::to_string(primary->port()) + "/";
  std::string standby_url = *url;
  standby_url.replace(standby_url.find(primary_port), primary_port.size(),
                      ":" + std::to_string(standby->port()) + "/");
  {
    auto replica = open_replica(standby_url);
    ASSERT_TRUE(caught_up(*replica, writer->last_event_seq()));
    expect_same_answers(*writer, *replica);
    // New writes reach it through the standby.
    const std::uint64_t next = writer->chain(271)->last_recorded + 1;
    ASSERT_TRUE(writer->ingest(testing::generated_batch(271, next, 25, 3)).ok());
    ASSERT_TRUE(writer->seal_block().ok());
    ASSERT_TRUE(caught_up(*replica, writer->last_event_seq()));
    expect_same_answers(*writer, *replica);
    // It refuses writes: the standby is read-only, and so is a replica.
    EXPECT_EQ(replica->seal_block().status().code(), absl::StatusCode::kFailedPrecondition);
  }
  writer.reset();
}

}  // namespace
}  // namespace zkr::router

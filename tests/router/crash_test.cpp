// kill -9 at random points while a child ingests batches and drives the Gateway: after each
// restart every acknowledged change is present exactly once, nothing half-written is visible, and
// every root equals a fresh recomputation.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>

#include "merkle/log_tree.hpp"
#include "merkle/verifier.hpp"
#include "tests/support/crash_plan.hpp"

namespace zkr::router {
namespace {

struct Acks {
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> ingested;  // → chainBatchRoot
  std::map<std::pair<std::uint64_t, std::uint64_t>, int> stage;             // → 1..3
  std::map<std::uint64_t, std::string> blocks, gw_batches;                  // → root
};

// Runs the child. Without a phase, SIGKILLs it once it has printed `stop_after` acknowledgements
// (or 10 s pass). With a phase the child kills itself inside a step of that phase; the test checks
// that it did (its last marker is "BEGIN phase"). Acknowledgements go into `acks`.
void run_child(const std::string& db, std::uint64_t seed, const std::string& phase,
               std::size_t stop_after, Acks& acks) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    const std::string seed_text = std::to_string(seed);
    if (phase.empty())
      ::execl(ZKR_CRASH_CHILD, ZKR_CRASH_CHILD, db.c_str(), seed_text.c_str(),
              static_cast<char*>(nullptr));
    else
      ::execl(ZKR_CRASH_CHILD, ZKR_CRASH_CHILD, db.c_str(), seed_text.c_str(), phase.c_str(),
              static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ::close(fds[1]);
  std::string buffer;
  std::size_t seen = 0;
  bool inside = false, closed = false;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(phase.empty() ? 10 : 30);
  while ((!phase.empty() || seen < stop_after) && !closed &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n <= 0) {
      closed = true;  // the child is gone
      break;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      std::istringstream line(buffer.substr(0, nl));
      buffer.erase(0, nl + 1);
      std::string tag, what;
      line >> tag >> what;
      if (tag == "BEGIN" || tag == "END") {
        EXPECT_EQ(what, phase);
        inside = tag == "BEGIN";
        continue;
      }
      ASSERT_EQ(tag, "ACK");
      ++seen;
      std::uint64_t a = 0, b = 0;
      std::string root;
      if (what == "ingest") {
        line >> a >> b >> root;
        acks.ingested[{a, b}] = root;
      } else if (what == "committed" || what == "proven" || what == "executed") {
        line >> a >> b;
        const int s = what == "committed" ? 1 : what == "proven" ? 2 : 3;
        acks.stage[{a, b}] = std::max(acks.stage[{a, b}], s);
      } else if (what == "block") {
        line >> a >> root;
        acks.blocks[a] = root;
      } else if (what == "gwbatch") {
        line >> a >> root;
        acks.gw_batches[a] = root;
      }
    }
  }
  if (phase.empty() || !closed) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child exited by itself: " << status;
  if (!phase.empty()) {
    ASSERT_TRUE(closed) << "the child did not kill itself within 30 s";
    EXPECT_TRUE(inside) << "the child died outside a step of " << phase;
  }
}

void check_after_restart(const std::string& db, const Acks& acks) {
  auto engine = testing::open_engine(db, 1);  // recomputes every tree and checks it, or throws
  std::size_t logs = 0, batches = 0;
  for (const auto& [key, root] : acks.ingested) {
    const auto info = engine->batch(key.first, key.second);
    ASSERT_TRUE(info.has_value()) << "acknowledged batch " << key.second << " of chain "
                                  << key.first << " is lost";
    EXPECT_EQ(merkle::to_hex(info->chain_batch_root), root);
    // A fresh recomputation of the batch from what the child submitted.
    const SealedBatch expected = testing::crash_batch(key.first, key.second);
    EXPECT_EQ(info->chain_batch_root, expected.chain_batch_root);
    EXPECT_EQ(info->log_count, expected.logs.size());
    EXPECT_TRUE(engine->message({key.first, key.second, expected.logs.size() - 1}).ok());
    EXPECT_FALSE(engine->message({key.first, key.second, expected.logs.size()}).ok());
  }
  for (const auto& [key, stage] : acks.stage) {
    ASSERT_TRUE(engine->batch(key.first, key.second).has_value());
    EXPECT_GE(static_cast<int>(engine->batch(key.first, key.second)->stage), stage);
  }
  for (const auto& [n, root] : acks.blocks) {
    const auto r = engine->interop_root(n);
    ASSERT_TRUE(r.ok()) << "acknowledged block " << n << " is lost";
    EXPECT_EQ(merkle::to_hex(*r), root);
  }
  for (const auto& [n, root] : acks.gw_batches) {
    const auto g = engine->gateway_batch(n);
    ASSERT_TRUE(g.has_value()) << "acknowledged Gateway batch " << n << " is lost";
    EXPECT_EQ(merkle::to_hex(g->batch_root), root);
  }
  // Exactly once: the event log is gapless and counts each batch and log once.
  const auto events = engine->events_after(0, 10'000'000);
  ASSERT_TRUE(events.ok());
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> recorded_logs;
  for (std::size_t i = 0; i < events->size(); ++i) {
    const auto& e = (*events)[i];
    ASSERT_EQ(e.seq, static_cast<std::int64_t>(i + 1)) << "the event log has a gap or a duplicate";
    if (e.kind == settlement::EventKind::kBatchRecorded) ++batches;
    if (e.kind == settlement::EventKind::kMessageRecorded) {
      ++logs;
      ++recorded_logs[{*e.chain_id, *e.batch_number}];
    }
  }
  std::size_t expected_logs = 0, expected_batches = 0;
  for (const std::uint64_t chain : testing::kCrashChains) {
    const auto info = engine->chain(chain);
    if (!info) continue;
    for (std::uint64_t b = 1; b <= info->last_recorded; ++b) {
      ++expected_batches;
      const std::size_t n = testing::crash_batch(chain, b).logs.size();
      expected_logs += n;
      EXPECT_EQ((recorded_logs[{chain, b}]), n);
    }
  }
  EXPECT_EQ(batches, expected_batches);
  EXPECT_EQ(logs, expected_logs);
  // Proofs from the recovered state verify against the recovered interop roots.
  for (const auto& [key, root] : acks.ingested) {
    const auto info = engine->batch(key.first, key.second);
    if (!info->executed_block || !engine->last_sealed_block() ||
        *engine->last_sealed_block() < *info->executed_block)
      continue;
    const auto proof = engine->proof({key.first, key.second, 0}, ProofTarget::kGateway);
    ASSERT_TRUE(proof.ok()) << proof.status();
    const auto row = engine->message({key.first, key.second, 0});
    const auto status = merkle::verify_log(
        key.first, key.second, 0, row->log, proof->proof,
        [&](const merkle::Word& c, const merkle::Word& n) -> std::optional<merkle::Word> {
          if (c != merkle::be32(506)) return std::nullopt;
          const auto r = engine->interop_root(*merkle::to_u64(n));
          return r.ok() ? std::optional(*r) : std::nullopt;
        });
    EXPECT_TRUE(status.ok()) << status;
  }
}

TEST(Crash, KillNineAtRandomPointsLosesNothingAcknowledged) {
  testing::TempDir dir;
  const std::string db = dir.database("crash.db");  // also run against PostgreSQL (Pg.*)
  std::mt19937_64 rng(4242);
  Acks acks;
  constexpr int kRuns = 24;
  for (int run = 0; run < kRuns; ++run) {
    run_child(db, rng(), "", 5 + rng() % 120, acks);
    check_after_restart(db, acks);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(acks.ingested.size(), 20U);
  EXPECT_GT(acks.blocks.size(), 5U);
}

// kill -9 inside the store's writes of one phase: the child arms a SIGKILL at a random write,
// sync or truncate of the database, its WAL or its journal during each step of that phase.
class CrashInPhase : public ::testing::TestWithParam<std::string> {};

TEST_P(CrashInPhase, KillNineInsideAStepLosesNothingAcknowledged) {
  testing::TempDir dir;
  const std::string db = dir.file("crash.db");
  std::mt19937_64 rng(std::hash<std::string>{}(GetParam()));
  Acks acks;
  constexpr int kKills = 24;
  for (int run = 0; run < kKills; ++run) {
    run_child(db, rng(), GetParam(), 0, acks);
    if (HasFatalFailure()) return;
    check_after_restart(db, acks);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(acks.ingested.size(), 10U);
}

INSTANTIATE_TEST_SUITE_P(Phases, CrashInPhase,
                         ::testing::Values("ingest", "execute", "block", "gwbatch"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace zkr::router

// kill -9 during L1 submission, against a real anvil: the submitter runs in a child process that
// is killed at random moments from outside, or at a random write of the store from inside (between
// persisting a transaction and sending it, between inclusion and the stage update, inside a
// commit). After each kill the database is reopened and compared with the node: every transaction
// on L1 was recorded before it was sent, no Gateway batch is committed, proven or executed twice,
// no stage is ahead of L1, and at most one live transaction holds each nonce. A last run without
// kills takes every batch to finality with exactly one commit, prove and execute each.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "settlement/ethereum/eth_rpc_client.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/l1_chain.hpp"

namespace zkr::settlement {
namespace {

namespace json = boost::json;

class L1Crash : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_anvil())
      GTEST_SKIP() << "anvil not installed: run scripts/test, which installs it";
    anvil_ = std::make_unique<testing::Anvil>(testing::anvil_binary());
    ASSERT_NE(anvil_->port(), 0) << "anvil did not start";
    url_ = "http://127.0.0.1:" + std::to_string(anvil_->port());
    client_ = *EthRpcClient::create(url_);
    const auto installed =
        testing::install_settlement_contract(*client_, testing::test_gateway_key()->address());
    ASSERT_TRUE(installed.ok()) << installed.status();
    auto engine = testing::open_engine(db_, 1);
    for (const std::uint64_t chain : {270, 271})
      ASSERT_TRUE(testing::launch_chain(*engine, chain).ok());
  }

  // Seals `count` more Gateway batches, each over one batch of chains 270 and 271.
  void seal_more(int count) {
    auto engine = testing::open_engine(db_, 1);
    for (int i = 0; i < count; ++i) {
      const std::uint64_t b = engine->chain(270)->last_recorded + 1;
      for (const std::uint64_t chain : {270, 271}) {
        ASSERT_TRUE(engine->ingest(testing::generated_batch(chain, b, 3, b)).ok());
        testing::settle_batch(*engine, chain, b);
      }
      ASSERT_TRUE(engine->seal_block().ok());
      ASSERT_TRUE(engine->seal_gateway_batch().ok());
    }
  }

  pid_t spawn(const std::string& kill_at_write) {
    std::vector<std::string> args{ZKR_CRASH_CHILD, db_, url_, "0"};
    if (!kill_at_write.empty()) args.push_back(kill_at_write);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, ZKR_CRASH_CHILD, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : 0;
  }

  // Waits up to `timeout` for the child; its wait status, or -1 if it is still running.
  static int wait_for(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    do {
      if (::waitpid(pid, &status, WNOHANG) == pid) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    } while (std::chrono::steady_clock::now() < deadline);
    return -1;
  }

  // What the node holds against what the reopened database says. `finished`: everything final.
  void check(bool finished) {
    auto engine = testing::open_engine(db_, 1);
    const std::size_t count = engine->gateway_batch_count();
    const auto rows = engine->l1_transactions(1, count);
    ASSERT_TRUE(rows.ok()) << rows.status();
    std::set<std::string> recorded;
    std::map<std::uint64_t, int> live_per_nonce;
    for (const L1TxRecord& r : *rows) {
      recorded.insert(merkle::to_hex(r.tx_hash));
      if (r.state != settlement::L1TxState::kReplaced) ++live_per_nonce[r.nonce];
    }
    for (const auto& [nonce, live] : live_per_nonce)
      EXPECT_EQ(live, 1) << "nonce " << nonce << " has " << live << " live transactions";
    const auto txs = testing::transactions_from(*client_, key().address());
    ASSERT_TRUE(txs.ok()) << txs.status();
    for (const json::object& tx : *txs) {
      const std::string hash(tx.at("hash").as_string());
      EXPECT_TRUE(recorded.contains(hash)) << "sent without a record: " << hash;
    }
    auto coverage = testing::l1_coverage(*txs);
    ASSERT_TRUE(coverage.ok()) << coverage.status();
    testing::L1Coverage& covered = *coverage;
    for (const auto& [action, batches] : covered)
      for (const auto& [n, times] : batches)
        EXPECT_EQ(times, 1) << action << " of Gateway batch " << n << " is on L1 " << times
                            << " times";
    for (std::uint64_t n = 1; n <= count; ++n) {
      const L1Stage stage = engine->gateway_batch(n)->l1_stage;
      // A stage is never ahead of L1: what it claims is on the chain.
      if (stage >= L1Stage::kCommitted) {
        EXPECT_EQ(covered["commit"][n], 1) << n;
      }
      if (stage >= L1Stage::kProven) {
        EXPECT_EQ(covered["prove"][n], 1) << n;
      }
      if (stage >= L1Stage::kExecuted) {
        EXPECT_EQ(covered["execute"][n], 1) << n;
      }
      if (finished) {
        EXPECT_EQ(stage, L1Stage::kFinal) << n;
        EXPECT_EQ(covered["commit"][n] + covered["prove"][n] + covered["execute"][n], 3) << n;
      }
    }
    if (finished) {
      EXPECT_EQ(*client_->nonce(key().address()), txs->size());
    }
  }

  // The end of the child's output, for failure messages.
  std::string log_tail() const {
    std::ifstream in(log_);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  }

  static secp256k1::PrivateKey key() {
    return *secp256k1::PrivateKey::from_hex(testing::kAnvilKey);
  }

  testing::TempDir dir_;
  std::string db_ = dir_.file("zkrouter.db");
  std::string log_ = dir_.file("child.log");
  std::string url_;
  std::unique_ptr<testing::Anvil> anvil_;
  std::unique_ptr<EthRpcClient> client_;
};

TEST_F(L1Crash, KillNineAtRandomPointsNeverSendsTwiceAndResumes) {
  std::mt19937_64 rng(8128);
  int inside = 0, outside = 0;
  seal_more(4);
  for (int attempt = 0; attempt < 80 && inside + outside < 24; ++attempt) {
    const bool from_inside = attempt % 2 == 0;
    seal_more(1);  // more to submit: a run of the child takes a few milliseconds per round
    const pid_t pid = spawn(from_inside ? std::to_string(1 + rng() % 60) : "");
    ASSERT_NE(pid, 0);
    int status = -1;
    if (from_inside) {
      status = wait_for(pid, std::chrono::seconds(60));
    } else {
      status = wait_for(pid, std::chrono::milliseconds(2 + rng() % 60));
      if (status == -1) {
        ::kill(pid, SIGKILL);
        status = wait_for(pid, std::chrono::seconds(10));
      }
    }
    ASSERT_NE(status, -1) << "the child hangs";
    if (WIFSIGNALED(status)) {
      ASSERT_EQ(WTERMSIG(status), SIGKILL);
      ++(from_inside ? inside : outside);
    } else {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "the child failed:\n" << log_tail();
    }
    check(false);
    if (HasFatalFailure()) return;
  }
  EXPECT_GE(inside + outside, 24);
  EXPECT_GE(inside, 10);
  EXPECT_GE(outside, 10);
  // A run without kills finishes the work: every batch committed, proven and executed once.
  const pid_t pid = spawn("");
  const int status = wait_for(pid, std::chrono::seconds(120));
  ASSERT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the last run did not finish:\n"
      << log_tail();
  check(true);
  std::printf("kills: %d at a store write, %d from outside\n", inside, outside);
}

}  // namespace
}  // namespace zkr::settlement

// Scale-out on PostgreSQL with the real processes, on loopback: one writer, a standby writer and
// three read replicas of one database, anvil as L1, and chain operators submitting and settling
// batches of two chains over the writer's HTTP API the whole time (as the devnet's chains do).
// - every replica's proofs and interop roots equal the writer's;
// - a replica killed with SIGKILL mid-stream and restarted catches up, and its subscriber,
//   resubscribing from its last cursor, gets every message once, in order — on the restarted
//   replica, and on another one (cursors are the writer's, the same everywhere);
// - the writer killed with SIGKILL: the standby takes the writer lock and carries on, every batch
//   acknowledged before is there, and L1 got each Gateway batch's commit, prove and execute once.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "api/json_codec.hpp"
#include "merkle/keccak.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"
#include "settlement/state/proof_verifier.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/l1_chain.hpp"
#include "tests/support/process.hpp"
#include "tests/support/rpc_client.hpp"
#include "tests/support/serve_process.hpp"

namespace zkr {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const merkle::Word kGatewaySecret = merkle::keccak256(std::string_view("scale-out gateway"));
constexpr std::uint64_t kChains[] = {270, 271};

class Cluster {
 public:
  Cluster(testing::TempDir& dir, std::string url, std::uint16_t l1_port)
      : dir_(dir), url_(std::move(url)), l1_port_(l1_port) {
    testing::write_file(dir.file("gateway.key"), merkle::to_hex(kGatewaySecret) + "\n");
    for (const std::uint64_t c : kChains)
      testing::write_file(dir.file("op" + std::to_string(c)), testing::credential_for(c) + "\n");
    ::setenv("ZKR_SCALE_OUT_L1_KEY", testing::kAnvilKey, 1);
  }

  /// The config of one process: `role` on `port` (0: any free one).
  std::string config(const std::string& name, const std::string& role, std::uint16_t port) {
    json::array chains;
    for (const std::uint64_t c : kChains) {
      chains.push_back(json::object{{"chainId", c},
                                    {"credentialFile", dir_.file("op" + std::to_string(c))},
                                    {"proverKey", merkle::to_hex(testing::prover_public_for(c))}});
    }
    const std::string path = dir_.file(name + ".json");
    testing::write_file(path,
                        json::serialize(json::object{
                            {"role", role},
                            {"listen", {{"address", "127.0.0.1"}, {"port", port}}},
                            {"database", url_},
                            {"followIntervalMs", 10},
                            {"gateway",
                             {{"chainId", 506},
                              {"signingKeyFile", dir_.file("gateway.key")},
                              {"blockMs", 200},
                              {"blocksPerBatch", 10}}},
                            {"chains", chains},
                            {"l1",
                             {{"endpoint", "http://127.0.0.1:" + std::to_string(l1_port_)},
                              {"keyEnv", "ZKR_SCALE_OUT_L1_KEY"},
                              {"settlementAddress", merkle::to_hex(testing::settlement_address())},
                              {"maxBatchesPerTx", 64}}},
                            {"limits", {{"requestsPerSecond", 100000}}}}));
    return path;
  }

  testing::Process start(const std::string& name, const std::string& role, std::uint16_t port,
                         std::chrono::seconds wait = 30s) {
    return testing::start_process(
        {testing::zkrouter_binary(), "serve", "--config=" + config(name, role, port)},
        "API on http://127.0.0.1:", wait);
  }

 private:
  testing::TempDir& dir_;
  std::string url_;
  std::uint16_t l1_port_;
};

void kill_nine(testing::Process& p) {
  if (p.pid <= 0) return;
  ::kill(p.pid, SIGKILL);
  int status = 0;
  ::waitpid(p.pid, &status, 0);
  ::close(p.out);
  p.pid = -1;
}

int stop(testing::Process& p) {
  const int code = testing::stop_process(p);
  p.pid = -1;
  return code;
}

std::optional<json::value> try_rpc(std::uint16_t port, const std::string& method,
                                   json::array params, const std::string& bearer = "") {
  try {
    return testing::rpc_http(port, method, std::move(params), bearer);
  } catch (const std::exception&) {
    return std::nullopt;  // not reachable (killed, or not started yet)
  }
}

json::value health(std::uint16_t port) {
  try {
    return json::parse(testing::http_request(port, "GET", "/health").body);
  } catch (const std::exception&) {
    return nullptr;
  }
}

/// Chain operators: batches of both chains submitted and settled (commit, prove, execute) over
/// the writer's API, each step found from the batch's stage, so a step that was done before the
/// writer died is not repeated. Batches whose submission was acknowledged are kept.
class Operators {
 public:
  explicit Operators(std::atomic<std::uint16_t>& writer) : writer_(writer) {
    thread_ = std::thread([this] { run(); });
  }
  ~Operators() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::map<std::pair<std::uint64_t, std::uint64_t>, merkle::Word> acknowledged() {
    std::lock_guard lock(mutex_);
    return acked_;
  }
  std::size_t settled() const { return settled_; }

 private:
  void run() {
    std::map<std::uint64_t, std::uint64_t> next{{270, 1}, {271, 1}};
    while (!stop_) {
      for (const std::uint64_t c : kChains) {
        if (stop_) break;
        if (drive(c, next[c])) ++next[c], ++settled_;
      }
    }
    // Batches already submitted are settled to the end (for at most 30 s).
    const auto until = std::chrono::steady_clock::now() + 30s;
    for (const std::uint64_t c : kChains) {
      while (std::chrono::steady_clock::now() < until) {
        const auto got = try_rpc(writer_.load(), "zkr_getBatch", json::array{c, next[c]});
        if (got && !got->as_object().contains("result")) break;  // never submitted
        if (drive(c, next[c])) {
          ++settled_;
          break;
        }
      }
    }
  }

  /// One step of batch `b` of `chain`; true once it is executed.
  bool drive(std::uint64_t chain, std::uint64_t b) {
    const std::uint16_t port = writer_.load();
    const std::string credential = testing::credential_for(chain);
    const auto got = try_rpc(port, "zkr_getBatch", json::array{chain, b});
    if (!got) {
      std::this_thread::sleep_for(50ms);
      return false;
    }
    const router::SealedBatch batch = testing::generated_batch(chain, b, 20, chain * 1000 + b);
    const json::value* result = got->as_object().if_contains("result");
    std::string stage = result != nullptr && result->is_object()
                            ? std::string(result->at("stage").as_string())
                            : std::string("none");
    std::optional<json::value> r;
    if (stage == "none") {
      r = try_rpc(port, "zkr_submitBatch", json::array{api::batch_to_json(batch)}, credential);
      if (r && r->as_object().contains("result")) {
        std::lock_guard lock(mutex_);
        acked_[{chain, b}] = batch.chain_batch_root;
      }
    } else if (stage == "recorded") {
      r = try_rpc(port, "zkr_commitBatch", json::array{chain, b}, credential);
    } else if (stage == "committed") {
      const merkle::Word previous =
          b == 1
              ? merkle::Word{}
              : testing::generated_batch(chain, b - 1, 20, chain * 1000 + b - 1).chain_batch_root;
      const auto proof = settlement::sign_commitment({.chain_id = chain,
                                                      .batch_number = b,
                                                      .chain_batch_root = batch.chain_batch_root,
                                                      .previous_batch_root = previous},
                                                     testing::prover_key_for(chain));
      r = try_rpc(port, "zkr_proveBatch", json::array{chain, b, merkle::to_hex(*proof)},
                  credential);
    } else if (stage == "proven") {
      r = try_rpc(port, "zkr_executeBatch", json::array{chain, b}, credential);
    } else {
      return true;
    }
    if (!r) std::this_thread::sleep_for(50ms);
    return false;
  }

  std::atomic<std::uint16_t>& writer_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> settled_{0};
  std::mutex mutex_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, merkle::Word> acked_;
  std::thread thread_;
};

/// A subscriber to every recorded message on one replica, keeping (cursor, id) in order.
struct Subscriber {
  std::unique_ptr<testing::WsClient> ws;
  std::vector<std::pair<std::int64_t, std::string>> received;
  std::uint16_t port = 0;

  void subscribe(std::uint16_t to) {
    port = to;
    ws = std::make_unique<testing::WsClient>(port, 5s);
    const std::int64_t from = received.empty() ? 0 : received.back().first;
    const auto r = ws->call("zkr_subscribe", json::array{"messages", json::object{}, from});
    ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
    take();
  }
  void take() {
    for (const json::value& n : ws->take_notifications()) {
      const json::value& result = n.at("params").at("result");
      received.emplace_back(result.at("cursor").to_number<std::int64_t>(),
                            std::string(result.at("message").at("id").as_string()));
    }
  }
  /// Reads for `d` (or until the connection closes).
  void read_for(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until && !ws->closed()) {
      ws->wait_notifications(1000, 200ms);
      take();
    }
  }
  /// Reads until the event `last` has arrived or `limit` has passed. A connection lost on the way
  /// (left unread while the test did other things, the replica dropped it as a slow consumer; or
  /// the replica had nothing to send for the client's whole timeout) is resumed from the last
  /// cursor received, as a client does: the stream must still be whole, once each, in order.
  void follow_to(std::int64_t last, std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while ((received.empty() || received.back().first < last) &&
           std::chrono::steady_clock::now() < until) {
      read_for(200ms);
      if (ws->closed()) subscribe(port);
    }
  }
  /// For a failure's message: whether the connection is still open, and why it closed if not.
  std::string connection() const {
    return ws->closed() ? "; closed: " + ws->close_reason() : "; still open";
  }
};

/// Mines an L1 block each 100 ms until `done()` or `limit` passes (anvil makes blocks only for
/// transactions; finality needs more of them).
template <typename Done>
bool mine_until(settlement::EthRpcClient& l1, Done done, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    (void)l1.call("evm_mine", json::array{});
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

std::vector<std::pair<std::int64_t, std::string>> writer_messages(std::uint16_t port) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  std::int64_t after = 0;
  for (;;) {
    const auto page = testing::rpc_http(
        port, "zkr_listMessages", json::array{json::object{{"cursor", after}, {"limit", 1000}}});
    const json::array& rows = page.at("result").at("messages").as_array();
    if (rows.empty()) break;
    for (const json::value& m : rows)
      out.emplace_back(m.at("cursor").to_number<std::int64_t>(),
                       std::string(m.at("id").as_string()));
    after = page.at("result").at("nextCursor").to_number<std::int64_t>();
  }
  return out;
}

TEST(ScaleOut, OneWriterAStandbyAndThreeReplicasUnderTraffic) {
  if (!testing::on_postgres()) GTEST_SKIP() << "runs against PostgreSQL only (Pg.* tests)";
  if (!testing::have_anvil())
    GTEST_SKIP() << "anvil not installed: run scripts/test, which installs it";
  testing::Anvil anvil(testing::anvil_binary());
  ASSERT_NE(anvil.port(), 0);
  auto l1 = *settlement::EthRpcClient::create("http://127.0.0.1:" + std::to_string(anvil.port()));
  ASSERT_TRUE(testing::install_settlement_contract(
                  *l1, settlement::secp256k1::PrivateKey::from_bytes(kGatewaySecret)->address())
                  .ok());
  testing::TempDir dir;
  Cluster cluster(dir, dir.database("scaleout"), anvil.port());

  testing::Process writer, standby;
  std::vector<testing::Process> replicas;
  // Whatever a failed assertion leaves running is killed.
  absl::Cleanup reap = [&] {
    kill_nine(writer);
    kill_nine(standby);
    for (testing::Process& r : replicas) kill_nine(r);
  };
  writer = cluster.start("writer", "writer", 0);
  ASSERT_NE(writer.port, 0) << writer.text;
  // The standby waits on the writer lock: it has no API until it is the writer.
  const std::uint16_t standby_port = testing::free_port();
  standby = cluster.start("standby", "standby", standby_port, 1s);
  EXPECT_EQ(standby.port, 0) << "a standby served while the writer held the lock: " << standby.text;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(cluster.start("replica" + std::to_string(i), "replica", 0));
    ASSERT_NE(replicas.back().port, 0) << replicas.back().text;
  }
  std::atomic<std::uint16_t> writer_port{writer.port};
  Operators operators(writer_port);

  // A subscriber on replica 0 from cursor 0; the replica is killed mid-stream and restarted on
  // the same port; the subscriber resumes from its last cursor.
  // A second subscriber on it moves to replica 2 instead: cursors are the same everywhere.
  Subscriber sub, moved;
  sub.subscribe(replicas[0].port);
  moved.subscribe(replicas[0].port);
  sub.read_for(3s);
  moved.read_for(100ms);
  ASSERT_FALSE(sub.received.empty()) << "no messages streamed by the replica";
  const std::uint16_t r0_port = replicas[0].port;
  kill_nine(replicas[0]);
  sub.read_for(500ms);
  moved.read_for(100ms);
  const std::size_t before_restart = sub.received.size();
  moved.subscribe(replicas[2].port);
  replicas[0] = cluster.start("replica0", "replica", r0_port);
  ASSERT_EQ(replicas[0].port, r0_port) << replicas[0].text;
  sub.subscribe(r0_port);
  sub.read_for(2s);
  moved.read_for(100ms);
  EXPECT_GT(sub.received.size(), before_restart);

  // A write sent to a replica is refused, naming the writer.
  const auto refused = testing::rpc_http(replicas[1].port, "zkr_commitBatch", json::array{270, 1},
                                         testing::credential_for(270));
  ASSERT_TRUE(refused.as_object().contains("error")) << json::serialize(refused);
  EXPECT_NE(json::serialize(refused).find("http://127.0.0.1:" + std::to_string(writer.port)),
            std::string::npos)
      << json::serialize(refused);
  const json::value h = health(replicas[1].port);
  ASSERT_TRUE(h.is_object());
  EXPECT_EQ(h.at("role"), json::value("replica"));
  EXPECT_TRUE(h.at("replica").as_object().contains("lagMs")) << json::serialize(h);

  // The writer killed mid-traffic: the standby takes over on its port.
  const auto settled_before = operators.settled();
  kill_nine(writer);
  const auto took_over = [&] {
    const json::value s = health(standby_port);
    return s.is_object() && s.at("role") == json::value("writer");
  };
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!took_over() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(took_over()) << "the standby did not become the writer";
  writer_port = standby_port;
  sub.read_for(3s);
  const auto settle_wait = std::chrono::steady_clock::now() + 30s;
  while (operators.settled() < settled_before + 6 && std::chrono::steady_clock::now() < settle_wait)
    sub.read_for(200ms);
  operators.stop();
  EXPECT_GE(operators.settled(), settled_before + 6) << "traffic did not resume on the standby";

  // Nothing acknowledged was lost.
  const auto acked = operators.acknowledged();
  ASSERT_FALSE(acked.empty());
  for (const auto& [key, root] : acked) {
    const auto b =
        testing::rpc_http(standby_port, "zkr_getBatch", json::array{key.first, key.second});
    ASSERT_TRUE(b.at("result").is_object()) << key.first << ":" << key.second << " lost";
    EXPECT_EQ(b.at("result").at("chainBatchRoot"), json::value(merkle::to_hex(root)));
  }

  // Everything settles on L1, each Gateway batch's commit, prove and execute sent once.
  const auto messages = writer_messages(standby_port);
  ASSERT_FALSE(messages.empty());
  const auto all_final = [&] {
    const auto s =
        try_rpc(standby_port, "zkr_getMessageStatus", json::array{messages.back().second});
    if (!s || !s->as_object().contains("result")) return false;
    const auto& status = s->at("result").at("status");
    return status == json::value("gateway_batch_executed") || status == json::value("l1_final");
  };
  ASSERT_TRUE(mine_until(*l1, all_final, 120s)) << "the last message never settled on L1";
  const auto txs = testing::transactions_from(
      *l1, settlement::secp256k1::PrivateKey::from_hex(testing::kAnvilKey)->address());
  ASSERT_TRUE(txs.ok()) << txs.status();
  const auto coverage = testing::l1_coverage(*txs);
  ASSERT_TRUE(coverage.ok()) << coverage.status();
  for (const auto& [action, batches] : *coverage) {
    for (const auto& [gw_batch, times] : batches)
      EXPECT_EQ(times, 1) << action << " of Gateway batch " << gw_batch << " sent " << times
                          << " times";
  }
  EXPECT_FALSE(coverage->at("execute").empty());

  // Every replica catches up with the new writer and answers as it does.
  const std::int64_t head = health(standby_port).at("lastEventCursor").to_number<std::int64_t>();
  for (testing::Process& r : replicas) {
    const auto caught_up = [&] {
      const json::value s = health(r.port);
      return s.is_object() && s.at("lastEventCursor").to_number<std::int64_t>() >= head;
    };
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (!caught_up() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(caught_up()) << json::serialize(health(r.port));
  }
  // Proofs of a spread of messages (every 7th) and every interop root.
  for (std::size_t i = 0; i < messages.size(); i += 7) {
    const json::array params{messages[i].second, "gateway"};
    const auto w = testing::rpc_http(standby_port, "zkr_getProof", params);
    for (testing::Process& r : replicas)
      EXPECT_EQ(json::serialize(testing::rpc_http(r.port, "zkr_getProof", params).at("result")),
                json::serialize(w.at("result")))
          << messages[i].second;
  }
  const std::uint64_t last_block =
      health(standby_port).at("lastSealedBlock").to_number<std::uint64_t>();
  for (std::uint64_t block = 1; block <= last_block; ++block) {
    const auto w = testing::rpc_http(standby_port, "zkr_getInteropRoot", json::array{block});
    for (testing::Process& r : replicas)
      EXPECT_EQ(testing::rpc_http(r.port, "zkr_getInteropRoot", json::array{block}).at("result"),
                w.at("result"))
          << "block " << block;
  }

  // The subscriber, across the replica's kill -9: every message once, in order, no gap.
  sub.follow_to(messages.back().first, 20s);
  EXPECT_EQ(sub.received, messages)
      << "received " << sub.received.size() << " of " << messages.size() << sub.connection();
  moved.follow_to(messages.back().first, 20s);
  EXPECT_EQ(moved.received, messages)
      << "the subscriber that moved to another replica received " << moved.received.size() << " of "
      << messages.size() << moved.connection();

  for (testing::Process& r : replicas) EXPECT_EQ(stop(r), 0);
  EXPECT_EQ(stop(standby), 0);
}

}  // namespace
}  // namespace zkr

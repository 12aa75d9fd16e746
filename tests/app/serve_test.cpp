// `zkrouter serve --config FILE` as an operator runs it: a JSON config, secrets in files and the
// environment, a real anvil as L1. A chain operator submits and settles a batch over the API; the
// router seals Gateway blocks and batches, aggregates, and settles on anvil to finality; it keeps
// working while the L1 node hangs or is stopped, and settles once it is back. Bad configurations
// are refused with a message that names the setting.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "api/json_codec.hpp"
#include "app/chain_settler.hpp"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"
#include "settlement/ethereum/settlement_contract.hpp"
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
using testing::read_log;
using testing::start_plain_serve;
using testing::write_file;

// Runs `zkrouter serve --config PATH` expecting it to refuse; returns (exit code, its output).
std::pair<int, std::string> refused(const std::string& path) {
  return testing::run_command(std::string(ZKR_BINARY) + " serve --config=" + path + " 2>&1");
}

const merkle::Word kGatewaySecret = merkle::keccak256(std::string_view("serve test gateway"));

// The settlement contract on the anvil at `l1_port`, for the Gateway of write_serve_config.
void install_contract(std::uint16_t l1_port) {
  auto client = *settlement::EthRpcClient::create("http://127.0.0.1:" + std::to_string(l1_port));
  const auto installed = testing::install_settlement_contract(
      *client, settlement::secp256k1::PrivateKey::from_bytes(kGatewaySecret)->address());
  ASSERT_TRUE(installed.ok()) << installed.status();
}

// A config that serves chain 270 and settles on the anvil at `l1_port` into the contract at
// `settlement`; returns its path.
std::string write_serve_config(const testing::TempDir& dir, std::uint16_t l1_port,
                               const merkle::Address& settlement = testing::settlement_address(),
                               json::array more_chains = {}) {
  const merkle::Word& gateway_secret = kGatewaySecret;
  write_file(dir.file("gateway.key"), merkle::to_hex(gateway_secret) + "\n");
  write_file(dir.file("op270"), testing::credential_for(270) + "\n");
  ::setenv("ZKR_SERVE_TEST_L1_KEY", testing::kAnvilKey, 1);
  const std::string config = dir.file("zkrouter.json");
  json::array chains{json::object{{"chainId", 270},
                                  {"credentialFile", dir.file("op270")},
                                  {"proverKey", merkle::to_hex(testing::prover_public_for(270))}}};
  chains.insert(chains.end(), more_chains.begin(), more_chains.end());
  write_file(config, json::serialize(
                         json::object{{"listen", {{"address", "127.0.0.1"}, {"port", 0}}},
                                      {"database", dir.file("zkrouter.db")},
                                      {"gateway",
                                       {{"chainId", 506},
                                        {"signingKeyFile", dir.file("gateway.key")},
                                        {"blockMs", 100},
                                        {"blocksPerBatch", 2}}},
                                      {"chains", chains},
                                      {"l1",
                                       {{"endpoint", "http://127.0.0.1:" + std::to_string(l1_port)},
                                        {"keyEnv", "ZKR_SERVE_TEST_L1_KEY"},
                                        {"settlementAddress", merkle::to_hex(settlement)}}},
                                      {"limits", {{"requestsPerSecond", 500}}}}));
  return config;
}

// A chain's operator submits batch `b` and drives it through its settlement layer with its
// prover's proof, over the API (chain 270: on the Gateway).
void settle_over_api(std::uint16_t port, std::uint64_t b, std::uint64_t chain = 270) {
  const std::string credential = testing::credential_for(chain);
  const router::SealedBatch batch = testing::generated_batch(chain, b, 3, b);
  auto r = testing::rpc_http(port, "zkr_submitBatch", json::array{api::batch_to_json(batch)},
                             credential);
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
  r = testing::rpc_http(port, "zkr_commitBatch", json::array{chain, b}, credential);
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
  const merkle::Word previous =
      b == 1 ? merkle::Word{} : testing::generated_batch(chain, b - 1, 3, b - 1).chain_batch_root;
  const auto proof = settlement::sign_commitment({.chain_id = chain,
                                                  .batch_number = b,
                                                  .chain_batch_root = batch.chain_batch_root,
                                                  .previous_batch_root = previous},
                                                 testing::prover_key_for(chain));
  ASSERT_TRUE(proof.ok());
  r = testing::rpc_http(port, "zkr_proveBatch", json::array{chain, b, merkle::to_hex(*proof)},
                        credential);
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
  r = testing::rpc_http(port, "zkr_executeBatch", json::array{chain, b}, credential);
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
}

// Polls zkr_getMessageStatus of `id` until it says `want` (at most `tries` × 100 ms), mining a
// block on `l1` each time when given (anvil finalizes only as blocks come). The last answer.
json::value wait_for_status(std::uint16_t port, const std::string& id, const std::string& want,
                            settlement::EthRpcClient* l1, int tries = 300) {
  json::value status;
  for (int i = 0; i < tries; ++i) {
    status = testing::rpc_http(port, "zkr_getMessageStatus", json::array{id});
    if (status.at("result").at("status") == json::value(want)) break;
    if (l1 != nullptr) (void)l1->call("evm_mine", {});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return status;
}

// CPU time (user + system) the process `pid` has used, in seconds.
double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Opens `n` TCP connections to 127.0.0.1:`port` that send nothing; returns those that connected.
std::vector<int> connect_many(std::uint16_t port, int n) {
  std::vector<int> held;
  for (int i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
      held.push_back(fd);
    } else if (fd >= 0) {
      ::close(fd);
    }
  }
  return held;
}

// The process `pid` does not spin: under half a second of CPU in the next two seconds.
void expect_calm(pid_t pid) {
  const double cpu_before = process_cpu_seconds(pid);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double cpu_used = process_cpu_seconds(pid) - cpu_before;
  EXPECT_LT(cpu_used, 0.5) << "the server spun for " << cpu_used << " s of CPU in 2 s";
}

TEST(Serve, SettlesABatchSubmittedOverTheApiOnAnvil) {
  if (!testing::have_anvil())
    GTEST_SKIP() << "anvil not installed: run scripts/test, which installs it";
  testing::Anvil anvil(testing::anvil_binary());
  ASSERT_NE(anvil.port(), 0);
  // The contract, deployed as docs/settlement.md says: zkrouter deploy-settlement.
  const std::string signer =
      merkle::to_hex(settlement::secp256k1::PrivateKey::from_bytes(kGatewaySecret)->address());
  const auto [deployed, said] = testing::run_command(
      std::string("ZKR_DEPLOYER_KEY=") + testing::kAnvilDeployerKey + " " + ZKR_BINARY +
      " deploy-settlement --l1 http://127.0.0.1:" + std::to_string(anvil.port()) +
      " --settling_chain 506 --signer " + signer + " --contracts_dir " + testing::contracts_dir() +
      " 2>&1");
  ASSERT_EQ(deployed, 0) << said;
  const std::size_t at = said.find("deployed at 0x");
  ASSERT_NE(at, std::string::npos) << said;
  const merkle::Address contract = *merkle::parse_address(said.substr(at + 12, 42));
  testing::TempDir dir;
  const std::string config = write_serve_config(dir, anvil.port(), contract);
  testing::Process serve = testing::start_process({ZKR_BINARY, "serve", "--config=" + config},
                                                  "API on http://127.0.0.1:");
  ASSERT_NE(serve.port, 0) << serve.text;
  const std::uint16_t port = serve.port;
  // Chain 270 launched on L1 and, as configured, migrated to the Gateway before its first batch.
  const json::value chain = testing::rpc_http(port, "zkr_getChain", json::array{270});
  EXPECT_EQ(
      json::serialize(chain.at("result").at("history")),
      R"([{"fromBatch":1,"settlementLayer":"l1"},{"fromBatch":1,"settlementLayer":"gateway"}])");
  settle_over_api(port, 1);

  // The router seals, aggregates and settles on anvil.
  auto client =
      *settlement::EthRpcClient::create("http://127.0.0.1:" + std::to_string(anvil.port()));
  const json::value status = wait_for_status(port, "270:1:0", "l1_final", client.get());
  EXPECT_EQ(status.at("result").at("status"), json::value("l1_final")) << json::serialize(status);
  const auto gw = testing::rpc_http(port, "zkr_getGatewayBatch",
                                    json::array{status.at("result").at("gatewayBatchNumber")});
  for (const auto& tx : gw.at("result").at("l1Transactions").as_array()) {
    const auto receipt =
        client->receipt(*merkle::parse_word(std::string(tx.at("txHash").as_string())));
    ASSERT_TRUE(receipt.ok() && receipt->has_value()) << json::serialize(tx);
    EXPECT_TRUE((*receipt)->success);
  }
  // The contract executed the Gateway batch with the router's root.
  const std::uint64_t gw_batch = gw.at("result").at("number").to_number<std::uint64_t>();
  const auto state = settlement::contract::read_state(*client, contract);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_GE(state->executed, gw_batch);
  EXPECT_EQ(merkle::to_hex(*settlement::contract::l2_logs_root_hash(*client, contract, gw_batch)),
            gw.at("result").at("batchRoot").as_string());
  EXPECT_EQ(testing::stop_process(serve), 0);
}

// A chain settling on L1 itself, configured with its own L1Settlement (deployed with zkrouter
// deploy-settlement): its operator reports the batch over the API, then settles it on L1 through
// that contract; serve follows the contract's logs and the batch's messages reach l1_final
// (l1_batch_final last in the timeline).
TEST(Serve, AChainSettlingOnL1ItselfReachesL1FinalFromItsOwnContract) {
  if (!testing::have_anvil())
    GTEST_SKIP() << "anvil not installed: run scripts/test, which installs it";
  testing::Anvil anvil(testing::anvil_binary());
  ASSERT_NE(anvil.port(), 0);
  install_contract(anvil.port());
  const std::string prover280 = merkle::to_hex(testing::prover_key_for(280).address());
  const auto [deployed, said] = testing::run_command(
      std::string("ZKR_DEPLOYER_KEY=") + testing::kAnvilDeployerKey + " " + ZKR_BINARY +
      " deploy-settlement --l1 http://127.0.0.1:" + std::to_string(anvil.port()) +
      " --settling_chain 280 --signer " + prover280 + " --contracts_dir " +
      testing::contracts_dir() + " 2>&1");
  ASSERT_EQ(deployed, 0) << said;
  const std::size_t at = said.find("deployed at 0x");
  ASSERT_NE(at, std::string::npos) << said;
  const merkle::Address contract = *merkle::parse_address(said.substr(at + 12, 42));

  testing::TempDir dir;
  write_file(dir.file("op280"), testing::credential_for(280) + "\n");
  const std::string config = write_serve_config(
      dir, anvil.port(), testing::settlement_address(),
      json::array{json::object{{"chainId", 280},
                               {"settlementLayer", "l1"},
                               {"credentialFile", dir.file("op280")},
                               {"proverKey", merkle::to_hex(testing::prover_public_for(280))},
                               {"l1Contract", merkle::to_hex(contract)}}});
  testing::Process serve = testing::start_process({ZKR_BINARY, "serve", "--config=" + config},
                                                  "API on http://127.0.0.1:");
  ASSERT_NE(serve.port, 0) << serve.text;
  const std::uint16_t port = serve.port;
  const json::value chain = testing::rpc_http(port, "zkr_getChain", json::array{280});
  EXPECT_EQ(chain.at("result").at("l1Contract"), json::value(merkle::to_hex(contract)));
  settle_over_api(port, 1, 280);
  EXPECT_EQ(testing::rpc_http(port, "zkr_getMessageStatus", json::array{"280:1:0"})
                .at("result")
                .at("status"),
            json::value("batch_executed"));

  // The operator settles on L1 from its own records of the chain (its engine, not the router's).
  auto l1 = *settlement::EthRpcClient::create("http://127.0.0.1:" + std::to_string(anvil.port()));
  auto own = testing::open_engine(dir.file("operator.db"), 1);
  ASSERT_TRUE(testing::launch_chain(*own, 280, settlement::SettlementLayer::kL1).ok());
  ASSERT_TRUE(own->ingest(testing::generated_batch(280, 1, 3, 1)).ok());
  testing::settle_batch(*own, 280, 1);
  app::ChainSettler settler(
      {.chain_id = 280,
       .contract = contract,
       .read_counters = [&]() -> absl::StatusOr<app::ChainSettler::Counters> {
         ZKR_ASSIGN_OR_RETURN(const auto s, settlement::contract::read_state(*l1, contract));
         return app::ChainSettler::Counters{s.committed, s.verified, s.executed};
       }},
      *own, *l1,
      std::make_shared<const settlement::secp256k1::PrivateKey>(
          *settlement::secp256k1::PrivateKey::from_hex(testing::kAnvilDeployerKey)),
      std::make_shared<const settlement::secp256k1::PrivateKey>(testing::prover_key_for(280)));
  const auto did = settler.step();
  ASSERT_TRUE(did.ok()) << did.status();

  const json::value status = wait_for_status(port, "280:1:0", "l1_final", l1.get());
  ASSERT_EQ(status.at("result").at("status"), json::value("l1_final")) << json::serialize(status);
  const json::value& last = status.at("result").at("timeline").as_array().back();
  EXPECT_EQ(last.at("stage"), json::value("l1_batch_final")) << json::serialize(last);
  EXPECT_EQ(testing::stop_process(serve), 0);
}

// The L1 node hangs (SIGSTOP), then stops and starts again on the same port with its chain: the
// router keeps taking batches and serving Gateway-final proofs the whole time, and once the node
// is back it settles everything, each Gateway batch committed, proven and executed exactly once.
TEST(Serve, KeepsServingWhileTheL1NodeIsAwayAndSettlesWhenItComesBack) {
  if (!testing::have_anvil())
    GTEST_SKIP() << "anvil not installed: run scripts/test, which installs it";
  testing::TempDir dir;
  const std::string state = dir.file("anvil-state.json");
  auto anvil = std::make_unique<testing::Anvil>(testing::anvil_binary(), 0, state);
  const std::uint16_t l1_port = anvil->port();
  ASSERT_NE(l1_port, 0);
  install_contract(l1_port);
  const std::string l1_url = "http://127.0.0.1:" + std::to_string(l1_port);
  auto client = *settlement::EthRpcClient::create(l1_url);
  testing::Process serve =
      testing::start_process({ZKR_BINARY, "serve", "--config=" + write_serve_config(dir, l1_port)},
                             "API on http://127.0.0.1:");
  auto stop_serve = absl::MakeCleanup([&] { testing::stop_process(serve); });
  ASSERT_NE(serve.port, 0) << serve.text;
  const std::uint16_t port = serve.port;
  settle_over_api(port, 1);
  ASSERT_EQ(wait_for_status(port, "270:1:0", "l1_final", client.get()).at("result").at("status"),
            json::value("l1_final"));

  // Away, twice: hung, then stopped. Batches still arrive and reach Gateway finality.
  const auto gateway_final_while_away = [&](std::uint64_t b) {
    settle_over_api(port, b);
    const std::string id = "270:" + std::to_string(b) + ":0";
    const json::value s = wait_for_status(port, id, "gateway_batch_sealed", nullptr);
    EXPECT_EQ(s.at("result").at("status"), json::value("gateway_batch_sealed"))
        << json::serialize(s);
    const json::value proof = testing::rpc_http(port, "zkr_getProof", json::array{id, "gateway"});
    EXPECT_TRUE(proof.as_object().contains("result")) << json::serialize(proof);
  };
  anvil->pause();
  gateway_final_while_away(2);
  anvil->resume();
  anvil->stop();  // writes its chain to the state file
  gateway_final_while_away(3);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the router meets a closed port

  anvil = std::make_unique<testing::Anvil>(testing::anvil_binary(), l1_port, state);
  ASSERT_EQ(anvil->port(), l1_port) << "anvil did not come back on its port";
  const json::value last = wait_for_status(port, "270:3:0", "l1_final", client.get(), 600);
  ASSERT_EQ(last.at("result").at("status"), json::value("l1_final")) << json::serialize(last);
  EXPECT_EQ(wait_for_status(port, "270:2:0", "l1_final", nullptr, 1).at("result").at("status"),
            json::value("l1_final"));

  // On L1: every Gateway batch covered once by each action, from consecutive nonces.
  const auto txs = testing::transactions_from(
      *client, settlement::secp256k1::PrivateKey::from_hex(testing::kAnvilKey)->address());
  ASSERT_TRUE(txs.ok()) << txs.status();
  auto coverage = testing::l1_coverage(*txs);
  ASSERT_TRUE(coverage.ok()) << coverage.status();
  testing::L1Coverage& covered = *coverage;
  const auto gw = testing::rpc_http(port, "zkr_getGatewayBatch",
                                    json::array{last.at("result").at("gatewayBatchNumber")});
  const std::uint64_t batches = gw.at("result").at("number").to_number<std::uint64_t>();
  for (const std::string action : {"commit", "prove", "execute"}) {
    for (std::uint64_t n = 1; n <= batches; ++n)
      EXPECT_TRUE(covered[action].contains(n)) << action << " of Gateway batch " << n << " missing";
    for (const auto& [n, times] : covered[action]) EXPECT_EQ(times, 1) << action << " of " << n;
  }
  std::move(stop_serve).Cancel();
  EXPECT_EQ(testing::stop_process(serve), 0);
}

TEST(Serve, RefusesBadConfigurationsAndNamesTheSetting) {
  testing::TempDir dir;
  const std::string path = dir.file("zkrouter.json");
  const auto check = [&](const std::string& text, const std::string& expected) {
    write_file(path, text);
    const auto [code, out] = refused(path);
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find(expected), std::string::npos) << "config " << text << "\nsaid: " << out;
  };
  write_file(dir.file("gw.key"), merkle::to_hex(merkle::keccak256(std::string_view("k"))));
  const std::string key = R"("signingKeyFile":")" + dir.file("gw.key") + R"(")";
  check("{not json", "is not valid JSON");
  check("{}", "config.gateway is required");
  check(R"({"gateway":{"chainId":506}})",
        "give exactly one of gateway.signingKeyFile or gateway.signingKeyEnv");
  check(R"({"gateway":{"signingKeyEnv":"ZKR_SERVE_TEST_UNSET"}})", "ZKR_SERVE_TEST_UNSET");
  check(R"({"gateway":{)" + key + R"(},"colour":"blue"})", "unknown setting config.colour");
  check(R"({"gateway":{)" + key + R"(},"logLevel":"verbose"})",
        "config.logLevel must be debug, info, warning or error");
  check(R"({"gateway":{)" + key + R"(},"writerGivesWay":"yes"})",
        "config.writerGivesWay must be true or false");
  check(R"({"gateway":{)" + key + R"(},"writerPriority":"low"})",
        "config.writerPriority must be \"background\" or \"normal\"");
  check(R"({"gateway":{)" + key + R"(},"writerBackgroundBudgetMs":0})",
        "config.writerBackgroundBudgetMs must be at least 1");
  check(R"({"gateway":{)" + key + R"(},"writerBackgroundBudgetMs":60001})",
        "config.writerBackgroundBudgetMs must be at most 60000");
  check(R"({"gateway":{)" + key + R"(},"listen":{"port":70000}})",
        "listen.port must be at most 65535");
  check(R"({"gateway":{)" + key + R"(},"limits":{"ioThreads":0}})",
        "limits.ioThreads and limits.workerThreads must be at least 1");
  check(R"({"gateway":{)" + key + R"(},"limits":{"workerThreads":65}})",
        "limits.workerThreads must be at most 64");
  check(R"({"gateway":{)" + key + R"(},"listen":{"tls":{}}})",
        "listen.tls needs certificateFile and privateKeyFile");
  check(R"({"gateway":{)" + key +
            R"(},"chains":[{"chainId":270,"credentialEnv":"HOME","proverKey":"0x02"}]})",
        "chains[0].proverKey");
  check(R"({"gateway":{)" + key + R"(},"l1":{"endpoint":"ftp://x","keyEnv":"HOME"}})",
        "must be an http:// URL");
  const std::string prover = merkle::to_hex(testing::prover_public_for(280));
  check(R"({"gateway":{)" + key +
            R"(},"chains":[{"chainId":280,"credentialEnv":"HOME","proverKey":")" + prover +
            R"(","l1Contract":"0x1234"}]})",
        "chains[0].l1Contract must be a 20-byte address");
  check(R"({"gateway":{)" + key +
            R"(},"chains":[{"chainId":280,"credentialEnv":"HOME","proverKey":")" + prover +
            R"(","settlementLayer":"moon"}]})",
        "chains[0].settlementLayer must be gateway or l1");
  const auto [code, out] = refused(dir.file("missing.json"));
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("cannot read the config file"), std::string::npos) << out;
}

// On PostgreSQL (`database: "postgresql://…"`, the Pg.* run): serve seals blocks into it, a second
// serve on the same database is refused by PostgreSQL's advisory lock with who holds it (and no
// password in any output), and after the first stops, a restart resumes from what it stored.
TEST(Serve, RunsOnPostgresOneWriterAtATime) {
  if (!testing::on_postgres()) GTEST_SKIP() << "runs against PostgreSQL only (Pg.* tests)";
  testing::TempDir dir;
  const std::string url = dir.database("zkrouter");
  const boost::json::object settings{{"database", url}, {"gateway", {{"blockMs", 50}}}};
  testing::Process first = start_plain_serve(dir, settings);
  ASSERT_NE(first.port, 0) << first.text;
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const auto sealed = testing::rpc_http(first.port, "zkr_getGatewayStatus", json::array{})
                          .at("result")
                          .at("lastSealedBlock")
                          .to_number<std::uint64_t>();
  EXPECT_GE(sealed, 2U);
  // A second writer: refused, naming the holder.
  testing::write_file(
      dir.file("second.json"),
      json::serialize(json::object{{"listen", {{"address", "127.0.0.1"}, {"port", 0}}},
                                   {"database", url},
                                   {"gateway", {{"signingKeyFile", dir.file("gateway.key")}}}}));
  const auto [code, out] = refused(dir.file("second.json"));
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("another zkrouter is the writer of postgresql://"), std::string::npos) << out;
  EXPECT_NE(out.find("PostgreSQL backend pid"), std::string::npos) << out;
  EXPECT_EQ(testing::stop_process(first), 0);
  // Restarted on the same database: it resumes after the blocks it sealed.
  testing::Process again = start_plain_serve(dir, settings);
  ASSERT_NE(again.port, 0) << again.text;
  EXPECT_GE(testing::rpc_http(again.port, "zkr_getGatewayStatus", json::array{})
                .at("result")
                .at("lastSealedBlock")
                .to_number<std::uint64_t>(),
            sealed);
  EXPECT_EQ(testing::stop_process(again), 0);
}

// logLevel is applied: at debug every sealed Gateway block is logged, at warning neither that nor
// the info record of a clean stop is; each record carries its level.
// The writer ingests at background priority when the process may raise a late batch back (here as
// root, with CAP_SYS_NICE). Without that privilege (CAP_SYS_NICE dropped, RLIMIT_NICE 0) serve says
// so and runs the writer at normal priority, unless the config asked for "background": then it
// refuses to start, naming the setting.
TEST(Serve, TheWriterRunsInTheBackgroundOnlyWhereItMayBeRaisedBack) {
  const std::string kWarning =
      "the writer runs at normal priority: the writer at background "
      "priority needs CAP_SYS_NICE or an RLIMIT_NICE of at least 20";
  if (router::BackgroundWriter::permitted()) {
    testing::TempDir dir;
    testing::Process serve = start_plain_serve(dir, {});
    ASSERT_NE(serve.port, 0) << serve.text;
    const auto metrics = testing::http_request(serve.port, "GET", "/metrics");
    EXPECT_NE(metrics.body.find("zkrouter_writer_batches_raised_total 0"), std::string::npos)
        << metrics.body;
    EXPECT_EQ(testing::stop_process(serve), 0);
    EXPECT_EQ(read_log(dir).find(kWarning), std::string::npos) << read_log(dir);
  }
  // setpriv drops CAP_SYS_NICE from what root's zkrouter gets; another user has none to drop.
  const std::string unprivileged =
      ::geteuid() == 0 ? "setpriv --bounding-set=-sys_nice --inh-caps=-sys_nice " : "";
  {
    testing::TempDir dir;
    testing::Process serve = start_plain_serve(dir, {}, "ulimit -e 0 && ", unprivileged);
    ASSERT_NE(serve.port, 0) << serve.text;
    EXPECT_EQ(testing::http_request(serve.port, "GET", "/health").status, 200);
    EXPECT_EQ(testing::stop_process(serve), 0);
    EXPECT_NE(read_log(dir).find(kWarning), std::string::npos) << read_log(dir);
  }
  {
    testing::TempDir dir;
    testing::Process serve =
        start_plain_serve(dir, {{"writerPriority", "background"}}, "ulimit -e 0 && ", unprivileged);
    EXPECT_EQ(serve.port, 0);
    EXPECT_EQ(testing::stop_process(serve), 2);
    EXPECT_NE(read_log(dir).find("config.writerPriority \"background\": the writer at background "
                                 "priority needs CAP_SYS_NICE"),
              std::string::npos)
        << read_log(dir);
  }
}

TEST(Serve, LogsAtTheConfiguredLevel) {
  for (const std::string level : {"debug", "warning"}) {
    testing::TempDir dir;
    testing::Process serve =
        start_plain_serve(dir, {{"logLevel", level}, {"gateway", {{"blockMs", 50}}}});
    ASSERT_NE(serve.port, 0) << serve.text;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few blocks are sealed
    EXPECT_EQ(testing::stop_process(serve), 0);
    const std::string text = read_log(dir);
    const bool sealed =
        text.find(" debug zkrouter serve: Gateway block 1 sealed") != std::string::npos;
    const bool stopped = text.find(" info zkrouter serve: stopped") != std::string::npos;
    EXPECT_EQ(sealed, level == "debug") << level << ":\n" << text;
    EXPECT_EQ(stopped, level == "debug") << level << ":\n" << text;
  }
}

// Under an open-file limit of 128 (soft and hard), serve says how many connections it can take and
// takes no more: 300 clients connecting at once neither make it spin nor lock out the one after.
TEST(Serve, FitsConnectionsToTheOpenFileLimitAndStaysCalmPastIt) {
  testing::TempDir dir;
  testing::Process serve = start_plain_serve(dir, {}, "ulimit -n 128 && ");
  ASSERT_NE(serve.port, 0) << serve.text;
  std::vector<int> held = connect_many(serve.port, 300);
  expect_calm(serve.pid);
  // 127.0.0.1 holds all it may (the last 32 slots are kept for new addresses); another address
  // is still answered.
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    from.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);  // 127.0.0.2
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(serve.port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
    const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    std::string reply;
    char buf[1024];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
      reply.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 200")) << reply;
  }
  for (int fd : held) ::close(fd);
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(testing::http_request(serve.port, "GET", "/health").status, 200);
  EXPECT_EQ(testing::stop_process(serve), 0);
  const std::string text = read_log(dir);
  EXPECT_NE(text.find("the open-file limit is 128; serving at most 64 connections instead of the "
                      "configured 1024"),
            std::string::npos)
      << text;
}

// Out of file descriptors anyway (the limit lowered under the running server to 40): accept fails
// with EMFILE, and the server backs off instead of spinning; once connections close it accepts
// again.
TEST(Serve, AcceptBacksOffWhenOutOfFileDescriptors) {
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizers' runtime needs descriptors of its own (UBSan's vptr check probes memory through
  // a pipe): in a process with none left it reports errors that are not there.
  GTEST_SKIP() << "not under the sanitizers: they need file descriptors of their own";
#endif
  testing::TempDir dir;
  testing::Process serve = start_plain_serve(dir, {{"limits", {{"handshakeTimeoutSeconds", 30}}}});
  ASSERT_NE(serve.port, 0) << serve.text;
  const std::string pid = std::to_string(serve.pid);
  ASSERT_EQ(testing::run_command("prlimit --pid " + pid + " --nofile=40:").first, 0);
  std::vector<int> held = connect_many(serve.port, 100);
  expect_calm(serve.pid);
  for (int fd : held) ::close(fd);
  ASSERT_EQ(testing::run_command("prlimit --pid " + pid + " --nofile=1024:").first, 0);
  // The closed connections are reaped and accepting works again.
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    try {
      status = testing::http_request(serve.port, "GET", "/health").status;
    } catch (const std::exception&) {
    }
  }
  EXPECT_EQ(status, 200);
  EXPECT_EQ(testing::stop_process(serve), 0);
  const std::string text = read_log(dir);
  EXPECT_NE(text.find("accept failed (Too many open files)"), std::string::npos) << text;
  EXPECT_NE(text.find("backing off"), std::string::npos) << text;
}

}  // namespace
}  // namespace zkr

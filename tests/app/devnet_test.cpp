// Runs the real `zkrouter devnet` as a user would, waits until a message of every Gateway chain is
// final on the Gateway, fetches proofs over the API and verifies them with the on-chain algorithm
// against the interop roots the API serves, stops it with SIGINT and checks that a restart
// resumes the same database.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "settlement/ethereum/settlement_contract.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/api_proof.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/process.hpp"
#include "tests/support/rpc_client.hpp"

namespace zkr {
namespace {

namespace json = boost::json;

using Devnet = testing::Process;

// Starts the devnet on a free port and reads its banner for the port.
Devnet start_devnet(const std::string& data_dir, bool fresh) {
  return testing::start_process({ZKR_BINARY, "devnet", "--port=0", "--plain", "--batch_ms=300",
                                 "--block_ms=200", "--l1_block_ms=200", "--l1_finality=2",
                                 "--data_dir=" + data_dir, fresh ? "--fresh" : "--rate=200"},
                                "API on http://127.0.0.1:");
}

int stop_devnet(Devnet& d) {
  return testing::stop_process(d);
}

// Runs `zkrouter ARGS` and returns (exit code, stdout).
std::pair<int, std::string> cli(const std::string& args) {
  return testing::run_command(std::string(ZKR_BINARY) + " " + args + " 2>/dev/null");
}

json::value call(std::uint16_t port, const std::string& method, json::value params) {
  return testing::rpc_http(port, method, std::move(params));
}

TEST(Devnet, MessagesReachGatewayFinalityAndTheirProofsVerify) {
  testing::TempDir dir;
  Devnet d = start_devnet(dir.file("devnet"), true);
  ASSERT_GT(d.port, 0) << "the devnet did not print where its API listens";
  // Its destination chain (anvil, on a free port here since the API's is): destination_verify
  // asks its contract too. Off only where anvil or the compiled contracts are missing (never in
  // CI: scripts/test installs them).
  const std::string destination_line = testing::read_line_with(d, "destination chain");
  std::string destination = "none";
  if (const std::size_t at = destination_line.find("http://"); at != std::string::npos) {
    destination = destination_line.substr(at, destination_line.find(',', at) - at);
  } else {
    const char* ci = std::getenv("CI");
    EXPECT_FALSE(ci != nullptr && std::string(ci) == "true") << destination_line;
  }
  std::uint64_t last_block = 0;
  for (const std::uint64_t chain : {270, 271, 272}) {
    const std::string id = std::to_string(chain) + ":1:0";
    json::value status;
    for (int i = 0; i < 200; ++i) {  // up to 20 s
      status = call(d.port, "zkr_getMessageStatus", json::array{id});
      const auto* result = status.as_object().if_contains("result");
      if (result != nullptr && result->at("status") != json::value("recorded") &&
          result->at("status") != json::value("batch_committed") &&
          result->at("status") != json::value("batch_proven") &&
          result->at("status") != json::value("batch_executed")) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(status.as_object().contains("result")) << json::serialize(status);
    const auto proof = call(d.port, "zkr_getProof", json::array{id, "gateway"});
    ASSERT_TRUE(proof.as_object().contains("result")) << json::serialize(proof);
    const auto& p = proof.at("result");
    const std::uint64_t block = p.at("gatewayBlockNumber").to_number<std::uint64_t>();
    last_block = std::max(last_block, block);
    const auto root = call(d.port, "zkr_getInteropRoot", json::array{block});
    const merkle::Word interop_root =
        *merkle::parse_word(std::string(root.at("result").at("root").as_string()));
    // Verify as the destination's L2MessageVerification does, from the message itself.
    const absl::Status verified =
        testing::verify_served_proof(d.port, chain, 1, 0, p, 506, block, interop_root);
    EXPECT_TRUE(verified.ok()) << verified;
  }
  // The first message reaches L1 finality: its Gateway batch was committed, proven (aggregated)
  // and executed on the embedded L1 and is buried under the finality depth.
  json::value l1_status;
  for (int i = 0; i < 300; ++i) {  // up to 30 s
    l1_status = call(d.port, "zkr_getMessageStatus", json::array{"270:1:0"});
    if (l1_status.at("result").at("status") == json::value("l1_final")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(l1_status.at("result").at("status"), json::value("l1_final"))
      << json::serialize(l1_status);
  const std::uint64_t gw_batch =
      l1_status.at("result").at("gatewayBatchNumber").to_number<std::uint64_t>();
  const auto gw = call(d.port, "zkr_getGatewayBatch", json::array{gw_batch}).at("result");
  EXPECT_EQ(gw.at("l1Stage"), json::value("final"));
  std::set<std::string> actions;
  for (const auto& tx : gw.at("l1Transactions").as_array())
    if (tx.at("state") == json::value("final"))
      actions.insert(std::string(tx.at("action").as_string()));
  EXPECT_EQ(actions, (std::set<std::string>{"commit", "execute", "prove"}));
  // Its proof against the Gateway batch root settled on L1 (shape B) verifies.
  const auto l1_proof = call(d.port, "zkr_getProof", json::array{"270:1:0", "l1"}).at("result");
  const merkle::Word settled = *merkle::parse_word(std::string(gw.at("batchRoot").as_string()));
  const absl::Status l1_verified =
      testing::verify_served_proof(d.port, 270, 1, 0, l1_proof, 506, gw_batch, settled);
  EXPECT_TRUE(l1_verified.ok()) << l1_verified;
  const auto cost = call(d.port, "zkr_getCostReport", json::object{{"gatewayBatch", gw_batch}});
  EXPECT_GT(cost.at("result").at("directGas").to_number<std::uint64_t>(),
            cost.at("result").at("aggregatedGas").to_number<std::uint64_t>())
      << json::serialize(cost);

  // Every example, as its README section says to run it, against this devnet.
  for (const std::string example : {"dapp_send", "destination_verify", "explorer_stream"}) {
    std::string command =
        std::string(ZKR_EXAMPLES_DIR) + "/" + example + " --port=" + std::to_string(d.port);
    if (example == "destination_verify") command += " --destination=" + destination;
    const auto [code, out] = testing::run_command(command + " 2>&1");
    EXPECT_EQ(code, 0) << example << ":\n" << out;
    if (example == "destination_verify" && destination != "none") {
      EXPECT_NE(out.find("the message: verified by L2MessageVerification"), std::string::npos)
          << out;
      EXPECT_NE(out.find("the tampered copy: refused by L2MessageVerification"), std::string::npos)
          << out;
    }
  }
  // The command line against the same devnet.
  const std::string at = " --port=" + std::to_string(d.port);
  auto [code, out] = cli("send --chain=272 --data=0x6869" + at);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out.rfind("272:", 0), 0U) << out;
  std::tie(code, out) = cli("status 270:1:0" + at);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("message_recorded"), std::string::npos) << out;
  std::tie(code, out) = cli("proof 270:1:0" + at);
  ASSERT_EQ(code, 0);
  EXPECT_GE(json::parse(out).at("proof").as_array().size(), 22U) << out;
  std::tie(code, out) = cli("watch --topic=interopRoots --from_cursor=0 --count=2" + at);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
  EXPECT_EQ(cli("status 9:9:9" + at).first, 1);
  EXPECT_EQ(stop_devnet(d), 0) << "SIGINT must stop the devnet cleanly";

  // A restart resumes the same database: old proofs still there, blocks continue.
  Devnet again = start_devnet(dir.file("devnet"), false);
  ASSERT_GT(again.port, 0);
  const auto proof = call(again.port, "zkr_getProof", json::array{"270:1:0", "gateway"});
  EXPECT_TRUE(proof.as_object().contains("result")) << json::serialize(proof);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const auto status = call(again.port, "zkr_getGatewayStatus", json::array{});
  EXPECT_GT(status.at("result").at("lastSealedBlock").to_number<std::uint64_t>(), last_block);
  EXPECT_EQ(stop_devnet(again), 0);
}

}  // namespace
}  // namespace zkr

namespace zkr {
namespace {

// With --l1 anvil the devnet settles on a real EVM into contracts/L1Settlement.sol: the contract's
// counters and roots equal the router's Gateway batches, and the router's L1 proofs (shape B) of
// the Gateway chains' messages verify through the contract's view, one-word mutations do not.
// Chain 280 settles its L1 periods (batches 1-3 and 7-9) through its own instance, resumed after
// the Gateway's 4-6: those batches reach l1_final from its logs, and their shape A proofs verify
// through that instance's view.
TEST(Devnet, SettlesIntoTheContractOnAnvilAndItsL1ProofsVerifyThere) {
  if (!testing::have_anvil()) GTEST_SKIP() << "anvil is not installed (ZKR_ANVIL)";
  testing::TempDir dir;
  Devnet d = testing::start_process(
      {ZKR_BINARY, "devnet", "--port=0", "--plain", "--batch_ms=300", "--block_ms=200",
       "--l1_block_ms=300", "--destination=false", "--l1=anvil", "--migrate_every=3",
       "--data_dir=" + dir.file("devnet"), "--fresh"},
      "API on http://127.0.0.1:");
  ASSERT_GT(d.port, 0) << d.text;
  const std::string line = testing::read_line_with(d, "L1 1337 (anvil): ");
  const std::size_t url_at = line.find("http://");
  const std::size_t at_at = line.find("L1Settlement 0x");
  ASSERT_TRUE(url_at != std::string::npos && at_at != std::string::npos) << line << d.text;
  const std::string url = line.substr(url_at, line.find(',', url_at) - url_at);
  const merkle::Address contract = *merkle::parse_address(line.substr(at_at + 13, 42));
  auto node = *settlement::EthRpcClient::create(url);

  // Wait until batch 3 of every Gateway chain, and chain 280's batch 7, are final on L1.
  for (const std::string id : {"270:3:0", "271:3:0", "272:3:0", "280:7:0"}) {
    json::value status;
    for (int i = 0; i < 900; ++i) {  // up to 90 s
      status = call(d.port, "zkr_getMessageStatus", json::array{id.c_str()});
      if (status.as_object().contains("result") &&
          status.at("result").at("status") == json::value("l1_final"))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(status.at("result").at("status"), json::value("l1_final")) << status;
  }
  const auto state = settlement::contract::read_state(*node, contract);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->settling_chain_id, 506u);
  ASSERT_GE(state->executed, 1u);
  for (std::uint64_t n = 1; n <= state->executed; ++n) {
    const json::value gw = call(d.port, "zkr_getGatewayBatch", json::array{n});
    EXPECT_EQ(merkle::to_hex(*settlement::contract::l2_logs_root_hash(*node, contract, n)),
              gw.at("result").at("batchRoot").as_string())
        << n;
  }

  // Chain 280's own contract: its L1 batches' roots, none for those it settled on the Gateway.
  const json::value chain280 = call(d.port, "zkr_getChain", json::array{280});
  ASSERT_TRUE(chain280.at("result").as_object().contains("l1Contract")) << chain280;
  const merkle::Address contract280 =
      *merkle::parse_address(std::string(chain280.at("result").at("l1Contract").as_string()));
  const auto state280 = settlement::contract::read_state(*node, contract280);
  ASSERT_TRUE(state280.ok()) << state280.status();
  EXPECT_EQ(state280->settling_chain_id, 280u);
  EXPECT_GE(state280->executed, 7u);
  for (std::uint64_t b = 1; b <= 7; ++b) {
    const json::value batch = call(d.port, "zkr_getBatch", json::array{280, b});
    const std::string root =
        merkle::to_hex(*settlement::contract::l2_logs_root_hash(*node, contract280, b));
    if (b >= 4 && b <= 6) {
      EXPECT_EQ(root, merkle::to_hex(merkle::Word{})) << b;
    } else {
      EXPECT_EQ(root, batch.at("result").at("chainBatchRoot").as_string()) << b;
    }
  }

  // Every message of every batch final on L1 so far (chain 280's Gateway batches 4-6 by shape B
  // through the Gateway's contract, its L1 batches by shape A through its own).
  int verified = 0, shape_a = 0;
  for (const std::uint64_t chain : {270, 271, 272, 280}) {
    for (std::uint64_t b = 1;; ++b) {
      const json::value s =
          call(d.port, "zkr_getMessageStatus", json::array{absl::StrCat(chain, ":", b, ":0")});
      if (!s.as_object().contains("result") ||
          s.at("result").at("status") != json::value("l1_final"))
        break;
      const bool on_l1 = s.at("result").at("settlementLayer") == json::value("l1");
      for (std::uint64_t i = 0;; ++i) {
        const std::string id = absl::StrCat(chain, ":", b, ":", i);
        const json::value m = call(d.port, "zkr_getMessage", json::array{id.c_str()});
        if (!m.as_object().contains("result")) break;  // past the batch's last log
        const json::value p = call(d.port, "zkr_getProof", json::array{id.c_str(), "l1"});
        ASSERT_TRUE(p.as_object().contains("result")) << p;
        const json::value& msg = m.at("result");
        if (msg.at("sender").is_null()) continue;  // a log, not a message
        const merkle::L2Message message{
            .tx_number_in_batch =
                static_cast<std::uint16_t>(msg.at("txNumberInBatch").to_number<std::uint64_t>()),
            .sender = *merkle::parse_address(std::string(msg.at("sender").as_string())),
            .data = *merkle::parse_hex(std::string(msg.at("data").as_string()))};
        std::vector<merkle::Word> proof;
        for (const json::value& w : p.at("result").at("proof").as_array())
          proof.push_back(*merkle::parse_word(std::string(w.as_string())));
        const std::uint64_t leaf = p.at("result").at("id").to_number<std::uint64_t>();
        // Shape B through the Gateway's contract; shape A (16 words) through the chain's own.
        const merkle::Address& verifier = on_l1 ? contract280 : contract;
        if (on_l1) {
          EXPECT_EQ(proof.size(), 16u) << id;
          ++shape_a;
        }
        const auto ok =
            settlement::contract::proves_message(*node, verifier, chain, b, leaf, message, proof);
        ASSERT_TRUE(ok.ok()) << ok.status();
        EXPECT_TRUE(*ok) << id;
        // One bit of one word, in byte 2: a metadata word's batch-path length, a number's high
        // bits, a hash's. (Not byte 3: a metadata word's final flag means final for any non-zero
        // value, so flipping a bit there need not change the proof.)
        proof[(b + i) % proof.size()][2] ^= 0x40;
        const auto damaged =
            settlement::contract::proves_message(*node, verifier, chain, b, leaf, message, proof);
        EXPECT_FALSE(damaged.ok() && *damaged)
            << id << ", word " << (b + i) % proof.size() << " of " << proof.size();
        ++verified;
      }
    }
  }
  std::printf("verified %d L1 proofs through the contracts' views (%d of shape A)\n", verified,
              shape_a);
  EXPECT_GE(verified, 25);
  EXPECT_GE(shape_a, 3);
  EXPECT_EQ(testing::stop_process(d), 0);
}

}  // namespace
}  // namespace zkr

// `zkrouter serve --config FILE` as an operator runs it: a JSON config, secrets in files and the
// environment, a real anvil as L1. A chain operator submits and settles a batch over the API; the
// router seals Gateway blocks and batches, aggregates, and settles on anvil to finality. Bad
// configurations are refused with a message that names the setting.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "api/json_codec.hpp"
#include "merkle/keccak.hpp"
#include "settlement/eth_rpc_client.hpp"
#include "settlement/proof_verifier.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/process.hpp"
#include "tests/support/rpc_client.hpp"

namespace zkr {
namespace {

namespace json = boost::json;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// Runs `zkrouter serve --config PATH` expecting it to refuse; returns (exit code, its output).
std::pair<int, std::string> refused(const std::string& path) {
  return testing::run_command(std::string(ZKR_BINARY) + " serve --config=" + path + " 2>&1");
}

TEST(Serve, SettlesABatchSubmittedOverTheApiOnAnvil) {
  const std::string anvil_path = testing::anvil_binary();
  if (anvil_path.empty()) {
    if (testing::in_ci()) FAIL() << "ZKR_ANVIL must name the anvil binary in CI";
    GTEST_SKIP() << "anvil not installed: run scripts/test, which installs it";
  }
  testing::Anvil anvil(anvil_path);
  ASSERT_NE(anvil.port(), 0);
  testing::TempDir dir;
  const merkle::Word gateway_secret = merkle::keccak256(std::string_view("serve test gateway"));
  write_file(dir.file("gateway.key"), merkle::to_hex(gateway_secret) + "\n");
  write_file(dir.file("op270"), testing::credential_for(270) + "\n");
  ::setenv("ZKR_SERVE_TEST_L1_KEY", testing::kAnvilKey, 1);
  const std::string config = dir.file("zkrouter.json");
  write_file(config,
             json::serialize(json::object{
                 {"listen", {{"address", "127.0.0.1"}, {"port", 0}}},
                 {"database", dir.file("zkrouter.db")},
                 {"gateway",
                  {{"chainId", 506},
                   {"signingKeyFile", dir.file("gateway.key")},
                   {"blockMs", 100},
                   {"blocksPerBatch", 2}}},
                 {"chains", json::array{json::object{
                                {"chainId", 270},
                                {"credentialFile", dir.file("op270")},
                                {"proverKey", merkle::to_hex(testing::prover_public_for(270))}}}},
                 {"l1",
                  {{"endpoint", "http://127.0.0.1:" + std::to_string(anvil.port())},
                   {"keyEnv", "ZKR_SERVE_TEST_L1_KEY"},
                   {"settlementAddress", "0x00000000000000000000000000000000005e771e"}}},
                 {"limits", {{"requestsPerSecond", 500}}}}));

  testing::Process serve = testing::start_process({ZKR_BINARY, "serve", "--config=" + config},
                                                  "API on http://127.0.0.1:");
  ASSERT_NE(serve.port, 0) << serve.text;
  const std::uint16_t port = serve.port;
  const std::string credential = testing::credential_for(270);

  // The chain operator submits batch 1 and drives it through the Gateway with its prover's proof.
  const router::SealedBatch batch = testing::generated_batch(270, 1, 3);
  auto r = testing::rpc_http(port, "zkr_submitBatch", json::array{api::batch_to_json(batch)},
                             credential);
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
  ASSERT_TRUE(testing::rpc_http(port, "zkr_commitBatch", json::array{270, 1}, credential)
                  .as_object()
                  .contains("result"));
  const auto proof = settlement::sign_commitment(
      {.chain_id = 270, .batch_number = 1, .chain_batch_root = batch.chain_batch_root},
      testing::prover_key_for(270));
  ASSERT_TRUE(proof.ok());
  r = testing::rpc_http(port, "zkr_proveBatch", json::array{270, 1, merkle::to_hex(*proof)},
                        credential);
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
  r = testing::rpc_http(port, "zkr_executeBatch", json::array{270, 1}, credential);
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);

  // The router seals, aggregates and settles on anvil; anvil only finalizes as blocks come, so
  // the test mines while it waits.
  auto client =
      *settlement::EthRpcClient::create("http://127.0.0.1:" + std::to_string(anvil.port()));
  json::value status;
  for (int i = 0; i < 300; ++i) {
    status = testing::rpc_http(port, "zkr_getMessageStatus", json::array{"270:1:0"});
    if (status.at("result").at("status") == json::value("l1_final")) break;
    (void)client->call("evm_mine", {});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status.at("result").at("status"), json::value("l1_final")) << json::serialize(status);
  const auto gw = testing::rpc_http(port, "zkr_getGatewayBatch",
                                    json::array{status.at("result").at("gatewayBatchNumber")});
  for (const auto& tx : gw.at("result").at("l1Transactions").as_array()) {
    const auto receipt =
        client->receipt(*merkle::parse_word(std::string(tx.at("txHash").as_string())));
    ASSERT_TRUE(receipt.ok() && receipt->has_value()) << json::serialize(tx);
    EXPECT_TRUE((*receipt)->success);
  }
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
  const auto [code, out] = refused(dir.file("missing.json"));
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("cannot read the config file"), std::string::npos) << out;
}

}  // namespace
}  // namespace zkr

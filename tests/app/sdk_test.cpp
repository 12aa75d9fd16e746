// The official ZKsync SDK (zksync-ethers, pinned by package-lock.json and installed by the README's
// test command) against the router's chain endpoints, unmodified: tests/sdk/interop_path.js
// follows one message through the calls InteropClient.getVerificationArgs makes (network
// detection, getTransactionDetails, getTransaction + wait(), getLogProof for shapes C and B,
// getL1BatchDetails, getGatewayProof, getGwBlockForBatch) and prints what the SDK got; here that
// is compared with the router's native API word for word. Against `zkrouter devnet` and against
// `zkrouter serve` fed by a chain operator over the API.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/json_codec.hpp"
#include "settlement/state/proof_verifier.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/process.hpp"
#include "tests/support/rpc_client.hpp"
#include "tests/support/serve_process.hpp"

namespace zkr {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// Where the SDK script is, and whether Node and the locked packages are there. In CI a missing
// piece is a failure (scripts/test installs them), elsewhere the test is skipped.
std::string sdk_script() {
  const char* script = std::getenv("ZKR_SDK_SCRIPT");
  return script == nullptr ? "" : script;
}

bool have_sdk() {
  const std::string script = sdk_script();
  const bool ok = !script.empty() && fs::exists(script) &&
                  fs::exists(fs::path(script).parent_path().parent_path().parent_path() /
                             "node_modules" / "zksync-ethers" / "package.json") &&
                  testing::run_command("node --version > /dev/null 2>&1").first == 0;
  const char* ci = std::getenv("CI");
  if (!ok && ci != nullptr && std::string(ci) == "true")
    ADD_FAILURE() << "node and the packages of package-lock.json must be installed in CI "
                     "(scripts/test runs npm ci)";
  return ok;
}

// Runs tests/sdk/SCRIPT.js with `args` for chain `chain` of the router at `port` (its endpoint and
// the Gateway's are given); its JSON report, or null after a failure that says what it reported.
json::value run_node(const std::string& script, std::uint16_t port, std::uint64_t chain,
                     const std::string& args, const testing::TempDir& dir) {
  const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/chains/";
  const std::string path = fs::path(sdk_script()).parent_path() / (script + ".js");
  const std::string err = dir.file(script + ".err");
  const auto [code, out] =
      testing::run_command("node " + path + " --chain-url " + base + std::to_string(chain) +
                           " --gateway-url " + base + "506 " + args + " 2>" + err);
  if (code != 0) {
    std::ifstream in(err);
    ADD_FAILURE() << script << " failed (" << code
                  << "): " << std::string(std::istreambuf_iterator<char>(in), {});
    return nullptr;
  }
  return json::parse(out);
}

// The SDK's interop path for `tx` on chain `chain`'s endpoint.
json::value run_sdk(std::uint16_t port, std::uint64_t chain, const std::string& tx,
                    const testing::TempDir& dir) {
  return run_node("interop_path", port, chain, "--tx " + tx, dir);
}

json::value native(std::uint16_t port, const std::string& method, json::value params) {
  const json::value r = testing::rpc_http(port, method, std::move(params));
  EXPECT_TRUE(r.as_object().contains("result")) << r;
  return r.at("result");
}

// Waits (up to a minute) until message `id` has reached Gateway batch sealing: both of its proofs
// exist then.
void wait_until_both_proofs_exist(std::uint16_t port, const std::string& id) {
  for (int i = 0; i < 600; ++i) {
    const json::value s = native(port, "zkr_getMessageStatus", json::array{id.c_str()});
    const std::string status(s.at("status").as_string());
    if (status != "recorded" && status != "batch_committed" && status != "batch_proven" &&
        status != "batch_executed" && status != "gateway_final")
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << id << " did not reach gateway_batch_sealed in a minute";
}

// What the SDK got equals what the native API says of message `id`.
void expect_sdk_agrees(std::uint16_t port, const std::string& id, const json::value& sdk) {
  ASSERT_TRUE(sdk.is_object());
  const json::value message = native(port, "zkr_getMessage", json::array{id.c_str()});
  const json::value c = native(port, "zkr_getProof", json::array{id.c_str(), "gateway"});
  const json::value b = native(port, "zkr_getProof", json::array{id.c_str(), "l1"});
  EXPECT_EQ(sdk.at("chainId"), message.at("chainId"));
  EXPECT_EQ(sdk.at("gatewayChainId"), 506);
  EXPECT_EQ(sdk.at("phase"), "EXECUTED");
  EXPECT_EQ(sdk.at("status"), "verified");
  EXPECT_EQ(sdk.at("l1BatchNumber"), message.at("batchNumber"));
  EXPECT_EQ(sdk.at("l1BatchTxIndex"), message.at("txNumberInBatch"));
  EXPECT_EQ(sdk.at("message"), message.at("data"));
  EXPECT_EQ(sdk.at("messageHash"), message.at("log").at("value"));
  EXPECT_EQ(sdk.at("sender"), message.at("sender"));
  // Proofs word for word: shape C in both dialects and through the SDK's helper, shape B.
  for (const char* field : {"proofC", "proofMessageRoot"}) {
    EXPECT_EQ(sdk.at(field).at("proof"), c.at("proof")) << field;
    EXPECT_EQ(sdk.at(field).at("id"), c.at("id")) << field;
    EXPECT_EQ(sdk.at(field).at("root"), c.at("root")) << field;
  }
  EXPECT_EQ(sdk.at("gatewayProof").at("nodes"), c.at("proof"));
  EXPECT_EQ(sdk.at("gatewayProof").at("proofId"), c.at("id"));
  EXPECT_EQ(sdk.at("proofB").at("proof"), b.at("proof"));
  EXPECT_EQ(sdk.at("proofB").at("id"), b.at("id"));
  EXPECT_NE(c.at("proof"), b.at("proof"));
  // getGwBlockForBatch found the block the shape C proof is built against.
  EXPECT_EQ(sdk.at("gwBlock"), c.at("gatewayBlockNumber"));
  EXPECT_EQ(sdk.at("batchDetails").at("executeTxHash"), sdk.at("ethExecuteTxHash"));
  EXPECT_EQ(sdk.at("batchDetails").at("number"), message.at("batchNumber"));
}

// A fresh devnet with fast batches and blocks, its data in `dir`.
testing::Process start_devnet(const testing::TempDir& dir) {
  return testing::start_process(
      {ZKR_BINARY, "devnet", "--port=0", "--plain", "--batch_ms=300", "--block_ms=200",
       "--l1_block_ms=200", "--l1_finality=2", "--data_dir=" + dir.file("devnet"), "--fresh"},
      "API on http://127.0.0.1:");
}

TEST(Sdk, FollowsAMessageAndABundleOnTheDevnet) {
  if (!have_sdk()) GTEST_SKIP() << "node or the SDK is not installed (scripts/test installs them)";
  testing::TempDir dir;
  testing::Process devnet = start_devnet(dir);
  ASSERT_GT(devnet.port, 0) << "the devnet did not print where its API listens";
  // A plain message and a bundle (sent through the InteropCenter: the SDK's "sent in a contract").
  for (const char* kind : {"message", "bundle"}) {
    json::value page;
    for (int i = 0; i < 100; ++i) {
      page =
          native(devnet.port, "zkr_listMessages",
                 json::array{json::object{{"sourceChainId", 271}, {"kind", kind}, {"limit", 1}}});
      if (!page.at("messages").as_array().empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_FALSE(page.at("messages").as_array().empty()) << "no " << kind << " on chain 271";
    const json::value& m = page.at("messages").as_array()[0];
    const std::string id(m.at("id").as_string());
    wait_until_both_proofs_exist(devnet.port, id);
    const json::value sdk = run_sdk(devnet.port, 271, std::string(m.at("txHash").as_string()), dir);
    expect_sdk_agrees(devnet.port, id, sdk);
    if (sdk.is_object()) {
      EXPECT_EQ(sdk.at("messageSentInContract"), std::string(kind) == "bundle") << kind;
      // The simulated chain answers for its own blocks: the receipt's block holds the transaction.
      const json::value& block = sdk.at("block");
      ASSERT_FALSE(block.as_object().contains("error")) << block;
      EXPECT_EQ(block.at("hash"), sdk.at("blockHash"));
      EXPECT_EQ(block.at("number"), sdk.at("blockNumber"));
      EXPECT_EQ(block.at("hasTx"), true);
      EXPECT_GE(block.at("latest").to_number<std::uint64_t>(),
                block.at("number").to_number<std::uint64_t>());
    }
  }
  EXPECT_EQ(testing::stop_process(devnet), 0);
}

// Runs tests/sdk/send_message.js: a message sent with each kind of signed transaction.
json::value send_messages(std::uint16_t port, std::uint64_t chain, const std::string& key,
                          const testing::TempDir& dir) {
  return run_node("send_message", port, chain, "--key " + key, dir);
}

json::value raw_call(std::uint16_t port, const std::string& target, const std::string& method,
                     json::value params) {
  return json::parse(
      testing::http_request(
          port, "POST", target,
          json::serialize(
              json::object{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}}))
          .body);
}

TEST(Sdk, SignedTransactionsOfEveryKindBecomeMessagesOnTheDevnet) {
  if (!have_sdk()) GTEST_SKIP() << "node or the SDK is not installed (scripts/test installs them)";
  testing::TempDir dir;
  testing::Process devnet = start_devnet(dir);
  ASSERT_GT(devnet.port, 0) << "the devnet did not print where its API listens";
  // InteropClient.sendMessage with a zksync-ethers Wallet (0x71), ethers' Wallet with EIP-1559
  // and legacy transactions: each one's message is recorded with the wallet as its sender.
  const std::string key = "0x7726827caac94a7f9e1b160f7ea819f172f7b6f9d2a97f992c38edeab82d4110";
  const json::value sent = send_messages(devnet.port, 270, key, dir);
  ASSERT_TRUE(sent.is_object());
  ASSERT_EQ(sent.at("sent").as_array().size(), 3u);
  for (const json::value& s : sent.at("sent").as_array()) {
    SCOPED_TRACE(json::serialize(s));
    const json::value logs =
        native(devnet.port, "zkr_getMessagesByTx", json::array{s.at("txHash")});
    ASSERT_EQ(logs.as_array().size(), 1u);
    const json::value& m = logs.as_array()[0];
    EXPECT_EQ(m.at("sender"), s.at("from"));
    EXPECT_EQ(m.at("data"), s.at("message"));
    const std::string id(m.at("id").as_string());
    wait_until_both_proofs_exist(devnet.port, id);
    const json::value sdk = run_sdk(devnet.port, 270, std::string(s.at("txHash").as_string()), dir);
    expect_sdk_agrees(devnet.port, id, sdk);
    if (sdk.is_object()) {
      EXPECT_EQ(sdk.at("from"), s.at("from"));
    }
  }
  // What a node refuses is refused, and nothing of it is included: transactions ethers signed for
  // another chain, with a nonce already used, or damaged.
  const fs::path path = fs::path(sdk_script()).parent_path().parent_path() / "data" /
                        "signed_txs.json";  // what tests/sdk/make_tx_vectors.js wrote
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "cannot read " << path;
  const json::value vectors = json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
  const std::string target = "/chains/270";
  const auto refused = [&](const json::value& raw) {
    const json::value r = raw_call(devnet.port, target, "eth_sendRawTransaction", json::array{raw});
    EXPECT_TRUE(r.as_object().contains("error")) << r;
    return r.as_object().contains("error") ? std::string(r.at("error").at("message").as_string())
                                           : std::string();
  };
  const json::array& v = vectors.at("vectors").as_array();
  const json::value* for_271 = nullptr;
  const json::value* for_270 = nullptr;
  for (const json::value& x : v) {
    if (x.at("chainId") == 271 && for_271 == nullptr) for_271 = &x;
    if (x.at("chainId") == 270 && for_270 == nullptr) for_270 = &x;
  }
  ASSERT_TRUE(for_271 != nullptr && for_270 != nullptr);
  EXPECT_NE(refused(for_271->at("raw")).find("invalid chain id"), std::string::npos);
  // Its key's nonce on chain 270 is 3 now (three sends above); the vector's is 1.
  EXPECT_NE(refused(for_270->at("raw")).find("nonce too low"), std::string::npos);
  std::string damaged(for_270->at("raw").as_string());
  damaged[damaged.size() - 3] = damaged[damaged.size() - 3] == '0' ? '1' : '0';
  EXPECT_FALSE(refused(json::value(damaged)).empty());
  EXPECT_NE(refused("0x01c0").find("0x01"), std::string::npos);
  for (const json::value* x : {for_271, for_270}) {
    EXPECT_TRUE(
        native(devnet.port, "zkr_getMessagesByTx", json::array{x->at("hash")}).as_array().empty());
  }
  EXPECT_EQ(testing::stop_process(devnet), 0);
}

// A fresh devnet (start_devnet) and the URL of its destination chain, from its banner, in
// `target`; `target` stays empty, with the failure said, if either did not start.
testing::Process start_devnet_with_destination(const testing::TempDir& dir, std::string& target) {
  testing::Process devnet = start_devnet(dir);
  if (devnet.port == 0) {
    ADD_FAILURE() << "the devnet did not print where its API listens";
    return devnet;
  }
  const std::string line = testing::read_line_with(devnet, "destination chain");
  const std::size_t at = line.find("http://127.0.0.1:");
  if (at == std::string::npos) {
    ADD_FAILURE() << "the destination chain did not start: " << line;
    return devnet;
  }
  target = line.substr(at, line.find(',', at) - at);
  return devnet;
}

TEST(Sdk, SendAndVerifyOnTheDevnetsDestinationChainAsTheSdkDocumentsIt) {
  if (!have_sdk()) GTEST_SKIP() << "node or the SDK is not installed (scripts/test installs them)";
  testing::TempDir dir;
  std::string target;
  testing::Process devnet = start_devnet_with_destination(dir, target);
  ASSERT_FALSE(target.empty());

  // examples/sdk_interop.js, as examples/README.md runs it, with a report for the checks here.
  const fs::path example = fs::path(sdk_script()).parent_path().parent_path().parent_path() /
                           "examples" / "sdk_interop.js";
  const std::string err = dir.file("sdk_interop.err");
  const auto [code, out] = testing::run_command(
      "node " + example.string() + " --url http://127.0.0.1:" + std::to_string(devnet.port) +
      " --chain 270 --destination " + target +
      " --key 0x7726827caac94a7f9e1b160f7ea819f172f7b6f9d2a97f992c38edeab82d4110 --json 2>" + err);
  std::ifstream err_in(err);
  ASSERT_EQ(code, 0) << std::string(std::istreambuf_iterator<char>(err_in), {});
  const json::value r = json::parse(out);
  ASSERT_TRUE(r.is_object());
  // verifyMessage: verified by L2MessageVerification on the EVM, against the imported root.
  EXPECT_EQ(r.at("verified"), true);
  EXPECT_EQ(r.at("good"), "accepted");
  const json::value root =
      native(devnet.port, "zkr_getInteropRoot", json::array{r.at("gwBlockNumber")});
  EXPECT_EQ(r.at("interopRoot"), root.at("root"));
  // The refusals: by the contract, and by the SDK's wait for a root that is not imported.
  EXPECT_EQ(r.at("tamperedProof"), "refused");
  EXPECT_EQ(r.at("wrongMessage"), "refused");
  EXPECT_TRUE(std::string(r.at("notImported").as_string()).starts_with("timed out")) << r;
  // The message is recorded as sent, from the wallet.
  const json::value logs = native(devnet.port, "zkr_getMessagesByTx", json::array{r.at("txHash")});
  ASSERT_EQ(logs.as_array().size(), 1u);
  EXPECT_EQ(logs.as_array()[0].at("data"), r.at("message"));
  EXPECT_EQ(testing::stop_process(devnet), 0);
}

TEST(Sdk, AWalletsBundleThroughTheInteropCenterIsProvenAndVerifiedOnTheDestination) {
  if (!have_sdk()) GTEST_SKIP() << "node or the SDK is not installed (scripts/test installs them)";
  testing::TempDir dir;
  std::string target;
  testing::Process devnet = start_devnet_with_destination(dir, target);
  ASSERT_FALSE(target.empty());

  const std::string key = "0x1c7a2a7b1d3b0d3c6f1f0a4e9b8e2d1c0b9a8f7e6d5c4b3a2918070605040302";
  const json::value r =
      run_node("send_bundle", devnet.port, 270,
               "--target-url " + target + " --key " + key + " --l1-chain-id 1337", dir);
  ASSERT_TRUE(r.is_object());
  // Every field of both bundles as ethers decodes and recomputes it.
  ASSERT_EQ(r.at("sent").as_array().size(), 2u);
  for (const json::value& s : r.at("sent").as_array()) {
    for (const auto& [field, ok] : s.at("expect").as_object()) EXPECT_EQ(ok, true) << field;
    // The router records the InteropCenter's message as a bundle to the destination chain.
    const json::value logs =
        native(devnet.port, "zkr_getMessagesByTx", json::array{s.at("txHash")});
    ASSERT_EQ(logs.as_array().size(), 1u);
    const json::value& m = logs.as_array()[0];
    EXPECT_EQ(m.at("kind"), "bundle");
    EXPECT_EQ(m.at("destinationChainId"), 31338);
    EXPECT_EQ(m.at("sender"), "0x000000000000000000000000000000000001000d");
    EXPECT_EQ(m.at("data"), s.at("message"));
  }
  EXPECT_EQ(r.at("messageSentInContract"), true);
  EXPECT_EQ(r.at("verified"), "accepted");
  EXPECT_EQ(r.at("tampered"), "refused");
  const json::object& refusals = r.at("refusals").as_object();
  const auto says = [&](const char* which, std::string_view words) {
    const std::string text(refusals.at(which).as_string());
    EXPECT_NE(text.find(words), std::string::npos) << which << ": " << text;
  };
  says("unknownDestination", "destination chain 999999 is not a chain of this network");
  says("indirectCall", "indirect calls");
  says("callValue", "interopCallValue must be 0");
  says("noCalls", "at least one call");
  // Refused transactions use no nonce: the two bundles did.
  EXPECT_EQ(r.at("nonceAfter"), 2);

  // A restarted devnet keeps the accounts' nonces: they come back from what the router recorded.
  const std::string wallet(r.at("sent").as_array()[0].at("from").as_string());
  EXPECT_EQ(testing::stop_process(devnet), 0);
  testing::Process again =
      testing::start_process({ZKR_BINARY, "devnet", "--port=0", "--plain", "--batch_ms=300",
                              "--block_ms=200", "--l1_block_ms=200", "--l1_finality=2",
                              "--data_dir=" + dir.file("devnet"), "--destination=false"},
                             "API on http://127.0.0.1:");
  ASSERT_GT(again.port, 0);
  const json::value count = raw_call(again.port, "/chains/270", "eth_getTransactionCount",
                                     json::array{wallet.c_str(), "latest"});
  EXPECT_EQ(count.at("result"), "0x2") << count;
  EXPECT_EQ(testing::stop_process(again), 0);
}

TEST(Sdk, FollowsAMessageOnServeFedByAChainOperator) {
  if (!have_sdk()) GTEST_SKIP() << "node or the SDK is not installed (scripts/test installs them)";
  testing::TempDir dir;
  testing::write_file(dir.file("op270"), testing::credential_for(270) + "\n");
  testing::Process serve = testing::start_plain_serve(
      dir, {{"gateway", {{"blockMs", 100}, {"blocksPerBatch", 2}}},
            {"chains", json::array{json::object{
                           {"chainId", 270},
                           {"credentialFile", dir.file("op270")},
                           {"proverKey", merkle::to_hex(testing::prover_public_for(270))}}}}});
  ASSERT_GT(serve.port, 0) << testing::read_log(dir);
  // The operator's batch carries what the chain knows of its transactions.
  router::SealedBatch batch = testing::generated_batch(270, 1, 4, 7);
  merkle::Address user{};
  user[0] = 0x5e;
  user[19] = 0x4d;
  for (router::BatchLog& l : batch.logs) {
    std::copy(user.begin(), user.end(), l.log.key.begin() + 12);  // every message from `user`
  }
  testing::reseal(batch);
  for (std::size_t i = 0; i < batch.logs.size(); ++i) {
    batch.transactions.push_back({.tx_hash = batch.logs[i].tx_hash,
                                  .block_number = 40 + i,
                                  .block_hash = merkle::be32(4000 + i),
                                  .from = user,
                                  .to = merkle::kL1MessengerAddress});
  }
  const std::string credential = testing::credential_for(270);
  const auto op = [&](const std::string& method, json::value params) {
    const json::value r = testing::rpc_http(serve.port, method, std::move(params), credential);
    ASSERT_TRUE(r.as_object().contains("result")) << method << ": " << r;
  };
  op("zkr_submitBatch", json::array{api::batch_to_json(batch)});
  op("zkr_commitBatch", json::array{270, 1});
  const auto proof = settlement::sign_commitment(
      {.chain_id = 270, .batch_number = 1, .chain_batch_root = batch.chain_batch_root},
      testing::prover_key_for(270));
  ASSERT_TRUE(proof.ok());
  op("zkr_proveBatch", json::array{270, 1, merkle::to_hex(*proof)});
  op("zkr_executeBatch", json::array{270, 1});
  const std::string id = "270:1:2";
  wait_until_both_proofs_exist(serve.port, id);
  const json::value sdk = run_sdk(serve.port, 270, merkle::to_hex(batch.logs[2].tx_hash), dir);
  expect_sdk_agrees(serve.port, id, sdk);
  ASSERT_TRUE(sdk.is_object());
  EXPECT_EQ(sdk.at("from"), json::value(merkle::to_hex(user)));
  EXPECT_EQ(sdk.at("blockNumber"), 42);
  EXPECT_EQ(sdk.at("messageSentInContract"), false);
  // Without a node for chain 270 its blocks are not served, and the error says where they would be.
  const std::string block_error(sdk.at("block").at("error").as_string());
  EXPECT_NE(block_error.find("rpcUrl"), std::string::npos) << block_error;
  EXPECT_EQ(testing::stop_process(serve), 0) << testing::read_log(dir);
}

}  // namespace
}  // namespace zkr

// The README's two commands, the way a new user runs them: a clean checkout (a git clone of this
// repository's committed state) in a folder of its own, with nothing beside it.
// - `./scripts/devnet` installs what is missing, builds and starts the devnet. Messages of every
//   Gateway chain reach gateway_final, one reaches l1_final, their proofs are fetched over the API
//   and verified, and SIGINT stops it cleanly.
// - `./scripts/test` installs, configures and builds the whole suite there and runs a part of it
//   that reads the checkout's own data (vectors, fuzz corpora); no registered test names a path
//   outside the clone and its build.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "tests/support/anvil.hpp"
#include "tests/support/api_proof.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/process.hpp"
#include "tests/support/rpc_client.hpp"

namespace zkr {
namespace {

namespace json = boost::json;

std::string status_of(std::uint16_t port, const std::string& id) {
  const auto r = testing::rpc_http(port, "zkr_getMessageStatus", json::array{id});
  const auto* result = r.as_object().if_contains("result");
  return result == nullptr ? "" : std::string(result->at("status").as_string());
}

/// Each test starts from a git clone of the source's committed state in a folder of its own:
/// dir_/zkrouter, the only thing in dir_.
class Readme : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::filesystem::path(ZKR_SOURCE_DIR) / ".git")) {
      if (testing::in_ci()) FAIL() << "CI runs from a git checkout";
      GTEST_SKIP() << "the source is not a git checkout";
    }
    clone_ = dir_.file("zkrouter");
    const std::string git =
        "git clone -q " + std::string(ZKR_SOURCE_DIR) + " " + clone_ + " > /dev/null 2>&1";
    ASSERT_EQ(std::system(git.c_str()), 0) << git;
  }
  testing::TempDir dir_;
  std::string clone_;
};

TEST_F(Readme, TheFirstCommandOnACleanCheckout) {
  const std::string& clone = clone_;
  // As the README says, plus a free port and short intervals so the test is quick.
  testing::Process devnet = testing::start_process(
      {"/bin/bash", clone + "/scripts/devnet", "--port=0", "--plain", "--batch_ms=300",
       "--block_ms=200", "--l1_block_ms=200", "--l1_finality=2"},
      "API on http://127.0.0.1:", std::chrono::seconds(1200));
  ASSERT_NE(devnet.port, 0) << "no API banner; the command printed:\n" << devnet.text;
  const std::uint16_t port = devnet.port;
  bool l1_final = false;
  for (const std::uint64_t chain : {270, 271, 272}) {
    const std::string id = std::to_string(chain) + ":1:0";
    std::string status;
    for (int i = 0; i < 300; ++i) {
      status = status_of(port, id);
      if (status == "gateway_final" || status.rfind("gateway_batch", 0) == 0 ||
          status == "l1_final")
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_NE(status, "") << id;
    const auto proof = testing::rpc_http(port, "zkr_getProof", json::array{id, "gateway"});
    ASSERT_TRUE(proof.as_object().contains("result")) << json::serialize(proof);
    const auto& p = proof.at("result");
    const std::uint64_t block = p.at("gatewayBlockNumber").to_number<std::uint64_t>();
    const merkle::Word root = *merkle::parse_word(
        std::string(testing::rpc_http(port, "zkr_getInteropRoot", json::array{block})
                        .at("result")
                        .at("root")
                        .as_string()));
    const absl::Status verified =
        testing::verify_served_proof(port, chain, 1, 0, p, 506, block, root);
    EXPECT_TRUE(verified.ok()) << id << ": " << verified;
  }
  for (int i = 0; i < 300 && !l1_final; ++i) {
    l1_final = status_of(port, "270:1:0") == "l1_final";
    if (!l1_final) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(l1_final) << "270:1:0 is " << status_of(port, "270:1:0");
  EXPECT_EQ(testing::stop_process(devnet), 0) << "SIGINT must stop the devnet cleanly";
  EXPECT_TRUE(std::filesystem::exists(clone + "/data/devnet/zkrouter.db"));
}

/// Every absolute path in `text` (a quoted JSON string value) that is neither under one of the
/// `allowed` prefixes nor a system path.
std::vector<std::string> outside_paths(std::string_view text,
                                       const std::vector<std::string>& allowed) {
  std::vector<std::string> out;
  for (std::size_t at = text.find("\"/"); at != std::string_view::npos;
       at = text.find("\"/", at + 1)) {
    const std::size_t end = text.find('"', at + 1);
    const std::string path(text.substr(at + 1, end - at - 1));
    bool ok = path.rfind("/usr/", 0) == 0 || path.rfind("/bin/", 0) == 0;
    for (const std::string& prefix : allowed) ok = ok || path.rfind(prefix, 0) == 0;
    if (!ok) out.push_back(path);
  }
  return out;
}

TEST_F(Readme, TheTestCommandOnACleanCloneWithNothingBesideIt) {
  const std::string& clone = clone_;
  ASSERT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()), {}), 1);
  // The README's test command: installs what is missing, configures and builds the whole suite,
  // then (arguments after the options go to ctest) runs the tests that read the checkout's data.
  const auto [code, out] =
      testing::run_command("cd " + dir_.path().string() + " && bash zkrouter/scripts/test -R " +
                           "'^(Keccak|Verifier|LogTree|FuzzCorpus)\\.' 2>&1");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("100% tests passed"), std::string::npos) << out;
  EXPECT_EQ(out.find("No tests were found"), std::string::npos) << out;

  // No test registered in the clone's build reaches outside the clone.
  const auto [listed, tests] =
      testing::run_command("ctest --test-dir " + clone + "/build --show-only=json-v1");
  ASSERT_EQ(listed, 0);
  ASSERT_NE(tests.find("\"tests\""), std::string::npos) << tests;
  EXPECT_EQ(outside_paths(tests, {clone + "/", clone + "\""}), std::vector<std::string>{});
}

}  // namespace
}  // namespace zkr

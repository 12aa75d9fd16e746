// The zkrouter command line: `verify` checks every scenario proof of the spec's vectors offline,
// rejects any flipped word naming the failing step, and refuses malformed input.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <boost/json.hpp>

#include "tests/support/engine_fixtures.hpp"
#include "tests/support/vectors.hpp"

namespace zkr {
namespace {

namespace json = boost::json;

struct CommandResult {
  int code;
  std::string out;
};

CommandResult run(const std::string& args) {
  const std::string command = std::string(ZKR_BINARY) + " " + args + " 2>&1";
  std::FILE* p = ::popen(command.c_str(), "r");
  CommandResult r{-1, ""};
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string write(const testing::TempDir& dir, const json::value& v, const std::string& name) {
  const std::string path = dir.file(name);
  std::ofstream(path) << json::serialize(v);
  return path;
}

json::value request(const json::value& p) {
  return json::object{{"chainId", p.at("chainId")}, {"batchNumber", p.at("batchNumber")},
                      {"index", p.at("leafIndex")}, {"message", p.at("message")},
                      {"proof", p.at("proof")},     {"settledRoot", p.at("expectedRoot")}};
}

TEST(Cli, VerifyAcceptsEveryScenarioProof) {
  testing::TempDir dir;
  std::size_t i = 0;
  for (const auto& p : testing::vectors().at("scenario").at("proofs").as_array()) {
    const CommandResult r =
        run("verify " + write(dir, request(p), "p" + std::to_string(i++) + ".json"));
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("OK: the proof verifies"), std::string::npos) << r.out;
  }
}

TEST(Cli, VerifySaysWhichStepFails) {
  testing::TempDir dir;
  const auto& p =
      testing::vectors().at("scenario").at("proofs").as_array()[2];  // shape C, 24 words
  json::value req = request(p);
  // A flipped chain-tree sibling: the walk completes but reaches the wrong root.
  json::string& sibling = req.at("proof").as_array()[18].as_string();
  sibling[65] = sibling[65] == '0' ? '1' : '0';
  CommandResult r = run("verify " + write(dir, req, "flipped.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("FAIL: RootMismatch"), std::string::npos) << r.out;
  // A mask past its path: the contracts revert, and so does the walk, naming the node and step.
  req = request(p);
  req.at("proof").as_array()[16] =
      "0x00000000000000000000000000000000000000000000000000000000000000ff";
  r = run("verify " + write(dir, req, "mask.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("MerkleIndexOutOfBounds"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chain tree path"), std::string::npos) << r.out;
}

TEST(Cli, VerifyRefusesMalformedInput) {
  testing::TempDir dir;
  std::ofstream(dir.file("bad.json")) << "{not json";
  EXPECT_EQ(run("verify " + dir.file("bad.json")).code, 2);
  EXPECT_EQ(run("verify " + dir.file("missing.json")).code, 2);
  const CommandResult r = run("verify " + write(dir, json::object{{"chainId", 1}}, "partial.json"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("batchNumber"), std::string::npos) << r.out;
  EXPECT_EQ(run("nonsense").code, 2);
  EXPECT_EQ(run("version").code, 0);
}

}  // namespace
}  // namespace zkr

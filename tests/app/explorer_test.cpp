// The web explorer (api/explorer/) in Debian's chromium, headless, driven by
// tests/explorer/explorer_test.js (puppeteer-core from package-lock.json) against a devnet that
// script starts, kills with SIGKILL and restarts. The script checks the page as a person uses it
// (docs/explorer.md lists what) and prints its measurements; here it is run, its report shown,
// and its screenshots checked. ZKR_EXPLORER_SHOTS names where the screenshots go
// (scripts/explorer-screenshots puts them in docs/explorer/); by default a temporary folder.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <boost/json.hpp>

#include "tests/support/engine_fixtures.hpp"
#include "tests/support/process.hpp"

namespace zkr {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kChromium = "/usr/bin/chromium";

// Node, the locked puppeteer-core and Debian's chromium; in CI a missing one is a failure
// (scripts/test installs them), elsewhere the test is skipped.
bool have_browser() {
  const fs::path root = fs::path(ZKR_SOURCE_DIR);
  const bool ok = fs::exists(root / "node_modules" / "puppeteer-core" / "package.json") &&
                  fs::exists(kChromium) &&
                  testing::run_command("node --version > /dev/null 2>&1").first == 0;
  const char* ci = std::getenv("CI");
  if (!ok && ci != nullptr && std::string(ci) == "true")
    ADD_FAILURE() << "node, puppeteer-core (package-lock.json) and chromium must be installed in "
                     "CI (scripts/test installs them)";
  return ok;
}

bool is_png(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char head[8] = {};
  in.read(head, sizeof head);
  return in.gcount() == 8 && std::string(head + 1, 3) == "PNG";
}

TEST(Explorer, WorksInAHeadlessBrowserAgainstTheDevnetAcrossARouterRestart) {
  if (!have_browser()) GTEST_SKIP() << "node, puppeteer-core or chromium missing";
  testing::TempDir dir;
  const char* shots_env = std::getenv("ZKR_EXPLORER_SHOTS");
  const fs::path shots = shots_env != nullptr ? fs::path(shots_env) : fs::path(dir.file("shots"));
  const std::string err = dir.file("explorer.err");
  const auto [code, out] = testing::run_command(
      "node " + (fs::path(ZKR_SOURCE_DIR) / "tests" / "explorer" / "explorer_test.js").string() +
      " --zkrouter " + ZKR_BINARY + " --work " + dir.path().string() + " --shots " +
      shots.string() + " --chromium " + kChromium + " 2>" + err);
  std::ifstream in(err);
  const std::string stderr_text{std::istreambuf_iterator<char>(in), {}};
  ASSERT_EQ(code, 0) << "the browser test failed: " << stderr_text;
  const json::value report = json::parse(out);
  std::printf("explorer: %s\n", json::serialize(report).c_str());
  for (const char* view : {"stream", "message", "chains", "chain", "gateway", "gateway-batch",
                           "charts", "reconnecting"})
    EXPECT_TRUE(is_png(shots / (std::string(view) + ".png"))) << view;
  const json::object& restart = report.at("restart").as_object();
  EXPECT_GT(restart.at("checkedMessages").as_int64(), 1000);
  EXPECT_GE(restart.at("reconnects").as_int64(), 1);
  EXPECT_GE(report.at("replay").at("received").as_int64(), 10000);
}

}  // namespace
}  // namespace zkr

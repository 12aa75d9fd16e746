#pragma once
// `zkrouter serve` started as an operator starts it, for the tests that need the real process. The
// binary's path comes from ZKR_BINARY (a compile definition of the test that includes this).

#include <fstream>
#include <iterator>
#include <string>

#include <boost/json.hpp>

#include "merkle/keccak.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/process.hpp"

namespace zkr::testing {

inline std::string zkrouter_binary() {
  return ZKR_BINARY;
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// `zkrouter serve` with no chains and no L1, its standard error in dir/stderr.log (read_log): the
// `settings` join the config's top level (a "gateway" object joins the Gateway's settings), and
// `shell` runs first in the same shell (a ulimit, say).
inline Process start_plain_serve(const TempDir& dir, const boost::json::object& settings,
                                 const std::string& shell = "",
                                 const std::string& exec_through = "") {
  const merkle::Word secret = merkle::keccak256(std::string_view(dir.file("gateway.key")));
  write_file(dir.file("gateway.key"), merkle::to_hex(secret) + "\n");
  boost::json::object config{{"listen", {{"address", "127.0.0.1"}, {"port", 0}}},
                             {"database", dir.file("zkrouter.db")},
                             {"gateway", {{"signingKeyFile", dir.file("gateway.key")}}}};
  for (const auto& [key, value] : settings) {
    if (key == "gateway") {
      for (const auto& [k, v] : value.as_object()) config["gateway"].as_object()[k] = v;
    } else {
      config[key] = value;
    }
  }
  write_file(dir.file("zkrouter.json"), boost::json::serialize(config));
  return start_process({"/bin/bash", "-c",
                        shell + "exec " + exec_through + zkrouter_binary() + " serve --config=" +
                            dir.file("zkrouter.json") + " 2>" + dir.file("stderr.log")},
                       "API on http://127.0.0.1:");
}

inline std::string read_log(const TempDir& dir) {
  std::ifstream in(dir.file("stderr.log"));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace zkr::testing

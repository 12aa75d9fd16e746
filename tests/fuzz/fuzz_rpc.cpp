// The JSON-RPC parser and dispatcher with every real method, over an engine holding the spec's
// scenario; the connection is authenticated for all its chains, so operator methods run too.
// Checks: no crash, no sanitizer report, and every answer is valid JSON-RPC.

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "api/methods.hpp"
#include "api/rpc.hpp"
#include "tests/support/engine_fixtures.hpp"

namespace {

struct World {
  zkr::testing::TempDir dir;
  std::unique_ptr<zkr::router::Engine> engine;
  zkr::api::Dispatcher dispatcher;
  World() {
    engine = zkr::testing::open_engine(dir.file("fuzz.db"));
    zkr::testing::replay_scenario(*engine);
    zkr::api::add_query_methods(dispatcher, *engine);
    zkr::api::add_ingest_methods(dispatcher, *engine);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  std::set<std::uint64_t> authenticated = {270, 271, 272, 280};
  zkr::api::CallContext context{.authenticated = &authenticated};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<std::string> answer = world.dispatcher.handle(text, context);
  if (answer) {
    boost::json::error_code ec;
    const boost::json::value v = boost::json::parse(*answer, ec);
    if (ec || !(v.is_object() || v.is_array())) {  // every answer is JSON-RPC
      std::fprintf(stderr, "not JSON: %s\n", answer->substr(0, 2000).c_str());
      std::abort();
    }
  }
  return 0;
}

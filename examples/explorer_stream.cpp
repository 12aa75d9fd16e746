// Explorer: subscribes to every message, is cut off, resumes from its last cursor, and checks
// against the paged message list that it saw every message exactly once.
//   build/examples/explorer_stream --port 8545

#include <cstdio>
#include <set>

#include "absl/flags/parse.h"
#include "examples/common.hpp"

ABSL_FLAG(int, before_cut, 50, "notifications to read before the connection is cut");
ABSL_FLAG(int, after_cut, 200, "notifications to read after resuming");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  namespace json = boost::json;
  using namespace zkr;
  std::vector<std::int64_t> cursors;
  const auto read_into = [&](api::WsClient& ws, int n) {
    const bool got = ws.wait_notifications(static_cast<std::size_t>(n), std::chrono::seconds(30));
    const std::vector<json::value> notes = ws.take_notifications();
    for (const json::value& note : notes) {
      cursors.push_back(note.at("params").at("result").at("cursor").to_number<std::int64_t>());
    }
    if (got) return true;
    if (ws.closed() && !ws.timed_out()) {
      std::fprintf(stderr,
                   "explorer_stream: the server closed the stream after %zu of %d "
                   "notifications: code %d, \"%s\"\n",
                   notes.size(), n, ws.close_code(), ws.close_reason().c_str());
    } else {
      std::fprintf(stderr,
                   "explorer_stream: only %zu of %d notifications within 30 s (are there "
                   "that many messages? see zkr_listMessages)\n",
                   notes.size(), n);
    }
    return false;
  };
  {
    api::WsClient ws(examples::port(), std::chrono::seconds(30), absl::GetFlag(FLAGS_host));
    ws.call("zkr_subscribe", json::array{"messages", json::object{}, 0});
    if (!read_into(ws, absl::GetFlag(FLAGS_before_cut))) return 1;
  }  // cut off
  std::printf("read %zu messages, cut off at cursor %lld; resuming\n", cursors.size(),
              static_cast<long long>(cursors.back()));
  api::WsClient ws(examples::port(), std::chrono::seconds(30), absl::GetFlag(FLAGS_host));
  ws.call("zkr_subscribe", json::array{"messages", json::object{}, cursors.back()});
  if (!read_into(ws, absl::GetFlag(FLAGS_after_cut))) return 1;

  // The router's own list of every message up to the last cursor seen.
  std::set<std::int64_t> listed;
  std::int64_t cursor = 0;
  while (cursor < cursors.back()) {
    const json::value page = examples::call(
        "zkr_listMessages", json::array{json::object{{"cursor", cursor}, {"limit", 1000}}});
    if (page.at("messages").as_array().empty()) break;
    for (const auto& m : page.at("messages").as_array()) {
      const std::int64_t c = m.at("cursor").to_number<std::int64_t>();
      if (c <= cursors.back()) listed.insert(c);
    }
    cursor = page.at("nextCursor").to_number<std::int64_t>();
  }
  const std::set<std::int64_t> seen(cursors.begin(), cursors.end());
  const bool no_duplicate = seen.size() == cursors.size();
  const bool nothing_missed = seen == listed;
  std::printf(
      "received %zu notifications across the cut: %s duplicate, %s missed (router lists %zu)\n",
      cursors.size(), no_duplicate ? "no" : "SOME", nothing_missed ? "none" : "SOME",
      listed.size());
  return no_duplicate && nothing_missed ? 0 : 1;
}

#include "app/client_commands.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <thread>

#include <boost/json.hpp>

#include "api/client.hpp"

namespace zkr::app {
namespace {

namespace json = boost::json;

std::string str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

// One call; on a JSON-RPC error prints it and returns nothing.
std::optional<json::value> call(const RouterAddress& r, const std::string& method,
                                json::value params) {
  const json::value response = api::rpc_http(r.host, r.port, method, std::move(params));
  if (const json::value* error = response.as_object().if_contains("error")) {
    std::fprintf(stderr, "%s (%s)\n", str(error->at("message")).c_str(),
                 str(error->at("data").at("reason")).c_str());
    return std::nullopt;
  }
  return response.at("result");
}

// Runs a command, turning "cannot reach the router" into a message and exit code 2.
template <typename F>
int guarded(const RouterAddress& r, F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zkrouter: cannot talk to the router at %s:%u: %s\n", r.host.c_str(),
                 r.port, e.what());
    return 2;
  }
}

}  // namespace

int status_command(const RouterAddress& r, const std::string& id) {
  return guarded(r, [&] {
    const auto s = call(r, "zkr_getMessageStatus", json::array{id});
    if (!s) return 1;
    std::printf("%s  %s  (settles on %s)\n", id.c_str(), str(s->at("status")).c_str(),
                str(s->at("settlementLayer")).c_str());
    if (!s->at("waitingFor").is_null())
      std::printf("waiting for: %s\n", str(s->at("waitingFor")).c_str());
    for (const json::value& t : s->at("timeline").as_array()) {
      std::printf("  %-24s cursor %-8s", str(t.at("stage")).c_str(),
                  json::serialize(t.at("cursor")).c_str());
      if (const json::value* b = t.as_object().if_contains("gatewayBlock"))
        std::printf(" gateway block %s", json::serialize(*b).c_str());
      if (const json::value* b = t.as_object().if_contains("gatewayBatch"))
        std::printf(" gateway batch %s", json::serialize(*b).c_str());
      std::printf("\n");
    }
    return 0;
  });
}

int proof_command(const RouterAddress& r, const std::string& id, const std::string& target,
                  std::optional<std::uint64_t> gateway_block) {
  return guarded(r, [&] {
    json::array params{id, target};
    if (gateway_block) params.push_back(*gateway_block);
    const auto p = call(r, "zkr_getProof", params);
    if (!p) return 1;
    const json::object zks{{"proof", p->at("proof")},
                           {"id", p->at("id")},
                           {"root", p->at("root")},
                           {"batchNumber", p->at("batchNumber")},
                           {"gatewayBlockNumber", p->at("gatewayBlockNumber")}};
    std::printf("%s\n", json::serialize(zks).c_str());
    std::fprintf(
        stderr, "shape %s; the final root must equal the root settled for chain %s number %s: %s\n",
        str(p->at("shape")).c_str(), json::serialize(p->at("settledRoot").at("chainId")).c_str(),
        json::serialize(p->at("settledRoot").at("number")).c_str(),
        str(p->at("settledRoot").at("root")).c_str());
    return 0;
  });
}

int send_command(const RouterAddress& r, std::uint64_t chain, const std::string& sender,
                 const std::string& data_hex) {
  return guarded(r, [&] {
    const auto sent = call(r, "zkr_devnetSend", json::array{chain, sender, data_hex});
    if (!sent) return 1;
    const std::string tx = str(sent->at("txHash"));
    std::fprintf(stderr, "sent: tx %s; waiting for its batch\n", tx.c_str());
    for (int i = 0; i < 300; ++i) {
      const auto logs = call(r, "zkr_getMessagesByTx", json::array{tx});
      if (!logs) return 1;
      if (!logs->as_array().empty()) {
        std::printf("%s\n", str(logs->as_array()[0].at("id")).c_str());
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fprintf(stderr, "the message was not recorded within 30 s\n");
    return 1;
  });
}

int watch_command(const RouterAddress& r, const std::string& topic,
                  std::optional<std::uint64_t> source, std::optional<std::int64_t> from_cursor,
                  std::uint64_t count) {
  return guarded(r, [&] {
    api::WsClient ws(r.port, std::chrono::hours(24), r.host);
    json::object filter;
    if (source) filter["sourceChainId"] = *source;
    json::array params{topic, filter};
    if (from_cursor) params.push_back(*from_cursor);
    const json::value sub = ws.call("zkr_subscribe", params);
    if (const json::value* error = sub.as_object().if_contains("error")) {
      std::fprintf(stderr, "%s\n", str(error->at("message")).c_str());
      return 1;
    }
    std::uint64_t printed = 0;
    std::int64_t cursor = from_cursor.value_or(0);
    const auto print = [&](const json::value& note) {
      const json::value& e = note.at("params").at("result");
      cursor = e.at("cursor").to_number<std::int64_t>();
      std::string what = str(e.at("kind"));
      if (const json::value* m = e.as_object().if_contains("message")) {
        what += " " + str(m->at("id")) + " " + str(m->at("kind"));
        if (!m->at("destinationChainId").is_null())
          what += " -> chain " + json::serialize(m->at("destinationChainId"));
      } else {
        for (const char* k :
             {"chainId", "batchNumber", "gatewayBlockNumber", "gatewayBatchNumber"}) {
          if (const json::value* v = e.as_object().if_contains(k))
            what += std::string(" ") + k + "=" + json::serialize(*v);
        }
      }
      std::printf("%lld %s\n", static_cast<long long>(cursor), what.c_str());
      std::fflush(stdout);
      ++printed;
    };
    for (const json::value& note : ws.take_notifications()) print(note);
    while (count == 0 || printed < count) {
      const auto text = ws.read();
      if (!text) {
        std::fprintf(stderr, "disconnected (%s); resume with --from_cursor=%lld\n",
                     ws.close_reason().c_str(), static_cast<long long>(cursor));
        return 1;
      }
      print(json::parse(*text));
    }
    return 0;
  });
}

}  // namespace zkr::app

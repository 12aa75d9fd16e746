// zkr_loadgen: a load generator that speaks the real JSON-RPC protocol over WebSocket or HTTP/1.1
// keep-alive, with many concurrent connections, each sending one request and waiting for its answer
// (closed loop). Prints requests/s, latency percentiles and errors; --json adds one JSON line for
// scripts. Run by scripts/bench-load (see bench/RESULTS.md).
//
//   zkr_loadgen --url ws://127.0.0.1:8545 --method zkr_getProof --connections 16 --seconds 10
//
// Methods: zkr_getProof (shape C for random messages of the engine_bench database layout:
// --chains, --first_chain, --batches, --batch_size), zks_getL2ToL1LogProof (shape C through the
// ZKsync method, for transaction hashes sampled from the server first; with a chain endpoint's URL,
// http://host:port/chains/N, chain N's), eth_chainId (the yardstick
// for other JSON-RPC servers), and any other method with --params (a JSON array, sent as is).

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/client.hpp"
#include "bench/stats.hpp"

ABSL_FLAG(std::string, url, "ws://127.0.0.1:8545",
          "ws://host:port[/path] or http://host:port[/path]");
ABSL_FLAG(std::string, method, "zkr_getProof",
          "zkr_getProof | zks_getL2ToL1LogProof | eth_chainId | any method with --params");
ABSL_FLAG(std::string, params, "", "JSON array of params for other methods");
ABSL_FLAG(std::size_t, connections, 16, "concurrent connections");
ABSL_FLAG(double, seconds, 10, "measured time");
ABSL_FLAG(double, warmup, 2, "unmeasured time before it");
ABSL_FLAG(std::size_t, threads, 1, "client I/O threads");
ABSL_FLAG(std::size_t, chains, 50, "database layout: chains");
ABSL_FLAG(std::uint64_t, first_chain, 1000, "database layout: first chain id");
ABSL_FLAG(std::size_t, batches, 1000,
          "database layout: batches in all (chain = first + i % chains)");
ABSL_FLAG(std::size_t, batch_size, 1000, "database layout: messages per batch");
ABSL_FLAG(std::size_t, sample, 2000, "transaction hashes sampled for zks_getL2ToL1LogProof");
ABSL_FLAG(std::string, label, "", "a name for this run in the --json line");
ABSL_FLAG(bool, json, false, "print one JSON summary line at the end");
ABSL_FLAG(bool, probe, false,
          "send one request, retrying until it is answered with a result (at most 60 s); exit 0 "
          "then (used to time a cold start)");

namespace {

absl::string_view to_absl(std::string_view s) {
  return {s.data(), s.size()};
}

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Target {
  bool websocket = true;
  std::string host;
  std::string port;
  std::string path = "/";
};

/// The target of a ws:// or http:// URL; nullopt (with `error` set) if it is not one.
std::optional<Target> parse_url(std::string_view url, std::string& error) {
  Target t;
  if (url.starts_with("ws://")) {
    url.remove_prefix(5);
  } else if (url.starts_with("http://")) {
    t.websocket = false;
    url.remove_prefix(7);
  } else {
    error = "--url must start with ws:// or http://";
    return std::nullopt;
  }
  const std::size_t slash = url.find('/');
  if (slash != std::string_view::npos) {
    t.path = std::string(url.substr(slash));
    url = url.substr(0, slash);
  }
  const std::size_t colon = url.rfind(':');
  std::uint32_t port = 0;
  if (colon == std::string_view::npos || !absl::SimpleAtoi(to_absl(url.substr(colon + 1)), &port) ||
      port == 0 || port > 65535) {
    error = "--url needs host:port";
    return std::nullopt;
  }
  t.host = std::string(url.substr(0, colon));
  t.port = std::to_string(port);
  return t;
}

/// Makes the request bodies: a different message for every call, from a fixed seed.
class RequestMaker {
 public:
  RequestMaker(std::string method, std::vector<std::string> tx_hashes, std::uint64_t seed)
      : method_(std::move(method)), tx_hashes_(std::move(tx_hashes)), rng_(seed) {}

  /// A random message id ("chain:batch:index") of the database layout the flags describe, on
  /// `only_chain` when given.
  std::string message_id(std::optional<std::uint64_t> only_chain = std::nullopt) {
    const std::size_t chains = absl::GetFlag(FLAGS_chains);
    std::size_t i = rng_() % absl::GetFlag(FLAGS_batches);
    if (only_chain) i = i - i % chains + (*only_chain - absl::GetFlag(FLAGS_first_chain)) % chains;
    return absl::StrCat(absl::GetFlag(FLAGS_first_chain) + i % chains, ":", 1 + i / chains, ":",
                        rng_() % absl::GetFlag(FLAGS_batch_size));
  }

  std::string next(std::uint64_t id) {
    std::string params;
    if (method_ == "zkr_getProof") {
      params = absl::StrCat("[\"", message_id(), "\",\"gateway\"]");
    } else if (method_ == "zks_getL2ToL1LogProof") {
      params =
          absl::StrCat("[\"", tx_hashes_[rng_() % tx_hashes_.size()], "\",0,\"proof_based_gw\"]");
    } else if (method_ == "eth_chainId") {
      params = "[]";
    } else {
      params = absl::GetFlag(FLAGS_params);
    }
    return absl::StrCat("{\"jsonrpc\":\"2.0\",\"id\":", id, ",\"method\":\"", method_,
                        "\",\"params\":", params, "}");
  }

 private:
  std::string method_;
  std::vector<std::string> tx_hashes_;
  std::mt19937_64 rng_;
};

/// What one connection measured.
struct Tally {
  std::vector<double> latency_us;  // measured phase only
  std::uint64_t errors = 0;        // JSON-RPC errors, null results, wrong ids
  std::string first_error;
  bool failed = false;  // the connection itself failed
  std::string failure;
};

/// A reply counts as good if it is a result for our id and not null.
bool good_reply(std::string_view body, std::uint64_t id) {
  const auto has = [body](std::string_view s) { return body.find(s) != std::string_view::npos; };
  return has(absl::StrCat("\"id\":", id)) && has("\"result\":") && !has("\"result\":null") &&
         !has("\"error\":");
}

struct Phase {
  Clock::time_point measure_from;
  Clock::time_point stop_at;
};

asio::awaitable<void> run_ws(const Target& target, RequestMaker maker, Phase phase, Tally& tally) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  websocket::stream<beast::tcp_stream> ws(ex);
  const auto results =
      co_await resolver.async_resolve(target.host, target.port, asio::use_awaitable);
  co_await beast::get_lowest_layer(ws).async_connect(results, asio::use_awaitable);
  beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true));
  beast::get_lowest_layer(ws).expires_never();
  ws.read_message_max(64 * 1024 * 1024);
  co_await ws.async_handshake(target.host + ":" + target.port, target.path, asio::use_awaitable);
  ws.text(true);
  beast::flat_buffer buffer;
  for (std::uint64_t id = 1;; ++id) {
    const auto t0 = Clock::now();
    if (t0 >= phase.stop_at) break;
    const std::string request = maker.next(id);
    co_await ws.async_write(asio::buffer(request), asio::use_awaitable);
    buffer.clear();
    co_await ws.async_read(buffer, asio::use_awaitable);
    const auto t1 = Clock::now();
    const std::string_view body(static_cast<const char*>(buffer.data().data()), buffer.size());
    if (t0 < phase.measure_from) continue;
    tally.latency_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (!good_reply(body, id)) {
      if (tally.errors++ == 0) tally.first_error = std::string(body.substr(0, 300));
    }
  }
  beast::error_code ignored;
  co_await ws.async_close(websocket::close_code::normal,
                          asio::redirect_error(asio::use_awaitable, ignored));
}

asio::awaitable<void> run_http(const Target& target, RequestMaker maker, Phase phase,
                               Tally& tally) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  beast::tcp_stream stream(ex);
  const auto results =
      co_await resolver.async_resolve(target.host, target.port, asio::use_awaitable);
  co_await stream.async_connect(results, asio::use_awaitable);
  stream.socket().set_option(tcp::no_delay(true));
  stream.expires_never();
  beast::flat_buffer buffer;
  for (std::uint64_t id = 1;; ++id) {
    const auto t0 = Clock::now();
    if (t0 >= phase.stop_at) break;
    // The request written out as one buffer (Beast's serializer costs the load generator as much
    // CPU as it saves the server: both share the machine's cores).
    const std::string body = maker.next(id);
    const std::string request = absl::StrCat(
        "POST ", target.path, " HTTP/1.1\r\nHost: ", target.host,
        "\r\nContent-Type: application/json\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
    co_await asio::async_write(stream, asio::buffer(request), asio::use_awaitable);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
    const auto t1 = Clock::now();
    if (t0 < phase.measure_from) continue;
    tally.latency_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    const auto& res = parser.get();
    if (res.result() != http::status::ok || !good_reply(res.body(), id)) {
      if (tally.errors++ == 0) tally.first_error = res.body().substr(0, 300);
    }
  }
}

/// One call over a short connection (the project's client), for set-up and probing.
std::string call_once(const Target& target, const std::string& body) {
  const auto port = static_cast<std::uint16_t>(std::stoi(target.port));
  if (!target.websocket)
    return zkr::api::http_request(target.host, port, "POST", target.path, body).body;
  zkr::api::WsClient client(port, std::chrono::seconds(30), target.host);
  client.send_text(body);
  const std::optional<std::string> reply = client.read();
  if (!reply) throw std::runtime_error("no reply: " + client.close_reason());
  return *reply;
}

/// Transaction hashes of random messages, read with zkr_getMessage.
std::vector<std::string> sample_tx_hashes(const Target& target, std::size_t n) {
  RequestMaker ids("zkr_getMessage", {}, 99);
  // Sampled on the native API; a chain endpoint (/chains/N) is asked for its own chain's.
  Target native = target;
  native.path = "/";
  std::optional<std::uint64_t> chain;
  if (constexpr std::string_view kChains = "/chains/"; target.path.starts_with(kChains)) {
    std::uint64_t n_chain = 0;
    if (!absl::SimpleAtoi(target.path.substr(kChains.size()), &n_chain))
      throw std::runtime_error("cannot read the chain of " + target.path);
    chain = n_chain;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    const json::object call{{"jsonrpc", "2.0"},
                            {"id", 1},
                            {"method", "zkr_getMessage"},
                            {"params", json::array{ids.message_id(chain).c_str()}}};
    const json::value reply = json::parse(call_once(native, json::serialize(call)));
    const json::value* tx = reply.as_object().if_contains("result");
    if (tx == nullptr || !tx->is_object() || !tx->as_object().contains("txHash")) {
      throw std::runtime_error("zkr_getMessage gave no txHash: " + json::serialize(reply));
    }
    out.emplace_back(tx->at("txHash").as_string());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "JSON-RPC load generator over WebSocket or HTTP; see bench/RESULTS.md");
  absl::ParseCommandLine(argc, argv);
  std::string url_error;
  const auto target = parse_url(absl::GetFlag(FLAGS_url), url_error);
  if (!target) {
    std::fprintf(stderr, "zkr_loadgen: %s\n", url_error.c_str());
    return 2;
  }
  const std::string method = absl::GetFlag(FLAGS_method);
  const std::size_t connections = std::max<std::size_t>(1, absl::GetFlag(FLAGS_connections));
  const std::size_t threads = std::max<std::size_t>(1, absl::GetFlag(FLAGS_threads));

  if (absl::GetFlag(FLAGS_probe)) {
    RequestMaker maker(method, {}, 1);
    const auto give_up = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < give_up) {
      try {
        if (good_reply(call_once(*target, maker.next(1)), 1)) return 0;
      } catch (const std::exception&) {
        // not listening yet
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::fprintf(stderr, "zkr_loadgen: no answer within 60 s\n");
    return 1;
  }

  std::vector<std::string> tx_hashes;
  try {
    if (method == "zks_getL2ToL1LogProof") {
      std::fprintf(stderr, "sampling %zu transaction hashes...\n", absl::GetFlag(FLAGS_sample));
      tx_hashes = sample_tx_hashes(*target, std::max<std::size_t>(1, absl::GetFlag(FLAGS_sample)));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zkr_loadgen: set-up failed: %s\n", e.what());
    return 1;
  }

  const auto start = Clock::now();
  const auto to_duration = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  // Connections start over the first 100 ms of the warm-up; all are open before measuring.
  const Phase phase{
      .measure_from = start + to_duration(absl::GetFlag(FLAGS_warmup)),
      .stop_at = start + to_duration(absl::GetFlag(FLAGS_warmup) + absl::GetFlag(FLAGS_seconds))};
  std::vector<Tally> tallies(connections);
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (std::size_t t = 0; t < threads; ++t)
    contexts.push_back(std::make_unique<asio::io_context>(1));
  for (std::size_t c = 0; c < connections; ++c) {
    asio::io_context& ioc = *contexts[c % threads];
    RequestMaker maker(method, tx_hashes, 1000 + c);
    Tally& tally = tallies[c];
    auto body = target->websocket ? run_ws(*target, std::move(maker), phase, tally)
                                  : run_http(*target, std::move(maker), phase, tally);
    asio::co_spawn(ioc, std::move(body), [&tally](std::exception_ptr e) {
      if (!e) return;
      tally.failed = true;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        tally.failure = ex.what();
      }
    });
  }
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) pool.emplace_back([&ioc = *contexts[t]] { ioc.run(); });
  for (auto& th : pool) th.join();

  std::vector<double> all;
  std::uint64_t errors = 0;
  std::size_t failed = 0;
  std::string first_error, first_failure;
  for (const Tally& t : tallies) {
    all.insert(all.end(), t.latency_us.begin(), t.latency_us.end());
    errors += t.errors;
    if (first_error.empty()) first_error = t.first_error;
    if (t.failed) {
      ++failed;
      if (first_failure.empty()) first_failure = t.failure;
    }
  }
  std::sort(all.begin(), all.end());
  const double seconds = absl::GetFlag(FLAGS_seconds);
  const double rate = static_cast<double>(all.size()) / seconds;
  const double p50 = zkr::bench::percentile_of_sorted(all, 0.5),
               p99 = zkr::bench::percentile_of_sorted(all, 0.99),
               p999 = zkr::bench::percentile_of_sorted(all, 0.999);
  std::printf(
      "%s %s, %zu connections, %.0f s: %.0f requests/s; latency p50 %.1f us, p99 %.1f us, "
      "p99.9 %.1f us, max %.1f us; %llu errors, %zu connections failed\n",
      absl::GetFlag(FLAGS_url).c_str(), method.c_str(), connections, seconds, rate, p50, p99, p999,
      all.empty() ? 0.0 : all.back(), static_cast<unsigned long long>(errors), failed);
  if (!first_error.empty()) std::printf("  first error: %s\n", first_error.c_str());
  if (!first_failure.empty())
    std::printf("  first connection failure: %s\n", first_failure.c_str());
  if (absl::GetFlag(FLAGS_json)) {
    const json::object summary{{"label", absl::GetFlag(FLAGS_label)},
                               {"url", absl::GetFlag(FLAGS_url)},
                               {"method", method},
                               {"connections", connections},
                               {"seconds", seconds},
                               {"requests", all.size()},
                               {"rps", rate},
                               {"p50_us", p50},
                               {"p99_us", p99},
                               {"p999_us", p999},
                               {"errors", errors},
                               {"failed_connections", failed}};
    std::printf("%s\n", json::serialize(summary).c_str());
  }
  return failed == 0 && errors == 0 ? 0 : 1;
}

// zkr_pushgen: ingestion through the API and subscription fan-out, over real WebSockets.
//
// Submitters (one WebSocket each, authenticated for their chains) send protobuf batch frames and
// wait for each acknowledgement (sent after the batch is committed). Optionally paced to --rate
// messages/s, the submitters taking turns so that one batch is due every batch_size / rate
// seconds (--aligned: all of them at the same instants, bursts of submitters x batch_size).
// Subscribers (--subscribers, each on its own WebSocket) follow the `messages` topic filtered by
// one sender; the generated messages are spread over --senders addresses, so every subscriber has a
// known set of messages to receive. Reported: messages/s acknowledged, per-batch acknowledgement
// latency, and for the subscribers the delivery latency (below), messages missing, and connections
// the server dropped. Run by scripts/bench-load (see bench/RESULTS.md).
//
// Delivery latency is measured from three points: the batch's commit (committedAtUs, which the
// acknowledgement carries; the headline), the acknowledgement's arrival (after the commit, and it
// may wait behind notifications on the server, so it can understate), and the event's time `at`
// (stamped before the batch's rows are written, so it overstates by the writing and the commit).

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "api/protobuf_batch.hpp"
#include "bench/stats.hpp"
#include "bench/synthetic_batch.hpp"
#include "merkle/keccak.hpp"

ABSL_FLAG(std::string, host, "127.0.0.1", "server address");
ABSL_FLAG(std::uint16_t, port, 8545, "server port (WebSocket)");
ABSL_FLAG(std::string, credential, "benchmark-operator-credential",
          "the chains' operator credential");
ABSL_FLAG(std::size_t, chains, 50, "chains, numbered from --first_chain");
ABSL_FLAG(std::uint64_t, first_chain, 2000, "first chain id");
ABSL_FLAG(std::uint64_t, first_batch, 1, "first batch number to submit for every chain");
ABSL_FLAG(std::size_t, batch_size, 1000, "messages per batch");
ABSL_FLAG(std::size_t, messages, 1000000, "messages to submit in all");
ABSL_FLAG(double, rate, 0, "messages/s to pace submission to (0: as fast as acknowledged)");
ABSL_FLAG(std::size_t, submitters, 2, "submitting connections (chains are split among them)");
ABSL_FLAG(std::size_t, subscribers, 0, "subscribing connections, each filtered by one sender");
ABSL_FLAG(std::size_t, senders, 1000, "distinct message senders");
ABSL_FLAG(bool, json, false, "print one JSON summary line at the end");
ABSL_FLAG(std::string, latencies_csv, "",
          "write one line per notification to this file: chain, batch, microseconds from its "
          "batch's commit to its arrival");
ABSL_FLAG(bool, aligned, false,
          "with --rate: every submitter sends at the same instants (bursts of submitters x "
          "batch_size) instead of taking turns evenly");

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace zkr;

using bench::percentile;

std::int64_t now_unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Frame {
  std::uint64_t chain = 0, batch = 0;
  std::size_t messages = 0;
  std::size_t notifications = 0;  // what the subscribers should receive of it
  std::string bytes;
};

/// What the run shares between coroutines (all on one I/O thread, so no locks).
struct Run {
  std::vector<std::vector<Frame>> per_submitter;
  std::map<std::pair<std::uint64_t, std::uint64_t>, Clock::time_point> submitted;  // (chain, batch)
  std::vector<double> ack_us;
  std::size_t acked_messages = 0;
  std::size_t expected_notifications = 0;  // of the acknowledged batches
  std::size_t submit_errors = 0;
  std::string first_error;
  bool submitting_done = false;
  std::size_t submitters_left = 0;
  Clock::time_point start;
  // subscribers
  std::vector<double> from_event_ms;
  // When each batch committed (the server's clock, Unix µs) and its acknowledgement arrived, and
  // each notification's arrival, to measure from them (and from submission) after the run.
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::int64_t> committed_unix_us;
  std::map<std::pair<std::uint64_t, std::uint64_t>, Clock::time_point> acked_at;
  struct Arrival {
    std::pair<std::uint64_t, std::uint64_t> batch;
    Clock::time_point at;
    std::int64_t unix_us;
  };
  std::vector<Arrival> arrivals;
  std::size_t received = 0, dropped = 0, subscribed = 0;
};

asio::awaitable<websocket::stream<beast::tcp_stream>> connect() {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  websocket::stream<beast::tcp_stream> ws(ex);
  const auto results = co_await resolver.async_resolve(
      absl::GetFlag(FLAGS_host), std::to_string(absl::GetFlag(FLAGS_port)), asio::use_awaitable);
  co_await beast::get_lowest_layer(ws).async_connect(results, asio::use_awaitable);
  beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true));
  beast::get_lowest_layer(ws).expires_never();
  ws.read_message_max(64 * 1024 * 1024);
  co_await ws.async_handshake(absl::GetFlag(FLAGS_host), "/", asio::use_awaitable);
  co_return ws;
}

asio::awaitable<json::value> call(websocket::stream<beast::tcp_stream>& ws, std::uint64_t id,
                                  const std::string& method, json::value params) {
  ws.text(true);
  // (built outside the co_await expression: g++ 12 rejects string literals in one)
  const std::string request = json::serialize(
      json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
  co_await ws.async_write(asio::buffer(request), asio::use_awaitable);
  beast::flat_buffer buffer;
  co_await ws.async_read(buffer, asio::use_awaitable);
  co_return json::parse(beast::buffers_to_string(buffer.data()));
}

asio::awaitable<void> submitter(Run& run, std::size_t k, std::vector<std::uint64_t> chains) {
  auto ws = co_await connect();
  const std::string method = "zkr_authenticate";
  for (std::uint64_t chain : chains) {
    json::array params{chain, absl::GetFlag(FLAGS_credential)};
    const json::value r = co_await call(ws, chain, method, std::move(params));
    if (!r.as_object().contains("result"))
      throw std::runtime_error("zkr_authenticate failed: " + json::serialize(r));
  }
  const double rate = absl::GetFlag(FLAGS_rate);
  const std::size_t submitters = std::max<std::size_t>(1, absl::GetFlag(FLAGS_submitters));
  asio::steady_timer pace(co_await asio::this_coro::executor);
  std::size_t sent_messages = 0;
  beast::flat_buffer buffer;
  for (const Frame& f : run.per_submitter[k]) {
    if (rate > 0) {
      // This submitter's share of the schedule: rate / submitters messages per second, its
      // batches due between the others' unless --aligned (so an even stream of one batch every
      // batch_size / rate seconds).
      const double turn = absl::GetFlag(FLAGS_aligned) ? 0.0 : static_cast<double>(k * f.messages);
      const auto due =
          run.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                          (static_cast<double>(sent_messages * submitters) + turn) / rate));
      pace.expires_at(due);
      co_await pace.async_wait(asio::use_awaitable);
    }
    const auto t0 = Clock::now();
    run.submitted[{f.chain, f.batch}] = t0;
    ws.binary(true);
    co_await ws.async_write(asio::buffer(f.bytes), asio::use_awaitable);
    buffer.clear();
    co_await ws.async_read(buffer, asio::use_awaitable);
    run.acked_at[{f.chain, f.batch}] = Clock::now();
    run.ack_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    const std::string reply = beast::buffers_to_string(buffer.data());
    json::error_code ec;
    const json::value parsed = json::parse(reply, ec);
    const json::value* result =
        ec || !parsed.is_object() ? nullptr : parsed.as_object().if_contains("result");
    if (result == nullptr) {
      if (run.submit_errors++ == 0) run.first_error = reply.substr(0, 300);
    } else {
      run.acked_messages += f.messages;
      run.expected_notifications += f.notifications;
      if (const json::value* c = result->as_object().if_contains("committedAtUs");
          c != nullptr && c->is_number())
        run.committed_unix_us[{f.chain, f.batch}] = c->to_number<std::int64_t>();
    }
    sent_messages += f.messages;
  }
  co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
}

asio::awaitable<void> subscriber(Run& run, merkle::Address sender) {
  auto ws = co_await connect();
  json::array params{"messages",
                     json::object{{"sender", merkle::to_hex(merkle::ByteSpan(sender))}}};
  const std::string method = "zkr_subscribe";
  const json::value r = co_await call(ws, 1, method, std::move(params));
  if (!r.as_object().contains("result"))
    throw std::runtime_error("zkr_subscribe failed: " + json::serialize(r));
  ++run.subscribed;
  beast::flat_buffer buffer;
  while (true) {
    buffer.clear();
    auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (!run.submitting_done) ++run.dropped;  // closed by the server while messages flowed
      co_return;
    }
    const auto received = Clock::now();
    const std::int64_t unix_us = now_unix_us();
    const json::value note = json::parse(beast::buffers_to_string(buffer.data()));
    const json::value& result = note.at("params").at("result");
    ++run.received;
    run.from_event_ms.push_back(static_cast<double>(unix_us) / 1000.0 -
                                static_cast<double>(result.at("at").to_number<std::int64_t>()));
    const auto key = std::pair{result.at("chainId").to_number<std::uint64_t>(),
                               result.at("batchNumber").to_number<std::uint64_t>()};
    run.arrivals.push_back({.batch = key, .at = received, .unix_us = unix_us});
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::size_t chains = std::max<std::size_t>(1, absl::GetFlag(FLAGS_chains));
  const std::size_t submitters = std::max<std::size_t>(1, absl::GetFlag(FLAGS_submitters));
  const std::size_t batch_size = std::max<std::size_t>(1, absl::GetFlag(FLAGS_batch_size));
  const std::size_t batches = absl::GetFlag(FLAGS_messages) / batch_size;

  std::vector<merkle::Address> senders;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, absl::GetFlag(FLAGS_senders)); ++i) {
    const merkle::Word h =
        merkle::keccak256(std::string_view(absl::StrCat("zkrouter bench sender ", i)));
    merkle::Address a;
    std::copy_n(h.begin(), a.size(), a.begin());
    senders.push_back(a);
  }

  // How many subscribers follow each sender (subscriber s follows sender s mod K).
  const std::size_t subscribers = absl::GetFlag(FLAGS_subscribers);
  std::map<merkle::Address, std::size_t> followers;
  for (std::size_t s = 0; s < subscribers; ++s) ++followers[senders[s % senders.size()]];

  std::fprintf(stderr, "generating %zu batches of %zu messages...\n", batches, batch_size);
  Run run;
  run.per_submitter.resize(submitters);
  std::mt19937_64 rng(7);
  for (std::size_t i = 0; i < batches; ++i) {
    const std::size_t c = i % chains;
    Frame f{.chain = absl::GetFlag(FLAGS_first_chain) + c,
            .batch = absl::GetFlag(FLAGS_first_batch) + i / chains,
            .messages = batch_size,
            .bytes = {}};
    router::SealedBatch b = bench::synthetic_batch(f.chain, f.batch, batch_size, rng, senders);
    for (const router::BatchLog& l : b.logs) {
      merkle::Address sender;  // an L1Messenger log's key is its sender, left-padded
      std::copy_n(l.log.key.begin() + 12, sender.size(), sender.begin());
      if (const auto it = followers.find(sender); it != followers.end())
        f.notifications += it->second;
    }
    f.bytes = api::encode_batch_frame({.request_id = i + 1, .batch = std::move(b)});
    run.per_submitter[c % submitters].push_back(std::move(f));
  }

  asio::io_context ioc(1);
  std::size_t failures = 0;
  std::string failure;
  const auto on_done = [&](std::exception_ptr e) {
    if (!e) return;
    ++failures;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      if (failure.empty()) failure = ex.what();
    }
  };
  for (std::size_t s = 0; s < subscribers; ++s)
    asio::co_spawn(ioc, subscriber(run, senders[s % senders.size()]), on_done);
  // Submitting starts once every subscriber is in (or failed).
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer wait(co_await asio::this_coro::executor);
        while (run.subscribed + failures < subscribers) {
          wait.expires_after(std::chrono::milliseconds(20));
          co_await wait.async_wait(asio::use_awaitable);
        }
        std::fprintf(stderr, "%zu subscribers in; submitting...\n", run.subscribed);
        run.start = Clock::now();
        run.submitters_left = submitters;
        for (std::size_t k = 0; k < submitters; ++k) {
          std::vector<std::uint64_t> mine;
          for (std::size_t c = k; c < chains; c += submitters)
            mine.push_back(absl::GetFlag(FLAGS_first_chain) + c);
          asio::co_spawn(ioc, submitter(run, k, std::move(mine)), [&](std::exception_ptr e) {
            on_done(e);
            if (--run.submitters_left > 0) return;
            const double seconds = std::chrono::duration<double>(Clock::now() - run.start).count();
            std::printf(
                "ingestion over the API: %zu messages acknowledged in %.2f s = %.0f messages/s; "
                "per batch ack p50 %.1f ms, p99 %.1f ms; %zu errors\n",
                run.acked_messages, seconds, static_cast<double>(run.acked_messages) / seconds,
                percentile(run.ack_us, 0.5) / 1000, percentile(run.ack_us, 0.99) / 1000,
                run.submit_errors);
            if (!run.first_error.empty())
              std::printf("  first error: %s\n", run.first_error.c_str());
            // Let the last notifications arrive, then stop.
            asio::co_spawn(
                ioc,
                [&]() -> asio::awaitable<void> {
                  asio::steady_timer grace(co_await asio::this_coro::executor);
                  grace.expires_after(std::chrono::seconds(3));
                  co_await grace.async_wait(asio::use_awaitable);
                  run.submitting_done = true;
                  ioc.stop();
                },
                asio::detached);
          });
        }
      },
      on_done);
  ioc.run();

  // From the commit, the acknowledgement and the submission; a notification can arrive before the
  // acknowledgement does: those count as 0.
  std::vector<double> from_commit_us, from_ack_us, from_submit_us;
  std::FILE* csv = nullptr;
  if (const std::string path = absl::GetFlag(FLAGS_latencies_csv); !path.empty()) {
    csv = std::fopen(path.c_str(), "w");
    if (csv == nullptr) std::fprintf(stderr, "cannot write %s\n", path.c_str());
  }
  for (const Run::Arrival& a : run.arrivals) {
    if (const auto it = run.committed_unix_us.find(a.batch); it != run.committed_unix_us.end()) {
      const std::int64_t us = a.unix_us - it->second;
      from_commit_us.push_back(static_cast<double>(us));
      if (csv != nullptr) {
        std::fprintf(csv, "%llu,%llu,%lld\n", static_cast<unsigned long long>(a.batch.first),
                     static_cast<unsigned long long>(a.batch.second), static_cast<long long>(us));
      }
    }
    const auto since = [&a](Clock::time_point t) {
      return std::chrono::duration<double, std::micro>(a.at - t).count();
    };
    if (const auto it = run.acked_at.find(a.batch); it != run.acked_at.end())
      from_ack_us.push_back(std::max(0.0, since(it->second)));
    if (const auto it = run.submitted.find(a.batch); it != run.submitted.end())
      from_submit_us.push_back(since(it->second));
  }
  if (csv != nullptr) std::fclose(csv);
  if (subscribers > 0) {
    std::printf(
        "fan-out: %zu subscribers, %zu notifications (%zu expected), %zu subscribers dropped; "
        "delivery latency from the batch's commit p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms\n",
        run.subscribed, run.received, run.expected_notifications, run.dropped,
        percentile(from_commit_us, 0.5) / 1000, percentile(from_commit_us, 0.99) / 1000,
        percentile(from_commit_us, 0.999) / 1000);
    std::printf(
        "  from the acknowledgement's arrival p50 %.1f ms, p99 %.1f ms; from the event's time "
        "(before the rows are written; ms clock) p50 %.1f ms, p99 %.1f ms; from submission p50 "
        "%.1f ms, p99 %.1f ms\n",
        percentile(from_ack_us, 0.5) / 1000, percentile(from_ack_us, 0.99) / 1000,
        percentile(run.from_event_ms, 0.5), percentile(run.from_event_ms, 0.99),
        percentile(from_submit_us, 0.5) / 1000, percentile(from_submit_us, 0.99) / 1000);
  }
  if (failures > 0) std::printf("  %zu connections failed; first: %s\n", failures, failure.c_str());
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n",
                json::serialize(json::object{
                                    {"acked_messages", run.acked_messages},
                                    {"ack_p50_ms", percentile(run.ack_us, 0.5) / 1000},
                                    {"subscribers", run.subscribed},
                                    {"notifications", run.received},
                                    {"expected_notifications", run.expected_notifications},
                                    {"commit_p50_ms", percentile(from_commit_us, 0.5) / 1000},
                                    {"commit_p99_ms", percentile(from_commit_us, 0.99) / 1000},
                                    {"event_p99_ms", percentile(run.from_event_ms, 0.99)},
                                    {"dropped", run.dropped},
                                })
                    .c_str());
  }
  return failures == 0 && run.submit_errors == 0 && run.dropped == 0 &&
                 run.received == run.expected_notifications
             ? 0
             : 1;
}

// Read replicas on one database (run by scripts/bench-postgres against PostgreSQL 15): a writer
// engine and replica engines in one process, each with its own connections, as separate
// `zkrouter serve` processes would have.
//   1. cold start: the writer ingests --messages; a replica then opens on that database (its
//      trees rebuilt and checked against the stored roots) — how long it takes;
//   2. lag: the writer ingests at --rate messages/s for --seconds while the replica follows — for
//      each batch, from the writer's commit to the replica serving it (p50, p99, max);
//   3. catch-up: a replica that fell behind (it sleeps while the writer ingests
//      --catch_up_messages) is woken — events applied per second until it is level.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/engine_setup.hpp"
#include "bench/stats.hpp"
#include "bench/synthetic_batch.hpp"
#include "merkle/keccak.hpp"
#include "router/engine.hpp"
#include "settlement/store/database.hpp"

ABSL_FLAG(std::string, db, "",
          "the database (a postgresql:// URL of an empty database, or a file)");
ABSL_FLAG(std::size_t, chains, 50, "chains settling on the Gateway");
ABSL_FLAG(std::size_t, messages, 1'000'000, "messages in the database before a replica starts");
ABSL_FLAG(std::size_t, batch_size, 1000, "messages per batch while loading");
ABSL_FLAG(std::size_t, rate, 50'000, "messages per second while the lag is measured");
ABSL_FLAG(std::size_t, lag_batch_size, 1000, "messages per batch while the lag is measured");
ABSL_FLAG(std::size_t, seconds, 10, "seconds of ingestion while the lag is measured");
ABSL_FLAG(std::size_t, catch_up_messages, 200'000, "messages a sleeping replica falls behind by");
ABSL_FLAG(std::size_t, follow_interval_ms, 20, "the replicas' followIntervalMs");

namespace {

using namespace zkr;
using Clock = std::chrono::steady_clock;

void check(const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "replica_bench: %s\n", std::string(s.message()).c_str());
    std::exit(1);
  }
}

std::shared_ptr<const settlement::secp256k1::PrivateKey> bench_key(std::string_view label) {
  auto key = bench::key_from_label(label);
  check(key.status());
  return *key;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

class Writer {
 public:
  Writer(router::Engine& engine, std::size_t chains) : engine_(engine), chains_(chains) {}
  /// The next batch of `n` messages, on the next chain in turn.
  router::SealedBatch make(std::size_t n) {
    const std::uint64_t chain = bench::kFirstChain + made_ % chains_;
    const std::uint64_t number = 1 + made_ / chains_;
    ++made_;
    return bench::synthetic_batch(chain, number, n, rng_);
  }
  /// Ingests a batch made by make() (in order); seals a Gateway block every 50 batches.
  void submit(router::SealedBatch batch) {
    check(engine_.ingest(std::move(batch)).status());
    if (++submitted_ % 50 == 0) check(engine_.seal_block().status());
  }
  void ingest(std::size_t n) { submit(make(n)); }

 private:
  router::Engine& engine_;
  std::size_t chains_;
  std::size_t made_ = 0, submitted_ = 0;
  std::mt19937_64 rng_{7};
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string db = absl::GetFlag(FLAGS_db);
  if (db.empty()) {
    std::fprintf(stderr, "replica_bench: --db is required (an empty database)\n");
    return 2;
  }
  const std::size_t chains = absl::GetFlag(FLAGS_chains);
  router::EngineConfig config;
  config.database_path = db;
  config.gateway.signing_key = bench_key("zkrouter bench gateway");
  auto opened = router::Engine::open(config);
  check(opened.status());
  router::Engine& writer = **opened;
  const auto prover = bench_key("zkrouter bench prover");
  check(bench::register_chains(writer, chains, *prover));
  Writer load(writer, chains);
  router::EngineConfig replica_config = config;
  replica_config.role = router::Role::kReplica;
  replica_config.gateway.signing_key = nullptr;
  replica_config.follow_interval =
      std::chrono::milliseconds(absl::GetFlag(FLAGS_follow_interval_ms));

  // 1. Cold start on --messages.
  const std::size_t total = absl::GetFlag(FLAGS_messages), size = absl::GetFlag(FLAGS_batch_size);
  auto t0 = Clock::now();
  for (std::size_t done = 0; done < total; done += size) {
    load.ingest(std::min(size, total - done));
    if ((done / size) % 100 == 99)
      std::fprintf(stderr, "  loading: %zu of %zu messages\n", done + size, total);
  }
  const double load_s = seconds_since(t0);
  std::printf("loaded %zu messages in %.1f s (%.0f messages/s, batches of %zu)\n", total, load_s,
              static_cast<double>(total) / load_s, size);
  t0 = Clock::now();
  auto replica_opened = router::Engine::open(replica_config);
  check(replica_opened.status());
  router::Engine& replica = **replica_opened;
  std::printf("cold start of a replica on %zu messages (%lld events): %.2f s\n", total,
              static_cast<long long>(replica.last_event_seq()), seconds_since(t0));

  // 2. Lag under --rate messages/s: when the replica serves each batch the writer committed.
  std::mutex mutex;
  std::vector<std::pair<std::int64_t, Clock::time_point>> applied;  // (seq, when) as it moves
  std::atomic<bool> stop{false};
  std::thread watcher([&] {
    std::int64_t seen = replica.last_event_seq();
    while (!stop) {
      const std::int64_t now = replica.wait_for_events(seen, std::chrono::milliseconds(50));
      if (now > seen) {
        std::lock_guard lock(mutex);
        applied.emplace_back(now, Clock::now());
        seen = now;
      }
    }
  });
  const std::size_t rate = absl::GetFlag(FLAGS_rate),
                    lag_batch = absl::GetFlag(FLAGS_lag_batch_size);
  const auto period = std::chrono::duration<double>(static_cast<double>(lag_batch) / rate);
  std::vector<std::pair<std::int64_t, Clock::time_point>> committed;
  t0 = Clock::now();
  const auto until = t0 + std::chrono::seconds(absl::GetFlag(FLAGS_seconds));
  std::size_t sent = 0;
  for (std::size_t i = 0; Clock::now() < until; ++i) {
    std::this_thread::sleep_until(t0 + std::chrono::duration_cast<Clock::duration>(period * i));
    load.ingest(lag_batch);
    committed.emplace_back(writer.last_event_seq(), Clock::now());
    sent += lag_batch;
  }
  const double lag_s = seconds_since(t0);
  const auto level = Clock::now() + std::chrono::seconds(30);
  while (replica.last_event_seq() < writer.last_event_seq() && Clock::now() < level)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop = true;
  watcher.join();
  std::vector<double> lags;
  for (const auto& [seq, at] : committed) {
    const auto it = std::lower_bound(applied.begin(), applied.end(), seq,
                                     [](const auto& a, std::int64_t s) { return a.first < s; });
    if (it == applied.end()) continue;
    lags.push_back(
        std::max(0.0, std::chrono::duration<double, std::milli>(it->second - at).count()));
  }
  std::printf(
      "lag at %.0f messages/s (%zu batches of %zu, follow interval %zu ms): p50 %.1f ms, p99 %.1f "
      "ms, max %.1f ms\n",
      static_cast<double>(sent) / lag_s, committed.size(), lag_batch,
      absl::GetFlag(FLAGS_follow_interval_ms), bench::percentile(lags, 0.5),
      bench::percentile(lags, 0.99), bench::percentile(lags, 1.0));
  if (lags.size() != committed.size())
    std::printf("  (%zu batches never reached the replica within 30 s)\n",
                committed.size() - lags.size());

  // 3. Catch-up: a replica asleep while the writer ingests, then woken.
  router::EngineConfig sleepy_config = replica_config;
  sleepy_config.follow_interval = std::chrono::hours(1);
  auto sleepy_opened = router::Engine::open(sleepy_config);
  check(sleepy_opened.status());
  router::Engine& sleepy = **sleepy_opened;
  const std::int64_t from = sleepy.last_event_seq();
  const std::size_t behind = absl::GetFlag(FLAGS_catch_up_messages);
  for (std::size_t done = 0; done < behind; done += size)
    load.ingest(std::min(size, behind - done));
  const std::int64_t to = writer.last_event_seq();
  t0 = Clock::now();
  sleepy.wake_follower();
  while (sleepy.last_event_seq() < to) std::this_thread::sleep_for(std::chrono::microseconds(200));
  const double catch_s = seconds_since(t0);
  std::printf("catch-up: %lld events (%zu messages) in %.2f s: %.0f events/s\n",
              static_cast<long long>(to - from), behind, catch_s,
              static_cast<double>(to - from) / catch_s);
  return 0;
}

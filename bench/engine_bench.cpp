// Engine benchmark: sustained ingestion into an on-disk database, and shape C proof latency from a
// database of many messages — against the reference approach of rebuilding the batch's log tree
// from the database for every request (what the ZKsync server does). Run: scripts/bench-engine.

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/engine_setup.hpp"
#include "bench/stats.hpp"
#include "bench/synthetic_batch.hpp"
#include "merkle/keccak.hpp"
#include "merkle/log.hpp"
#include "merkle/log_tree.hpp"
#include "merkle/message_root.hpp"
#include "router/engine.hpp"
#include "settlement/store/database.hpp"

ABSL_FLAG(std::string, db, "/tmp/zkrouter-bench.db", "database file (recreated)");
ABSL_FLAG(std::size_t, chains, 50, "chains settling on the Gateway");
ABSL_FLAG(std::size_t, batches, 1000, "batches in all");
ABSL_FLAG(std::size_t, batch_size, 1000, "messages per batch");
ABSL_FLAG(std::size_t, requests, 20000, "proof requests per measurement");
ABSL_FLAG(std::size_t, reference_requests, 2000, "requests for the rebuild-per-request reference");
ABSL_FLAG(std::string, durability, "full", "full (synchronous=FULL) or normal");
ABSL_FLAG(std::string, serve_config, "",
          "also write a `zkrouter serve` config for the database to this file (for the load "
          "benchmark), with the Gateway key beside it");
ABSL_FLAG(bool, give_way, true, "the writer gives way between the steps of a batch (GiveWay)");
ABSL_FLAG(std::size_t, submitters, 2, "threads submitting batches concurrently (chain operators)");
ABSL_FLAG(std::size_t, concurrent_batches, 300,
          "batches ingested per round while a reader measures proof latency (part 4; 0 skips it, "
          "leaving the database as part 1 made it)");
ABSL_FLAG(std::size_t, stretch_batches, 0,
          "above 0: also time the writer's longest stretch of CPU between two give-ways, this "
          "many batches a round into a new database, with the commit in steps and whole (part 6)");

namespace {

using namespace zkr;
using Clock = std::chrono::steady_clock;

double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

using bench::percentile;

void check(const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "engine_bench: %s\n", std::string(s.message()).c_str());
    std::exit(1);
  }
}

/// Removes a SQLite database and its WAL files, if any.
void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

// Part 6: the writer's thread CPU time from one give-way to the next; the longest of a batch is
// what a reader queued on the writer's core may wait for.
thread_local double t_last_cpu_us = 0;
thread_local double t_longest_us = 0;

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}
void end_stretch() {
  const double now = thread_cpu_us();
  t_longest_us = std::max(t_longest_us, now - t_last_cpu_us);
  t_last_cpu_us = now;
}
void timed_give_way() {
  end_stretch();
  sched_yield();
}

constexpr std::string_view kGatewayKeyLabel = "zkrouter bench gateway";

/// A serve config for the benchmark database: the API's per-connection rate limit raised so the
/// load generator measures the server, not the limiter.
void write_serve_config(const std::string& out, const std::string& db,
                        const merkle::Word& gateway_secret) {
  const std::string key_file = out + ".gateway-key";
  {
    std::ofstream key(key_file, std::ios::trunc);
    key << merkle::to_hex(gateway_secret) << "\n";
  }
  std::filesystem::permissions(
      key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ofstream config(out, std::ios::trunc);
  config << "{\"listen\": {\"address\": \"127.0.0.1\", \"port\": 0},\n"
         << " \"database\": \"" << db << "\",\n"
         << " \"gateway\": {\"signingKeyFile\": \"" << key_file << "\"},\n"
         << " \"limits\": {\"maxConnections\": 4096, \"maxConnectionsPerAddress\": 4096, "
            "\"requestsPerSecond\": 10000000}}\n";
  check(config ? absl::OkStatus() : absl::InternalError("cannot write " + out));
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string path = absl::GetFlag(FLAGS_db);
  remove_database(path);
  const std::size_t chains = absl::GetFlag(FLAGS_chains), batches = absl::GetFlag(FLAGS_batches),
                    batch_size = absl::GetFlag(FLAGS_batch_size);

  // Benchmark keys, derived from fixed labels: one prover key for every chain, one Gateway key.
  const auto bench_key = [](std::string_view label) {
    auto key = bench::key_from_label(label);
    check(key.status());
    return *key;
  };
  const auto prover = bench_key("zkrouter bench prover");
  router::EngineConfig config;
  config.database_path = path;
  config.gateway.signing_key = bench_key(kGatewayKeyLabel);
  config.durability = absl::GetFlag(FLAGS_durability) == "normal" ? settlement::Durability::kNormal
                                                                  : settlement::Durability::kFull;
  config.give_way =
      absl::GetFlag(FLAGS_give_way) ? router::GiveWay::to_waiting_threads() : router::GiveWay();
  auto opened = router::Engine::open(config);
  check(opened.status());
  auto engine = std::move(*opened);
  if (const std::string out = absl::GetFlag(FLAGS_serve_config); !out.empty())
    write_serve_config(out, path, merkle::keccak256(std::string_view(kGatewayKeyLabel)));
  const auto register_chains = [&](router::Engine& e) {
    check(bench::register_chains(e, chains, *prover));
  };
  register_chains(*engine);

  // 1. Sustained ingestion: batches generated up front, then submitted back to back.
  std::mt19937_64 rng(1);
  std::vector<router::SealedBatch> pending;
  pending.reserve(batches);
  for (std::size_t i = 0; i < batches; ++i)
    pending.push_back(
        bench::synthetic_batch(bench::kFirstChain + i % chains, 1 + i / chains, batch_size, rng));
  // Each submitter takes every n-th batch; batches of one chain stay in order because a chain's
  // batches all fall to the same submitter when chains is a multiple of the submitter count.
  const std::size_t submitters = std::max<std::size_t>(1, absl::GetFlag(FLAGS_submitters));
  std::vector<std::vector<double>> per_thread(submitters);
  const auto t_ingest = Clock::now();
  {
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < submitters; ++t) {
      threads.emplace_back([&, t] {
        for (std::size_t i = t; i < pending.size(); i += submitters) {
          const auto t0 = Clock::now();
          check(engine->ingest(std::move(pending[i])).status());
          per_thread[t].push_back(us_since(t0));
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  const double ingest_s = us_since(t_ingest) / 1e6;
  std::vector<double> batch_us;
  for (const auto& v : per_thread) batch_us.insert(batch_us.end(), v.begin(), v.end());
  const double messages = static_cast<double>(batches * batch_size);
  std::printf("ingestion: %zu batches x %zu messages, durability=%s, %zu submitters\n", batches,
              batch_size, absl::GetFlag(FLAGS_durability).c_str(), submitters);
  std::printf("  %.0f messages/s acknowledged (%.2f s); per batch median %.0f us, p99 %.0f us\n",
              messages / ingest_s, ingest_s, percentile(batch_us, 0.5), percentile(batch_us, 0.99));

  // Settle everything on the Gateway: one block per 10 executions.
  for (std::size_t i = 0; i < batches; ++i) {
    const std::uint64_t chain = bench::kFirstChain + i % chains, batch = 1 + i / chains;
    check(engine->commit_batch(chain, batch));
    const auto proof = settlement::sign_commitment(*engine->commitment(chain, batch), *prover);
    check(proof.status());
    check(engine->prove_batch(chain, batch, *proof));
    check(engine->execute_batch(chain, batch).status());
    if (i % 10 == 9) check(engine->seal_block().status());
  }
  check(engine->seal_block().status());

  // 2. Shape C proof latency, random messages.
  const std::size_t requests = absl::GetFlag(FLAGS_requests);
  std::vector<router::MessageId> ids(requests);
  for (auto& id : ids) {
    const std::size_t i = rng() % batches;
    id = {bench::kFirstChain + i % chains, 1 + i / chains, rng() % batch_size};
  }
  std::vector<double> proof_us;
  for (const auto& id : ids) {
    const auto t0 = Clock::now();
    const auto p = engine->proof(id, router::ProofTarget::kGateway);
    proof_us.push_back(us_since(t0));
    check(p.status());
  }
  std::printf("shape C proofs from %.0f messages, %zu batches, %zu chains (in process):\n",
              messages, batches, chains);
  std::printf("  median %.2f us, p99 %.2f us\n", percentile(proof_us, 0.5),
              percentile(proof_us, 0.99));

  // 3. Reference: rebuild the batch's log tree from the database for every request.
  settlement::DatabaseOptions ro;
  ro.read_only = true;
  auto db = settlement::Database::open(path, ro);
  check(db.status());
  std::vector<double> ref_us;
  for (std::size_t r = 0; r < absl::GetFlag(FLAGS_reference_requests); ++r) {
    const auto& id = ids[r];
    const auto t0 = Clock::now();
    auto s = (*db)->prepare(
        "SELECT packed FROM logs WHERE chain_id = ?1 AND batch_number = ?2 ORDER BY log_index");
    check(s.status());
    (*s)->bind(1, id.chain_id).bind(2, id.batch_number);
    std::vector<merkle::PackedLog> packed;
    while (*(*s)->step()) {
      const auto blob = (*s)->column_blob(0);
      std::copy_n(blob.begin(), std::min(blob.size(), sizeof(merkle::PackedLog)),
                  packed.emplace_back().begin());
    }
    (*s)->reset();
    std::vector<merkle::Word> leaves(packed.size());
    merkle::log_leaf_hashes(packed, leaves);  // hashed as fast as zkrouter itself does
    const auto tree = merkle::LogTree::build(leaves);
    auto path_words = tree->path(id.log_index);
    ref_us.push_back(us_since(t0));
    check(path_words.status());
  }
  const double ref_median = percentile(ref_us, 0.5), ours = percentile(proof_us, 0.5);
  std::printf("reference (rebuild the log tree per request): median %.1f us, p99 %.1f us\n",
              ref_median, percentile(ref_us, 0.99));
  std::printf("ratio reference / zkrouter (medians): %.0fx\n", ref_median / ours);

  // 4. Reads while writing: proof latency from a reader thread, idle, while two submitters ingest
  //    at full speed (every commit publishing to readers), and while two threads only burn CPU
  //    (the control: what sharing the two cores costs by itself). Rounds alternate, so drift
  //    falls on all three alike.
  if (absl::GetFlag(FLAGS_concurrent_batches) > 0) {
    std::size_t next_batch = 1 + batches / chains;
    const auto reader = [&](const std::function<bool()>& running, std::vector<double>& out) {
      std::size_t r = 0;
      while (running()) {
        const auto& id = ids[r++ % ids.size()];
        const auto t0 = Clock::now();
        const auto p = engine->proof(id, router::ProofTarget::kGateway);
        out.push_back(us_since(t0));
        check(p.status());
      }
    };
    const std::size_t per_round = absl::GetFlag(FLAGS_concurrent_batches);
    std::vector<double> idle_us, ingest_us, hog_us;
    double ingest_seconds = 0;
    for (int round = 0; round < 3; ++round) {
      // Idle: as many requests as the ingestion round below is expected to see.
      const std::size_t idle_requests = 300000;
      {
        std::size_t n = 0;
        reader([&] { return n++ < idle_requests; }, idle_us);
      }
      // Ingesting: fresh batches for every chain, two submitters as in part 1.
      std::vector<router::SealedBatch> more;
      for (std::size_t i = 0; i < per_round; ++i)
        more.push_back(bench::synthetic_batch(bench::kFirstChain + i % chains,
                                              next_batch + i / chains, batch_size, rng));
      next_batch += (per_round + chains - 1) / chains;
      std::atomic<std::size_t> done{0};
      const auto t0 = Clock::now();
      std::vector<std::thread> writers;
      for (std::size_t t = 0; t < 2; ++t) {
        writers.emplace_back([&, t] {
          for (std::size_t i = t; i < more.size(); i += 2)
            check(engine->ingest(std::move(more[i])).status());
          done.fetch_add(1);
        });
      }
      reader([&] { return done.load() < 2; }, ingest_us);
      for (auto& w : writers) w.join();
      ingest_seconds += us_since(t0) / 1e6;
      // Control: two threads spinning for as long as the ingestion took.
      std::atomic<bool> stop{false};
      std::vector<std::thread> hogs;
      for (int t = 0; t < 2; ++t) {
        hogs.emplace_back([&] {
          volatile std::uint64_t x = 0;
          while (!stop.load(std::memory_order_relaxed)) x = x + 1;
        });
      }
      const auto until = Clock::now() + (Clock::now() - t0);
      reader([&] { return Clock::now() < until; }, hog_us);
      stop = true;
      for (auto& h : hogs) h.join();
    }
    const auto line = [](const char* what, const std::vector<double>& v) {
      std::printf("  %-38s %9zu requests: median %.2f us, p99 %.2f us, p99.9 %.2f us\n", what,
                  v.size(), percentile(v, 0.5), percentile(v, 0.99), percentile(v, 0.999));
    };
    std::printf("shape C proofs from a reader thread while writing (in process, 3 rounds):\n");
    line("idle", idle_us);
    line("2 submitters ingesting at full speed", ingest_us);
    line("control: 2 threads burning CPU", hog_us);
    std::printf("  ingested %zu batches (%.0f messages/s) during the reads\n", 3 * per_round,
                3.0 * static_cast<double>(per_round * batch_size) / ingest_seconds);
    std::printf("  p99.9 ingesting / idle: %.2f; ingesting / control: %.2f\n",
                percentile(ingest_us, 0.999) / percentile(idle_us, 0.999),
                percentile(ingest_us, 0.999) / percentile(hog_us, 0.999));
  }

  // 5. Reopening: every tree rebuilt from the database and checked against the stored roots.
  engine.reset();
  const auto t_open = Clock::now();
  auto reopened = router::Engine::open(config);
  check(reopened.status());
  const double open_s = us_since(t_open) / 1e6;
  check((*reopened)->proof(ids[0], router::ProofTarget::kGateway).status());
  std::printf("reopen (rebuild and check every tree): %.2f s\n", open_s);
  reopened->reset();

  // 6. The writer's longest stretch of CPU between two give-ways, per batch: one submitter into a
  //    new database, with the commit's writes in steps and in one piece; rounds alternate.
  if (const std::size_t n = absl::GetFlag(FLAGS_stretch_batches); n > 0) {
    std::vector<double> longest[2], cpu[2];
    const std::string stretch_path = path + ".stretches";
    for (int round = 0; round < 3; ++round) {
      for (int whole = 0; whole < 2; ++whole) {
        remove_database(stretch_path);
        router::EngineConfig c = config;
        c.database_path = stretch_path;
        c.give_way = router::GiveWay(&timed_give_way);
        c.commit_in_steps = whole == 0;
        auto e = router::Engine::open(c);
        check(e.status());
        register_chains(**e);
        for (std::size_t i = 0; i < n; ++i) {
          router::SealedBatch b = bench::synthetic_batch(bench::kFirstChain + i % chains,
                                                         1 + i / chains, batch_size, rng);
          const double start = thread_cpu_us();
          t_last_cpu_us = start;
          t_longest_us = 0;
          check((*e)->ingest(std::move(b)).status());
          end_stretch();
          longest[whole].push_back(t_longest_us);
          cpu[whole].push_back(thread_cpu_us() - start);
        }
      }
    }
    remove_database(stretch_path);
    std::printf(
        "the writer's longest stretch of CPU between give-ways, per batch (%zu batches "
        "x 3 rounds):\n",
        n);
    for (int whole = 0; whole < 2; ++whole) {
      std::printf(
          "  commit %-9s median %.0f us, p99 %.0f us, max %.0f us; CPU per batch median "
          "%.0f us\n",
          whole == 0 ? "in steps:" : "whole:", percentile(longest[whole], 0.5),
          percentile(longest[whole], 0.99),
          *std::max_element(longest[whole].begin(), longest[whole].end()),
          percentile(cpu[whole], 0.5));
    }
  }
  return 0;
}

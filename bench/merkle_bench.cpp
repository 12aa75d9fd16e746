// Micro-benchmarks of the merkle core. Run: scripts/bench (see bench/RESULTS.md).

#include <benchmark/benchmark.h>

#include <random>

#include "merkle/keccak.hpp"
#include "merkle/log.hpp"
#include "merkle/log_tree.hpp"
#include "merkle/message_root.hpp"
#include "merkle/proof.hpp"

namespace zkr::merkle {
namespace {

std::vector<Word> random_words(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Word> out(n);
  for (auto& w : out)
    for (auto& b : w) b = static_cast<std::uint8_t>(rng());
  return out;
}

void BM_Keccak256(benchmark::State& state) {
  Bytes input(static_cast<std::size_t>(state.range(0)), 0xab);
  for (auto _ : state) {
    Word h = keccak256(ByteSpan(input));
    benchmark::DoNotOptimize(h);
    input[0] = h[0];
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.counters["ns/hash"] =
      benchmark::Counter(static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Keccak256)->Arg(64)->Arg(88);

void BM_HashPair(benchmark::State& state) {
  Word a = random_words(1, 1)[0], b = random_words(1, 2)[0];
  for (auto _ : state) {
    a = hash_pair(a, b);
    benchmark::DoNotOptimize(a);
  }
  state.SetBytesProcessed(state.iterations() * 64);
}
BENCHMARK(BM_HashPair);

/// Runs a benchmark on the Keccak backend given as its last argument (0 portable, 1 AVX2,
/// 2 AVX-512); false, with the run marked skipped, if the CPU lacks it.
bool use_backend(benchmark::State& state, std::int64_t arg) {
  const auto backend = static_cast<KeccakBackend>(arg);
  state.SetLabel(std::string(keccak_backend_name(backend)));
  if (set_keccak_backend(backend)) return true;
  state.SkipWithError("not supported by this CPU");
  return false;
}

void all_backends(benchmark::internal::Benchmark* b, std::vector<std::int64_t> sizes) {
  for (std::int64_t size : sizes)
    for (std::int64_t backend : {0, 1, 2}) b->Args({size, backend});
}

void BM_KeccakMany(benchmark::State& state) {
  // Independent 64-byte messages (one tree level), hashed as a batch of `n`.
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  if (!use_backend(state, state.range(1))) return;
  const auto in = random_words(2 * n, 12);
  std::vector<Word> out(n);
  for (auto _ : state) {
    hash_pairs(in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["ns/hash"] =
      benchmark::Counter(static_cast<double>(state.iterations() * n),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_KeccakMany)->Apply([](auto* b) { all_backends(b, {1024}); });

void BM_LogTreeBuild(benchmark::State& state) {
  const auto leaves = random_words(static_cast<std::size_t>(state.range(0)), 3);
  if (!use_backend(state, state.range(1))) return;
  for (auto _ : state) {
    auto tree = LogTree::build(leaves);
    benchmark::DoNotOptimize(tree->root());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_LogTreeBuild)->Apply([](auto* b) {
                            all_backends(b, {1, 100, 1000, 16384});
                          }) -> Unit(benchmark::kMicrosecond);

void BM_LeafHashes(benchmark::State& state) {
  // A full batch's 16384 leaves: keccak of each 88-byte serialized log.
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  if (!use_backend(state, state.range(1))) return;
  std::vector<PackedLog> packed(n);
  std::mt19937_64 rng(13);
  for (auto& p : packed)
    for (auto& b : p) b = static_cast<std::uint8_t>(rng());
  std::vector<Word> out(n);
  for (auto _ : state) {
    log_leaf_hashes(packed, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_LeafHashes)
    ->Apply([](auto* b) { all_backends(b, {16384}); }) -> Unit(benchmark::kMicrosecond);

void BM_LogTreePath(benchmark::State& state) {
  const auto tree = *LogTree::build(random_words(16384, 4));
  std::size_t i = 0;
  LogPath path;
  for (auto _ : state) {
    tree.path_into(i, path);
    benchmark::DoNotOptimize(path);
    i = (i + 7919) % 16384;
  }
}
BENCHMARK(BM_LogTreePath);

void BM_ChainTreeAppend(benchmark::State& state) {
  const auto leaves = random_words(1 << 16, 5);
  ChainTree tree;
  std::size_t i = 0;
  for (auto _ : state) {
    tree.append(leaves[i++ & 0xffff]);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChainTreeAppend);

void BM_ChainTreeHistoricalPath(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  ChainTree tree;
  for (const auto& w : random_words(n, 6)) tree.append(w);
  std::mt19937_64 rng(7);
  for (auto _ : state) {
    const std::size_t size = 1 + rng() % n;
    auto path = tree.path_at(rng() % size, size);
    benchmark::DoNotOptimize(path);
  }
}
BENCHMARK(BM_ChainTreeHistoricalPath)->Arg(1000)->Arg(100000);

void BM_ShapeCBuild(benchmark::State& state) {
  // Shape C from a built log tree and Gateway trees: path extraction plus assembly.
  const auto tree = *LogTree::build(random_words(1000, 8));
  ChainTree chain;
  for (const auto& w : random_words(1000, 9)) chain.append(w);
  SharedTree shared;
  for (const auto& w : random_words(50, 10)) shared.push(w);
  const auto agg = random_words(1, 11)[0];
  std::size_t i = 0;
  for (auto _ : state) {
    LogProofPart log;
    tree.path_into(i % 1000, log.log_path);
    log.aggregated_root = agg;
    GatewayProofPart gw{.batch_leaf_index = 999,
                        .chain_path = *chain.path_at(999, 1000),
                        .chain_index = 7,
                        .shared_path = *shared.path(7),
                        .gateway_chain_id = 506};
    auto proof = build_shape_c(log, gw, 12345);
    benchmark::DoNotOptimize(proof);
    ++i;
  }
}
BENCHMARK(BM_ShapeCBuild);

}  // namespace
}  // namespace zkr::merkle

BENCHMARK_MAIN();

#pragma once
// Multi-message Keccak-256 kernels: N one-block messages permuted side by side, one message per
// vector lane. Included only by the ISA-specific translation units (keccak_avx2.cpp,
// keccak_avx512.cpp), which are the only code compiled with those instruction sets; keccak.cpp
// calls them only after the CPU has been checked. Each instantiation here is on a vector type
// that only its own unit uses, and the units include nothing but the permutation, so no copy of
// shared code built for those instruction sets can leak into the rest of the program.

#include <cstddef>
#include <cstdint>

#include "merkle/keccak_f1600.hpp"

namespace zkr::merkle::detail {

/// Hashes the whole groups of N among `count` messages of `stride` (≤ 135) bytes each, writing
/// 32 bytes per message to `out`; returns how many messages it hashed.
std::size_t keccak256_many_avx2(const std::uint8_t* in, std::size_t stride, std::size_t count,
                                std::uint8_t* out) noexcept;
std::size_t keccak256_many_avx512(const std::uint8_t* in, std::size_t stride, std::size_t count,
                                  std::uint8_t* out) noexcept;
/// The same for `count` padded blocks of kKeccakRate bytes (messages of any length up to 135).
std::size_t keccak256_blocks_avx2(const std::uint8_t* blocks, std::size_t count,
                                  std::uint8_t* out) noexcept;
std::size_t keccak256_blocks_avx512(const std::uint8_t* blocks, std::size_t count,
                                    std::uint8_t* out) noexcept;

namespace simd {

/// Word `i` of each of the N messages `stride` bytes apart, as one vector (little-endian lanes).
template <typename V, std::size_t N>
inline V load_words(const std::uint8_t* in, std::size_t stride, std::size_t i) noexcept {
  V v;
  for (std::size_t j = 0; j < N; ++j) {
    std::uint64_t w;
    __builtin_memcpy(&w, in + j * stride + 8 * i, 8);
    v[j] = w;
  }
  return v;
}

/// The N digests of a permuted state, 32 bytes each.
template <typename V, std::size_t N>
inline void store_digests(const std::array<V, 25>& s, std::uint8_t* out) noexcept {
  for (std::size_t j = 0; j < N; ++j) {
    for (std::size_t w = 0; w < 4; ++w) {
      const std::uint64_t lane = s[w][j];
      __builtin_memcpy(out + 32 * j + 8 * w, &lane, 8);
    }
  }
}

/// `V` is a GCC vector of N 64-bit lanes.
template <typename V, std::size_t N>
inline void hash_group(const std::uint8_t* in, std::size_t stride, std::uint8_t* out) noexcept {
  std::array<V, 25> s{};
  const std::size_t words = stride / 8;
  for (std::size_t i = 0; i < words; ++i) s[i] = load_words<V, N>(in, stride, i);
  const std::size_t rest = stride % 8;
  V tail;
  for (std::size_t j = 0; j < N; ++j) {
    std::uint64_t t = 0;
    for (std::size_t b = 0; b < rest; ++b)
      t |= std::uint64_t{in[j * stride + 8 * words + b]} << (8 * b);
    tail[j] = t | (std::uint64_t{0x01} << (8 * rest));  // Keccak padding
  }
  s[words] ^= tail;
  s[kKeccakRate / 8 - 1] ^= 0x8000000000000000ULL;
  keccak_f1600_lanes(s);
  store_digests<V, N>(s, out);
}

/// N blocks of kKeccakRate bytes, each a whole padded one-block message.
template <typename V, std::size_t N>
inline void hash_block_group(const std::uint8_t* blocks, std::uint8_t* out) noexcept {
  std::array<V, 25> s{};
  for (std::size_t i = 0; i < kKeccakRate / 8; ++i) s[i] = load_words<V, N>(blocks, kKeccakRate, i);
  keccak_f1600_lanes(s);
  store_digests<V, N>(s, out);
}

template <typename V, std::size_t N>
inline std::size_t hash_block_groups(const std::uint8_t* blocks, std::size_t count,
                                     std::uint8_t* out) noexcept {
  const std::size_t whole = count - count % N;
  for (std::size_t i = 0; i < whole; i += N)
    hash_block_group<V, N>(blocks + i * kKeccakRate, out + 32 * i);
  return whole;
}

template <typename V, std::size_t N>
inline std::size_t hash_groups(const std::uint8_t* in, std::size_t stride, std::size_t count,
                               std::uint8_t* out) noexcept {
  const std::size_t whole = count - count % N;
  for (std::size_t i = 0; i < whole; i += N)
    hash_group<V, N>(in + i * stride, stride, out + 32 * i);
  return whole;
}

}  // namespace simd
}  // namespace zkr::merkle::detail

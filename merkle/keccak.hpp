#pragma once
// Ethereum Keccak-256 (the original Keccak padding 0x01…0x80, not SHA3-256's 0x06).
// OpenSSL 3.0 as shipped here has no Keccak-256, so the permutation lives here. It is constexpr so
// the protocol constants (empty-subtree hashes, leaf paddings) are computed at compile time from
// their definitions rather than pasted in.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "merkle/types.hpp"

namespace zkr::merkle {
namespace detail {

inline constexpr std::array<std::uint64_t, 24> kRoundConstants = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};

using KeccakState = std::array<std::uint64_t, 25>;  // lane (x, y) at index x + 5y

/// Keccak-f[1600]. Rho and pi are folded into one pass: lane (x, y) rotated by its offset lands at
/// (y, 2x + 3y). The round body is written out so the 25 lanes stay in registers.
constexpr void keccak_f1600_generic(KeccakState& s) noexcept {
  std::uint64_t a00 = s[0], a01 = s[1], a02 = s[2], a03 = s[3], a04 = s[4];
  std::uint64_t a05 = s[5], a06 = s[6], a07 = s[7], a08 = s[8], a09 = s[9];
  std::uint64_t a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14];
  std::uint64_t a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19];
  std::uint64_t a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
  for (const std::uint64_t rc : kRoundConstants) {
    // theta
    const std::uint64_t c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
    const std::uint64_t c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
    const std::uint64_t c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
    const std::uint64_t c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
    const std::uint64_t c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
    const std::uint64_t d0 = c4 ^ std::rotl(c1, 1);
    const std::uint64_t d1 = c0 ^ std::rotl(c2, 1);
    const std::uint64_t d2 = c1 ^ std::rotl(c3, 1);
    const std::uint64_t d3 = c2 ^ std::rotl(c4, 1);
    const std::uint64_t d4 = c3 ^ std::rotl(c0, 1);
    // rho + pi: b[y + 5 * ((2x + 3y) % 5)] = rotl(a[x + 5y] ^ d[x], r[x][y])
    const std::uint64_t b00 = a00 ^ d0;
    const std::uint64_t b10 = std::rotl(a01 ^ d1, 1);
    const std::uint64_t b20 = std::rotl(a02 ^ d2, 62);
    const std::uint64_t b05 = std::rotl(a03 ^ d3, 28);
    const std::uint64_t b15 = std::rotl(a04 ^ d4, 27);
    const std::uint64_t b16 = std::rotl(a05 ^ d0, 36);
    const std::uint64_t b01 = std::rotl(a06 ^ d1, 44);
    const std::uint64_t b11 = std::rotl(a07 ^ d2, 6);
    const std::uint64_t b21 = std::rotl(a08 ^ d3, 55);
    const std::uint64_t b06 = std::rotl(a09 ^ d4, 20);
    const std::uint64_t b07 = std::rotl(a10 ^ d0, 3);
    const std::uint64_t b17 = std::rotl(a11 ^ d1, 10);
    const std::uint64_t b02 = std::rotl(a12 ^ d2, 43);
    const std::uint64_t b12 = std::rotl(a13 ^ d3, 25);
    const std::uint64_t b22 = std::rotl(a14 ^ d4, 39);
    const std::uint64_t b23 = std::rotl(a15 ^ d0, 41);
    const std::uint64_t b08 = std::rotl(a16 ^ d1, 45);
    const std::uint64_t b18 = std::rotl(a17 ^ d2, 15);
    const std::uint64_t b03 = std::rotl(a18 ^ d3, 21);
    const std::uint64_t b13 = std::rotl(a19 ^ d4, 8);
    const std::uint64_t b14 = std::rotl(a20 ^ d0, 18);
    const std::uint64_t b24 = std::rotl(a21 ^ d1, 2);
    const std::uint64_t b09 = std::rotl(a22 ^ d2, 61);
    const std::uint64_t b19 = std::rotl(a23 ^ d3, 56);
    const std::uint64_t b04 = std::rotl(a24 ^ d4, 14);
    // chi (+ iota on lane 0)
    a00 = b00 ^ (~b01 & b02) ^ rc;
    a01 = b01 ^ (~b02 & b03);
    a02 = b02 ^ (~b03 & b04);
    a03 = b03 ^ (~b04 & b00);
    a04 = b04 ^ (~b00 & b01);
    a05 = b05 ^ (~b06 & b07);
    a06 = b06 ^ (~b07 & b08);
    a07 = b07 ^ (~b08 & b09);
    a08 = b08 ^ (~b09 & b05);
    a09 = b09 ^ (~b05 & b06);
    a10 = b10 ^ (~b11 & b12);
    a11 = b11 ^ (~b12 & b13);
    a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17);
    a16 = b16 ^ (~b17 & b18);
    a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22);
    a21 = b21 ^ (~b22 & b23);
    a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);
  }
  s = {a00, a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11, a12,
       a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24};
}

/// The same permutation compiled once, out of line, so every caller runs the same tuned code.
void keccak_f1600_runtime(KeccakState& s) noexcept;

constexpr void keccak_f1600(KeccakState& s) noexcept {
  if (std::is_constant_evaluated()) {
    keccak_f1600_generic(s);
  } else {
    keccak_f1600_runtime(s);
  }
}

inline constexpr std::size_t kKeccakRate = 136;  // bytes absorbed per permutation (1088-bit rate)

template <typename Byte>
constexpr std::uint64_t load_le64(const Byte* p) noexcept {
  if (!std::is_constant_evaluated()) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);  // lanes are little-endian; so is every target we build for
    return v;
  }
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}

template <typename Byte>
constexpr void absorb_block(KeccakState& s, const Byte* block) noexcept {
  for (std::size_t i = 0; i < kKeccakRate / 8; ++i) s[i] ^= load_le64(block + 8 * i);
  keccak_f1600(s);
}

constexpr Word squeeze_word(const KeccakState& s) noexcept {
  Word out{};
  for (std::size_t i = 0; i < 32; ++i)
    out[i] = static_cast<std::uint8_t>(s[i / 8] >> (8 * (i % 8)));
  return out;
}

/// Byte is std::uint8_t or char, so the same code hashes binary data and (at compile time) text.
template <typename Byte>
constexpr Word keccak256_impl(const Byte* data, std::size_t size) noexcept {
  KeccakState s{};
  for (; size >= kKeccakRate; data += kKeccakRate, size -= kKeccakRate) absorb_block(s, data);
  // Last, partial block: whole lanes, then the tail bytes with the padding folded in.
  const std::size_t lanes = size / 8;
  for (std::size_t i = 0; i < lanes; ++i) s[i] ^= load_le64(data + 8 * i);
  std::uint64_t tail = 0;
  for (std::size_t j = 0; j < size % 8; ++j)
    tail |= std::uint64_t{static_cast<std::uint8_t>(data[8 * lanes + j])} << (8 * j);
  tail |= std::uint64_t{0x01} << (8 * (size % 8));  // Keccak padding (SHA3-256 would use 0x06)
  s[lanes] ^= tail;
  s[kKeccakRate / 8 - 1] ^= 0x8000000000000000ULL;
  keccak_f1600(s);
  return squeeze_word(s);
}

}  // namespace detail

/// Keccak-256 of `data`. About 0.4 µs per 136-byte block with the portable permutation.
constexpr Word keccak256(ByteSpan data) noexcept {
  return detail::keccak256_impl(data.data(), data.size());
}

/// Keccak-256 of the bytes of a string (used for domain-separation tags).
constexpr Word keccak256(std::string_view text) noexcept {
  return detail::keccak256_impl(text.data(), text.size());
}

/// H(a, b) = keccak256(a ‖ b): one Merkle node. A single permutation (64 bytes < rate).
constexpr Word hash_pair(const Word& a, const Word& b) noexcept {
  detail::KeccakState s{};
  for (std::size_t i = 0; i < 4; ++i) {
    s[i] = detail::load_le64(a.data() + 8 * i);
    s[4 + i] = detail::load_le64(b.data() + 8 * i);
  }
  s[8] = 0x01;
  s[16] = 0x8000000000000000ULL;
  detail::keccak_f1600(s);
  return detail::squeeze_word(s);
}

/// keccak256(a ‖ b ‖ c) for three words (the 96-byte MessageRoot leaf preimages).
constexpr Word hash_triple(const Word& a, const Word& b, const Word& c) noexcept {
  detail::KeccakState s{};
  for (std::size_t i = 0; i < 4; ++i) {
    s[i] = detail::load_le64(a.data() + 8 * i);
    s[4 + i] = detail::load_le64(b.data() + 8 * i);
    s[8 + i] = detail::load_le64(c.data() + 8 * i);
  }
  s[12] = 0x01;
  s[16] = 0x8000000000000000ULL;
  detail::keccak_f1600(s);
  return detail::squeeze_word(s);
}

/// out[i] = H(in[2i], in[2i+1]) for every i < out.size(); `in` holds 2 * out.size() words.
/// This is the unit of tree building: one level of a tree is hashed with one call.
void hash_pairs(std::span<const Word> in, std::span<Word> out) noexcept;

}  // namespace zkr::merkle

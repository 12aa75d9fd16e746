#pragma once
// The Keccak-f[1600] permutation, on one state or on several side by side. Kept apart from
// keccak.hpp (and free of the project's other headers) so the SIMD units, which are compiled for
// AVX2 / AVX-512, include nothing else.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

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

/// Rotation of one 64-bit lane, or of every lane of a GCC vector of lanes.
template <typename Lane>
constexpr Lane rotl64(Lane x, int n) noexcept {
  if constexpr (std::is_same_v<Lane, std::uint64_t>) {
    return std::rotl(x, n);
  } else {
    return (x << n) | (x >> (64 - n));
  }
}

/// Keccak-f[1600] on `Lane`s: std::uint64_t for one state, or a vector of N lanes for N states
/// permuted side by side (the SIMD paths in keccak_simd.hpp). Rho and pi are folded into one pass:
/// lane (x, y) rotated by its offset lands at (y, 2x + 3y). The round body is written out so the
/// 25 lanes stay in registers.
template <typename Lane>
constexpr void keccak_f1600_lanes(std::array<Lane, 25>& s) noexcept {
  Lane a00 = s[0], a01 = s[1], a02 = s[2], a03 = s[3], a04 = s[4];
  Lane a05 = s[5], a06 = s[6], a07 = s[7], a08 = s[8], a09 = s[9];
  Lane a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14];
  Lane a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19];
  Lane a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
  for (const std::uint64_t rc : kRoundConstants) {
    // theta
    const Lane c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
    const Lane c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
    const Lane c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
    const Lane c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
    const Lane c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
    const Lane d0 = c4 ^ rotl64(c1, 1);
    const Lane d1 = c0 ^ rotl64(c2, 1);
    const Lane d2 = c1 ^ rotl64(c3, 1);
    const Lane d3 = c2 ^ rotl64(c4, 1);
    const Lane d4 = c3 ^ rotl64(c0, 1);
    // rho + pi: b[y + 5 * ((2x + 3y) % 5)] = rotl(a[x + 5y] ^ d[x], r[x][y])
    const Lane b00 = a00 ^ d0;
    const Lane b10 = rotl64(a01 ^ d1, 1);
    const Lane b20 = rotl64(a02 ^ d2, 62);
    const Lane b05 = rotl64(a03 ^ d3, 28);
    const Lane b15 = rotl64(a04 ^ d4, 27);
    const Lane b16 = rotl64(a05 ^ d0, 36);
    const Lane b01 = rotl64(a06 ^ d1, 44);
    const Lane b11 = rotl64(a07 ^ d2, 6);
    const Lane b21 = rotl64(a08 ^ d3, 55);
    const Lane b06 = rotl64(a09 ^ d4, 20);
    const Lane b07 = rotl64(a10 ^ d0, 3);
    const Lane b17 = rotl64(a11 ^ d1, 10);
    const Lane b02 = rotl64(a12 ^ d2, 43);
    const Lane b12 = rotl64(a13 ^ d3, 25);
    const Lane b22 = rotl64(a14 ^ d4, 39);
    const Lane b23 = rotl64(a15 ^ d0, 41);
    const Lane b08 = rotl64(a16 ^ d1, 45);
    const Lane b18 = rotl64(a17 ^ d2, 15);
    const Lane b03 = rotl64(a18 ^ d3, 21);
    const Lane b13 = rotl64(a19 ^ d4, 8);
    const Lane b14 = rotl64(a20 ^ d0, 18);
    const Lane b24 = rotl64(a21 ^ d1, 2);
    const Lane b09 = rotl64(a22 ^ d2, 61);
    const Lane b19 = rotl64(a23 ^ d3, 56);
    const Lane b04 = rotl64(a24 ^ d4, 14);
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

constexpr void keccak_f1600_generic(KeccakState& s) noexcept {
  keccak_f1600_lanes(s);
}

inline constexpr std::size_t kKeccakRate = 136;  // bytes absorbed per permutation (1088-bit rate)

}  // namespace detail
}  // namespace zkr::merkle

#pragma once
// Fixed-size byte values used everywhere: 32-byte words (hashes, big-endian integers) and
// addresses.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace zkr::merkle {

/// A 32-byte word. Byte 0 is the most significant byte (the first byte of its 0x… hex form).
using Word = std::array<std::uint8_t, 32>;
/// A 20-byte Ethereum address.
using Address = std::array<std::uint8_t, 20>;
using Bytes = std::vector<std::uint8_t>;
/// A Solidity function selector (merkle/keccak.hpp: function_selector).
using Selector = std::array<std::uint8_t, 4>;
using ByteSpan = std::span<const std::uint8_t>;

inline constexpr Word kZeroWord{};

/// be32(n): the 32-byte big-endian encoding of `n`.
constexpr Word be32(std::uint64_t n) noexcept {
  Word w{};
  for (int i = 0; i < 8; ++i) w[31 - i] = static_cast<std::uint8_t>(n >> (8 * i));
  return w;
}

/// The word's value if it fits in 64 bits.
constexpr std::optional<std::uint64_t> to_u64(const Word& w) noexcept {
  for (int i = 0; i < 24; ++i)
    if (w[i] != 0) return std::nullopt;
  std::uint64_t n = 0;
  for (int i = 24; i < 32; ++i) n = (n << 8) | w[i];
  return n;
}

/// Left-pads an address to a word, as `bytes32(uint256(uint160(addr)))`.
constexpr Word address_to_word(const Address& a) noexcept {
  Word w{};
  for (std::size_t i = 0; i < a.size(); ++i) w[12 + i] = a[i];
  return w;
}

/// Bit `bit` (0 = least significant) of the word read as a big-endian uint256.
constexpr bool word_bit(const Word& w, unsigned bit) noexcept {
  return bit < 256 && ((w[31 - bit / 8] >> (bit % 8)) & 1U) != 0;
}

/// True if the word, read as a uint256, is below 2^bits.
constexpr bool word_below_pow2(const Word& w, unsigned bits) noexcept {
  if (bits >= 256) return true;
  for (unsigned b = bits; b < 256; ++b)
    if (word_bit(w, b)) return false;
  return true;
}

/// "0x" followed by lowercase hex.
std::string to_hex(ByteSpan bytes);
inline std::string to_hex(const Word& w) {
  return to_hex(ByteSpan(w));
}
inline std::string to_hex(const Address& a) {
  return to_hex(ByteSpan(a));
}

/// Parses "0x"-prefixed hex (either case) of even length. InvalidArgument names the problem.
[[nodiscard]] absl::StatusOr<Bytes> parse_hex(std::string_view text);
/// Parses exactly 32 bytes of hex.
[[nodiscard]] absl::StatusOr<Word> parse_word(std::string_view text);
/// Parses exactly 20 bytes of hex.
[[nodiscard]] absl::StatusOr<Address> parse_address(std::string_view text);

}  // namespace zkr::merkle

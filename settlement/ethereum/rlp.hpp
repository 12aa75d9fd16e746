#pragma once
// Recursive Length Prefix encoding (Ethereum yellow paper, appendix B): an item is a byte string
// or a list of items. Decoding is strict: only the canonical (shortest) encoding is accepted.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/types.hpp"

namespace zkr::settlement::rlp {

struct Item {
  bool is_list = false;
  merkle::Bytes bytes;      // the string, when !is_list
  std::vector<Item> items;  // the children, when is_list

  static Item string(merkle::ByteSpan b) {
    return Item{false, merkle::Bytes(b.begin(), b.end()), {}};
  }
  /// An unsigned integer: big-endian without leading zeros (0 is the empty string).
  static Item uint(std::uint64_t v);
  /// A 256-bit unsigned integer given as a big-endian word, leading zeros stripped.
  static Item uint(const merkle::Word& v);
  static Item list(std::vector<Item> children) { return Item{true, {}, std::move(children)}; }
};

merkle::Bytes encode(const Item& item);
/// Decodes exactly one item spanning all of `data`. InvalidArgument names what is wrong.
[[nodiscard]] absl::StatusOr<Item> decode(merkle::ByteSpan data);

/// The integer in a string item; rejects lists, leading zeros and values over 64 bits.
[[nodiscard]] absl::StatusOr<std::uint64_t> to_u64(const Item& item);
/// The integer in a string item of at most 32 bytes, as a big-endian word.
[[nodiscard]] absl::StatusOr<merkle::Word> to_word(const Item& item);

}  // namespace zkr::settlement::rlp

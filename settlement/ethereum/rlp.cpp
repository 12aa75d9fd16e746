#include "settlement/ethereum/rlp.hpp"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::settlement::rlp {
namespace {

constexpr std::size_t kMaxDepth = 16;

void put_length(merkle::Bytes& out, std::size_t len, std::uint8_t short_base,
                std::uint8_t long_base) {
  if (len <= 55) {
    out.push_back(static_cast<std::uint8_t>(short_base + len));
    return;
  }
  std::uint8_t be[8];
  int n = 0;
  for (std::size_t v = len; v != 0; v >>= 8) be[n++] = static_cast<std::uint8_t>(v);
  out.push_back(static_cast<std::uint8_t>(long_base + n));
  while (n > 0) out.push_back(be[--n]);
}

void encode_into(merkle::Bytes& out, const Item& item) {
  if (!item.is_list) {
    if (item.bytes.size() == 1 && item.bytes[0] < 0x80) {
      out.push_back(item.bytes[0]);
      return;
    }
    put_length(out, item.bytes.size(), 0x80, 0xb7);
    out.insert(out.end(), item.bytes.begin(), item.bytes.end());
    return;
  }
  merkle::Bytes payload;
  for (const Item& child : item.items) encode_into(payload, child);
  put_length(out, payload.size(), 0xc0, 0xf7);
  out.insert(out.end(), payload.begin(), payload.end());
}

/// Decodes one item at data[pos…], advancing pos.
absl::StatusOr<Item> decode_at(merkle::ByteSpan data, std::size_t& pos, std::size_t depth) {
  if (depth > kMaxDepth) return absl::InvalidArgumentError("RLP nesting is too deep");
  if (pos >= data.size()) return absl::InvalidArgumentError("RLP input ends inside an item");
  const std::uint8_t prefix = data[pos++];
  if (prefix < 0x80) return Item::string(data.subspan(pos - 1, 1));

  const bool is_list = prefix >= 0xc0;
  const std::uint8_t base = is_list ? 0xc0 : 0x80;
  std::size_t len = prefix - base;
  if (len > 55) {
    const std::size_t len_bytes = len - 55;
    if (len_bytes > 4 || pos + len_bytes > data.size())
      return absl::InvalidArgumentError("RLP length prefix is truncated or too large");
    if (data[pos] == 0) return absl::InvalidArgumentError("RLP length has a leading zero");
    len = 0;
    for (std::size_t i = 0; i < len_bytes; ++i) len = (len << 8) | data[pos++];
    if (len <= 55) return absl::InvalidArgumentError("RLP uses a long length for a short item");
  }
  if (len > data.size() - pos) return absl::InvalidArgumentError("RLP item runs past the input");
  merkle::ByteSpan payload = data.subspan(pos, len);
  pos += len;
  if (!is_list) {
    if (len == 1 && payload[0] < 0x80)
      return absl::InvalidArgumentError("RLP encodes a single byte below 0x80 with a prefix");
    return Item::string(payload);
  }
  Item out = Item::list({});
  std::size_t inner = 0;
  while (inner < payload.size()) {
    ZKR_ASSIGN_OR_RETURN(Item child, decode_at(payload, inner, depth + 1));
    out.items.push_back(std::move(child));
  }
  return out;
}

}  // namespace

Item Item::uint(std::uint64_t v) {
  Item out;
  for (int shift = 56; shift >= 0; shift -= 8) {
    const auto byte = static_cast<std::uint8_t>(v >> shift);
    if (byte != 0 || !out.bytes.empty()) out.bytes.push_back(byte);
  }
  return out;
}

Item Item::uint(const merkle::Word& v) {
  const auto first = std::find_if(v.begin(), v.end(), [](std::uint8_t b) { return b != 0; });
  return Item{false, merkle::Bytes(first, v.end()), {}};
}

merkle::Bytes encode(const Item& item) {
  merkle::Bytes out;
  encode_into(out, item);
  return out;
}

absl::StatusOr<Item> decode(merkle::ByteSpan data) {
  std::size_t pos = 0;
  ZKR_ASSIGN_OR_RETURN(Item item, decode_at(data, pos, 0));
  if (pos != data.size())
    return absl::InvalidArgumentError(
        absl::StrCat("RLP input has ", data.size() - pos, " bytes after its item"));
  return item;
}

absl::StatusOr<merkle::Word> to_word(const Item& item) {
  if (item.is_list) return absl::InvalidArgumentError("expected an RLP integer, found a list");
  if (item.bytes.size() > 32) return absl::InvalidArgumentError("RLP integer exceeds 256 bits");
  if (!item.bytes.empty() && item.bytes[0] == 0)
    return absl::InvalidArgumentError("RLP integer has a leading zero");
  merkle::Word w{};
  std::copy(item.bytes.begin(), item.bytes.end(), w.end() - static_cast<long>(item.bytes.size()));
  return w;
}

absl::StatusOr<std::uint64_t> to_u64(const Item& item) {
  if (!item.is_list && item.bytes.size() > 8)
    return absl::InvalidArgumentError("RLP integer exceeds 64 bits");
  ZKR_ASSIGN_OR_RETURN(const merkle::Word w, to_word(item));
  return *merkle::to_u64(w);
}

}  // namespace zkr::settlement::rlp

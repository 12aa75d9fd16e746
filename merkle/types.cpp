#include "merkle/types.hpp"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::merkle {
namespace {

bool is_hex_digit(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

template <std::size_t N>
absl::StatusOr<std::array<std::uint8_t, N>> parse_fixed(std::string_view text, const char* what) {
  ZKR_ASSIGN_OR_RETURN(Bytes bytes, parse_hex(text));
  if (bytes.size() != N) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be ", N, " bytes (", 2 * N, " hex digits), got ", bytes.size()));
  }
  std::array<std::uint8_t, N> out;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

}  // namespace

std::string to_hex(ByteSpan bytes) {
  return absl::StrCat("0x", absl::BytesToHexString(absl::string_view(
                                reinterpret_cast<const char*>(bytes.data()), bytes.size())));
}

absl::StatusOr<Bytes> parse_hex(std::string_view text) {
  if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return absl::InvalidArgumentError("hex value must start with 0x");
  }
  const std::string_view digits = text.substr(2);
  if (digits.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("hex value has an odd number of digits (", digits.size(), ")"));
  }
  if (const auto bad = std::find_if_not(digits.begin(), digits.end(), is_hex_digit);
      bad != digits.end()) {
    // Printable ASCII is quoted; any other byte is named by value (it may be one byte of a
    // multi-byte character, which alone would make the message invalid UTF-8).
    const auto c = static_cast<unsigned char>(*bad);
    const std::string shown = c >= 0x20 && c < 0x7f
                                  ? absl::StrCat("'", std::string(1, *bad), "'")
                                  : absl::StrCat("byte 0x", absl::Hex(c, absl::kZeroPad2));
    return absl::InvalidArgumentError(
        absl::StrCat("invalid hex digit ", shown, " at position ", 2 + (bad - digits.begin())));
  }
  const std::string raw = absl::HexStringToBytes(absl::string_view(digits.data(), digits.size()));
  return Bytes(raw.begin(), raw.end());
}

absl::StatusOr<Word> parse_word(std::string_view text) {
  return parse_fixed<32>(text, "word");
}

absl::StatusOr<Address> parse_address(std::string_view text) {
  return parse_fixed<20>(text, "address");
}

}  // namespace zkr::merkle

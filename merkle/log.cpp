#include "merkle/log.hpp"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"

namespace zkr::merkle {

PackedLog serialize(const L2ToL1Log& log) noexcept {
  PackedLog out{};
  out[0] = log.l2_shard_id;
  out[1] = log.is_service ? 1 : 0;
  out[2] = static_cast<std::uint8_t>(log.tx_number_in_batch >> 8);
  out[3] = static_cast<std::uint8_t>(log.tx_number_in_batch);
  std::copy(log.sender.begin(), log.sender.end(), out.begin() + 4);
  std::copy(log.key.begin(), log.key.end(), out.begin() + 24);
  std::copy(log.value.begin(), log.value.end(), out.begin() + 56);
  return out;
}

absl::StatusOr<L2ToL1Log> deserialize_log(ByteSpan packed) {
  if (packed.size() != kLogSerializeSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("a packed L2->L1 log is 88 bytes, got ", packed.size()));
  }
  if (packed[1] > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("isService byte must be 0 or 1, got ", packed[1]));
  }
  L2ToL1Log log;
  log.l2_shard_id = packed[0];
  log.is_service = packed[1] == 1;
  log.tx_number_in_batch = static_cast<std::uint16_t>((packed[2] << 8) | packed[3]);
  std::copy_n(packed.begin() + 4, 20, log.sender.begin());
  std::copy_n(packed.begin() + 24, 32, log.key.begin());
  std::copy_n(packed.begin() + 56, 32, log.value.begin());
  return log;
}

Word log_leaf_hash(const L2ToL1Log& log) noexcept {
  const PackedLog packed = serialize(log);
  return keccak256(ByteSpan(packed));
}

void log_leaf_hashes(std::span<const PackedLog> packed, std::span<Word> out) noexcept {
  static_assert(sizeof(PackedLog) == kLogSerializeSize);  // contiguous, no padding
  keccak256_many(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(packed.data()), packed.size_bytes()),
      kLogSerializeSize, out.first(packed.size()));
}

L2ToL1Log message_hash_to_log(std::uint16_t tx_number_in_batch, const Address& sender,
                              const Word& data_hash) noexcept {
  return L2ToL1Log{.l2_shard_id = 0,
                   .is_service = true,
                   .tx_number_in_batch = tx_number_in_batch,
                   .sender = kL1MessengerAddress,
                   .key = address_to_word(sender),
                   .value = data_hash};
}

L2ToL1Log message_to_log(const L2Message& message) noexcept {
  return message_hash_to_log(message.tx_number_in_batch, message.sender,
                             keccak256(ByteSpan(message.data)));
}

}  // namespace zkr::merkle

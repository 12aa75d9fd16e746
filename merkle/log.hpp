#pragma once
// The L2→L1 log (spec §1): its 88-byte packed serialization and its leaf hash, and the log that
// L1Messenger.sendToL1 records for an arbitrary message.

#include <array>
#include <cstdint>

#include "merkle/types.hpp"

namespace zkr::merkle {

/// `L2Log` / `L2ToL1Log`: abi.encodePacked(l2ShardId, isService, txNumberInBatch, sender, key,
/// value).
struct L2ToL1Log {
  std::uint8_t l2_shard_id = 0;
  bool is_service = false;
  std::uint16_t tx_number_in_batch = 0;
  Address sender{};
  Word key{};
  Word value{};

  friend bool operator==(const L2ToL1Log&, const L2ToL1Log&) = default;
};

using PackedLog = std::array<std::uint8_t, 88>;

/// The 88-byte serialization: [0]=shard, [1]=isService, [2..4)=txNumber BE, [4..24)=sender,
/// [24..56)=key, [56..88)=value.
PackedLog serialize(const L2ToL1Log& log) noexcept;
/// The inverse of serialize(); every 88-byte string is a valid log except isService > 1.
[[nodiscard]] absl::StatusOr<L2ToL1Log> deserialize_log(ByteSpan packed);
/// keccak256(serialize(log)): the leaf of the batch's log tree.
Word log_leaf_hash(const L2ToL1Log& log) noexcept;
/// The leaves of many serialized logs at once (several per permutation on SIMD CPUs):
/// out[i] = keccak256(packed[i]); out.size() == packed.size().
void log_leaf_hashes(std::span<const PackedLog> packed, std::span<Word> out) noexcept;

/// An arbitrary message sent with L1Messenger.sendToL1 (`L2Message` in the verifier contracts).
struct L2Message {
  std::uint16_t tx_number_in_batch = 0;
  Address sender{};  // the caller of sendToL1
  Bytes data;
};

/// The log sendToL1 records: (0, true, txNumber, 0x…8008, be32(sender), keccak(data)).
L2ToL1Log message_to_log(const L2Message& message) noexcept;
/// Same as message_to_log, given keccak(data) already.
L2ToL1Log message_hash_to_log(std::uint16_t tx_number_in_batch, const Address& sender,
                              const Word& data_hash) noexcept;

}  // namespace zkr::merkle

#pragma once
// InteropCenter bundles (spec §6, draft-v31): the ABI encoding of InteropBundle, decoded to index
// a message's destination chain, and encoded by the devnet's simulated chains.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/types.hpp"

namespace zkr::router {

struct InteropCall {
  bool shadow_account = false;
  merkle::Address to{};
  merkle::Address from{};
  merkle::Word value{};
  merkle::Bytes data;
};

struct BundleAttributes {
  merkle::Bytes execution_address;  // ERC-7930 interoperable addresses
  merkle::Bytes unbundler_address;
  bool use_fixed_fee = false;
};

struct InteropBundle {
  std::uint64_t source_chain_id = 0;
  std::uint64_t destination_chain_id = 0;
  merkle::Word destination_base_token_asset_id{};
  merkle::Word salt{};
  std::vector<InteropCall> calls;
  BundleAttributes attributes;
};

/// The message prefix that marks a bundle (BUNDLE_IDENTIFIER).
inline constexpr std::uint8_t kBundleIdentifier = 0x01;

/// abi.encode(InteropBundle), without the 0x01 prefix.
merkle::Bytes encode_bundle(const InteropBundle& bundle);
/// Decodes abi.encode(InteropBundle) with bounds checks on every offset and length.
/// InvalidArgument names the field that is malformed.
[[nodiscard]] absl::StatusOr<InteropBundle> decode_bundle(merkle::ByteSpan abi);
/// A whole sendToL1 message: 0x01 ‖ abi.encode(InteropBundle).
[[nodiscard]] absl::StatusOr<InteropBundle> decode_bundle_message(merkle::ByteSpan message);
merkle::Bytes encode_bundle_message(const InteropBundle& bundle);

}  // namespace zkr::router

#pragma once
// InteropCenter bundles (spec §6, draft-v31): the ABI encoding of InteropBundle, decoded to index
// a message's destination chain, and encoded by the devnet's simulated chains.

#include <cstdint>
#include <optional>
#include <string_view>
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

/// keccak256(abi.encode(uint256 sourceChainId, bytes bundleAbi)), InteropDataEncoding's
/// encodeInteropBundleHash: the bundle's identity on the destination.
merkle::Word bundle_hash(std::uint64_t source_chain_id, merkle::ByteSpan bundle_abi);

/// InteropCenter's event InteropBundleSent(bytes32 l2l1MsgHash, bytes32 interopBundleHash,
/// InteropBundle interopBundle): topic 0 (no indexed fields), and the data for a bundle whose
/// message hashes to `message_hash` (keccak of 0x01 ‖ bundle_abi).
const merkle::Word& interop_bundle_sent_topic();
merkle::Bytes interop_bundle_sent_data(const merkle::Word& message_hash, const merkle::Word& hash,
                                       merkle::ByteSpan bundle_abi);

/// An ERC-7930 interoperable address of the EVM chain type (version 1): a chain, an address, or
/// both, as InteropCenter takes destinations and call targets.
struct InteroperableAddress {
  std::optional<std::uint64_t> chain_id;
  std::optional<merkle::Address> address;
};
merkle::Bytes encode_interoperable_address(const InteroperableAddress& a);
/// InvalidArgument saying what is wrong (another version or chain type, bad lengths).
[[nodiscard]] absl::StatusOr<InteroperableAddress> decode_interoperable_address(
    merkle::ByteSpan bytes);

/// A call of InteropCenter.sendBundle: the destination chain as an ERC-7930 address, one
/// InteropCallStarter (bytes to, bytes data, bytes[] callAttributes) per call, and the bundle's
/// ERC-7786 attributes, each still ABI-encoded as the caller gave them.
inline constexpr std::string_view kSendBundleSignature =
    "sendBundle(bytes,(bytes,bytes,bytes[])[],bytes[])";
struct CallStarter {
  merkle::Bytes to;
  merkle::Bytes data;
  std::vector<merkle::Bytes> attributes;
};
struct SendBundleCall {
  merkle::Bytes destination;
  std::vector<CallStarter> calls;
  std::vector<merkle::Bytes> attributes;
};
/// Decodes the whole calldata (selector first) with bounds checks on every offset and length;
/// InvalidArgument names what is malformed.
[[nodiscard]] absl::StatusOr<SendBundleCall> decode_send_bundle(merkle::ByteSpan calldata);

}  // namespace zkr::router

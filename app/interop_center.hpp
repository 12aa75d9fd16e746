#pragma once
// The devnet's simulated chains run two system contracts for wallets: L1Messenger.sendToL1(bytes)
// and InteropCenter.sendBundle (spec §6, draft-v31). This is the model of the second: the bundle
// it makes of a call, as InteropCenter.sol makes it, with a revert reason for what it refuses.

#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/status/statusor.h"
#include "merkle/types.hpp"
#include "router/bundle.hpp"

namespace zkr::app {

/// Where a sendBundle call runs.
struct InteropCenterContext {
  std::uint64_t chain_id = 0;        // the source chain (block.chainid)
  merkle::Address sender{};          // msg.sender
  std::uint64_t sender_bundles = 0;  // bundles `sender` sent before (InteropCenter's nonce)
  std::uint64_t l1_chain_id = 1;     // the base token is the L1's ether
  std::function<bool(std::uint64_t)> is_destination;  // chains a bundle may go to
};

/// The base token asset id of every devnet chain: the native token vault's id of the L1's ether,
/// keccak256(abi.encode(l1ChainId, 0x…10004, address(1))) (DataEncoding.encodeNTVAssetId).
merkle::Word ether_asset_id(std::uint64_t l1_chain_id);

/// The bundle sendBundle(calldata) sends from `context`: each call from the sender to the
/// starter's address with its data and value 0; the bundle's salt keccak256(sender ‖
/// uint256(sender_bundles)); the unbundler the sender on its chain unless an attribute names
/// another. InvalidArgument ("execution reverted: …") for calldata that does not decode, a
/// destination that is not a chain of the devnet, an attribute InteropCenter does not know or the
/// devnet does not run (indirect calls, value), or one given twice.
[[nodiscard]] absl::StatusOr<router::InteropBundle> interop_center_send_bundle(
    merkle::ByteSpan calldata, const InteropCenterContext& context);

/// The bytes argument of a call `signature` with exactly one `bytes` parameter (selector, offset
/// 32, length, the bytes zero-padded); InvalidArgument for anything else.
[[nodiscard]] absl::StatusOr<merkle::Bytes> single_bytes_argument(merkle::ByteSpan calldata,
                                                                  std::string_view signature);

}  // namespace zkr::app

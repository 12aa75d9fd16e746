#pragma once
// Calldata of the three settlement calls a Gateway sends to L1, ABI-encoded with the signatures
// of the ZKsync executor's shared-bridge entry points:
//   commitBatchesSharedBridge(uint256 chainId, uint256 processFrom, uint256 processTo, bytes data)
//   proveBatchesSharedBridge (uint256 chainId, uint256 processFrom, uint256 processTo, bytes data)
//   executeBatchesSharedBridge(uint256 chainId, uint256 processFrom, uint256 processTo, bytes data)
// The `data` payload is zkrouter's own, documented in docs/settlement.md: a run of 32-byte words.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/types.hpp"
#include "settlement/state/types.hpp"

namespace zkr::settlement::l1calls {

enum class Action : int { kCommit = 0, kProve = 1, kExecute = 2 };
const char* action_name(Action a) noexcept;  // "commit", "prove", "execute"

/// The four-byte selector of each entry point, computed from its signature.
merkle::Selector selector(Action a);

struct Call {
  Action action = Action::kCommit;
  std::uint64_t chain_id = 0;  // the settling chain (the Gateway, or a chain settling directly)
  std::uint64_t first = 0;     // processFrom
  std::uint64_t last = 0;      // processTo
  merkle::Bytes data;          // the payload, a multiple of 32 bytes
};

merkle::Bytes encode(const Call& call);
/// Strict inverse of encode: known selector, canonical offsets, zero padding.
[[nodiscard]] absl::StatusOr<Call> decode(merkle::ByteSpan calldata);

/// Commit payload for a run of Gateway batches: per batch (number, batchRoot, localRoot,
/// sharedRoot, firstBlock, lastBlock).
merkle::Bytes commit_payload(std::span<const GatewayBatch> batches);
/// Execute payload: per batch (number, batchRoot).
merkle::Bytes execute_payload(std::span<const GatewayBatch> batches);

/// The four-byte selector of `signature` followed by one 32-byte word per argument: a function's
/// calldata (e.g. "resumeAfter(uint256)"), or the revert data of a custom error of
/// contracts/L1Settlement.sol (e.g. "OutOfOrder(uint256,uint256)"), as the EVM returns it — so the
/// embedded L1's model reverts byte for byte as the contract does.
merkle::Bytes with_words(std::string_view signature, std::initializer_list<merkle::Word> args = {});
/// Revert data in words: the contract's named errors as "Name(arg, …)" (numbers in decimal,
/// words in hex), Error(string) as its text, Panic(code); anything else as hex.
std::string describe_revert(merkle::ByteSpan data);

/// EIP-2028 calldata gas: 4 per zero byte, 16 per other byte.
std::uint64_t calldata_gas(merkle::ByteSpan data) noexcept;

}  // namespace zkr::settlement::l1calls

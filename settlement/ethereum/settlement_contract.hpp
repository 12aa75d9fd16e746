#pragma once
// The L1 settlement contract (contracts/L1Settlement.sol) from C++: its creation code with the
// constructor's arguments, a deployment by a signed transaction, and its views read back
// through JSON-RPC. `zkrouter deploy-settlement` and the tests against anvil use these.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/log.hpp"
#include "merkle/types.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"
#include "settlement/ethereum/secp256k1.hpp"

namespace zkr::settlement::contract {

/// The creation code of L1Settlement(settlingChainId, proofSigner), from the compiled artifact
/// (contracts/compile.js's L1Settlement.json: its `bytecode`). NotFound / InvalidArgument say what
/// is wrong with the file.
[[nodiscard]] absl::StatusOr<merkle::Bytes> creation_code(const std::string& artifact_path,
                                                          std::uint64_t settling_chain_id,
                                                          const merkle::Address& proof_signer);

/// The address a contract created by `sender` with nonce `nonce` gets: the last 20 bytes of
/// keccak256(rlp([sender, nonce])).
merkle::Address created_address(const merkle::Address& sender, std::uint64_t nonce);

/// Sends a signed EIP-1559 transaction from `sender` (nonce and fees from the node, gas its
/// estimate + 20%) to any L1 (a node or the embedded one) and waits (up to `timeout_s`) for its
/// receipt. FailedPrecondition with the contract's reason if it reverted.
[[nodiscard]] absl::StatusOr<L1Receipt> transact(L1Client& node,
                                                 const secp256k1::PrivateKey& sender,
                                                 const std::optional<merkle::Address>& to,
                                                 const merkle::Bytes& data, int timeout_s = 60);

/// Deploys `code` from `deployer` with a signed EIP-1559 transaction (nonce and fees from the
/// node), waits (up to `timeout_s`) until it is mined, and returns the new contract's address.
/// FailedPrecondition if the creation reverted.
[[nodiscard]] absl::StatusOr<merkle::Address> deploy(EthRpcClient& node,
                                                     const secp256k1::PrivateKey& deployer,
                                                     const merkle::Bytes& code, int timeout_s = 60);

/// An eth_call of `calldata` on the contract at `at` (latest block): its answer as words.
[[nodiscard]] absl::StatusOr<std::vector<merkle::Word>> view_call(EthRpcClient& node,
                                                                  const merkle::Address& at,
                                                                  const merkle::Bytes& calldata);
/// view_call of the function `signature` with `args`, one word each.
[[nodiscard]] absl::StatusOr<std::vector<merkle::Word>> view(
    EthRpcClient& node, const merkle::Address& at, std::string_view signature,
    std::initializer_list<merkle::Word> args = {});

/// What the contract at `at` holds.
struct SettledState {
  std::uint64_t settling_chain_id = 0;
  merkle::Address proof_signer{};
  std::uint64_t committed = 0;  // totalBatchesCommitted
  std::uint64_t verified = 0;   // totalBatchesVerified
  std::uint64_t executed = 0;   // totalBatchesExecuted
};
[[nodiscard]] absl::StatusOr<SettledState> read_state(EthRpcClient& node,
                                                      const merkle::Address& at);
/// l2LogsRootHash(batch): the root of an executed batch, the zero word before.
[[nodiscard]] absl::StatusOr<merkle::Word> l2_logs_root_hash(EthRpcClient& node,
                                                             const merkle::Address& at,
                                                             std::uint64_t batch);

/// The ABI-encoded call of IMessageVerification.proveL2MessageInclusionShared(uint256,uint256,
/// uint256,(uint16,address,bytes),bytes32[]): what L2MessageVerification on a destination chain
/// and L1Settlement's view both answer.
merkle::Bytes prove_message_call(std::uint64_t chain_id, std::uint64_t batch_number,
                                 std::uint64_t index, const merkle::L2Message& message,
                                 std::span<const merkle::Word> proof);
/// That call, as an eth_call to the contract at `at`: its answer, or the node's error if it
/// reverted.
[[nodiscard]] absl::StatusOr<bool> proves_message(EthRpcClient& node, const merkle::Address& at,
                                                  std::uint64_t chain_id,
                                                  std::uint64_t batch_number, std::uint64_t index,
                                                  const merkle::L2Message& message,
                                                  std::span<const merkle::Word> proof);

}  // namespace zkr::settlement::contract

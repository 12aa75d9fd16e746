#pragma once
// The devnet's destination chain: a real EVM (anvil) running the project's InteropRootStorage
// (0x…10008) and L2MessageVerification (0x…10009) from contracts/, into which every sealed Gateway
// block's interop root is imported with a transaction, as a ZKsync chain's bootloader imports it.
// The ZKsync SDK's InteropClient.verifyMessage then checks a message's proof on it.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "app/anvil_node.hpp"
#include "merkle/log.hpp"
#include "router/engine.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"

namespace zkr::app {

struct DestinationOptions {
  std::string anvil;          // the anvil binary
  std::string contracts_dir;  // contracts/compile.js's output (NAME.json)
  std::string log_file;       // anvil's output goes here
  std::uint64_t chain_id = 31338;
  std::uint16_t port = 0;  // 0: a free port
};

class DestinationChain {
 public:
  /// Starts anvil on a free port and puts the contracts at their addresses. Says what is missing
  /// (the binary, the compiled contracts) or what failed.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DestinationChain>> start(
      const DestinationOptions& options);
  ~DestinationChain();
  DestinationChain(const DestinationChain&) = delete;
  DestinationChain& operator=(const DestinationChain&) = delete;

  std::uint16_t port() const noexcept { return node_->port(); }
  std::uint64_t chain_id() const noexcept { return chain_id_; }
  /// The importer account (anvil's first, unlocked): it deployed the contracts and adds the roots.
  static constexpr const char* kImporter = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
  static constexpr const char* kInteropRootStorage = "0x0000000000000000000000000000000000010008";
  static constexpr const char* kMessageVerification = "0x0000000000000000000000000000000000010009";

  /// Imports the interop root of every sealed Gateway block not imported yet, in order, each with
  /// a transaction from the importer account.
  [[nodiscard]] absl::Status import_roots(const router::Engine& engine);
  /// addInteropRoot(chainId, number, root) from `from` (the importer unless given), mined: OK, or
  /// FailedPrecondition if the contract reverted.
  [[nodiscard]] absl::Status add_root(std::uint64_t chain_id, std::uint64_t number,
                                      const merkle::Word& root, const char* from = kImporter);
  /// A JSON-RPC client of the chain.
  settlement::EthRpcClient& rpc() noexcept { return node_->rpc(); }
  std::optional<std::uint64_t> last_imported() const noexcept { return last_imported_; }

 private:
  DestinationChain() = default;
  /// A transaction from `from` to InteropRootStorage; its hash.
  [[nodiscard]] absl::StatusOr<boost::json::value> send(const char* from, const std::string& data);
  /// The receipt of `hash`, once mined.
  [[nodiscard]] absl::StatusOr<boost::json::value> mined(const boost::json::value& hash);
  static std::string add_root_call(std::uint64_t chain_id, std::uint64_t number,
                                   const merkle::Word& root);
  std::unique_ptr<AnvilNode> node_;
  std::uint64_t chain_id_ = 0;
  std::optional<std::uint64_t> last_imported_;
};

/// Calls of the contracts on a destination chain: any EVM node running contracts/ at their
/// addresses (the devnet's anvil, or another), through `rpc`.
/// interopRoots(chainId, number) of InteropRootStorage: the zero word while not imported.
[[nodiscard]] absl::StatusOr<merkle::Word> destination_interop_root(settlement::EthRpcClient& rpc,
                                                                    std::uint64_t chain_id,
                                                                    std::uint64_t number);
/// L2MessageVerification.proveL2MessageInclusionShared(chainId, batchNumber, index, message,
/// proof) as an eth_call: the contract's answer, or the node's error if the call reverted.
[[nodiscard]] absl::StatusOr<bool> destination_proves_message(
    settlement::EthRpcClient& rpc, std::uint64_t chain_id, std::uint64_t batch_number,
    std::uint64_t index, const merkle::L2Message& message, std::span<const merkle::Word> proof);

}  // namespace zkr::app

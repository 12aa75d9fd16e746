#pragma once
// The devnet's destination chain: a real EVM (anvil) running the project's InteropRootStorage
// (0x…10008) and L2MessageVerification (0x…10009) from contracts/, into which every sealed Gateway
// block's interop root is imported with a transaction, as a ZKsync chain's bootloader imports it.
// The ZKsync SDK's InteropClient.verifyMessage then checks a message's proof on it.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "router/engine.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"

namespace zkr::app {

struct DestinationOptions {
  std::string anvil;          // the anvil binary
  std::string contracts_dir;  // contracts/compile.js's output (NAME.json)
  std::string log_file;       // anvil's output goes here
  std::uint64_t chain_id = 31338;
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

  std::uint16_t port() const noexcept { return port_; }
  std::uint64_t chain_id() const noexcept { return chain_id_; }
  /// Imports the interop root of every sealed Gateway block not imported yet, in order, each with
  /// a transaction from the importer account.
  [[nodiscard]] absl::Status import_roots(const router::Engine& engine);
  std::optional<std::uint64_t> last_imported() const noexcept { return last_imported_; }

 private:
  DestinationChain() = default;
  [[nodiscard]] absl::StatusOr<std::string> send(const std::string& to, const std::string& data);
  pid_t pid_ = 0;
  std::uint16_t port_ = 0;
  std::uint64_t chain_id_ = 0;
  std::unique_ptr<settlement::EthRpcClient> rpc_;
  std::optional<std::uint64_t> last_imported_;
};

}  // namespace zkr::app

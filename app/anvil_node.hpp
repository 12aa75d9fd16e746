#pragma once
// An anvil process (the EVM node of the npm package @foundry-rs/anvil-linux-amd64) run by the
// devnet: its destination chain and, with --l1 anvil, its L1. Started on a given or a free port,
// waited for until it answers, stopped with SIGTERM (anvil writes its --state file then).

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "settlement/ethereum/eth_rpc_client.hpp"

namespace zkr::app {

struct AnvilOptions {
  std::string binary;
  std::uint16_t port = 0;  // 0: a free port
  std::uint64_t chain_id = 31337;
  std::string log_file;                 // its output goes here
  std::vector<std::string> extra_args;  // e.g. --block-time 1
  std::string role = "anvil";           // how errors name it ("the destination chain", …)
};

class AnvilNode {
 public:
  /// Says what is missing (the binary) or what failed (the port is taken, it did not answer).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<AnvilNode>> start(const AnvilOptions& o);
  ~AnvilNode();
  AnvilNode(const AnvilNode&) = delete;
  AnvilNode& operator=(const AnvilNode&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string url() const;
  settlement::EthRpcClient& rpc() noexcept { return *rpc_; }

 private:
  AnvilNode() = default;
  pid_t pid_ = 0;
  std::uint16_t port_ = 0;
  std::unique_ptr<settlement::EthRpcClient> rpc_;
};

}  // namespace zkr::app

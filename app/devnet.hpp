#pragma once
// `zkrouter devnet`: the router, its API, the Gateway and simulated chains in one process. The
// chains emit real interop traffic (L1Messenger messages and InteropCenter bundles to each other),
// seal batches and drive them through commit / prove / execute; the Gateway seals blocks and
// Gateway batches on a timer. One chain starts on L1 and migrates to the Gateway and back.
// Gateway batches are aggregated and submitted to an embedded L1 until they are final there.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace zkr::app {

struct DevnetOptions {
  std::string data_dir = "data/devnet";
  bool fresh = false;  // delete the data directory's database first
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 8545;
  std::uint64_t gateway_chain_id = 506;
  int gateway_chains = 3;            // chain ids 270, 271, …
  bool migrating_chain = true;       // chain 280: L1 → Gateway → L1 …
  int migrate_every = 8;             // batches between migrations of chain 280
  double messages_per_second = 200;  // over all chains
  std::chrono::milliseconds batch_interval{1000};
  std::chrono::milliseconds block_interval{500};
  int blocks_per_gateway_batch = 4;
  std::chrono::milliseconds l1_block_interval{1000};
  std::uint64_t l1_finality_depth = 4;  // blocks behind the head that are final
  std::uint64_t l1_chain_id = 1337;
  std::optional<std::chrono::seconds> run_for;  // stop by itself after this long
  bool plain_output = false;                    // log lines even on a terminal
  // The destination chain: anvil with contracts/ (compiled), importing every interop root. Off,
  // with the reason printed, when the binary or the compiled contracts are missing.
  bool destination = true;
  std::string anvil;          // the anvil binary
  std::string contracts_dir;  // compiled contracts (build/contracts)
  std::uint64_t destination_chain_id = 31338;
  // The L1: "embedded" (in process, the default) or "anvil" (a real EVM running
  // contracts/L1Settlement.sol, its chain kept in <data_dir>/l1-anvil.json across clean stops).
  std::string l1 = "embedded";
};

/// Runs until SIGINT / SIGTERM (or run_for). Returns the process exit code.
int run_devnet(const DevnetOptions& options);

}  // namespace zkr::app

#pragma once
// The CLI commands that talk to a running router over its API: status, proof, send, watch.

#include <cstdint>
#include <optional>
#include <string>

namespace zkr::app {

struct RouterAddress {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8545;
};

/// Prints a message's status, what it waits for, and its timeline. Exit code.
int status_command(const RouterAddress& router, const std::string& id);
/// Prints the proof in the ZKsync JSON shape {proof, id, root, batchNumber, gatewayBlockNumber}.
int proof_command(const RouterAddress& router, const std::string& id, const std::string& target,
                  std::optional<std::uint64_t> gateway_block);
/// Sends a message on a devnet chain, waits until it is recorded, prints its id.
int send_command(const RouterAddress& router, std::uint64_t chain, const std::string& sender,
                 const std::string& data_hex);
/// Subscribes and prints each notification on a line; stops after `count` (0: never).
int watch_command(const RouterAddress& router, const std::string& topic,
                  std::optional<std::uint64_t> source, std::optional<std::int64_t> from_cursor,
                  std::uint64_t count);

}  // namespace zkr::app

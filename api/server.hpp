#pragma once
// The API server: one port for HTTP (POST JSON-RPC, GET /health, GET /metrics) and WebSocket
// (JSON-RPC with subscriptions; binary frames carry protobuf batch submissions). Beast and Asio
// stay inside server.cpp; this header is cheap to include.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "api/rpc.hpp"
#include "router/engine.hpp"

namespace zkr::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8545;                      // 0 picks a free port
  std::size_t max_body_bytes = 16 * 1024 * 1024;  // HTTP body and WebSocket message
  std::size_t max_connections = 1024;
  std::chrono::seconds idle_timeout{60};
  std::size_t max_subscriptions_per_connection = 32;
  double requests_per_second = 2000;  // per connection, token bucket
  double request_burst = 4000;
  std::size_t max_queued_messages = 4096;  // per WebSocket; a full queue closes it
  std::size_t io_threads = 1;  // threads for sockets and in-memory (kInline) methods; on 2 cores
                               // one beats two (bench/RESULTS.md); raise it with more cores
  std::size_t workers = 2;     // threads for engine calls that may block
  RpcLimits rpc;
  /// TLS (HTTPS and WSS on the same port) when both are set: PEM files, TLS 1.2 or newer.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
};

class Server {
 public:
  Server(router::Engine& engine, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Adds a method to the table (e.g. the devnet's own). Call before start().
  void add_method(std::string name, Handler handler);

  /// Binds, listens and starts serving on background threads. Returns the bound port.
  [[nodiscard]] absl::StatusOr<std::uint16_t> start();
  /// Stops accepting, closes connections, joins the threads. Idempotent.
  void stop();

  /// Prometheus text exposition of the server's counters.
  std::string metrics_text() const;
  /// Proofs answered so far (zks_getL2ToL1LogProof, zkr_getProof, zkr_getProofs calls).
  std::uint64_t proofs_served() const;
  /// Active subscriptions over all connections.
  std::size_t subscriptions() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zkr::api

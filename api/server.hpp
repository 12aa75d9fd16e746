#pragma once
// The API server: one port for HTTP (POST JSON-RPC, GET /health, GET /metrics) and WebSocket
// (JSON-RPC with subscriptions; binary frames carry protobuf batch submissions). Beast and Asio
// stay inside server.cpp; this header is cheap to include.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "api/rpc.hpp"
#include "api/upstream.hpp"
#include "router/engine.hpp"

namespace zkr::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8545;                      // 0 picks a free port
  std::size_t max_body_bytes = 16 * 1024 * 1024;  // HTTP body and WebSocket message
  std::size_t max_connections = 1024;  // lowered at start to what the open-file limit allows
  std::size_t max_connections_per_address = 256;
  // The last this many connection slots go only to addresses that hold no connection yet, so a
  // new client can still connect while others hold many.
  std::size_t reserved_connections = 32;
  std::chrono::seconds handshake_timeout{5};  // accept to first request (and TLS handshake)
  std::chrono::seconds idle_timeout{60};
  std::size_t max_subscriptions_per_connection = 32;
  double requests_per_second = 2000;  // per connection, token bucket
  double request_burst = 4000;
  // Per WebSocket, answers and notifications waiting to be written: at most this many and (past
  // the first) this many bytes. A full queue pauses the connection's subscriptions and stops
  // reading its requests; it does not drop anything.
  std::size_t max_queued_messages = 4096;
  std::size_t max_queued_bytes = 4 * 1024 * 1024;
  // Server-wide bytes of answers and notifications not yet written; past it, no new call is
  // answered and no notification queued until writes free room.
  std::size_t max_outgoing_bytes = 256 * 1024 * 1024;
  // Server-wide bytes of request bodies being read; a body that does not fit is refused (503 /
  // WebSocket close 1013, try again later).
  std::size_t max_pending_body_bytes = 256 * 1024 * 1024;
  // A connection with something to write that writes nothing for this long is closed (1008, with
  // the cursor each subscription resumes from).
  std::chrono::milliseconds slow_consumer_timeout{10000};
  // Failed credential checks (zkr_authenticate, a wrong Bearer credential): token buckets per
  // connection and per client address; past them, attempts are refused as rate_limited.
  double auth_failures_per_second = 1, auth_failure_burst = 5;
  double address_auth_failures_per_second = 2, address_auth_failure_burst = 20;
  std::size_t io_threads = 1;  // threads for sockets and in-memory (kInline) methods; on 2 cores
                               // one beats two (bench/RESULTS.md); raise it with more cores
  std::size_t workers = 2;     // threads for engine calls that may block
  RpcLimits rpc;
  /// TLS (HTTPS and WSS on the same port) when both are set: PEM files, TLS 1.2 or newer.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
  /// Each chain's own node (serve's chains[].rpcUrl): its chain endpoint sends there what the
  /// router does not hold.
  std::map<std::uint64_t, Upstream> upstreams;
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

#pragma once
// A small blocking JSON-RPC client for zkrouter over HTTP and WebSocket, used by the examples, the
// CLI and the tests. Every operation has a timeout, so a caller fails instead of hanging. Beast
// stays inside client.cpp.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "settlement/ethereum/http_client.hpp"

namespace zkr::api {

using HttpReply = settlement::http::Reply;

/// One HTTP/1.1 request to `host`:`port` on a new connection. Throws std::runtime_error if the
/// server cannot be reached or does not answer within 20 s.
HttpReply http_request(const std::string& host, std::uint16_t port, const std::string& method,
                       const std::string& target, const std::string& body = "",
                       const std::string& bearer = "");
inline HttpReply http_request(std::uint16_t port, const std::string& method,
                              const std::string& target, const std::string& body = "",
                              const std::string& bearer = "") {
  return http_request("127.0.0.1", port, method, target, body, bearer);
}
/// POSTs a JSON-RPC call and returns the parsed response.
boost::json::value rpc_http(const std::string& host, std::uint16_t port, const std::string& method,
                            boost::json::value params, const std::string& bearer = "");
inline boost::json::value rpc_http(std::uint16_t port, const std::string& method,
                                   boost::json::value params, const std::string& bearer = "") {
  return rpc_http("127.0.0.1", port, method, std::move(params), bearer);
}

/// One HTTPS request, verifying the server's certificate against the PEM `ca_file` and `host`.
/// Throws std::runtime_error on any failure (including a certificate that does not verify).
HttpReply https_request(const std::string& host, std::uint16_t port, const std::string& ca_file,
                        const std::string& method, const std::string& target,
                        const std::string& body = "");
/// Over wss://host:port/ (verified as above): sends `text` and returns the first message back.
std::string wss_exchange(const std::string& host, std::uint16_t port, const std::string& ca_file,
                         const std::string& text);

/// One client-to-server WebSocket frame (RFC 6455 5.2), final, masked with the all-zero key (so the
/// payload goes as it is): for tools that speak WebSocket over raw sockets, such as the hostile
/// clients of the tests and the soak.
std::string websocket_client_frame(std::uint8_t opcode, std::string_view payload);

class WsClient {
 public:
  /// Connects to ws://host:port/target. Throws std::runtime_error if it cannot.
  explicit WsClient(std::uint16_t port,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10),
                    const std::string& host = "127.0.0.1", const std::string& target = "/");
  ~WsClient();
  /// Sends a message, waiting at most the timeout for the socket to take it (else the connection
  /// ends as for a read). A failure to send is not reported here: the next read() finds the
  /// connection ended, with the server's close frame if it sent one.
  void send_text(const std::string& text);
  void send_binary(const std::string& bytes);
  /// The next message; nullopt once the connection has ended: closed by the server, failed, or
  /// no message within the timeout. A read that times out ends the connection (the client closes
  /// it: a WebSocket whose read was cancelled cannot go on); timed_out() then says so.
  std::optional<std::string> read();
  /// Sends a call and reads until its response arrives, keeping notifications that came first.
  boost::json::value call(const std::string& method, boost::json::value params);
  /// Notifications received so far (and not yet taken).
  std::vector<boost::json::value> take_notifications();
  /// Reads until `n` notifications are held or `timeout` passes. A message still on its way at
  /// the deadline is left to the next read (the connection stays open); only the client's own
  /// timeout passing without a message ends it, as for read().
  bool wait_notifications(std::size_t n,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Whether the connection has ended (see read()).
  bool closed() const;
  /// Whether it ended because a read or a send outlasted the client's timeout.
  bool timed_out() const;
  /// The server's close frame (code 0 if none came), or what ended the connection otherwise.
  int close_code() const;
  std::string close_reason() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint64_t next_id_ = 1;
};

}  // namespace zkr::api

#pragma once
// A small blocking HTTP and WebSocket client for tests against a server on 127.0.0.1. Every read
// has a timeout (SO_RCVTIMEO), so a test fails instead of hanging.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/json.hpp>

namespace zkr::testing {

struct HttpReply {
  int status = 0;
  std::string body;
  std::string content_type;
};

/// One HTTP/1.1 request on a new connection.
HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = "", const std::string& bearer = "");
/// POSTs a JSON-RPC call and returns the parsed response.
boost::json::value rpc_http(std::uint16_t port, const std::string& method,
                            boost::json::value params, const std::string& bearer = "");

class WsClient {
 public:
  explicit WsClient(std::uint16_t port,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~WsClient();
  void send_text(const std::string& text);
  void send_binary(const std::string& bytes);
  /// The next message; nullopt on close or timeout (then closed() / close_reason() say which).
  std::optional<std::string> read();
  /// Sends a call and reads until its response arrives, keeping notifications that came first.
  boost::json::value call(const std::string& method, boost::json::value params);
  /// Notifications received so far (and not yet taken).
  std::vector<boost::json::value> take_notifications();
  /// Reads until `n` notifications are held or the timeout passes.
  bool wait_notifications(std::size_t n,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool closed() const;
  int close_code() const;
  std::string close_reason() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint64_t next_id_ = 1;
};

}  // namespace zkr::testing

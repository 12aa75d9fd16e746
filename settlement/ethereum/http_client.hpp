#pragma once
// One HTTP/1.1 exchange over plain TCP, with a deadline: what the L1 JSON-RPC client (and the
// project's own tools) send. Every failure is a Status carrying the system's words (Boost's error
// text without its source location); nothing throws. Beast stays inside http_client.cpp.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace zkr::settlement::http {

struct Request {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string method = "POST";
  std::string target = "/";
  std::string body;
  std::string content_type = "application/json";
  std::string bearer;  // sent as Authorization: Bearer … when not empty
  std::chrono::milliseconds timeout = std::chrono::seconds(20);  // connect + write + read
  std::size_t max_body_bytes = 256 * 1024 * 1024;
};

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
};

/// Where an http://host:port[/path] URL points.
struct Url {
  std::string host;
  std::uint16_t port = 0;
  std::string target = "/";
};
/// InvalidArgument naming the URL and what is wrong with it (only http:// is spoken).
[[nodiscard]] absl::StatusOr<Url> parse_url(std::string_view url);

/// Connects, sends `request` on a new connection and reads the reply. Unavailable when the peer
/// cannot be reached, resets, or does not answer before the deadline.
[[nodiscard]] absl::StatusOr<Reply> exchange(const Request& request);

}  // namespace zkr::settlement::http

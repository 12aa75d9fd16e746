#pragma once
// A chain's own node behind its chain endpoint: what the router does not hold (the chain's blocks,
// nonces, gas, eth_call, eth_sendRawTransaction, …) is sent there unchanged and its answer relayed,
// errors included. One HTTP exchange per call; safe to use from several threads.

#include <chrono>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "absl/status/statusor.h"
#include "settlement/ethereum/http_client.hpp"

namespace zkr::api {

class Upstream {
 public:
  /// `url` is http://host:port[/path]; nothing is contacted until the first call.
  [[nodiscard]] static absl::StatusOr<Upstream> create(std::uint64_t chain_id, std::string url);

  /// The node's `result`, or its `error` relayed as is (relayed_error), or Unavailable naming the
  /// node when it cannot be reached or answers something that is not JSON-RPC.
  [[nodiscard]] absl::StatusOr<boost::json::value> call(std::string_view method,
                                                        const boost::json::value& params) const;
  const std::string& url() const noexcept { return url_; }

 private:
  Upstream(std::uint64_t chain_id, std::string url, settlement::http::Url where)
      : chain_id_(chain_id), url_(std::move(url)), where_(std::move(where)) {}
  std::uint64_t chain_id_;
  std::string url_;
  settlement::http::Url where_;
  std::chrono::milliseconds timeout_ = std::chrono::seconds(10);
};

}  // namespace zkr::api

#pragma once
// A chain's own node behind its chain endpoint: what the router does not hold (the chain's blocks,
// nonces, gas, eth_call, eth_sendRawTransaction, …) is sent there unchanged and its answer relayed,
// errors included. One HTTP exchange per call; safe to use from several threads.

#include <chrono>
#include <functional>
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

  /// A node in the same process (the devnet's simulated chains): `answer` is called for each
  /// forwarded call instead of an HTTP exchange.
  using Answer = std::function<absl::StatusOr<boost::json::value>(
      std::string_view method, const boost::json::value& params)>;
  [[nodiscard]] static Upstream in_process(std::uint64_t chain_id, std::string name, Answer answer);

  /// The node's `result`, or its `error` relayed as is (relayed_error), or Unavailable naming the
  /// node when it cannot be reached or answers something that is not JSON-RPC.
  [[nodiscard]] absl::StatusOr<boost::json::value> call(std::string_view method,
                                                        const boost::json::value& params) const;
  const std::string& url() const noexcept { return url_; }

 private:
  Upstream(std::uint64_t chain_id, std::string url, settlement::http::Url where)
      : chain_id_(chain_id), url_(std::move(url)), where_(std::move(where)) {}
  std::uint64_t chain_id_;
  std::string url_;  // or the in-process node's name
  settlement::http::Url where_;
  Answer answer_;  // set for a node in the same process
  std::chrono::milliseconds timeout_ = std::chrono::seconds(10);
};

}  // namespace zkr::api

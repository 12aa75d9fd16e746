#pragma once
// Reading what an L1 node holds from one sender, for tests against anvil.

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "settlement/eth_rpc_client.hpp"

namespace zkr::testing {

/// Where the tests settle: an address without code, so the node accepts every call and what
/// reaches it is exactly what the submitter sent.
inline merkle::Address settlement_address() {
  return *merkle::parse_address("0x00000000000000000000000000000000005e771e");
}

/// Every transaction sent by `from` on the node's canonical chain, oldest first, as the node
/// returns them (eth_getBlockByNumber with full transactions).
inline absl::StatusOr<std::vector<boost::json::object>> transactions_from(
    settlement::EthRpcClient& client, const merkle::Address& from) {
  std::vector<boost::json::object> out;
  const auto head = client.head();
  if (!head.ok()) return head.status();
  const std::string me = merkle::to_hex(from);
  for (std::uint64_t n = 1; n <= *head; ++n) {
    const auto block =
        client.call("eth_getBlockByNumber", boost::json::array{settlement::to_quantity(n), true});
    if (!block.ok()) return block.status();
    for (const boost::json::value& tx : block->at("transactions").as_array()) {
      std::string sender(tx.at("from").as_string());
      std::transform(sender.begin(), sender.end(), sender.begin(), ::tolower);
      if (sender == me) out.push_back(tx.as_object());
    }
  }
  return out;
}

}  // namespace zkr::testing

#pragma once
// Reading what an L1 node holds from one sender, for tests against anvil.

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "settlement/ethereum/eth_rpc_client.hpp"
#include "settlement/ethereum/l1_calls.hpp"
#include "settlement/ethereum/settlement_contract.hpp"

namespace zkr::testing {

/// Where the tests settle. On anvil, install_settlement_contract puts the settlement contract's
/// code there; on the embedded L1 the contract model runs there.
inline merkle::Address settlement_address() {
  return *merkle::parse_address("0x00000000000000000000000000000000005e771e");
}

/// anvil's second development account: it deploys contracts, so the submitter's nonces (anvil's
/// first account) stay as the tests expect.
inline constexpr const char* kAnvilDeployerKey =
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// The compiled contracts (contracts/compile.js's output), as ctest passes it: ZKR_CONTRACTS_DIR
/// (or, for a test built with it, the build's own ZKR_DEFAULT_CONTRACTS_DIR).
inline std::string contracts_dir() {
  const char* dir = std::getenv("ZKR_CONTRACTS_DIR");
#ifdef ZKR_DEFAULT_CONTRACTS_DIR
  if (dir == nullptr) return ZKR_DEFAULT_CONTRACTS_DIR;
#endif
  return dir == nullptr ? "" : dir;
}

/// Deploys L1Settlement(chain, signer) with the project's deployment code and puts its code at
/// settlement_address() (anvil_setCode; the constructor writes no storage), so what the tests
/// submit there runs in the real contract. Returns where it was deployed.
inline absl::StatusOr<merkle::Address> install_settlement_contract(settlement::EthRpcClient& node,
                                                                   const merkle::Address& signer,
                                                                   std::uint64_t chain = 506) {
  auto code =
      settlement::contract::creation_code(contracts_dir() + "/L1Settlement.json", chain, signer);
  if (!code.ok()) return code.status();
  const auto deployer = settlement::secp256k1::PrivateKey::from_hex(kAnvilDeployerKey);
  if (!deployer.ok()) return deployer.status();
  auto at = settlement::contract::deploy(node, *deployer, *code);
  if (!at.ok()) return at.status();
  auto runtime = node.call("eth_getCode", boost::json::array{merkle::to_hex(*at), "latest"});
  if (!runtime.ok()) return runtime.status();
  auto set = node.call("anvil_setCode",
                       boost::json::array{merkle::to_hex(settlement_address()), *runtime});
  if (!set.ok()) return set.status();
  return *at;
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

/// action ("commit", "prove", "execute") → Gateway batch → how many transactions cover it.
using L1Coverage = std::map<std::string, std::map<std::uint64_t, int>>;

/// What `txs` (transactions_from's answer) settle, decoded from their calldata; an error unless
/// their nonces run 0, 1, 2, … without a gap.
inline absl::StatusOr<L1Coverage> l1_coverage(const std::vector<boost::json::object>& txs) {
  L1Coverage covered;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    const auto nonce = settlement::parse_quantity(txs[i].at("nonce"));
    if (!nonce.ok() || *nonce != i)
      return absl::InternalError(absl::StrCat("transaction ", i, " on L1 has nonce ",
                                              boost::json::serialize(txs[i].at("nonce"))));
    const auto input = merkle::parse_hex(std::string_view(txs[i].at("input").as_string()));
    if (!input.ok()) return input.status();
    const auto call = settlement::l1calls::decode(*input);
    if (!call.ok()) return call.status();
    for (std::uint64_t n = call->first; n <= call->last; ++n)
      ++covered[settlement::l1calls::action_name(call->action)][n];
  }
  return covered;
}

}  // namespace zkr::testing

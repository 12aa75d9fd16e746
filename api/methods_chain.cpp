// The chain endpoints (/chains/{id}): what a ZKsync node answers for its chain, from the router's
// state, with Ethereum's JSON-RPC conventions: quantities as 0x-hex without leading zeros.

#include "absl/strings/str_cat.h"
#include "api/methods.hpp"
#include "merkle/status.hpp"

namespace zkr::api {
namespace json = boost::json;

namespace {

/// An Ethereum JSON-RPC quantity: 0x-hex, no leading zeros ("0x0" for zero).
std::string quantity(std::uint64_t v) {
  return absl::StrCat("0x", absl::Hex(v));
}

std::uint64_t endpoint_chain(const CallContext& c) {
  // The server sets it for every call that reaches this table.
  return c.endpoint_chain.value_or(0);
}

}  // namespace

void add_chain_methods(Dispatcher& d, const router::Engine& e) {
  d.add(
      "eth_chainId",
      [](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
        ZKR_RETURN_IF_ERROR(Params(params, {}).no_extra());
        return json::value(quantity(endpoint_chain(c)));
      },
      Cost::kInline);
  d.add(
      "net_version",
      [](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
        ZKR_RETURN_IF_ERROR(Params(params, {}).no_extra());
        return json::value(absl::StrCat(endpoint_chain(c)));
      },
      Cost::kInline);
  d.add_raw(
      "zks_getL2ToL1LogProof",
      [&e](const json::value& params, CallContext& c) {
        return zks_log_proof(e, params, endpoint_chain(c));
      },
      Cost::kInline);
}

}  // namespace zkr::api

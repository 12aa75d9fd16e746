#pragma once
// The JSON-RPC method table. Each group lives in its own file: methods_query.cpp (zks_* and the
// native reads), methods_ingest.cpp (authentication, batch submission, the operator's lifecycle
// calls), methods_chain.cpp (the per-chain endpoints). Subscriptions are registered by the server,
// which owns the hub.

#include <cstdint>
#include <map>

#include "api/rpc.hpp"
#include "api/upstream.hpp"
#include "router/engine.hpp"

namespace zkr::api {

void add_query_methods(Dispatcher& dispatcher, const router::Engine& engine);
/// An Ethereum JSON-RPC block object from what the router knows of a block: number, hash, parent
/// hash, timestamp (Unix seconds) and its transactions (hashes or objects); every field it does
/// not know (roots, gas, miner, …) is zero.
[[nodiscard]] boost::json::object block_json(std::uint64_t number, const merkle::Word& hash,
                                             const merkle::Word& parent_hash,
                                             std::uint64_t timestamp,
                                             boost::json::array transactions);
/// eth_getBlockByNumber's parameters (block tag or 0x-quantity, fullTransactions?): the block they
/// name among blocks first..last (`latest`, `safe`, `finalized`: the last; `earliest`: the first;
/// none for `pending` or when there is no block yet), and whether full transactions are asked for.
struct BlockRequest {
  std::optional<std::uint64_t> number;
  bool full = false;
};
[[nodiscard]] absl::StatusOr<BlockRequest> block_request(const boost::json::value& params,
                                                         std::uint64_t first,
                                                         std::optional<std::uint64_t> last);
/// An Ethereum JSON-RPC quantity: 0x-hex without leading zeros ("0x0" for zero).
[[nodiscard]] boost::json::value quantity_json(std::uint64_t value);

/// Each chain's own node, by chain id (serve's chains[].rpcUrl).
using Upstreams = std::map<std::uint64_t, Upstream>;
/// The methods of the chain endpoints (/chains/{id}): Ethereum and ZKsync JSON-RPC for one chain
/// (or the Gateway), with Ethereum's conventions (0x-hex quantities). The chain is
/// CallContext::endpoint_chain; what the router does not hold goes to `upstreams` (which must
/// outlive the dispatcher).
void add_chain_methods(Dispatcher& dispatcher, const router::Engine& engine,
                       const Upstreams& upstreams);
void add_ingest_methods(Dispatcher& dispatcher, router::Engine& engine);

/// zks_getL2ToL1LogProof(txHash, index?, interopMode?), on `chain`'s transactions only when given:
/// the answer's JSON text, "null" where a ZKsync node answers null.
[[nodiscard]] absl::StatusOr<std::string> zks_log_proof(const router::Engine& engine,
                                                        const boost::json::value& params,
                                                        std::optional<std::uint64_t> chain);

/// OK if the call may act for `chain_id`: the connection authenticated for it (WebSocket) or the
/// bearer credential is the chain's (HTTP). Unauthenticated / PermissionDenied otherwise.
[[nodiscard]] absl::Status authorize(const router::Engine& engine, CallContext& context,
                                     std::uint64_t chain_id);

}  // namespace zkr::api

#pragma once
// The JSON-RPC method table. Each group lives in its own file: methods_query.cpp (zks_* and the
// native reads), methods_ingest.cpp (authentication, batch submission, the operator's lifecycle
// calls). Subscriptions are registered by the server, which owns the hub.

#include "api/rpc.hpp"
#include "router/engine.hpp"

namespace zkr::api {

void add_query_methods(Dispatcher& dispatcher, const router::Engine& engine);
void add_ingest_methods(Dispatcher& dispatcher, router::Engine& engine);

/// OK if the call may act for `chain_id`: the connection authenticated for it (WebSocket) or the
/// bearer credential is the chain's (HTTP). Unauthenticated / PermissionDenied otherwise.
[[nodiscard]] absl::Status authorize(const router::Engine& engine, CallContext& context,
                                     std::uint64_t chain_id);

}  // namespace zkr::api

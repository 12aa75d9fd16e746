#include "absl/strings/str_cat.h"
#include "api/json_codec.hpp"
#include "api/methods.hpp"
#include "merkle/status.hpp"

namespace zkr::api {
namespace json = boost::json;

namespace {

/// Refuses a credential check while this connection or its address has failed too often lately.
absl::Status throttle_credentials(CallContext& c) {
  if ((c.connection_failures != nullptr && !c.connection_failures->allows()) ||
      (c.address_failures != nullptr && !c.address_failures->allows())) {
    return with_reason(absl::ResourceExhaustedError(
                           "too many failed credential attempts from this connection or address; "
                           "wait a few seconds"),
                       "rate_limited");
  }
  return absl::OkStatus();
}

/// The credential check itself, counted against the throttle when it fails.
absl::Status check_credential(const router::Engine& engine, CallContext& c, std::uint64_t chain,
                              const std::string& credential) {
  ZKR_RETURN_IF_ERROR(throttle_credentials(c));
  absl::Status s = engine.check_credential(chain, credential);
  if (!s.ok()) {
    if (c.connection_failures != nullptr) c.connection_failures->charge();
    if (c.address_failures != nullptr) c.address_failures->charge();
  }
  return s;
}

}  // namespace

absl::Status authorize(const router::Engine& engine, CallContext& context, std::uint64_t chain_id) {
  if (context.authenticated != nullptr && context.authenticated->contains(chain_id))
    return absl::OkStatus();
  if (context.bearer) {
    const absl::Status s = check_credential(engine, context, chain_id, *context.bearer);
    // Do not tell an unauthenticated caller whether the chain exists.
    if (s.code() == absl::StatusCode::kNotFound) {
      return absl::PermissionDeniedError(
          absl::StrCat("the credential is not valid for chain ", chain_id));
    }
    return s;
  }
  // A WebSocket that proved another chain's credential is authenticated, just not for this chain:
  // the same answer HTTP gives a wrong credential.
  if (context.authenticated != nullptr && !context.authenticated->empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "this connection is authenticated for other chains, not for chain ", chain_id));
  }
  return absl::UnauthenticatedError(absl::StrCat(
      "chain operator calls need a credential: zkr_authenticate on a WebSocket, or an HTTP "
      "Authorization: Bearer header (chain ",
      chain_id, ")"));
}

namespace {

// (chainId, batchNumber) of an operator call, authorized.
absl::StatusOr<std::pair<std::uint64_t, std::uint64_t>> operator_batch(const router::Engine& e,
                                                                       const Params& p,
                                                                       CallContext& c) {
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t chain, p.u64(0));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t batch, p.u64(1));
  ZKR_RETURN_IF_ERROR(authorize(e, c, chain));
  return std::pair{chain, batch};
}

}  // namespace

void add_ingest_methods(Dispatcher& d, router::Engine& e) {
  d.add("zkr_authenticate",
        [&e](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
          const Params p(params, {"chainId", "credential"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          if (c.authenticated == nullptr) {
            return absl::FailedPreconditionError(
                "zkr_authenticate works on a WebSocket connection; over HTTP send Authorization: "
                "Bearer <credential>");
          }
          ZKR_ASSIGN_OR_RETURN(const std::uint64_t chain, p.u64(0));
          ZKR_ASSIGN_OR_RETURN(const std::string credential, p.string(1));
          absl::Status s = check_credential(e, c, chain, credential);
          if (s.code() == absl::StatusCode::kNotFound) {
            s = absl::PermissionDeniedError(
                absl::StrCat("the credential is not valid for chain ", chain));
          }
          ZKR_RETURN_IF_ERROR(s);
          c.authenticated->insert(chain);
          return json::object{{"chainId", chain}, {"authenticated", true}};
        });

  d.add("zkr_submitBatch",
        [&e](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
          const Params p(params, {"batch"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const json::value* bv, p.value(0));
          // Reading the batch is part of its work: in the background with its ingest.
          const auto background = e.in_background();
          ZKR_ASSIGN_OR_RETURN(router::SealedBatch batch, batch_from_json(*bv));
          ZKR_RETURN_IF_ERROR(authorize(e, c, batch.chain_id));
          const std::uint64_t chain = batch.chain_id, number = batch.batch_number;
          ZKR_ASSIGN_OR_RETURN(const router::IngestResult r, e.ingest(std::move(batch)));
          return ingest_result_to_json(chain, number, r);
        });

  d.add("zkr_commitBatch",
        [&e](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
          const Params p(params, {"chainId", "batchNumber"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const auto key, operator_batch(e, p, c));
          ZKR_RETURN_IF_ERROR(e.commit_batch(key.first, key.second));
          return batch_info_to_json(*e.batch(key.first, key.second));
        });

  d.add("zkr_proveBatch",
        [&e](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
          const Params p(params, {"chainId", "batchNumber", "proof"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const auto key, operator_batch(e, p, c));
          ZKR_ASSIGN_OR_RETURN(const std::string proof_hex, p.string(2));
          absl::StatusOr<merkle::Bytes> proof = merkle::parse_hex(proof_hex);
          if (!proof.ok())
            return absl::InvalidArgumentError(
                absl::StrCat("parameter 2 (proof): ", proof.status().message()));
          ZKR_RETURN_IF_ERROR(e.prove_batch(key.first, key.second, *proof));
          return batch_info_to_json(*e.batch(key.first, key.second));
        });

  d.add("zkr_executeBatch",
        [&e](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
          const Params p(params, {"chainId", "batchNumber"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const auto key, operator_batch(e, p, c));
          ZKR_RETURN_IF_ERROR(e.execute_batch(key.first, key.second).status());
          return batch_info_to_json(*e.batch(key.first, key.second));
        });
}

}  // namespace zkr::api

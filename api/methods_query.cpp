#include <algorithm>
#include <iterator>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "api/json_codec.hpp"
#include "api/methods.hpp"
#include "merkle/status.hpp"

namespace zkr::api {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxProofsPerCall = 100;
// zkr_listMessages' filter: every field it reads, and no other.
constexpr std::string_view kListFilterFields[] = {
    "sourceChainId", "destinationChainId", "sender", "kind",
    "stage",         "fromTime",           "toTime", "cursor",
    "limit"};

absl::StatusOr<router::MessageId> message_id(const Params& p, std::size_t i) {
  ZKR_ASSIGN_OR_RETURN(const std::string text, p.string(i));
  return router::MessageId::parse(text);
}

absl::StatusOr<router::ProofTarget> target(const Params& p, std::size_t i) {
  if (!p.has(i)) return router::ProofTarget::kGateway;
  ZKR_ASSIGN_OR_RETURN(const std::string t, p.string(i));
  if (t == "gateway") return router::ProofTarget::kGateway;
  if (t == "l1") return router::ProofTarget::kL1;
  return absl::InvalidArgumentError(absl::StrCat("target must be \"gateway\" or \"l1\", got \"",
                                                 to_absl(utf8_prefix(t, 32)), "\""));
}

// A proof that does not exist yet (but will) is reported with the reason "not_final".
absl::Status proof_error(const absl::Status& s) {
  return router::is_not_final(s) ? with_reason(s, "not_final") : s;
}

absl::StatusOr<router::BuiltProof> requested_proof(const router::Engine& e,
                                                   const json::value& params) {
  const Params p(params, {"id", "target", "gatewayBlock"});
  ZKR_RETURN_IF_ERROR(p.no_extra());
  ZKR_ASSIGN_OR_RETURN(const router::MessageId id, message_id(p, 0));
  ZKR_ASSIGN_OR_RETURN(const router::ProofTarget t, target(p, 1));
  std::optional<std::uint64_t> block;
  if (p.has(2)) {
    ZKR_ASSIGN_OR_RETURN(block, p.u64(2));
  }
  absl::StatusOr<router::BuiltProof> proof = e.proof(id, t, block);
  if (!proof.ok()) return proof_error(proof.status());
  return proof;
}

absl::StatusOr<json::value> one_proof(const router::Engine& e, const json::value& params) {
  ZKR_ASSIGN_OR_RETURN(const router::BuiltProof proof, requested_proof(e, params));
  return proof_to_json(proof);
}

json::value error_json(const absl::Status& s) {
  const RpcError e = to_rpc_error(s);
  return json::object{
      {"code", e.code}, {"message", e.message}, {"data", json::object{{"reason", e.reason}}}};
}

}  // namespace

absl::StatusOr<std::string> zks_log_proof(const router::Engine& e, const json::value& params,
                                          std::optional<std::uint64_t> chain) {
  const Params p(params, {"txHash", "index", "proofTarget"});
  ZKR_RETURN_IF_ERROR(p.no_extra());
  ZKR_ASSIGN_OR_RETURN(const merkle::Word tx, p.word(0));
  std::uint64_t index = 0;
  if (p.has(1)) {
    ZKR_ASSIGN_OR_RETURN(index, p.u64(1));
  }
  // Both ZKsync servers' dialects: the Era server's interopMode ("proof_based_gw") and the ZKsync
  // OS server's proofTarget ("messageRoot" for interop through the Gateway, "l1BatchRoot", the
  // default, for L1).
  router::ProofTarget t = router::ProofTarget::kL1;
  if (p.has(2)) {
    ZKR_ASSIGN_OR_RETURN(const std::string mode, p.string(2));
    if (mode == "proof_based_gw" || mode == "messageRoot") {
      t = router::ProofTarget::kGateway;
    } else if (mode != "l1BatchRoot") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown proof target \"", to_absl(utf8_prefix(mode, 32)),
          "\": \"messageRoot\" or \"proof_based_gw\" (the Gateway), \"l1BatchRoot\" (L1)"));
    }
  }
  absl::StatusOr<router::BuiltProof> proof = e.proof_by_tx(tx, index, t, chain);
  if (!proof.ok()) {
    if (proof.status().code() == absl::StatusCode::kNotFound ||
        proof.status().code() == absl::StatusCode::kFailedPrecondition) {
      return std::string("null");
    }
    return proof.status();
  }
  return zks_proof_json_text(*proof);
}

void add_query_methods(Dispatcher& d, const router::Engine& e) {
  // ZKsync compatible: null exactly where the ZKsync server returns null (no such log, or the
  // proof does not exist yet); zkr_getProof says why. From memory: it runs on the I/O thread.
  d.add_raw(
      "zks_getL2ToL1LogProof",
      [&e](const json::value& params, CallContext&) {
        return zks_log_proof(e, params, std::nullopt);
      },
      Cost::kInline);

  // Proofs and interop roots come from the in-memory trees alone: they run on the I/O thread.
  d.add_raw(
      "zkr_getProof",
      [&e](const json::value& params, CallContext&) -> absl::StatusOr<std::string> {
        ZKR_ASSIGN_OR_RETURN(const router::BuiltProof proof, requested_proof(e, params));
        return proof_json_text(proof);
      },
      Cost::kInline);

  d.add(
      "zkr_getProofs",
      [&e](const json::value& params, CallContext&) -> absl::StatusOr<json::value> {
        const Params p(params, {"requests"});
        ZKR_RETURN_IF_ERROR(p.no_extra());
        ZKR_ASSIGN_OR_RETURN(const json::value* requests, p.value(0));
        if (!requests->is_array())
          return absl::InvalidArgumentError("parameter 0 (requests) must be an array");
        if (requests->get_array().size() > kMaxProofsPerCall) {
          return with_reason(absl::InvalidArgumentError(absl::StrCat("at most ", kMaxProofsPerCall,
                                                                     " proofs per call, got ",
                                                                     requests->get_array().size())),
                             "too_many_requests");
        }
        json::array out;
        for (const json::value& r : requests->get_array()) {
          absl::StatusOr<json::value> proof = one_proof(e, r);
          out.push_back(proof.ok()
                            ? json::value(json::object{{"result", std::move(*proof)}})
                            : json::value(json::object{{"error", error_json(proof.status())}}));
        }
        return out;
      },
      Cost::kInline);

  d.add("zkr_getMessage",
        [&e](const json::value& params, CallContext&) -> absl::StatusOr<json::value> {
          const Params p(params, {"id"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const router::MessageId id, message_id(p, 0));
          ZKR_ASSIGN_OR_RETURN(const router::LogRow row, e.message(id));
          return message_to_json(row);
        });

  d.add("zkr_getMessagesByTx",
        [&e](const json::value& params, CallContext&) -> absl::StatusOr<json::value> {
          const Params p(params, {"txHash"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const merkle::Word tx, p.word(0));
          ZKR_ASSIGN_OR_RETURN(const std::vector<router::LogRow> rows, e.logs_by_tx(tx));
          json::array out;
          for (const router::LogRow& r : rows) out.push_back(message_to_json(r));
          return out;
        });

  d.add("zkr_getMessageStatus",
        [&e](const json::value& params, CallContext&) -> absl::StatusOr<json::value> {
          const Params p(params, {"id"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const router::MessageId id, message_id(p, 0));
          ZKR_ASSIGN_OR_RETURN(const router::MessageStatus status, e.status(id));
          return status_to_json(status);
        });

  d.add("zkr_listMessages",
        [&e](const json::value& params, CallContext&) -> absl::StatusOr<json::value> {
          const Params p(params, {"filter"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          router::MessageFilter f;
          if (p.has(0)) {
            ZKR_ASSIGN_OR_RETURN(const json::value* fv, p.value(0));
            const json::object* fo = fv->if_object();
            if (fo == nullptr)
              return absl::InvalidArgumentError("parameter 0 (filter) must be an object");
            for (const auto& [key, value] : *fo) {
              const std::string_view k(key);
              if (std::find(std::begin(kListFilterFields), std::end(kListFilterFields), k) ==
                  std::end(kListFilterFields)) {
                return absl::InvalidArgumentError(
                    absl::StrCat("unknown filter field \"", to_absl(utf8_prefix(k, 32)), "\""));
              }
            }
            if (fo->contains("sourceChainId")) {
              ZKR_ASSIGN_OR_RETURN(f.source_chain_id, u64_field(*fo, "sourceChainId"));
            }
            if (fo->contains("destinationChainId")) {
              ZKR_ASSIGN_OR_RETURN(f.destination_chain_id, u64_field(*fo, "destinationChainId"));
            }
            if (const json::value* s = fo->if_contains("sender")) {
              absl::StatusOr<merkle::Address> a =
                  s->is_string() ? merkle::parse_address(std::string_view(s->get_string()))
                                 : absl::StatusOr<merkle::Address>(
                                       absl::InvalidArgumentError("must be a string"));
              if (!a.ok())
                return absl::InvalidArgumentError(
                    absl::StrCat("filter sender: ", a.status().message()));
              f.sender = *a;
            }
            if (const json::value* k = fo->if_contains("kind")) {
              const std::string kind = k->is_string() ? std::string(k->get_string()) : "";
              if (kind == "log")
                f.kind = router::LogKind::kLog;
              else if (kind == "message")
                f.kind = router::LogKind::kMessage;
              else if (kind == "bundle")
                f.kind = router::LogKind::kBundle;
              else
                return absl::InvalidArgumentError(
                    "filter kind must be \"log\", \"message\" or \"bundle\"");
            }
            if (const json::value* st = fo->if_contains("stage")) {
              f.stage = st->is_string()
                            ? settlement::stage_from_name(std::string_view(st->get_string()))
                            : std::nullopt;
              if (!f.stage)
                return absl::InvalidArgumentError(
                    "filter stage must be recorded, committed, proven or executed");
            }
            if (fo->contains("fromTime")) {
              ZKR_ASSIGN_OR_RETURN(const std::uint64_t t, u64_field(*fo, "fromTime"));
              ZKR_ASSIGN_OR_RETURN(f.from_time_ms, as_cursor(t, "fromTime"));
            }
            if (fo->contains("toTime")) {
              ZKR_ASSIGN_OR_RETURN(const std::uint64_t t, u64_field(*fo, "toTime"));
              ZKR_ASSIGN_OR_RETURN(f.to_time_ms, as_cursor(t, "toTime"));
            }
            if (fo->contains("cursor")) {
              ZKR_ASSIGN_OR_RETURN(const std::uint64_t c, u64_field(*fo, "cursor"));
              ZKR_ASSIGN_OR_RETURN(f.after_seq, as_cursor(c, "cursor"));
            }
            if (fo->contains("limit")) {
              ZKR_ASSIGN_OR_RETURN(f.limit, u64_field(*fo, "limit"));
            }
          }
          ZKR_ASSIGN_OR_RETURN(const router::MessagePage page, e.list_messages(f));
          json::array rows;
          for (const router::LogRow& r : page.rows) rows.push_back(message_to_json(r));
          return json::object{{"messages", std::move(rows)}, {"nextCursor", page.next_cursor}};
        });

  d.add(
      "zkr_getInteropRoot",
      [&e](const json::value& params, CallContext&) -> absl::StatusOr<json::value> {
        const Params p(params, {"gatewayBlock"});
        ZKR_RETURN_IF_ERROR(p.no_extra());
        ZKR_ASSIGN_OR_RETURN(const std::uint64_t block, p.u64(0));
        absl::StatusOr<merkle::Word> root = e.interop_root(block);
        if (!root.ok()) return proof_error(root.status());
        return json::object{
            {"chainId", e.gateway_chain_id()}, {"gatewayBlockNumber", block}, {"root", hex(*root)}};
      },
      Cost::kInline);

  d.add("zkr_getBatch",
        [&e](const json::value& params, CallContext&) -> absl::StatusOr<json::value> {
          const Params p(params, {"chainId", "batchNumber"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const std::uint64_t chain, p.u64(0));
          ZKR_ASSIGN_OR_RETURN(const std::uint64_t number, p.u64(1));
          const auto b = e.batch(chain, number);
          if (!b)
            return absl::NotFoundError(absl::StrCat("no batch ", number, " of chain ", chain));
          return batch_info_to_json(*b);
        });

  d.add("zkr_getChain",
        [&e](const json::value& params, CallContext&) -> absl::StatusOr<json::value> {
          const Params p(params, {"chainId"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const std::uint64_t chain, p.u64(0));
          const auto c = e.chain(chain);
          if (!c) return absl::NotFoundError(absl::StrCat("unknown chain ", chain));
          json::array history;
          for (const auto& [first, layer] : c->history) {
            history.push_back(json::object{{"fromBatch", first},
                                           {"settlementLayer", settlement::layer_name(layer)}});
          }
          json::object out{{"chainId", c->chain_id},
                           {"settlementLayer", settlement::layer_name(c->layer)},
                           {"lastRecorded", c->last_recorded},
                           {"lastCommitted", c->last_committed},
                           {"lastProven", c->last_proven},
                           {"lastExecuted", c->last_executed},
                           {"history", std::move(history)}};
          if (c->l1_contract) out["l1Contract"] = merkle::to_hex(*c->l1_contract);
          return out;
        });

  d.add("zkr_getGatewayBatch",
        [&e](const json::value& params, CallContext&) -> absl::StatusOr<json::value> {
          const Params p(params, {"number"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const std::uint64_t number, p.u64(0));
          const auto g = e.gateway_batch(number);
          if (!g) return absl::NotFoundError(absl::StrCat("no Gateway batch ", number));
          json::value out = gateway_batch_to_json(*g);
          if (const auto proof = e.aggregated_proof(number))
            out.as_object()["aggregatedProof"] = aggregated_proof_to_json(*proof);
          ZKR_ASSIGN_OR_RETURN(const auto txs, e.l1_transactions(number, number));
          json::array l1;
          for (const auto& tx : txs) l1.push_back(l1_tx_to_json(tx));
          out.as_object()["l1Transactions"] = std::move(l1);
          // Why the batch is held on L1: the contract refused the step it waits for.
          for (auto it = txs.rbegin(); it != txs.rend(); ++it) {
            if (it->state != settlement::L1TxState::kReverted) continue;
            if (static_cast<int>(g->l1_stage) > static_cast<int>(it->action)) break;
            out.as_object()["l1Error"] = absl::StrCat(
                settlement::l1calls::action_name(it->action), " reverted in L1 block ",
                it->block_number.value_or(0), ": ", it->revert_reason.value_or("no reason given"));
            break;
          }
          return out;
        });

  // zkr_getCostReport({gatewayBatch} | {chainId} | {}): the cost ledger.
  d.add("zkr_getCostReport",
        [&e](const json::value& params, CallContext&) -> absl::StatusOr<json::value> {
          const Params p(params, {"gatewayBatch", "chainId"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          if (p.has(0) && p.has(1))
            return with_reason(absl::InvalidArgumentError("give gatewayBatch or chainId, not both"),
                               "invalid_params");
          if (p.has(0)) {
            ZKR_ASSIGN_OR_RETURN(const std::uint64_t n, p.u64(0));
            ZKR_ASSIGN_OR_RETURN(const auto cost, e.cost_of_gateway_batch(n));
            json::value out = cost_to_json(cost);
            // Beside the model: the gas L1 charged, from the receipts of the transactions that
            // settled it (a transaction over several Gateway batches is split evenly).
            ZKR_ASSIGN_OR_RETURN(const auto txs, e.l1_transactions(n, n));
            json::object measured;
            std::uint64_t total = 0;
            bool any = false;
            for (const auto& tx : txs) {
              if (!tx.gas_used || tx.state == settlement::L1TxState::kReplaced ||
                  tx.state == settlement::L1TxState::kReverted)
                continue;
              const std::uint64_t share = *tx.gas_used / (tx.last_batch - tx.first_batch + 1);
              measured[settlement::l1calls::action_name(tx.action)] = share;
              total += share;
              any = true;
            }
            if (any) {
              measured["total"] = total;
              out.as_object()["measuredGas"] = std::move(measured);
            }
            return out;
          }
          if (p.has(1)) {
            ZKR_ASSIGN_OR_RETURN(const std::uint64_t id, p.u64(1));
            ZKR_ASSIGN_OR_RETURN(const auto cost, e.cost_of_chain(id));
            return chain_cost_to_json(cost);
          }
          // Totals over every Gateway batch.
          std::uint64_t direct = 0, aggregated = 0, covered = 0;
          const std::size_t count = e.gateway_batch_count();
          for (std::uint64_t n = 1; n <= count; ++n) {
            ZKR_ASSIGN_OR_RETURN(const auto cost, e.cost_of_gateway_batch(n));
            direct += cost.direct_gas;
            aggregated += cost.aggregated_gas;
            covered += cost.covered;
          }
          return json::object{
              {"gatewayBatches", count},
              {"coveredBatches", covered},
              {"directGas", direct},
              {"aggregatedGas", aggregated},
              {"ratio",
               direct == 0 ? 0.0 : static_cast<double>(aggregated) / static_cast<double>(direct)}};
        });

  d.add("zkr_getGatewayStatus",
        [&e](const json::value& params, CallContext&) -> absl::StatusOr<json::value> {
          ZKR_RETURN_IF_ERROR(Params(params, {}).no_extra());
          const auto sealed = e.last_sealed_block();
          const std::size_t gateway_batches = e.gateway_batch_count();
          json::array chains;
          for (const settlement::ChainInfo& c : e.chains()) chains.push_back(c.chain_id);
          return json::object{
              {"chainId", e.gateway_chain_id()},
              {"lastSealedBlock", sealed ? json::value(*sealed) : json::value(nullptr)},
              {"unbatchedBlocks", e.unbatched_blocks()},
              {"lastGatewayBatch",
               gateway_batches == 0 ? json::value(nullptr) : json::value(gateway_batches)},
              {"lastEventCursor", e.last_event_seq()},
              {"chains", std::move(chains)}};
        });
}

}  // namespace zkr::api

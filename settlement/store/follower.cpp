#include "settlement/store/follower.hpp"

#include <array>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"
#include "settlement/store/settlement_store.hpp"

namespace zkr::settlement {
namespace {

absl::Status disagrees(const Event& event, std::string_view why) {
  return absl::DataLossError(
      absl::StrCat("event ", event.seq, " (", event_kind_name(event.kind),
                   ") does not follow from the events before it: ", to_absl(why),
                   "; refusing to serve from an inconsistent database"));
}

/// The stored event must be the one the recomputed step makes (its detail too, when the step
/// alone determines it).
absl::Status same_event(const Event& stored, const Event& computed, bool compare_detail) {
  if (stored.kind != computed.kind || stored.chain_id != computed.chain_id ||
      stored.batch_number != computed.batch_number ||
      stored.block_number != computed.block_number || stored.gw_batch != computed.gw_batch) {
    return disagrees(stored, "its chain, batch, block or Gateway batch differ");
  }
  if (compare_detail && stored.detail != computed.detail) {
    return disagrees(stored, absl::StrCat("it says ", stored.detail, "; the state before it gives ",
                                          computed.detail));
  }
  return absl::OkStatus();
}

/// The string value of `"key":"…"` in an event's detail (written by the Gateway itself).
std::optional<std::string_view> detail_field(std::string_view detail, std::string_view key) {
  const std::string needle = absl::StrCat("\"", to_absl(key), "\":\"");
  const std::size_t at = detail.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  const std::size_t from = at + needle.size();
  const std::size_t to = detail.find('"', from);
  if (to == std::string_view::npos) return std::nullopt;
  return detail.substr(from, to - from);
}

/// The stage an L1 event moved its Gateway batch to: an advance by its kind, a rollback by the
/// stage its detail names.
absl::StatusOr<L1Stage> l1_stage_of(const Event& event) {
  const auto to = detail_field(event.detail, "to");
  for (const L1Stage s : {L1Stage::kSealed, L1Stage::kCommitted, L1Stage::kProven,
                          L1Stage::kExecuted, L1Stage::kFinal}) {
    if (event.kind == EventKind::kL1Rollback
            ? to && *to == l1_stage_name(s)
            : l1_stage_event(s) == event.kind && s != L1Stage::kSealed)
      return s;
  }
  return disagrees(event, "it names no L1 stage");
}

absl::StatusOr<std::uint64_t> required(const Event& event, const std::optional<std::uint64_t>& v,
                                       std::string_view what) {
  if (!v) return disagrees(event, absl::StrCat("it has no ", to_absl(what)));
  return *v;
}

}  // namespace

absl::StatusOr<std::optional<GatewayChange>> stored_change(const Gateway& gateway, Database& db,
                                                           const Event& event) {
  absl::StatusOr<GatewayChange> change = absl::InternalError("no step");
  bool compare_detail = true;
  switch (event.kind) {
    case EventKind::kMessageRecorded:
    case EventKind::kL1BatchFinal:
      return std::nullopt;
    case EventKind::kChainRegistered: {
      ZKR_ASSIGN_OR_RETURN(const std::uint64_t id, required(event, event.chain_id, "chain"));
      ZKR_ASSIGN_OR_RETURN(const std::vector<ChainInfo> chains, SettlementStore::load_chains(db));
      const auto it = std::find_if(chains.begin(), chains.end(),
                                   [id](const ChainInfo& c) { return c.chain_id == id; });
      if (it == chains.end()) return disagrees(event, "its chain is not stored");
      change = gateway.register_chain({.chain_id = id,
                                       .credential_hash = it->credential_hash,
                                       .prover_key = it->prover_key,
                                       .l1_contract = it->l1_contract});
      break;
    }
    case EventKind::kChainMigrated: {
      ZKR_ASSIGN_OR_RETURN(const std::uint64_t id, required(event, event.chain_id, "chain"));
      const auto to = detail_field(event.detail, "to");
      const auto layer = to ? layer_from_name(*to) : std::nullopt;
      if (!layer) return disagrees(event, "it names no settlement layer");
      change = gateway.migrate_chain(id, *layer);
      break;
    }
    case EventKind::kBatchRecorded: {
      ZKR_ASSIGN_OR_RETURN(const std::uint64_t id, required(event, event.chain_id, "chain"));
      ZKR_ASSIGN_OR_RETURN(const std::uint64_t n, required(event, event.batch_number, "batch"));
      ZKR_ASSIGN_OR_RETURN(const std::optional<BatchInfo> stored,
                           SettlementStore::load_batch(db, id, n));
      if (!stored) return disagrees(event, "its batch is not stored");
      BatchInfo info = *stored;
      info.stage = BatchStage::kRecorded;  // as recorded; later steps have their own events
      info.executed_block.reset();
      info.chain_tree_index.reset();
      change = gateway.record_batch(info);
      break;
    }
    case EventKind::kBatchCommitted:
    case EventKind::kBatchProven:
    case EventKind::kBatchExecuted: {
      ZKR_ASSIGN_OR_RETURN(const std::uint64_t id, required(event, event.chain_id, "chain"));
      ZKR_ASSIGN_OR_RETURN(const std::uint64_t n, required(event, event.batch_number, "batch"));
      change = event.kind == EventKind::kBatchCommitted ? gateway.commit_batch(id, n)
               : event.kind == EventKind::kBatchProven  ? gateway.proven_as_stored(id, n)
                                                        : gateway.execute_batch(id, n);
      break;
    }
    case EventKind::kGatewayBlockSealed:
      change = gateway.seal_block();
      break;
    case EventKind::kGatewayBatchSealed: {
      ZKR_ASSIGN_OR_RETURN(const std::uint64_t n, required(event, event.gw_batch, "Gateway batch"));
      ZKR_ASSIGN_OR_RETURN(const auto proof, SettlementStore::load_aggregated_proof(db, n));
      if (!proof) return disagrees(event, "its aggregated proof is not stored");
      change = gateway.gateway_batch_as_stored(*proof);
      break;
    }
    case EventKind::kGatewayBatchCommittedOnL1:
    case EventKind::kGatewayBatchProvenOnL1:
    case EventKind::kGatewayBatchExecutedOnL1:
    case EventKind::kGatewayBatchFinalOnL1:
    case EventKind::kL1Rollback: {
      ZKR_ASSIGN_OR_RETURN(const std::uint64_t n, required(event, event.gw_batch, "Gateway batch"));
      ZKR_ASSIGN_OR_RETURN(const L1Stage stage, l1_stage_of(event));
      change = gateway.l1_stage_as_stored(n, stage);
      compare_detail = false;  // the writer adds the L1 transaction to it
      break;
    }
  }
  if (!change.ok()) return disagrees(event, std::string(change.status().message()));
  ZKR_RETURN_IF_ERROR(same_event(event, change->event, compare_detail));
  change->event = event;
  return std::move(*change);
}

}  // namespace zkr::settlement

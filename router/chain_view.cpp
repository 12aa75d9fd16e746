// What the chain endpoints serve from the engine: recorded transactions with the chain's facts, a
// chain batch's settlement steps, and the Gateway's sealed blocks with the settlement transactions
// they hold (router/settlement_tx.hpp names them).

#include <algorithm>
#include <shared_mutex>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"
#include "router/engine.hpp"
#include "router/reader_pool.hpp"

namespace zkr::router {

using settlement::Event;
using settlement::EventKind;
using settlement::EventStore;
using settlement::SettlementLayer;

namespace {

std::optional<SettlementAction> action_of(EventKind kind) {
  switch (kind) {
    case EventKind::kBatchCommitted:
      return SettlementAction::kCommit;
    case EventKind::kBatchProven:
      return SettlementAction::kProve;
    case EventKind::kBatchExecuted:
      return SettlementAction::kExecute;
    default:
      return std::nullopt;
  }
}

}  // namespace

absl::StatusOr<std::optional<TransactionRecord>> Engine::transaction(const merkle::Word& tx_hash,
                                                                     std::uint64_t chain_id) const {
  std::optional<MessageId> first;
  for (const MessageIndex::TxLogs& r : index_.tx_logs(tx_hash)) {
    if (r.first.chain_id == chain_id) {
      first = r.first;
      break;
    }
  }
  if (!first) return std::nullopt;
  auto lease = readers_->acquire();
  TransactionRecord record;
  ZKR_ASSIGN_OR_RETURN(record.logs, MessageStore::tx_logs(lease.db(), *first, tx_hash));
  if (record.logs.empty()) return std::nullopt;
  ZKR_ASSIGN_OR_RETURN(record.facts, MessageStore::tx_facts(lease.db(), first->chain_id,
                                                            first->batch_number, tx_hash));
  return record;
}

absl::StatusOr<std::uint64_t> Engine::transactions_sent(std::uint64_t chain_id,
                                                        const merkle::Address& from,
                                                        std::optional<merkle::Address> to) const {
  auto lease = readers_->acquire();
  return MessageStore::transactions_sent(lease.db(), chain_id, from, to);
}

absl::StatusOr<std::optional<BatchSettlement>> Engine::batch_settlement(
    std::uint64_t chain_id, std::uint64_t batch_number) const {
  auto lease = readers_->acquire();
  ZKR_ASSIGN_OR_RETURN(const std::vector<Event> events,
                       EventStore::for_batch(lease.db(), chain_id, batch_number));
  const bool l1_batch_final = final_on_l1(events);
  BatchSettlement out;
  {
    std::shared_lock lock(state_mutex_);
    const settlement::BatchInfo* b = gateway_->batch(chain_id, batch_number);
    if (b == nullptr) return std::nullopt;
    out.batch = *b;
    out.progress = progress_of(*gateway_, out.batch, l1_batch_final);
  }
  const bool on_gateway = out.batch.layer == SettlementLayer::kGateway;
  for (const Event& e : events) {
    if (e.kind == EventKind::kBatchRecorded) out.recorded_at_ms = e.created_at_ms;
    const std::optional<SettlementAction> action = action_of(e.kind);
    if (!action) continue;
    SettlementTx tx{.id = {.settlement_chain_id = on_gateway ? config_.gateway.chain_id : 0,
                           .chain_id = chain_id,
                           .batch_number = batch_number,
                           .action = *action},
                    .seq = e.seq,
                    .at_ms = e.created_at_ms};
    tx.hash = settlement_tx_hash(tx.id);
    if (on_gateway) {
      // The block open when the step was written is the next one sealed after it.
      ZKR_ASSIGN_OR_RETURN(
          const std::optional<Event> sealed,
          EventStore::next_of_kind(lease.db(), EventKind::kGatewayBlockSealed, e.seq));
      if (sealed) tx.gateway_block = sealed->block_number;
    }
    if (settlement_tx_shown(out.batch, out.progress, *action, tx.gateway_block.has_value())) {
      out.steps.push_back(tx);
    }
  }
  return out;
}

absl::StatusOr<std::optional<GatewayBlockView>> Engine::gateway_block_view(
    std::uint64_t number) const {
  GatewayBlockView view;
  view.number = number;
  {
    std::shared_lock lock(state_mutex_);
    const settlement::MessageRootState& state = gateway_->message_root();
    if (number < config_.gateway.first_block || number >= state.open_block()) return std::nullopt;
    ZKR_ASSIGN_OR_RETURN(view.interop_root, state.shared_root_at(number));
    if (number > config_.gateway.first_block) {
      ZKR_ASSIGN_OR_RETURN(const merkle::Word parent_root, state.shared_root_at(number - 1));
      view.parent_hash = gateway_block_hash(config_.gateway.chain_id, number - 1, parent_root);
    }
  }
  view.hash = gateway_block_hash(config_.gateway.chain_id, number, view.interop_root);
  auto lease = readers_->acquire();
  ZKR_ASSIGN_OR_RETURN(const std::optional<Event> sealed,
                       EventStore::for_block(lease.db(), EventKind::kGatewayBlockSealed, number));
  if (!sealed) {
    return absl::DataLossError(
        absl::StrCat("Gateway block ", number, " is sealed but its event is missing"));
  }
  view.sealed_at_ms = sealed->created_at_ms;
  std::int64_t after = 0;
  if (number > config_.gateway.first_block) {
    ZKR_ASSIGN_OR_RETURN(
        const std::optional<Event> previous,
        EventStore::for_block(lease.db(), EventKind::kGatewayBlockSealed, number - 1));
    if (previous) after = previous->seq;
  }
  ZKR_ASSIGN_OR_RETURN(const std::vector<Event> steps,
                       EventStore::batch_steps_between(lease.db(), after, sealed->seq));
  std::shared_lock lock(state_mutex_);
  for (const Event& e : steps) {
    if (!e.chain_id || !e.batch_number) continue;
    const settlement::BatchInfo* b = gateway_->batch(*e.chain_id, *e.batch_number);
    if (b == nullptr || b->layer != SettlementLayer::kGateway) continue;
    SettlementTx tx{.id = {.settlement_chain_id = config_.gateway.chain_id,
                           .chain_id = *e.chain_id,
                           .batch_number = *e.batch_number,
                           .action = *action_of(e.kind)},
                    .seq = e.seq,
                    .at_ms = e.created_at_ms,
                    .gateway_block = number};
    tx.hash = settlement_tx_hash(tx.id);
    view.transactions.push_back(tx);
  }
  return view;
}

absl::StatusOr<std::optional<std::pair<GatewayBlockView, std::size_t>>> Engine::gateway_transaction(
    const merkle::Word& hash) const {
  const std::optional<SettlementTxId> id = parse_settlement_tx_hash(hash);
  if (!id || id->settlement_chain_id != config_.gateway.chain_id) return std::nullopt;
  ZKR_ASSIGN_OR_RETURN(const std::optional<BatchSettlement> settled,
                       batch_settlement(id->chain_id, id->batch_number));
  if (!settled) return std::nullopt;
  const SettlementTx* step = settled->step(id->action);
  if (step == nullptr || !step->gateway_block) return std::nullopt;
  ZKR_ASSIGN_OR_RETURN(std::optional<GatewayBlockView> block,
                       gateway_block_view(*step->gateway_block));
  if (!block) return std::nullopt;
  for (std::size_t i = 0; i < block->transactions.size(); ++i) {
    if (block->transactions[i].hash == hash) return std::pair{std::move(*block), i};
  }
  return absl::DataLossError(absl::StrCat("settlement transaction ", merkle::to_hex(hash),
                                          " is missing from Gateway block ", block->number));
}

}  // namespace zkr::router

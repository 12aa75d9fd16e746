#include "router/lifecycle.hpp"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace zkr::router {

using settlement::BatchStage;
using settlement::EventKind;
using settlement::L1Stage;
using settlement::SettlementLayer;

namespace {

constexpr absl::string_view kNotFinalPayload = "zkr/not_final";

}  // namespace

const char* target_name(ProofTarget target) noexcept {
  return target == ProofTarget::kGateway ? "gateway" : "l1";
}

const char* message_stage_name(MessageStage stage) noexcept {
  switch (stage) {
    case MessageStage::kRecorded:
      return "recorded";
    case MessageStage::kBatchCommitted:
      return "batch_committed";
    case MessageStage::kBatchProven:
      return "batch_proven";
    case MessageStage::kBatchExecuted:
      return "batch_executed";
    case MessageStage::kGatewayFinal:
      return "gateway_final";
    case MessageStage::kGatewayBatchSealed:
      return "gateway_batch_sealed";
    case MessageStage::kGatewayBatchCommitted:
      return "gateway_batch_committed";
    case MessageStage::kGatewayBatchProven:
      return "gateway_batch_proven";
    case MessageStage::kGatewayBatchExecuted:
      return "gateway_batch_executed";
    case MessageStage::kL1Final:
      return "l1_final";
  }
  return "?";
}

bool final_on_l1(const std::vector<settlement::Event>& batch_events) noexcept {
  return std::any_of(batch_events.begin(), batch_events.end(), [](const settlement::Event& e) {
    return e.kind == settlement::EventKind::kL1BatchFinal;
  });
}

Progress progress_of(const settlement::Gateway& gateway, const settlement::BatchInfo& b,
                     bool l1_batch_final) {
  Progress p{.batch_number = b.batch_number, .layer = b.layer};
  switch (b.stage) {
    case BatchStage::kRecorded:
      p.stage = MessageStage::kRecorded;
      return p;
    case BatchStage::kCommitted:
      p.stage = MessageStage::kBatchCommitted;
      return p;
    case BatchStage::kProven:
      p.stage = MessageStage::kBatchProven;
      return p;
    case BatchStage::kExecuted:
      break;
  }
  if (b.layer != SettlementLayer::kGateway) {
    p.stage = l1_batch_final ? MessageStage::kL1Final : MessageStage::kBatchExecuted;
    return p;
  }
  p.gateway_block = b.executed_block;
  const auto sealed = gateway.message_root().last_sealed_block();
  if (!sealed || *sealed < *b.executed_block) {
    p.stage = MessageStage::kBatchExecuted;
    return p;
  }
  const settlement::GatewayBatch* gw = gateway.gateway_batch_for_block(*b.executed_block);
  if (gw == nullptr) {
    p.stage = MessageStage::kGatewayFinal;
    return p;
  }
  p.gateway_batch = *gw;
  // The Gateway batch's L1 stage, which an L1 reorg can also move back.
  switch (gw->l1_stage) {
    case L1Stage::kSealed:
      p.stage = MessageStage::kGatewayBatchSealed;
      break;
    case L1Stage::kCommitted:
      p.stage = MessageStage::kGatewayBatchCommitted;
      break;
    case L1Stage::kProven:
      p.stage = MessageStage::kGatewayBatchProven;
      break;
    case L1Stage::kExecuted:
      p.stage = MessageStage::kGatewayBatchExecuted;
      break;
    case L1Stage::kFinal:
      p.stage = MessageStage::kL1Final;
      break;
  }
  return p;
}

std::string waiting_for(const Progress& p) {
  const char* where = p.layer == SettlementLayer::kGateway ? "the Gateway" : "L1";
  const std::string n = p.gateway_batch ? absl::StrCat(p.gateway_batch->number) : "";
  switch (p.stage) {
    case MessageStage::kRecorded:
      return absl::StrCat("commitment of batch ", p.batch_number, " on ", where);
    case MessageStage::kBatchCommitted:
      return absl::StrCat("proof of batch ", p.batch_number, " on ", where);
    case MessageStage::kBatchProven:
      return absl::StrCat("execution of batch ", p.batch_number, " on ", where);
    case MessageStage::kBatchExecuted:
      if (p.layer != SettlementLayer::kGateway) {
        return absl::StrCat("batch ", p.batch_number,
                            "'s execution on L1 (its chain's L1Settlement) to be final");
      }
      return absl::StrCat("Gateway block ", *p.gateway_block, " to be sealed");
    case MessageStage::kGatewayFinal:
      return absl::StrCat("a Gateway batch to include block ", *p.gateway_block);
    case MessageStage::kGatewayBatchSealed:
      return absl::StrCat("Gateway batch ", n, " to be committed on L1");
    case MessageStage::kGatewayBatchCommitted:
      return absl::StrCat("the aggregated proof of Gateway batch ", n, " on L1");
    case MessageStage::kGatewayBatchProven:
      return absl::StrCat("execution of Gateway batch ", n, " on L1");
    case MessageStage::kGatewayBatchExecuted:
      return absl::StrCat("L1 finality of Gateway batch ", n);
    case MessageStage::kL1Final:
      return "";
  }
  return "";
}

absl::Status proof_readiness(const settlement::BatchInfo& b, const Progress& p,
                             ProofTarget target) {
  const bool on_gateway = b.layer == SettlementLayer::kGateway;
  if (!on_gateway && target == ProofTarget::kGateway) {
    return absl::FailedPreconditionError(
        absl::StrCat(settlement::batch_name(b.chain_id, b.batch_number),
                     " settled on L1, so no Gateway (shape C) proof will ever exist ",
                     "for it; its proof is target l1 (shape A)"));
  }
  const char* on = on_gateway ? "the Gateway" : "L1";
  if (b.stage != BatchStage::kExecuted) {
    return not_yet_final(absl::StrCat(
        "not yet final: ", settlement::batch_name(b.chain_id, b.batch_number), " is ",
        settlement::stage_name(b.stage), " on ", on, ", waiting for execution on ", on));
  }
  if (!on_gateway) return absl::OkStatus();  // shape A
  // Shape C needs the execution's block sealed; shape B the Gateway batch holding it.
  const MessageStage needed = target == ProofTarget::kGateway ? MessageStage::kGatewayFinal
                                                              : MessageStage::kGatewayBatchSealed;
  if (p.stage >= needed) return absl::OkStatus();
  const std::string what = p.stage < MessageStage::kGatewayFinal
                               ? std::string("that block to be sealed")
                               : std::string("the Gateway batch that seals it");
  return not_yet_final(
      absl::StrCat("not yet final: ", settlement::batch_name(b.chain_id, b.batch_number),
                   " was executed in Gateway block ", *p.gateway_block, ", waiting for ", what));
}

absl::Status not_yet_final(std::string message) {
  absl::Status s = absl::FailedPreconditionError(message);
  s.SetPayload(kNotFinalPayload, absl::Cord("1"));
  return s;
}

bool is_not_final(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition &&
         status.GetPayload(kNotFinalPayload).has_value();
}

std::optional<MessageStage> stage_reached(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::kBatchCommitted:
      return MessageStage::kBatchCommitted;
    case EventKind::kBatchProven:
      return MessageStage::kBatchProven;
    case EventKind::kBatchExecuted:
      return MessageStage::kBatchExecuted;
    case EventKind::kGatewayBlockSealed:
      return MessageStage::kGatewayFinal;
    case EventKind::kGatewayBatchSealed:
      return MessageStage::kGatewayBatchSealed;
    case EventKind::kGatewayBatchCommittedOnL1:
      return MessageStage::kGatewayBatchCommitted;
    case EventKind::kGatewayBatchProvenOnL1:
      return MessageStage::kGatewayBatchProven;
    case EventKind::kGatewayBatchExecutedOnL1:
      return MessageStage::kGatewayBatchExecuted;
    case EventKind::kGatewayBatchFinalOnL1:
    case EventKind::kL1BatchFinal:
      return MessageStage::kL1Final;
    case EventKind::kChainRegistered:
    case EventKind::kChainMigrated:
    case EventKind::kMessageRecorded:
    case EventKind::kBatchRecorded:
    case EventKind::kL1Rollback:
      return std::nullopt;
  }
  return std::nullopt;
}

bool changes_finality(EventKind kind) noexcept {
  return stage_reached(kind).has_value() || kind == EventKind::kL1Rollback;
}

}  // namespace zkr::router

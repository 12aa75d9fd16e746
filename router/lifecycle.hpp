#pragma once
// A message's lifecycle, stated once: the stages a message passes through (design.md, "One
// message's life"), which stage its batch's state puts it at and what it waits for next, which
// proofs exist at each stage (or never will), and which events move messages between stages. The
// status call, the proof service and the subscription filters all read it from here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "settlement/state/gateway.hpp"
#include "settlement/state/types.hpp"
#include "settlement/store/events.hpp"

namespace zkr::router {

enum class ProofTarget { kGateway, kL1 };
const char* target_name(ProofTarget target) noexcept;  // "gateway" / "l1"

/// Stages in order. Batches settled on L1 go from kBatchExecuted to kL1Final directly.
enum class MessageStage : int {
  kRecorded,
  kBatchCommitted,
  kBatchProven,
  kBatchExecuted,  // executed; on the Gateway, its block is not sealed yet
  kGatewayFinal,   // the Gateway block is sealed: shape C exists (interop finality)
  kGatewayBatchSealed,
  kGatewayBatchCommitted,
  kGatewayBatchProven,
  kGatewayBatchExecuted,
  kL1Final,
};
/// The API's name: "recorded", "batch_committed", …, "gateway_final", …, "l1_final".
const char* message_stage_name(MessageStage stage) noexcept;

struct Progress {
  MessageStage stage = MessageStage::kRecorded;
  std::uint64_t batch_number = 0;
  settlement::SettlementLayer layer = settlement::SettlementLayer::kGateway;
  std::optional<std::uint64_t> gateway_block;  // where a Gateway-settled batch was executed
  std::optional<settlement::GatewayBatch> gateway_batch;  // the Gateway batch holding that block
};
/// What the next stage needs, for a person ("proof of batch 4 on the Gateway"); empty at the last.
std::string waiting_for(const Progress& progress);

/// Whether a batch's events say its execution on L1 is final (a batch its chain settles on L1
/// itself: l1_batch_final, recorded by router/l1_watch).
bool final_on_l1(const std::vector<settlement::Event>& batch_events) noexcept;

/// Where the messages of `batch` are, from the Gateway's state. `l1_batch_final` says whether an
/// L1-settled batch's execution is known to be final on L1. The caller keeps `gateway` stable.
Progress progress_of(const settlement::Gateway& gateway, const settlement::BatchInfo& batch,
                     bool l1_batch_final = false);

/// OK if a proof for `target` exists at `progress`. Otherwise either not_yet_final() naming what
/// it waits for (it will exist: retry), or a plain FailedPrecondition naming the target that does
/// exist (it never will: do not retry).
[[nodiscard]] absl::Status proof_readiness(const settlement::BatchInfo& batch,
                                           const Progress& progress, ProofTarget target);

/// A FailedPrecondition marked as "not final yet": what the API reports as reason not_final.
[[nodiscard]] absl::Status not_yet_final(std::string message);
bool is_not_final(const absl::Status& status);

/// The stage an event moves messages to, or none for events that move no message (chain
/// registration, migration, a message or batch being recorded). An L1 reorg (kL1Rollback) moves
/// them back; it is a finality change too.
std::optional<MessageStage> stage_reached(settlement::EventKind kind) noexcept;
/// Events a "finality" subscription delivers: every event that changes a message's stage.
bool changes_finality(settlement::EventKind kind) noexcept;

}  // namespace zkr::router

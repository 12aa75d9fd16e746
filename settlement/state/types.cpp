#include "settlement/state/types.hpp"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace zkr::settlement {

std::string batch_name(std::uint64_t chain_id, std::uint64_t batch_number) {
  return absl::StrCat("batch ", batch_number, " of chain ", chain_id);
}

const char* layer_name(SettlementLayer layer) noexcept {
  return layer == SettlementLayer::kL1 ? "l1" : "gateway";
}

std::optional<SettlementLayer> layer_from_name(std::string_view name) noexcept {
  if (name == "l1") return SettlementLayer::kL1;
  if (name == "gateway") return SettlementLayer::kGateway;
  return std::nullopt;
}

const char* stage_name(BatchStage stage) noexcept {
  switch (stage) {
    case BatchStage::kRecorded:
      return "recorded";
    case BatchStage::kCommitted:
      return "committed";
    case BatchStage::kProven:
      return "proven";
    case BatchStage::kExecuted:
      return "executed";
  }
  return "unknown";
}

std::optional<BatchStage> stage_from_name(std::string_view name) noexcept {
  for (const BatchStage s :
       {BatchStage::kRecorded, BatchStage::kCommitted, BatchStage::kProven, BatchStage::kExecuted})
    if (name == stage_name(s)) return s;
  return std::nullopt;
}

const char* l1_stage_name(L1Stage stage) noexcept {
  switch (stage) {
    case L1Stage::kSealed:
      return "sealed";
    case L1Stage::kCommitted:
      return "committed";
    case L1Stage::kProven:
      return "proven";
    case L1Stage::kExecuted:
      return "executed";
    case L1Stage::kFinal:
      return "final";
  }
  return "unknown";
}

SettlementLayer ChainInfo::layer_for(std::uint64_t batch) const noexcept {
  SettlementLayer result = history.empty() ? layer : history.front().second;
  for (const auto& [first, l] : history) {
    if (first > batch) break;
    result = l;
  }
  return result;
}

}  // namespace zkr::settlement

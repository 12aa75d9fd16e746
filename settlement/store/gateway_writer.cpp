#include "settlement/store/gateway_writer.hpp"

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"
#include "settlement/store/settlement_store.hpp"

namespace zkr::settlement {

absl::StatusOr<std::int64_t> GatewayWriter::write(absl::StatusOr<GatewayChange> change) {
  if (!change.ok()) return change.status();
  // Only L1 stage changes are computed against this transaction's own changes (see the header).
  const bool l1_stage = std::holds_alternative<change::L1StageSet>(change->step);
  for (const GatewayChange& earlier : changes_)
    ZKR_CHECK(l1_stage && std::holds_alternative<change::L1StageSet>(earlier.step));
  ZKR_ASSIGN_OR_RETURN(const std::int64_t seq, SettlementStore::persist(db_, *change));
  if (l1_stage) {
    const auto& set = std::get<change::L1StageSet>(change->step);
    l1_stages_[set.gw_batch] = set.stage;
  }
  changes_.push_back(std::move(*change));
  return seq;
}

absl::StatusOr<L1Stage> GatewayWriter::l1_stage(std::uint64_t gw_batch) const {
  if (const auto it = l1_stages_.find(gw_batch); it != l1_stages_.end()) return it->second;
  const GatewayBatch* g = gateway_.gateway_batch(gw_batch);
  if (g == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("Gateway batch ", gw_batch, " is not sealed"));
  return g->l1_stage;
}

absl::Status GatewayWriter::set_l1_stage(std::uint64_t gw_batch, L1Stage stage,
                                         std::string_view detail) {
  ZKR_ASSIGN_OR_RETURN(const L1Stage from, l1_stage(gw_batch));
  if (from == stage) return absl::OkStatus();
  return write(gateway_.set_l1_stage(gw_batch, from, stage, detail)).status();
}

}  // namespace zkr::settlement

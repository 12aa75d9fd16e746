#include "router/l1_watch.hpp"

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"

namespace zkr::router {

absl::StatusOr<L1Watch::Pass> L1Watch::poll() {
  Pass pass;
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t finalized, l1_.finalized());
  static const merkle::Word kBlockExecution =
      merkle::keccak256(std::string_view("BlockExecution(uint256,bytes32)"));
  for (const settlement::ChainInfo& chain : engine_.chains()) {
    if (!chain.l1_contract) continue;
    Cursor& cursor = cursors_[chain.chain_id];
    std::uint64_t& next = cursor.batch;
    for (; next <= chain.last_executed; ++next) {
      if (chain.layer_for(next) != settlement::SettlementLayer::kL1) continue;
      ZKR_ASSIGN_OR_RETURN(const bool done, engine_.l1_batch_final(chain.chain_id, next));
      if (done) continue;
      ZKR_ASSIGN_OR_RETURN(const std::vector<settlement::L1Log> logs,
                           l1_.logs({.address = *chain.l1_contract,
                                     .topics = {kBlockExecution, merkle::be32(next)},
                                     .from_block = cursor.block,
                                     .to_block = finalized}));
      if (logs.empty()) break;  // not executed on L1, or not final there yet
      const settlement::L1Log& log = logs.front();
      if (log.topics.size() != 3) {
        pass.problems.push_back(absl::StrCat("chain ", chain.chain_id, " batch ", next,
                                             ": a BlockExecution log with ", log.topics.size(),
                                             " topics"));
        break;
      }
      const absl::Status recorded = engine_.record_l1_final(chain.chain_id, next,
                                                            {.contract = log.address,
                                                             .block = log.block_number,
                                                             .tx_hash = log.tx_hash,
                                                             .root = log.topics[2]});
      if (absl::IsDataLoss(recorded)) {
        pass.problems.push_back(std::string(recorded.message()));
        break;
      }
      if (!recorded.ok() && !absl::IsAlreadyExists(recorded)) return recorded;
      if (recorded.ok()) pass.became_final.emplace_back(chain.chain_id, next);
      cursor.block = log.block_number;
    }
  }
  return pass;
}

}  // namespace zkr::router

#pragma once
// Follows L1 for the batches chains settle there themselves. Each such chain has its own
// L1Settlement (contracts/L1Settlement.sol, ChainInfo::l1_contract), which emits
// BlockExecution(batchNumber, batchRoot) when it executes a batch. Once that log is in a block
// the node calls finalized and its root is the batch's root as the router recorded it, the
// batch's messages are l1_final (event l1_batch_final, with the L1 block and transaction).
//
// Reorgs: logs are read only up to the finalized block, so nothing recorded here can be undone;
// an execution in a block that is reorged away before finality is never seen, and the
// re-executed one in the new chain is. A root that differs from the router's is reported and
// never recorded.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "router/engine.hpp"
#include "settlement/ethereum/l1_client.hpp"

namespace zkr::router {

class L1Watch {
 public:
  L1Watch(Engine& engine, settlement::L1Client& l1) : engine_(engine), l1_(l1) {}

  struct Pass {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> became_final;  // (chain, batch)
    /// Batches that cannot become final, in words (a root L1 disagrees with); empty if none.
    std::vector<std::string> problems;
  };
  /// One pass over every chain with an L1 contract: each of its L1-settled, executed batches not
  /// yet final, in order, until one whose execution is not final on L1 yet.
  [[nodiscard]] absl::StatusOr<Pass> poll();

 private:
  Engine& engine_;
  settlement::L1Client& l1_;
  struct Cursor {
    std::uint64_t batch = 1;  // the first batch not known to be final
    std::uint64_t block = 0;  // where the last execution found was: later ones are not before
  };
  std::map<std::uint64_t, Cursor> cursors_;  // per chain
};

}  // namespace zkr::router

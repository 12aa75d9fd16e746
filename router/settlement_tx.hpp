#pragma once
// The transactions that settle a chain batch on its settlement layer (commit, prove, execute), as
// the chain endpoints show them: zks_getL1BatchDetails, zks_getTransactionDetails and the Gateway
// endpoint's blocks and receipts. The router is the Gateway's settlement state, so it names these
// transactions itself: an identity that is deterministic (a function of the step alone), unique
// (one per settlement chain, chain, batch and step) and stable across restarts (nothing stored).

#include <cstdint>
#include <optional>
#include <vector>

#include "merkle/types.hpp"
#include "router/lifecycle.hpp"
#include "settlement/state/types.hpp"

namespace zkr::router {

enum class SettlementAction : std::uint8_t { kCommit = 1, kProve = 2, kExecute = 3 };
const char* action_name(SettlementAction action) noexcept;  // "commit", "prove", "execute"

struct SettlementTxId {
  /// The Gateway's chain id for a batch settled on the Gateway; 0 for a batch settled on L1 (the
  /// router records those steps but is not L1).
  std::uint64_t settlement_chain_id = 0;
  std::uint64_t chain_id = 0;
  std::uint64_t batch_number = 0;
  SettlementAction action = SettlementAction::kCommit;
  friend bool operator==(const SettlementTxId&, const SettlementTxId&) = default;
};

/// The 32-byte transaction hash of a settlement step: "zkr", the action, then the settlement chain,
/// the chain and the batch as 8-byte big-endian numbers, then the first 4 bytes of keccak256 over
/// the 28 bytes before them. Reversible, so a receipt needs no index.
merkle::Word settlement_tx_hash(const SettlementTxId& id);
/// The step a hash names, or none if it is not one of these hashes.
std::optional<SettlementTxId> parse_settlement_tx_hash(const merkle::Word& hash);

struct SettlementTx {
  SettlementTxId id;
  merkle::Word hash{};
  std::int64_t seq = 0;    // the event that recorded the step
  std::int64_t at_ms = 0;  // when (Unix milliseconds)
  /// On the Gateway: the sealed block holding it. None on L1.
  std::optional<std::uint64_t> gateway_block;
};

/// A chain batch's settlement so far: the steps that are shown (see settlement_tx_shown), in order.
struct BatchSettlement {
  settlement::BatchInfo batch;
  Progress progress;
  std::int64_t recorded_at_ms = 0;
  std::vector<SettlementTx> steps;
  const SettlementTx* step(SettlementAction action) const noexcept;
};

/// A sealed Gateway block as the Gateway endpoint shows it.
struct GatewayBlockView {
  std::uint64_t number = 0;
  /// keccak256(Gateway chain id ‖ number ‖ interop root), each number as a 32-byte word.
  merkle::Word hash{};
  merkle::Word parent_hash{};  // the previous block's hash; zero before the first block
  merkle::Word interop_root{};
  std::int64_t sealed_at_ms = 0;
  std::vector<SettlementTx> transactions;  // the Gateway-settled steps it holds, in order
};
merkle::Word gateway_block_hash(std::uint64_t gateway_chain_id, std::uint64_t number,
                                const merkle::Word& interop_root);

/// Whether a settlement step is shown: on the Gateway once the block holding it is sealed (a
/// transaction exists once its block does), on L1 once recorded. Either way the execution only
/// once the batch's proof for its layer exists (shape C on the Gateway, A on L1): what a client
/// reads as "executed" it can prove at once.
bool settlement_tx_shown(const settlement::BatchInfo& batch, const Progress& progress,
                         SettlementAction action, bool in_sealed_block);

}  // namespace zkr::router

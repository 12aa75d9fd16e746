#pragma once
// The Gateway: chains and their settlement layers (with migration history), chain batches and
// their lifecycle (recorded → committed → proven → executed), Gateway blocks with their shared
// roots, and Gateway batches. Every mutating call runs inside the caller's write transaction,
// writes its rows and events there, and updates the in-memory state; if the transaction does not
// commit, the caller reloads with load(). Not thread-safe: the caller serializes writers and
// guards readers.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "settlement/aggregation.hpp"
#include "settlement/events.hpp"
#include "settlement/message_root_state.hpp"
#include "settlement/proof_verifier.hpp"
#include "settlement/sqlite.hpp"
#include "settlement/types.hpp"

namespace zkr::settlement {

struct GatewayConfig {
  std::uint64_t chain_id = 506;   // the Gateway's own chain id (shared-tree index 0)
  std::uint64_t first_block = 1;  // number of the first Gateway block
  /// Signs each Gateway batch's aggregated proof. Required; its public key is fixed in the
  /// database when it is created.
  std::shared_ptr<const secp256k1::PrivateKey> signing_key;
};

class Gateway {
 public:
  Gateway(GatewayConfig config, std::shared_ptr<const ProofVerifier> verifier);

  /// Initializes an empty database or rebuilds every tree from it, checking each Gateway block's
  /// shared root and each Gateway batch root against the stored values (DataLoss on mismatch).
  absl::Status load(Database& db);

  // ---- chains ----
  struct Registration {
    std::uint64_t chain_id = 0;
    SettlementLayer layer = SettlementLayer::kGateway;
    merkle::Word credential_hash{};
    merkle::Bytes prover_key;
  };
  absl::Status register_chain(Database& db, const Registration& registration);
  /// Moves a chain to `to` from its next batch on. Every recorded batch must be executed first.
  absl::Status migrate_chain(Database& db, std::uint64_t chain_id, SettlementLayer to);
  const ChainInfo* chain(std::uint64_t chain_id) const;

  // ---- chain batches ----
  /// Checks that `batch` may be recorded next for its chain: registered chain, next number.
  /// AlreadyExists when the number is taken (the caller compares content for idempotency).
  absl::Status check_next_batch(std::uint64_t chain_id, std::uint64_t batch_number) const;
  /// Records a validated batch (its layer is filled in from the chain's history).
  absl::Status record_batch(Database& db, BatchInfo batch);
  absl::Status commit_batch(Database& db, std::uint64_t chain_id, std::uint64_t batch_number);
  absl::Status prove_batch(Database& db, std::uint64_t chain_id, std::uint64_t batch_number,
                           merkle::ByteSpan proof);
  /// Executes on the batch's settlement layer; on the Gateway, in the open block. Returns the
  /// Gateway block for Gateway batches.
  absl::StatusOr<std::optional<std::uint64_t>> execute_batch(Database& db, std::uint64_t chain_id,
                                                             std::uint64_t batch_number);
  const BatchInfo* batch(std::uint64_t chain_id, std::uint64_t batch_number) const;
  const std::map<std::pair<std::uint64_t, std::uint64_t>, BatchInfo>& batches() const noexcept {
    return batches_;
  }

  // ---- Gateway blocks and batches ----
  /// Seals the open block, recording its shared root (the interop root). Returns its number.
  absl::StatusOr<std::uint64_t> seal_block(Database& db);
  /// Seals the blocks sealed since the last Gateway batch into a new one and aggregates the
  /// proofs of the chain batches executed in them. FailedPrecondition if there are none.
  absl::StatusOr<GatewayBatch> seal_gateway_batch(Database& db);
  const GatewayBatch* gateway_batch(std::uint64_t number) const;
  /// The Gateway batch that holds a sealed block, if that block is batched yet.
  const GatewayBatch* gateway_batch_for_block(std::uint64_t block) const;
  std::size_t gateway_batch_count() const noexcept { return gw_batches_.size(); }
  /// Blocks sealed but not yet in a Gateway batch.
  std::size_t unbatched_blocks() const noexcept;
  /// The aggregated proof of a sealed Gateway batch.
  const AggregatedProof* aggregated_proof(std::uint64_t gw_batch) const;
  /// Moves a Gateway batch to `stage` on L1 with an event: the stage's event when it advances,
  /// kL1Rollback when a reorg lowers it. `detail` is a JSON object's members (without braces)
  /// added to the event.
  absl::Status set_l1_stage(Database& db, std::uint64_t gw_batch, L1Stage stage,
                            std::string_view detail);
  /// What a validity proof of a recorded batch commits to (its root and its predecessor's).
  BatchCommitment commitment_of(const BatchInfo& b) const;

  const MessageRootState& message_root() const noexcept { return *state_; }
  const GatewayConfig& config() const noexcept { return config_; }
  /// The Gateway's own logs root: the Gateway emits no L2->L1 logs of its own here, so Z[14].
  static const merkle::Word& gateway_local_root() noexcept;

 private:
  absl::Status check_settings(Database& db);
  absl::Status load_aggregated_proofs(Database& db);
  /// Commitments of the chain batches executed in blocks first..last, in execution order.
  std::vector<BatchCommitment> covered_commitments(std::uint64_t first, std::uint64_t last) const;
  absl::Status replay(Database& db);
  absl::StatusOr<BatchInfo*> batch_for_stage(std::uint64_t chain_id, std::uint64_t batch_number,
                                             BatchStage required);
  absl::StatusOr<std::int64_t> batch_event(Database& db, EventKind kind, const BatchInfo& b,
                                           std::optional<std::uint64_t> block = std::nullopt);

  GatewayConfig config_;
  std::shared_ptr<const ProofVerifier> verifier_;
  std::unique_ptr<MessageRootState> state_;
  std::map<std::uint64_t, ChainInfo> chains_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, BatchInfo> batches_;
  /// Gateway block → the (chain, batch) pairs executed in it: what a Gateway batch covers.
  std::map<std::uint64_t, std::set<std::pair<std::uint64_t, std::uint64_t>>> executed_by_block_;
  std::vector<GatewayBatch> gw_batches_;
  std::vector<AggregatedProof> gw_proofs_;  // parallel to gw_batches_
};

}  // namespace zkr::settlement

#pragma once
// The Gateway: chains and their settlement layers (with migration history), chain batches and
// their lifecycle (recorded → committed → proven → executed), Gateway blocks with their shared
// roots, and Gateway batches.
//
// A state machine: each step (register_chain, commit_batch, seal_block, …) checks the request
// against the current state and returns the change it would make (gateway_change.hpp), changing
// nothing. The caller writes the change in its transaction (store/gateway_writer.hpp) and, once
// that has committed, applies it with apply(). So a write that fails leaves memory as it was, and
// readers see each change whole.
//
// Thread safety: const members may run concurrently with each other; apply() and load() need the
// caller's exclusive lock. Steps are const: a single writer may plan its next change while readers
// read.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "settlement/state/aggregation.hpp"
#include "settlement/state/gateway_change.hpp"
#include "settlement/state/message_root_state.hpp"
#include "settlement/state/proof_verifier.hpp"
#include "settlement/state/types.hpp"
#include "settlement/store/database.hpp"
#include "settlement/store/events.hpp"

namespace zkr::settlement {

struct GatewayConfig {
  std::uint64_t chain_id = 506;   // the Gateway's own chain id (shared-tree index 0)
  std::uint64_t first_block = 1;  // number of the first Gateway block
  /// Signs each Gateway batch's aggregated proof. Required of a writer; its public key is fixed
  /// in the database when it is created. A follower (a read replica) has none: it checks the
  /// stored proofs against the stored public key.
  std::shared_ptr<const secp256k1::PrivateKey> signing_key;
};

/// How load() treats the database: a writer creates the Gateway's settings if the database is
/// new; a follower (a read replica) only reads and needs a Gateway its writer has created.
enum class LoadMode { kWriter, kFollower };

/// The event of a Gateway batch advancing to `stage` on L1 (kL1Rollback for kSealed, which
/// nothing advances to).
EventKind l1_stage_event(L1Stage stage) noexcept;

class Gateway {
 public:
  Gateway(GatewayConfig config, std::shared_ptr<const ProofVerifier> verifier);

  /// Initializes an empty database or rebuilds every tree from it, checking each Gateway block's
  /// shared root and each Gateway batch root against the stored values (DataLoss on mismatch).
  [[nodiscard]] absl::Status load(Database& db, LoadMode mode = LoadMode::kWriter);

  // ---- steps: each returns its change, or why it cannot be made ----
  /// A chain launches on L1 (its genesis settled there); it moves to the Gateway only by an
  /// explicit migrate_chain.
  struct Registration {
    std::uint64_t chain_id = 0;
    merkle::Word credential_hash{};
    merkle::Bytes prover_key;
    std::optional<merkle::Address> l1_contract;
  };
  [[nodiscard]] absl::StatusOr<GatewayChange> register_chain(
      const Registration& registration) const;
  /// Moves a chain to `to` from its next batch on. Every recorded batch must be executed first.
  [[nodiscard]] absl::StatusOr<GatewayChange> migrate_chain(std::uint64_t chain_id,
                                                            SettlementLayer to) const;
  /// Records a validated batch (its layer is filled in from the chain's history).
  [[nodiscard]] absl::StatusOr<GatewayChange> record_batch(BatchInfo batch) const;
  [[nodiscard]] absl::StatusOr<GatewayChange> commit_batch(std::uint64_t chain_id,
                                                           std::uint64_t batch_number) const;
  /// Verifies the validity proof (the configured ProofVerifier) first.
  [[nodiscard]] absl::StatusOr<GatewayChange> prove_batch(std::uint64_t chain_id,
                                                          std::uint64_t batch_number,
                                                          merkle::ByteSpan proof) const;
  /// Executes on the batch's settlement layer; on the Gateway, in the open block.
  [[nodiscard]] absl::StatusOr<GatewayChange> execute_batch(std::uint64_t chain_id,
                                                            std::uint64_t batch_number) const;
  /// Seals the open block, recording its shared root (the interop root).
  GatewayChange seal_block() const;
  /// Seals the blocks sealed since the last Gateway batch into a new one and aggregates the
  /// proofs of the chain batches executed in them. FailedPrecondition if there are none.
  [[nodiscard]] absl::StatusOr<GatewayChange> seal_gateway_batch() const;
  /// Moves a Gateway batch from `from` (its stage as the caller's transaction has left it) to
  /// `to` on L1: the stage's event when it advances, kL1Rollback when a reorg lowers it. `detail`
  /// is a JSON object's members (without braces) added to the event.
  [[nodiscard]] absl::StatusOr<GatewayChange> set_l1_stage(std::uint64_t gw_batch, L1Stage from,
                                                           L1Stage to,
                                                           std::string_view detail) const;

  /// A batch the chain settles on L1 itself, executed there in a final L1 block with `l1_root` as
  /// its root: its messages are l1_final. FailedPrecondition unless the batch is executed and on
  /// L1; DataLoss if L1's root is not the batch's. `detail` as for set_l1_stage.
  [[nodiscard]] absl::StatusOr<GatewayChange> l1_batch_final(std::uint64_t chain_id,
                                                             std::uint64_t batch_number,
                                                             const merkle::Word& l1_root,
                                                             std::string_view detail) const;

  // ---- a follower's steps: the change a writer made, as stored, checked against this state ----
  /// A proven batch whose validity proof the writer verified (load() does not verify them again).
  [[nodiscard]] absl::StatusOr<GatewayChange> proven_as_stored(std::uint64_t chain_id,
                                                               std::uint64_t batch_number) const;
  /// The next Gateway batch as the writer sealed it, with `stored_proof` its aggregated proof:
  /// DataLoss unless the proof covers exactly what this state gives and carries the Gateway's
  /// signature.
  [[nodiscard]] absl::StatusOr<GatewayChange> gateway_batch_as_stored(
      merkle::ByteSpan stored_proof) const;
  /// A Gateway batch's L1 stage as the writer set it.
  [[nodiscard]] absl::StatusOr<GatewayChange> l1_stage_as_stored(std::uint64_t gw_batch,
                                                                 L1Stage stage) const;

  /// Makes memory agree with a change this Gateway returned, once it is stored. The change must
  /// have been computed against the current state (a broken invariant aborts).
  void apply(const GatewayChange& change);

  // ---- reads ----
  const ChainInfo* chain(std::uint64_t chain_id) const;
  const std::map<std::uint64_t, ChainInfo>& chains() const noexcept { return chains_; }
  /// Checks that `batch` may be recorded next for its chain: registered chain, next number.
  /// AlreadyExists when the number is taken (the caller compares content for idempotency).
  [[nodiscard]] absl::Status check_next_batch(std::uint64_t chain_id,
                                              std::uint64_t batch_number) const;
  const BatchInfo* batch(std::uint64_t chain_id, std::uint64_t batch_number) const;
  const std::map<std::pair<std::uint64_t, std::uint64_t>, BatchInfo>& batches() const noexcept {
    return batches_;
  }
  const GatewayBatch* gateway_batch(std::uint64_t number) const;
  /// The Gateway batch that holds a sealed block, if that block is batched yet.
  const GatewayBatch* gateway_batch_for_block(std::uint64_t block) const;
  std::size_t gateway_batch_count() const noexcept { return gw_batches_.size(); }
  /// Blocks sealed but not yet in a Gateway batch.
  std::size_t unbatched_blocks() const noexcept;
  /// The aggregated proof of a sealed Gateway batch.
  const AggregatedProof* aggregated_proof(std::uint64_t gw_batch) const;
  /// What a validity proof of a recorded batch commits to (its root and its predecessor's).
  BatchCommitment commitment_of(const BatchInfo& b) const;

  const MessageRootState& message_root() const noexcept { return *state_; }
  const GatewayConfig& config() const noexcept { return config_; }
  /// The Gateway's own logs root: the Gateway emits no L2->L1 logs of its own here, so Z[14].
  static const merkle::Word& gateway_local_root() noexcept;

 private:
  [[nodiscard]] absl::Status check_settings(Database& db, LoadMode mode);
  [[nodiscard]] absl::Status load_aggregated_proofs(Database& db);
  /// `stored` decoded and checked as the aggregated proof of `g` (DataLoss if it is not).
  [[nodiscard]] absl::StatusOr<AggregatedProof> check_aggregated(const GatewayBatch& g,
                                                                 merkle::ByteSpan stored) const;
  /// The next Gateway batch over the blocks sealed since the last one (no proof yet).
  [[nodiscard]] absl::StatusOr<GatewayBatch> next_gateway_batch() const;
  /// Commitments of the chain batches executed in blocks first..last, in execution order.
  std::vector<BatchCommitment> covered_commitments(std::uint64_t first, std::uint64_t last) const;
  [[nodiscard]] absl::Status replay(Database& db);
  [[nodiscard]] absl::StatusOr<const BatchInfo*> batch_for_stage(std::uint64_t chain_id,
                                                                 std::uint64_t batch_number,
                                                                 BatchStage required) const;
  /// The event of a step of one chain batch.
  static Event batch_event(EventKind kind, const BatchInfo& b,
                           std::optional<std::uint64_t> block = std::nullopt);
  /// A batch moving to `stage` in memory (its chain's counter with it).
  BatchInfo& advance(std::uint64_t chain_id, std::uint64_t batch_number, BatchStage stage);

  GatewayConfig config_;
  std::shared_ptr<const ProofVerifier> verifier_;
  secp256k1::PublicKey public_key_{};  // what aggregated proofs are signed with
  std::unique_ptr<MessageRootState> state_;
  std::map<std::uint64_t, ChainInfo> chains_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, BatchInfo> batches_;
  /// Gateway block → the (chain, batch) pairs executed in it: what a Gateway batch covers.
  std::map<std::uint64_t, std::set<std::pair<std::uint64_t, std::uint64_t>>> executed_by_block_;
  std::vector<GatewayBatch> gw_batches_;
  std::vector<AggregatedProof> gw_proofs_;  // parallel to gw_batches_
};

}  // namespace zkr::settlement

#pragma once
// The engine: one SQLite database, the Gateway, the message index, the cached log trees and the
// proof service behind one thread-safe interface. Writes are serialized: each one (an ingested
// batch, a Gateway state change) commits with its events in one transaction before it is
// acknowledged. A write holds no lock readers need while it runs and commits: it computes its
// change from the Gateway (which only writers change), writes it, and once it has committed
// publishes it in one short exclusive step (Gateway::apply, the new tree, the index entries).
// Reads of the in-memory state run concurrently under a shared lock; database reads use their
// own connections.
//
// A read replica (Role::kReplica) opens the same database read-only, builds the same state from it
// and follows its writer: a thread reads the events committed since the last it applied, turns each
// back into its Gateway change (settlement/store/follower.hpp) and applies it as the writer did.
// Everything it serves is as of the last event it applied: reads never run ahead of its state.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "merkle/log_tree.hpp"
#include "router/background_writer.hpp"
#include "router/batch.hpp"
#include "router/message_index.hpp"
#include "router/message_store.hpp"
#include "router/proof_service.hpp"
#include "router/settlement_tx.hpp"
#include "settlement/ethereum/l1_submitter.hpp"
#include "settlement/state/gateway.hpp"
#include "settlement/store/database.hpp"
#include "settlement/store/events.hpp"
#include "settlement/store/gateway_writer.hpp"

namespace zkr::router {

enum class Role {
  kWriter,   // the one process that writes (PostgreSQL enforces one at a time)
  kReplica,  // reads the writer's database (or a hot standby of it) and follows its events
};

struct EngineConfig {
  std::string database_path;
  Role role = Role::kWriter;
  /// A replica looks for new events this often (and at once when it has read a full chunk).
  std::chrono::milliseconds follow_interval{20};
  settlement::GatewayConfig gateway;
  settlement::Durability durability = settlement::Durability::kFull;
  std::size_t reader_connections = 4;
  /// What the writer does between steps of a batch: by default, let a thread waiting for its core
  /// run first (GiveWay).
  GiveWay give_way = GiveWay::to_waiting_threads();
  /// The commit's writes in steps too (every DatabaseOptions::kWritesPerCommitStep, SQLite), when
  /// give_way does anything. Off, SQLite writes a batch's pages in one piece (engine_bench
  /// compares the two).
  bool commit_in_steps = true;
  /// Above zero: each batch is ingested at background priority, raised to normal once it has run
  /// this long (BackgroundWriter; needs CAP_SYS_NICE or RLIMIT_NICE >= 20). Zero: normal priority.
  std::chrono::milliseconds background_budget{0};
  /// Checks chain validity proofs; null means EcdsaProofVerifier.
  std::shared_ptr<const settlement::ProofVerifier> verifier;
  /// Prices direct versus aggregated settlement in the cost report.
  settlement::GasModel gas_model;
};

/// A chain launches on L1; migrate_chain moves it to the Gateway.
struct ChainRegistration {
  std::uint64_t chain_id = 0;
  std::string credential;  // the operator's secret; only its SHA-256 is stored
  merkle::Bytes prover_key;
  /// Its L1Settlement contract on L1, where its L1 executions are watched (optional).
  std::optional<merkle::Address> l1_contract;
};

struct IngestResult {
  bool duplicate = false;  // an exact resubmission: nothing was written
  merkle::Word chain_batch_root{};
  std::size_t log_count = 0;
  /// When the batch's transaction committed (wall clock, Unix microseconds); none for a duplicate.
  std::optional<std::int64_t> committed_at_us;
};

struct TimelineEntry {
  std::string stage;  // event kind name
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::optional<std::uint64_t> gateway_block{};
  std::optional<std::uint64_t> gateway_batch{};
  std::optional<MessageStage> reaches{};  // the message's stage from this event on, if it moves it
};

/// A recorded transaction of one chain: its L2->L1 logs in order and what the chain said of it.
struct TransactionRecord {
  std::vector<LogRow> logs;  // never empty
  std::optional<TxFacts> facts;
};

struct MessageStatus {
  LogRow row;
  settlement::SettlementLayer layer = settlement::SettlementLayer::kGateway;
  /// recorded, batch_committed, batch_proven, gateway_final, gateway_batch_sealed, … , l1_final
  std::string status;
  std::string waiting_for;  // empty when nothing is left
  std::optional<std::uint64_t> gateway_block;
  std::optional<std::uint64_t> gateway_batch;
  std::vector<TimelineEntry> timeline;
};

/// How far a replica has followed its writer.
struct FollowStatus {
  std::int64_t applied_seq = 0;  // the last event applied (what it serves)
  std::int64_t head_seq = 0;     // the newest event committed, when it last looked
  /// How long the oldest event not applied yet has been committed (0 when none is waiting).
  std::int64_t lag_ms = 0;
  std::int64_t checked_at_ms = 0;  // when it last looked (Unix milliseconds)
  /// Why it stopped following (a database that disagrees with itself), or why the last look
  /// failed (the database unreachable: it retries); empty when following.
  std::string error;
  bool stopped = false;  // it no longer follows (error says why)
};

class Engine {
 public:
  /// Opens (or creates) the database, applies migrations, rebuilds every tree and checks it
  /// against the stored roots. DataLoss if they disagree: the router then refuses to start.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Engine>> open(EngineConfig config);
  ~Engine();

  Role role() const noexcept { return config_.role; }
  /// A replica's progress; none on the writer.
  std::optional<FollowStatus> follow_status() const;
  /// A replica looks for new events now instead of at its next interval.
  void wake_follower();
  /// The writer records where it takes writes (shown by replicas when they refuse one).
  [[nodiscard]] absl::Status advertise_writer(std::string_view address);

  // ---- writes (serialized; each commits before it returns; FailedPrecondition on a replica,
  // naming the writer's address) ----
  [[nodiscard]] absl::Status register_chain(const ChainRegistration& registration);
  [[nodiscard]] absl::Status migrate_chain(std::uint64_t chain_id, settlement::SettlementLayer to);
  /// Validates and records a sealed batch. An exact resubmission is a no-op (duplicate = true).
  /// Runs in the background (in_background()).
  [[nodiscard]] absl::StatusOr<IngestResult> ingest(SealedBatch batch);
  /// With a background budget, the calling thread as background work until the result ends
  /// (nothing otherwise). A caller that decodes a batch before ingest() wraps both in it, so the
  /// whole batch, decoding included, runs behind readers. Ends on the thread that called it.
  [[nodiscard]] std::optional<BackgroundWriter::Scope> in_background();
  [[nodiscard]] absl::Status commit_batch(std::uint64_t chain_id, std::uint64_t batch_number);
  [[nodiscard]] absl::Status prove_batch(std::uint64_t chain_id, std::uint64_t batch_number,
                                         merkle::ByteSpan proof);
  [[nodiscard]] absl::StatusOr<std::optional<std::uint64_t>> execute_batch(
      std::uint64_t chain_id, std::uint64_t batch_number);
  [[nodiscard]] absl::StatusOr<std::uint64_t> seal_block();
  [[nodiscard]] absl::StatusOr<settlement::GatewayBatch> seal_gateway_batch();

  /// Runs `body` in one write transaction with the Gateway (what the L1 submitter writes with);
  /// its Gateway changes are applied once it has committed.
  [[nodiscard]] absl::Status settle(
      const std::function<absl::Status(settlement::GatewayWriter&)>& body);

  /// Where a batch a chain settles on L1 itself was executed there (router/l1_watch.hpp).
  struct L1Execution {
    merkle::Address contract{};
    std::uint64_t block = 0;
    merkle::Word tx_hash{};
    merkle::Word root{};  // the batch root L1 stored
  };
  /// Records that `execution` is in a final L1 block: the batch's messages become l1_final.
  /// AlreadyExists if it was recorded before; DataLoss if L1's root is not the batch's.
  [[nodiscard]] absl::Status record_l1_final(std::uint64_t chain_id, std::uint64_t batch_number,
                                             const L1Execution& execution);
  /// Whether record_l1_final has recorded the batch.
  [[nodiscard]] absl::StatusOr<bool> l1_batch_final(std::uint64_t chain_id,
                                                    std::uint64_t batch_number) const;

  // ---- authentication ----
  /// OK if `credential` is chain_id's operator credential; PermissionDenied otherwise (without
  /// saying which part was wrong), NotFound for an unknown chain.
  [[nodiscard]] absl::Status check_credential(std::uint64_t chain_id,
                                              std::string_view credential) const;

  // ---- reads ----
  [[nodiscard]] absl::StatusOr<LogRow> message(const MessageId& id) const;
  [[nodiscard]] absl::StatusOr<std::vector<LogRow>> logs_by_tx(const merkle::Word& tx_hash) const;
  /// Messages matching the filter, oldest first, from `filter.after_seq` on.
  [[nodiscard]] absl::StatusOr<MessagePage> list_messages(const MessageFilter& filter) const;
  [[nodiscard]] absl::StatusOr<MessageStatus> status(const MessageId& id) const;
  [[nodiscard]] absl::StatusOr<BuiltProof> proof(
      const MessageId& id, ProofTarget target,
      std::optional<std::uint64_t> against_block = std::nullopt) const;
  /// zks_getL2ToL1LogProof: the `index`-th L2->L1 log of transaction `tx_hash` (on `chain_id`,
  /// when given: a chain endpoint sees only its own chain's transactions). From memory, like
  /// proof(): no database access.
  [[nodiscard]] absl::StatusOr<BuiltProof> proof_by_tx(
      const merkle::Word& tx_hash, std::size_t index, ProofTarget target,
      std::optional<std::uint64_t> chain_id = std::nullopt) const;
  /// historicalRoot(block) of a sealed Gateway block. NotFound before the first block;
  /// not_yet_final() (router/lifecycle.hpp) for a block not sealed yet.
  [[nodiscard]] absl::StatusOr<merkle::Word> interop_root(std::uint64_t block) const;
  [[nodiscard]] absl::StatusOr<std::vector<settlement::Event>> events_after(
      std::int64_t after, std::size_t limit) const;
  std::optional<settlement::BatchInfo> batch(std::uint64_t chain_id,
                                             std::uint64_t batch_number) const;
  std::optional<settlement::ChainInfo> chain(std::uint64_t chain_id) const;
  /// Every registered chain, by id.
  std::vector<settlement::ChainInfo> chains() const;
  /// What a validity proof of a recorded batch must sign (see settlement/state/proof_verifier.hpp).
  std::optional<settlement::BatchCommitment> commitment(std::uint64_t chain_id,
                                                        std::uint64_t batch_number) const;
  std::optional<settlement::GatewayBatch> gateway_batch(std::uint64_t number) const;
  std::optional<std::uint64_t> last_sealed_block() const;
  std::size_t gateway_batch_count() const;
  std::uint64_t gateway_chain_id() const noexcept { return config_.gateway.chain_id; }
  std::uint64_t gateway_first_block() const noexcept { return config_.gateway.first_block; }
  std::size_t unbatched_blocks() const;
  std::optional<settlement::AggregatedProof> aggregated_proof(std::uint64_t gw_batch) const;
  /// The cost ledger entry of one Gateway batch under the configured gas model.
  [[nodiscard]] absl::StatusOr<settlement::GatewayBatchCost> cost_of_gateway_batch(
      std::uint64_t gw_batch) const;
  /// One chain's totals over every Gateway batch that covered its batches.
  [[nodiscard]] absl::StatusOr<settlement::ChainCost> cost_of_chain(std::uint64_t chain_id) const;
  /// How many recorded transactions of `chain_id` `from` signed (to `to`, when given): from the
  /// transaction facts chains send (none without them).
  [[nodiscard]] absl::StatusOr<std::uint64_t> transactions_sent(
      std::uint64_t chain_id, const merkle::Address& from,
      std::optional<merkle::Address> to = std::nullopt) const;
  /// The L1 transactions sent for Gateway batches first..last, oldest first.
  [[nodiscard]] absl::StatusOr<std::vector<settlement::L1TxRecord>> l1_transactions(
      std::uint64_t first, std::uint64_t last) const;

  // ---- what the chain endpoints serve (router/chain_view.cpp) ----
  /// Transaction `tx_hash` of chain `chain_id`, if the router recorded logs of it.
  [[nodiscard]] absl::StatusOr<std::optional<TransactionRecord>> transaction(
      const merkle::Word& tx_hash, std::uint64_t chain_id) const;
  /// A recorded chain batch's settlement steps shown so far; none for an unknown batch.
  [[nodiscard]] absl::StatusOr<std::optional<BatchSettlement>> batch_settlement(
      std::uint64_t chain_id, std::uint64_t batch_number) const;
  /// A sealed Gateway block with the settlement transactions it holds; none if not sealed.
  [[nodiscard]] absl::StatusOr<std::optional<GatewayBlockView>> gateway_block_view(
      std::uint64_t number) const;
  /// The sealed Gateway block holding settlement transaction `hash`, and its index there; none
  /// for a hash that is not one of this Gateway's settlement transactions or not in a sealed block.
  [[nodiscard]] absl::StatusOr<std::optional<std::pair<GatewayBlockView, std::size_t>>>
  gateway_transaction(const merkle::Word& hash) const;

  /// The newest event's seq (0 when there is none).
  std::int64_t last_event_seq() const noexcept { return last_event_seq_.load(); }
  /// The newest event committed to the database. A writer's is the newest it applied; a replica
  /// asks its database, since another replica of the same writer may already serve newer events.
  [[nodiscard]] absl::StatusOr<std::int64_t> newest_committed_event() const;
  /// Blocks until an event newer than `after` is committed, `timeout` passes, or `wake` (if given)
  /// is set and wake_event_waiters() is called; returns the newest seq.
  std::int64_t wait_for_events(std::int64_t after, std::chrono::milliseconds timeout,
                               const std::atomic<bool>* wake = nullptr) const;
  /// Wakes wait_for_events() callers so they look at their `wake` flag (set it first).
  void wake_event_waiters() const;

  /// Batches that outlasted the background budget and were raised to normal priority.
  std::uint64_t batches_raised() const noexcept { return background_ ? background_->raised() : 0; }

  /// Test hook: the Nth database write from now fails with an I/O error.
  void inject_write_fault(int n);

 private:
  class ReaderPool;
  explicit Engine(EngineConfig config);
  GiveWay give_way() const noexcept { return config_.give_way; }
  [[nodiscard]] absl::Status load();
  [[nodiscard]] absl::Status load_log_trees(settlement::Database& db);
  /// The log tree and index entries of one stored batch, checked against its recorded roots.
  struct LoadedBatch {
    std::shared_ptr<const merkle::LogTree> tree;
    std::vector<MessageStore::LoadedLog> logs;
  };
  [[nodiscard]] static absl::StatusOr<LoadedBatch> check_batch(
      const settlement::BatchInfo* info, std::uint64_t chain, std::uint64_t batch,
      std::vector<MessageStore::LoadedLog> logs);
  /// Adds a stored batch's logs to the message index (after its tree is in trees_).
  void index_batch(std::uint64_t chain, std::uint64_t batch, const LoadedBatch& loaded,
                   GiveWay give_way);
  /// A replica: applies what has been committed since the last event applied (at most one chunk);
  /// returns how many events it read.
  [[nodiscard]] absl::StatusOr<std::size_t> follow_once();
  void follow_loop();
  void publish_events(std::int64_t seq);
  /// The error a replica answers a write with.
  absl::Status replica_refusal() const;
  /// Runs `body` in a write transaction (one writer at a time, no state lock held). Once it has
  /// committed, applies its Gateway changes and runs `on_commit` under the exclusive state lock,
  /// then `after_apply` without it (the message index, which has its own lock), then publishes
  /// the new events. On any failure the transaction rolls back and memory is untouched.
  [[nodiscard]] absl::Status write(
      const std::function<absl::Status(settlement::GatewayWriter&)>& body,
      const std::function<void()>& on_commit = {}, const std::function<void()>& after_apply = {});
  /// proof() with the state lock already held (shared).
  [[nodiscard]] absl::StatusOr<BuiltProof> proof_locked(
      const MessageId& id, ProofTarget target, std::optional<std::uint64_t> against_block) const;
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const merkle::LogTree>> tree_for(
      std::uint64_t chain_id, std::uint64_t batch_number) const;

  EngineConfig config_;
  // Before the writer's connection, whose checkpoint thread runs in its scopes.
  std::unique_ptr<BackgroundWriter> background_;  // when background_budget is above zero
  std::unique_ptr<settlement::Database> writer_;
  std::unique_ptr<ReaderPool> readers_;
  std::mutex write_mutex_;                 // one writer at a time (and the writer connection)
  mutable std::shared_mutex state_mutex_;  // guards changes to gateway_ and trees_
  std::unique_ptr<settlement::Gateway> gateway_;
  // Looked up on every proof: hashed, not ordered (no order is needed).
  absl::flat_hash_map<std::pair<std::uint64_t, std::uint64_t>,
                      std::shared_ptr<const merkle::LogTree>>
      trees_;
  MessageIndex index_;  // its own lock; a transaction goes in after its batch's tree
  std::atomic<std::int64_t> last_event_seq_{0};
  mutable std::mutex event_mutex_;
  mutable std::condition_variable event_cv_;

  // A replica's following (Role::kReplica only).
  std::unique_ptr<settlement::Database> follower_;  // the follow thread's own connection
  mutable std::mutex follow_mutex_;  // guards follow_status_, stop_following_, follow_woken_
  std::condition_variable follow_cv_;
  FollowStatus follow_status_;
  bool stop_following_ = false;
  bool follow_woken_ = false;  // wake_follower() was called
  std::thread follow_thread_;
};

}  // namespace zkr::router

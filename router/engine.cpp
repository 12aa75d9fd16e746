#include "router/engine.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "router/message_store.hpp"
#include "router/reader_pool.hpp"
#include "settlement/log.hpp"
#include "settlement/store/follower.hpp"
#include "settlement/store/migrations.hpp"
#include "settlement/store/settlement_store.hpp"

namespace zkr::router {

using merkle::Word;
using settlement::BatchStage;
using settlement::Database;
using settlement::EventKind;
using settlement::EventStore;
using settlement::SettlementLayer;

// ---- readers
// ----------------------------------------------------------------------------------------

/// A fixed set of read-only connections, leased one per call.

namespace {

Word sha256(std::string_view text) {
  Word out{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

}  // namespace

// ---- opening and loading
// ------------------------------------------------------------------------------

Engine::Engine(EngineConfig config) : config_(std::move(config)) {
  if (!config_.verifier) config_.verifier = std::make_shared<settlement::EcdsaProofVerifier>();
}

Engine::~Engine() {
  {
    std::lock_guard lock(follow_mutex_);
    stop_following_ = true;
  }
  follow_cv_.notify_all();
  if (follow_thread_.joinable()) follow_thread_.join();
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::open(EngineConfig config) {
  std::unique_ptr<Engine> engine(new Engine(std::move(config)));
  if (engine->config_.background_budget.count() > 0) {
    if (!BackgroundWriter::permitted()) {
      return absl::FailedPreconditionError(BackgroundWriter::kNeeds);
    }
    engine->background_ = std::make_unique<BackgroundWriter>(engine->config_.background_budget);
  }
  ZKR_RETURN_IF_ERROR(engine->load());
  return engine;
}

absl::Status Engine::load() {
  settlement::DatabaseOptions options;
  options.durability = config_.durability;
  gateway_ = std::make_unique<settlement::Gateway>(config_.gateway, config_.verifier);
  if (config_.role == Role::kReplica) {
    // Read-only, never migrating: the writer owns the schema. Everything is read from one
    // snapshot, so the state is exactly that of its last event.
    options.read_only = true;
    ZKR_ASSIGN_OR_RETURN(follower_, Database::open(config_.database_path, options));
    ZKR_RETURN_IF_ERROR(settlement::check_schema(*follower_, settlement::embedded_migrations()));
    ZKR_ASSIGN_OR_RETURN(settlement::Transaction snapshot,
                         settlement::Transaction::snapshot(*follower_));
    ZKR_RETURN_IF_ERROR(gateway_->load(*follower_, settlement::LoadMode::kFollower));
    ZKR_RETURN_IF_ERROR(load_log_trees(*follower_));
    ZKR_ASSIGN_OR_RETURN(const std::int64_t seq, EventStore::last_seq(*follower_));
    last_event_seq_ = seq;
    follow_status_.applied_seq = follow_status_.head_seq = seq;
    follow_status_.checked_at_ms = settlement::now_ms();
  } else {
    // The writer's SQLite page cache is kept small: at each commit SQLite 3.40 walked the whole
    // cache's hash table here (pcache1TruncateUnsafe, for a page it holds past the end of the
    // database), 9% of the server's CPU while ingesting with 64 MiB. The writer appends rows at
    // the right edge of its b-trees, which a few MiB hold.
    options.cache_size_kib = 8 * 1024;
    // WAL checkpoints (milliseconds of copying, in one piece) on a thread of their own, in the
    // background like a batch, instead of inside a batch's commit.
    options.checkpoint_in_background = true;
    options.run_checkpoint = [this](const std::function<void()>& checkpoint) {
      const std::optional<BackgroundWriter::Scope> background = in_background();
      checkpoint();
    };
    // The commit's own writes (a batch's pages into the WAL) in steps, like the rest of a batch.
    if (config_.give_way.active() && config_.commit_in_steps)
      options.give_way_in_commit = [give_way = config_.give_way] { give_way(); };
    ZKR_ASSIGN_OR_RETURN(writer_, Database::open(config_.database_path, options));
    ZKR_RETURN_IF_ERROR(
        settlement::apply_migrations(*writer_, settlement::embedded_migrations()).status());
    ZKR_RETURN_IF_ERROR(gateway_->load(*writer_));
    ZKR_RETURN_IF_ERROR(load_log_trees(*writer_));
    ZKR_ASSIGN_OR_RETURN(const std::int64_t seq, EventStore::last_seq(*writer_));
    last_event_seq_ = seq;
  }
  readers_ = std::make_unique<ReaderPool>();
  ZKR_RETURN_IF_ERROR(readers_->open(config_.database_path, config_.reader_connections));
  if (config_.role == Role::kReplica) follow_thread_ = std::thread([this] { follow_loop(); });
  return absl::OkStatus();
}

absl::StatusOr<Engine::LoadedBatch> Engine::check_batch(const settlement::BatchInfo* info,
                                                        std::uint64_t chain, std::uint64_t batch,
                                                        std::vector<MessageStore::LoadedLog> logs) {
  if (info == nullptr) {
    return absl::DataLossError(absl::StrCat("logs are stored for batch ", batch, " of chain ",
                                            chain, ", which is not recorded"));
  }
  std::vector<Word> leaves(logs.size());
  for (std::size_t i = 0; i < logs.size(); ++i) leaves[i] = logs[i].leaf;
  ZKR_ASSIGN_OR_RETURN(merkle::LogTree tree, merkle::LogTree::build(leaves));
  if (tree.root() != info->local_root || tree.size() != info->log_count) {
    return absl::DataLossError(absl::StrCat(
        "batch ", batch, " of chain ", chain, ": localRoot is ", merkle::to_hex(info->local_root),
        " over ", info->log_count, " logs in the database, but its stored logs give ",
        merkle::to_hex(tree.root()), " over ", tree.size(),
        "; refusing to serve proofs from an inconsistent database"));
  }
  return LoadedBatch{std::make_shared<const merkle::LogTree>(std::move(tree)), std::move(logs)};
}

void Engine::index_batch(std::uint64_t chain, std::uint64_t batch, const LoadedBatch& loaded,
                         GiveWay give_way) {
  std::vector<MessageIndex::Log> logs;
  logs.reserve(loaded.logs.size());
  for (const MessageStore::LoadedLog& l : loaded.logs) logs.push_back({l.tx_hash, l.sender, l.seq});
  index_.add_batch(chain, batch, logs, give_way);
}

absl::Status Engine::load_log_trees(Database& db) {
  trees_.clear();
  index_.clear();
  ZKR_RETURN_IF_ERROR(MessageStore::for_each_batch(
      db,
      [this](std::uint64_t chain, std::uint64_t batch,
             std::vector<MessageStore::LoadedLog> logs) -> absl::Status {
        ZKR_ASSIGN_OR_RETURN(LoadedBatch loaded, check_batch(gateway_->batch(chain, batch), chain,
                                                             batch, std::move(logs)));
        trees_[{chain, batch}] = loaded.tree;
        index_batch(chain, batch, loaded, GiveWay());  // before serving: no reader to give way to
        return absl::OkStatus();
      }));
  for (const auto& [key, info] : gateway_->batches()) {
    const Word expected = info.protocol_version >= kGatewayProtocolVersion
                              ? merkle::hash_pair(info.local_root, info.aggregated_root)
                              : info.local_root;
    if (expected != info.chain_batch_root) {
      return absl::DataLossError(
          absl::StrCat("batch ", key.second, " of chain ", key.first, ": chainBatchRoot ",
                       merkle::to_hex(info.chain_batch_root), " does not follow from its ",
                       "localRoot and aggregatedRoot (", merkle::to_hex(expected), ")"));
    }
    if (trees_.contains(key)) continue;
    const merkle::LogTree empty;
    if (info.log_count != 0 || info.local_root != empty.root()) {
      return absl::DataLossError(absl::StrCat("batch ", key.second, " of chain ", key.first,
                                              " records ", info.log_count,
                                              " logs but none are stored"));
    }
    trees_.emplace(key, std::make_shared<const merkle::LogTree>(empty));
  }
  return absl::OkStatus();
}

// ---- following the writer (a replica)
// ----------------------------------------------------------------

absl::StatusOr<std::size_t> Engine::follow_once() {
  constexpr std::size_t kChunk = 4096;
  Database& db = *follower_;
  // One snapshot: the events read and the rows they are rebuilt from agree.
  ZKR_ASSIGN_OR_RETURN(settlement::Transaction snapshot, settlement::Transaction::snapshot(db));
  const std::int64_t applied = last_event_seq_.load();
  ZKR_ASSIGN_OR_RETURN(const std::int64_t head, EventStore::last_seq(db));
  if (head < applied) {
    return absl::DataLossError(absl::StrCat("the database's newest event is ", head,
                                            " but this replica has applied ", applied,
                                            "; is it another database?"));
  }
  // Messages' records change nothing a batch's record has not: only the others are read.
  ZKR_ASSIGN_OR_RETURN(const std::vector<settlement::Event> events,
                       EventStore::state_changes_after(db, applied, kChunk));
  for (const settlement::Event& e : events) {
    // Everything before this event is applied (a recorded batch's messages follow its record).
    publish_events(e.seq - 1);
    // Only this thread changes the state, so it reads it without the lock, as the writer does.
    ZKR_ASSIGN_OR_RETURN(std::optional<settlement::GatewayChange> change,
                         settlement::stored_change(*gateway_, db, e));
    std::optional<LoadedBatch> loaded;
    std::pair<std::uint64_t, std::uint64_t> key;  // the loaded batch's chain and number
    if (change && e.kind == EventKind::kBatchRecorded) {
      const auto& info = std::get<settlement::change::BatchRecorded>(change->step).batch;
      key = {info.chain_id, info.batch_number};
      std::vector<MessageStore::LoadedLog> logs;
      ZKR_RETURN_IF_ERROR(MessageStore::for_each_batch(
          db,
          [&logs](std::uint64_t, std::uint64_t, std::vector<MessageStore::LoadedLog> got) {
            logs = std::move(got);
            return absl::OkStatus();
          },
          std::pair{info.chain_id, info.batch_number}));
      ZKR_ASSIGN_OR_RETURN(loaded,
                           check_batch(&info, info.chain_id, info.batch_number, std::move(logs)));
    }
    if (change) {
      {
        std::unique_lock state(state_mutex_);
        gateway_->apply(*change);
        if (loaded) trees_[key] = loaded->tree;
      }
      // After the tree: a transaction found in the index has its batch's tree.
      if (loaded) index_batch(key.first, key.second, *loaded, give_way());
    }
    if (e.kind != EventKind::kBatchRecorded) publish_events(e.seq);
  }
  // A full chunk: the rest next time (at once); otherwise everything up to the head is applied.
  const std::int64_t done = events.size() == kChunk ? events.back().seq : head;
  publish_events(done);
  // How far behind: since when the next event has been waiting.
  std::int64_t lag_ms = 0;
  const std::int64_t now = settlement::now_ms();
  if (head > done) {
    ZKR_ASSIGN_OR_RETURN(const std::vector<settlement::Event> next,
                         EventStore::read_after(db, done, 1));
    if (!next.empty()) lag_ms = std::max<std::int64_t>(0, now - next.front().created_at_ms);
  }
  {
    std::lock_guard lock(follow_mutex_);
    follow_status_.applied_seq = done;
    follow_status_.head_seq = head;
    follow_status_.lag_ms = lag_ms;
    follow_status_.checked_at_ms = now;
    follow_status_.error.clear();
  }
  return events.size() == kChunk ? kChunk : static_cast<std::size_t>(head - applied);
}

void Engine::publish_events(std::int64_t seq) {
  if (seq <= last_event_seq_.load()) return;
  {
    BackgroundWriter::Foreground foreground;
    std::lock_guard events(event_mutex_);
    last_event_seq_ = seq;
  }
  event_cv_.notify_all();
}

void Engine::follow_loop() {
  std::string warned;  // the last failure logged, and when: the log says each one once a minute
  auto warned_at = std::chrono::steady_clock::time_point{};
  for (;;) {
    absl::StatusOr<std::size_t> read = follow_once();
    std::unique_lock lock(follow_mutex_);
    if (stop_following_) return;
    if (!read.ok()) {
      follow_status_.error = std::string(read.status().message());
      follow_status_.checked_at_ms = settlement::now_ms();
      if (read.status().code() == absl::StatusCode::kDataLoss) {
        // The database disagrees with itself: serve what was applied, follow no further.
        follow_status_.stopped = true;
        log::error("replica: stopped following at event ", last_event_seq_.load(), ": ",
                   read.status().message());
        return;
      }
      const auto now = std::chrono::steady_clock::now();
      if (follow_status_.error != warned || now - warned_at > std::chrono::minutes(1)) {
        log::warning("replica: ", read.status().message(), " (retrying)");
        warned = follow_status_.error;
        warned_at = now;
      }
      follow_cv_.wait_for(lock, std::max(config_.follow_interval, std::chrono::milliseconds(500)),
                          [this] { return stop_following_; });
      continue;
    }
    if (!warned.empty()) {
      log::info("replica: following again from event ", last_event_seq_.load());
      warned.clear();
    }
    if (*read == 0) {
      follow_cv_.wait_for(lock, config_.follow_interval,
                          [this] { return stop_following_ || follow_woken_; });
    }
    follow_woken_ = false;
  }
}

void Engine::wake_follower() {
  {
    std::lock_guard lock(follow_mutex_);
    follow_woken_ = true;
  }
  follow_cv_.notify_all();
}

std::optional<FollowStatus> Engine::follow_status() const {
  if (config_.role != Role::kReplica) return std::nullopt;
  std::lock_guard lock(follow_mutex_);
  return follow_status_;
}

absl::Status Engine::advertise_writer(std::string_view address) {
  if (config_.role == Role::kReplica) return replica_refusal();
  std::lock_guard writer(write_mutex_);
  ZKR_ASSIGN_OR_RETURN(settlement::Transaction tx, settlement::Transaction::begin(*writer_));
  ZKR_RETURN_IF_ERROR(
      settlement::SettlementStore::put_setting(*writer_, "writer_address", address));
  return tx.commit();
}

absl::Status Engine::replica_refusal() const {
  std::string address;
  {
    auto lease = readers_->acquire();
    absl::StatusOr<std::optional<std::string>> stored =
        settlement::SettlementStore::setting(lease.db(), "writer_address");
    if (stored.ok() && stored->has_value()) address = **stored;
  }
  return absl::FailedPreconditionError(
      address.empty()
          ? std::string("this zkrouter is a read replica: send writes to the writer (it has not "
                        "said where it listens)")
          : absl::StrCat("this zkrouter is a read replica: send writes to the writer at ",
                         address));
}

// ---- writes
// ---------------------------------------------------------------------------------------------

absl::Status Engine::write(const std::function<absl::Status(settlement::GatewayWriter&)>& body,
                           const std::function<void()>& on_commit,
                           const std::function<void()>& after_apply) {
  if (config_.role == Role::kReplica) return replica_refusal();
  // One writer at a time. The transaction, fsync included, runs without the state lock: readers
  // go on reading the Gateway as it was, which the writer only reads too.
  std::lock_guard writer(write_mutex_);
  settlement::GatewayWriter w(*gateway_, *writer_);
  {
    ZKR_ASSIGN_OR_RETURN(settlement::Transaction tx, settlement::Transaction::begin(*writer_));
    ZKR_RETURN_IF_ERROR(body(w));
    ZKR_RETURN_IF_ERROR(tx.commit());
  }
  // Committed: publish it to readers in one short step (the changes' in-memory part only), in the
  // foreground if the writer is in the background: readers wait for the lock.
  {
    BackgroundWriter::Foreground foreground;
    std::unique_lock state(state_mutex_);
    for (const settlement::GatewayChange& change : w.changes()) gateway_->apply(change);
    if (on_commit) on_commit();
  }
  if (after_apply) after_apply();
  if (absl::StatusOr<std::int64_t> seq = EventStore::last_seq(*writer_); seq.ok())
    publish_events(*seq);
  return absl::OkStatus();
}

absl::Status Engine::register_chain(const ChainRegistration& r) {
  if (r.credential.size() < 16) {
    return absl::InvalidArgumentError("an operator credential must be at least 16 characters");
  }
  return write([&](settlement::GatewayWriter& w) {
    return w
        .write(w.gateway().register_chain({.chain_id = r.chain_id,
                                           .credential_hash = sha256(r.credential),
                                           .prover_key = r.prover_key,
                                           .l1_contract = r.l1_contract}))
        .status();
  });
}

absl::Status Engine::migrate_chain(std::uint64_t chain_id, SettlementLayer to) {
  return write([&](settlement::GatewayWriter& w) {
    return w.write(w.gateway().migrate_chain(chain_id, to)).status();
  });
}

std::optional<BackgroundWriter::Scope> Engine::in_background() {
  if (!background_) return std::nullopt;
  return background_->enter();
}

absl::StatusOr<IngestResult> Engine::ingest(SealedBatch batch) {
  const std::optional<BackgroundWriter::Scope> background = in_background();
  ZKR_ASSIGN_OR_RETURN(ValidatedBatch v, validate_batch(std::move(batch), give_way()));
  IngestResult result{
      .duplicate = false, .chain_batch_root = v.chain_batch_root, .log_count = v.batch.logs.size()};
  const std::pair key{v.batch.chain_id, v.batch.batch_number};
  std::int64_t first_seq = 0;
  ZKR_RETURN_IF_ERROR(write(
      [&](settlement::GatewayWriter& w) -> absl::Status {
        const settlement::Gateway& gateway = w.gateway();
        const absl::Status next = gateway.check_next_batch(key.first, key.second);
        if (next.code() == absl::StatusCode::kAlreadyExists) {
          const settlement::BatchInfo* stored = gateway.batch(key.first, key.second);
          if (stored->content_hash == v.content_hash) {
            result.duplicate = true;  // an exact resubmission: nothing to write
            return absl::OkStatus();
          }
          return absl::AlreadyExistsError(
              absl::StrCat("fork: batch ", key.second, " of chain ", key.first,
                           " is already recorded with different content ",
                           "(stored chainBatchRoot ", merkle::to_hex(stored->chain_batch_root),
                           ", submitted ", merkle::to_hex(v.chain_batch_root), ")"));
        }
        ZKR_RETURN_IF_ERROR(next);
        settlement::BatchInfo info;
        info.chain_id = key.first;
        info.batch_number = key.second;
        info.protocol_version = v.batch.protocol_version;
        info.log_count = static_cast<std::uint32_t>(v.batch.logs.size());
        info.local_root = v.tree->root();
        info.aggregated_root = v.batch.aggregated_root;
        info.chain_batch_root = v.chain_batch_root;
        info.content_hash = v.content_hash;
        ZKR_RETURN_IF_ERROR(w.write(gateway.record_batch(info)).status());
        ZKR_ASSIGN_OR_RETURN(first_seq, MessageStore::insert(w.db(), v, give_way()));
        return absl::OkStatus();
      },
      [&] {
        if (result.duplicate) return;
        result.committed_at_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
        trees_[key] = v.tree;
      },
      [&] {  // after the tree: a transaction found in the index has its batch's tree
        if (result.duplicate) return;
        const auto& logs = v.batch.logs;
        std::vector<MessageIndex::Log> entries;
        entries.reserve(logs.size());
        for (std::size_t i = 0; i < logs.size(); ++i) {
          entries.push_back(
              {logs[i].tx_hash, v.facts[i].sender, first_seq + static_cast<std::int64_t>(i)});
        }
        index_.add_batch(key.first, key.second, entries, give_way());
      }));
  return result;
}

absl::Status Engine::commit_batch(std::uint64_t chain_id, std::uint64_t batch_number) {
  return write([&](settlement::GatewayWriter& w) {
    return w.write(w.gateway().commit_batch(chain_id, batch_number)).status();
  });
}

absl::Status Engine::prove_batch(std::uint64_t chain_id, std::uint64_t batch_number,
                                 merkle::ByteSpan proof) {
  // The proof is verified inside the write (against the state it will change) but outside the
  // state lock: readers are not held up by the verification either.
  return write([&](settlement::GatewayWriter& w) {
    return w.write(w.gateway().prove_batch(chain_id, batch_number, proof)).status();
  });
}

absl::StatusOr<std::optional<std::uint64_t>> Engine::execute_batch(std::uint64_t chain_id,
                                                                   std::uint64_t batch_number) {
  std::optional<std::uint64_t> block;
  ZKR_RETURN_IF_ERROR(write([&](settlement::GatewayWriter& w) -> absl::Status {
    absl::StatusOr<settlement::GatewayChange> change =
        w.gateway().execute_batch(chain_id, batch_number);
    if (change.ok()) block = std::get<settlement::change::BatchExecuted>(change->step).block;
    return w.write(std::move(change)).status();
  }));
  return block;
}

absl::StatusOr<std::uint64_t> Engine::seal_block() {
  std::uint64_t block = 0;
  ZKR_RETURN_IF_ERROR(write([&](settlement::GatewayWriter& w) -> absl::Status {
    settlement::GatewayChange change = w.gateway().seal_block();
    block = std::get<settlement::change::BlockSealed>(change.step).number;
    return w.write(std::move(change)).status();
  }));
  return block;
}

absl::StatusOr<settlement::GatewayBatch> Engine::seal_gateway_batch() {
  settlement::GatewayBatch batch;
  ZKR_RETURN_IF_ERROR(write([&](settlement::GatewayWriter& w) -> absl::Status {
    absl::StatusOr<settlement::GatewayChange> change = w.gateway().seal_gateway_batch();
    if (change.ok()) batch = std::get<settlement::change::GatewayBatchSealed>(change->step).batch;
    return w.write(std::move(change)).status();
  }));
  return batch;
}

std::int64_t Engine::wait_for_events(std::int64_t after, std::chrono::milliseconds timeout,
                                     const std::atomic<bool>* wake) const {
  std::unique_lock lock(event_mutex_);
  event_cv_.wait_for(lock, timeout, [&] {
    return last_event_seq_.load() > after || (wake != nullptr && wake->load());
  });
  return last_event_seq_.load();
}

void Engine::wake_event_waiters() const {
  std::lock_guard lock(event_mutex_);
  event_cv_.notify_all();
}

void Engine::inject_write_fault(int n) {
  std::lock_guard lock(write_mutex_);
  if (writer_) writer_->fail_nth_write(n);
}

// ---- authentication
// -----------------------------------------------------------------------------------

absl::Status Engine::check_credential(std::uint64_t chain_id, std::string_view credential) const {
  std::shared_lock lock(state_mutex_);
  const settlement::ChainInfo* c = gateway_->chain(chain_id);
  if (c == nullptr) return absl::NotFoundError(absl::StrCat("unknown chain ", chain_id));
  const Word given = sha256(credential);
  if (CRYPTO_memcmp(given.data(), c->credential_hash.data(), given.size()) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("the credential is not valid for chain ", chain_id));
  }
  return absl::OkStatus();
}

// ---- reads
// --------------------------------------------------------------------------------------------

absl::StatusOr<LogRow> Engine::message(const MessageId& id) const {
  auto lease = readers_->acquire();
  ZKR_ASSIGN_OR_RETURN(std::optional<LogRow> row, MessageStore::get(lease.db(), id));
  // Nothing newer than the state (a replica's database runs ahead of what it has applied).
  if (!row || row->recorded_seq > last_event_seq_.load())
    return absl::NotFoundError(absl::StrCat("no message ", id.to_string()));
  return std::move(*row);
}

absl::StatusOr<std::vector<LogRow>> Engine::logs_by_tx(const Word& tx_hash) const {
  std::optional<MessageId> first;
  if (const auto recordings = index_.tx_logs(tx_hash); !recordings.empty())
    first = recordings.front().first;
  if (!first) return std::vector<LogRow>{};
  auto lease = readers_->acquire();
  return MessageStore::tx_logs(lease.db(), *first, tx_hash);
}

absl::StatusOr<MessagePage> Engine::list_messages(const MessageFilter& filter) const {
  constexpr std::size_t kMaxLimit = 1000;
  constexpr std::size_t kMaxScanned = 10000;  // per call on the sender path; the cursor continues
  MessageFilter f = filter;
  f.limit = std::clamp<std::size_t>(f.limit, 1, kMaxLimit);
  MessagePage page;
  page.next_cursor = f.after_seq;
  if (!f.sender) {
    auto lease = readers_->acquire();
    const std::int64_t upto = last_event_seq_.load();
    ZKR_ASSIGN_OR_RETURN(page.rows, MessageStore::list(lease.db(), f));
    while (!page.rows.empty() && page.rows.back().recorded_seq > upto) page.rows.pop_back();
    if (!page.rows.empty()) page.next_cursor = page.rows.back().recorded_seq;
    return page;
  }
  const std::vector<std::int64_t> seqs = index_.sender_seqs(*f.sender, f.after_seq, kMaxScanned);
  auto lease = readers_->acquire();
  for (const std::int64_t seq : seqs) {
    page.next_cursor = seq;
    ZKR_ASSIGN_OR_RETURN(std::vector<LogRow> rows, MessageStore::list(lease.db(), f, seq));
    for (LogRow& r : rows) page.rows.push_back(std::move(r));
    if (page.rows.size() >= f.limit) break;
  }
  return page;
}

absl::StatusOr<std::shared_ptr<const merkle::LogTree>> Engine::tree_for(
    std::uint64_t chain_id, std::uint64_t batch_number) const {
  const auto it = trees_.find({chain_id, batch_number});
  if (it == trees_.end()) {
    return absl::NotFoundError(
        absl::StrCat("batch ", batch_number, " of chain ", chain_id, " is not recorded"));
  }
  return it->second;
}

absl::StatusOr<BuiltProof> Engine::proof(const MessageId& id, ProofTarget target,
                                         std::optional<std::uint64_t> against_block) const {
  // Proofs need no database access: the id names the tree and the leaf.
  std::shared_lock lock(state_mutex_);
  return proof_locked(id, target, against_block);
}

absl::StatusOr<BuiltProof> Engine::proof_locked(const MessageId& id, ProofTarget target,
                                                std::optional<std::uint64_t> against_block) const {
  const settlement::BatchInfo* info = gateway_->batch(id.chain_id, id.batch_number);
  if (info == nullptr) return absl::NotFoundError(absl::StrCat("no message ", id.to_string()));
  ZKR_ASSIGN_OR_RETURN(const auto tree, tree_for(id.chain_id, id.batch_number));
  if (id.log_index >= tree->size())
    return absl::NotFoundError(absl::StrCat("no message ", id.to_string()));
  return build_proof(*gateway_, *info, *tree, id.log_index, target, against_block);
}

absl::StatusOr<BuiltProof> Engine::proof_by_tx(const Word& tx_hash, std::size_t index,
                                               ProofTarget target,
                                               std::optional<std::uint64_t> chain_id) const {
  // From memory alone, as zkr_getProof: the index names the transaction's logs (its batch's tree
  // went in before them).
  const auto recordings = index_.tx_logs(tx_hash);
  const auto on_chain = std::find_if(recordings.begin(), recordings.end(), [&](const auto& r) {
    return !chain_id || r.first.chain_id == *chain_id;
  });
  if (on_chain == recordings.end()) {
    return absl::NotFoundError(absl::StrCat("no L2->L1 logs for transaction ",
                                            merkle::to_hex(tx_hash),
                                            chain_id ? absl::StrCat(" on chain ", *chain_id) : ""));
  }
  const MessageIndex::TxLogs& logs = *on_chain;
  if (index >= logs.count) {
    return absl::NotFoundError(absl::StrCat("transaction ", merkle::to_hex(tx_hash), " has ",
                                            logs.count, " L2->L1 logs; no log ", index));
  }
  MessageId id = logs.first;
  id.log_index += index;
  std::shared_lock lock(state_mutex_);
  return proof_locked(id, target, std::nullopt);
}

absl::StatusOr<Word> Engine::interop_root(std::uint64_t block) const {
  std::shared_lock lock(state_mutex_);
  const settlement::MessageRootState& state = gateway_->message_root();
  if (block < config_.gateway.first_block) {
    return absl::NotFoundError(absl::StrCat("Gateway blocks are numbered from ",
                                            config_.gateway.first_block, "; there is no block ",
                                            block));
  }
  if (block >= state.open_block()) {
    const auto sealed = state.last_sealed_block();
    return not_yet_final(absl::StrCat("Gateway block ", block, " is not sealed yet (last sealed: ",
                                      sealed ? absl::StrCat(*sealed) : std::string("none"), ")"));
  }
  return state.shared_root_at(block);
}

absl::StatusOr<std::int64_t> Engine::newest_committed_event() const {
  if (config_.role != Role::kReplica) return last_event_seq_.load();
  auto lease = readers_->acquire();
  return EventStore::last_seq(lease.db());
}

absl::StatusOr<std::vector<settlement::Event>> Engine::events_after(std::int64_t after,
                                                                    std::size_t limit) const {
  const std::int64_t upto = last_event_seq_.load();
  auto lease = readers_->acquire();
  ZKR_ASSIGN_OR_RETURN(std::vector<settlement::Event> events,
                       EventStore::read_after(lease.db(), after, limit));
  while (!events.empty() && events.back().seq > upto) events.pop_back();
  return events;
}

std::optional<settlement::BatchInfo> Engine::batch(std::uint64_t chain_id,
                                                   std::uint64_t batch_number) const {
  std::shared_lock lock(state_mutex_);
  const settlement::BatchInfo* b = gateway_->batch(chain_id, batch_number);
  return b ? std::optional(*b) : std::nullopt;
}

std::optional<settlement::ChainInfo> Engine::chain(std::uint64_t chain_id) const {
  std::shared_lock lock(state_mutex_);
  const settlement::ChainInfo* c = gateway_->chain(chain_id);
  return c ? std::optional(*c) : std::nullopt;
}

std::vector<settlement::ChainInfo> Engine::chains() const {
  std::shared_lock lock(state_mutex_);
  std::vector<settlement::ChainInfo> out;
  for (const auto& [id, c] : gateway_->chains()) out.push_back(c);
  return out;
}

std::optional<settlement::GatewayBatch> Engine::gateway_batch(std::uint64_t number) const {
  std::shared_lock lock(state_mutex_);
  const settlement::GatewayBatch* g = gateway_->gateway_batch(number);
  return g ? std::optional(*g) : std::nullopt;
}

std::optional<std::uint64_t> Engine::last_sealed_block() const {
  std::shared_lock lock(state_mutex_);
  return gateway_->message_root().last_sealed_block();
}

std::size_t Engine::gateway_batch_count() const {
  std::shared_lock lock(state_mutex_);
  return gateway_->gateway_batch_count();
}

std::size_t Engine::unbatched_blocks() const {
  std::shared_lock lock(state_mutex_);
  return gateway_->unbatched_blocks();
}

std::optional<settlement::BatchCommitment> Engine::commitment(std::uint64_t chain_id,
                                                              std::uint64_t batch_number) const {
  std::shared_lock lock(state_mutex_);
  const settlement::BatchInfo* b = gateway_->batch(chain_id, batch_number);
  if (b == nullptr) return std::nullopt;
  return gateway_->commitment_of(*b);
}

absl::Status Engine::settle(const std::function<absl::Status(settlement::GatewayWriter&)>& body) {
  return write(body);
}

absl::Status Engine::record_l1_final(std::uint64_t chain_id, std::uint64_t batch_number,
                                     const L1Execution& execution) {
  return write([&](settlement::GatewayWriter& w) -> absl::Status {
    ZKR_ASSIGN_OR_RETURN(const auto events, EventStore::for_batch(w.db(), chain_id, batch_number));
    if (final_on_l1(events)) {
      return absl::AlreadyExistsError(
          absl::StrCat("batch ", batch_number, " of chain ", chain_id, " is already l1_final"));
    }
    const std::string detail = absl::StrCat(R"("l1Contract":")", merkle::to_hex(execution.contract),
                                            R"(","l1Block":)", execution.block, R"(,"l1TxHash":")",
                                            merkle::to_hex(execution.tx_hash), R"(")");
    return w.write(w.gateway().l1_batch_final(chain_id, batch_number, execution.root, detail))
        .status();
  });
}

absl::StatusOr<bool> Engine::l1_batch_final(std::uint64_t chain_id,
                                            std::uint64_t batch_number) const {
  auto lease = readers_->acquire();
  ZKR_ASSIGN_OR_RETURN(const auto events,
                       EventStore::for_batch(lease.db(), chain_id, batch_number));
  return final_on_l1(events);
}

std::optional<settlement::AggregatedProof> Engine::aggregated_proof(std::uint64_t gw_batch) const {
  std::shared_lock lock(state_mutex_);
  const settlement::AggregatedProof* p = gateway_->aggregated_proof(gw_batch);
  if (p == nullptr) return std::nullopt;
  return *p;
}

absl::StatusOr<settlement::GatewayBatchCost> Engine::cost_of_gateway_batch(
    std::uint64_t gw_batch) const {
  std::shared_lock lock(state_mutex_);
  const settlement::AggregatedProof* p = gateway_->aggregated_proof(gw_batch);
  const settlement::GatewayBatch* g = gateway_->gateway_batch(gw_batch);
  if (p == nullptr || g == nullptr)
    return absl::NotFoundError(absl::StrCat("Gateway batch ", gw_batch, " is not sealed"));
  return settlement::cost_of(*p, *g, config_.gas_model);
}

absl::StatusOr<settlement::ChainCost> Engine::cost_of_chain(std::uint64_t chain_id) const {
  std::shared_lock lock(state_mutex_);
  if (gateway_->chain(chain_id) == nullptr)
    return absl::NotFoundError(absl::StrCat("chain ", chain_id, " is not registered"));
  settlement::ChainCost total{.chain_id = chain_id};
  for (std::uint64_t n = 1; n <= gateway_->gateway_batch_count(); ++n) {
    const settlement::GatewayBatchCost c = settlement::cost_of(
        *gateway_->aggregated_proof(n), *gateway_->gateway_batch(n), config_.gas_model);
    for (const settlement::ChainCost& cc : c.chains) {
      if (cc.chain_id != chain_id) continue;
      total.batches += cc.batches;
      total.direct_gas += cc.direct_gas;
      total.share_gas += cc.share_gas;
      total.share_zk += cc.share_zk;
    }
  }
  return total;
}

absl::StatusOr<std::vector<settlement::L1TxRecord>> Engine::l1_transactions(
    std::uint64_t first, std::uint64_t last) const {
  auto lease = readers_->acquire();
  return settlement::load_l1_transactions(lease.db(), first, last);
}

// ---- status and timeline
// ------------------------------------------------------------------------------

absl::StatusOr<MessageStatus> Engine::status(const MessageId& id) const {
  MessageStatus out;
  ZKR_ASSIGN_OR_RETURN(out.row, message(id));
  // The batch's own events first: they say whether an L1-settled batch is final on L1, which the
  // lifecycle needs along with the state.
  std::vector<settlement::Event> events;
  {
    auto lease = readers_->acquire();
    ZKR_ASSIGN_OR_RETURN(events, EventStore::for_batch(lease.db(), id.chain_id, id.batch_number));
  }
  const bool l1_batch_final = final_on_l1(events);
  settlement::BatchInfo info;
  Progress progress;
  {
    std::shared_lock lock(state_mutex_);
    const settlement::BatchInfo* b = gateway_->batch(id.chain_id, id.batch_number);
    if (b == nullptr)
      return absl::NotFoundError(absl::StrCat("no batch for message ", id.to_string()));
    info = *b;
    progress = progress_of(*gateway_, info, l1_batch_final);
  }
  const std::optional<settlement::GatewayBatch>& gw = progress.gateway_batch;
  out.layer = info.layer;
  out.gateway_block = info.executed_block;
  if (gw) out.gateway_batch = gw->number;
  out.status = message_stage_name(progress.stage);
  out.waiting_for = waiting_for(progress);

  {
    auto lease = readers_->acquire();
    if (info.executed_block) {
      ZKR_ASSIGN_OR_RETURN(
          auto sealed_event,
          EventStore::for_block(lease.db(), EventKind::kGatewayBlockSealed, *info.executed_block));
      if (sealed_event) events.push_back(std::move(*sealed_event));
    }
    if (gw) {
      ZKR_ASSIGN_OR_RETURN(auto gw_events, EventStore::for_gateway_batch(lease.db(), gw->number));
      events.insert(events.end(), gw_events.begin(), gw_events.end());
    }
  }
  std::sort(events.begin(), events.end(),
            [](const auto& a, const auto& b) { return a.seq < b.seq; });
  out.timeline.push_back({.stage = "message_recorded",
                          .seq = out.row.recorded_seq,
                          .reaches = MessageStage::kRecorded});
  for (const settlement::Event& e : events) {
    if (e.kind == EventKind::kBatchRecorded) out.timeline.front().at_ms = e.created_at_ms;
    out.timeline.push_back({.stage = settlement::event_kind_name(e.kind),
                            .seq = e.seq,
                            .at_ms = e.created_at_ms,
                            .gateway_block = e.block_number,
                            .gateway_batch = e.gw_batch,
                            .reaches = stage_reached(e.kind)});
  }
  return out;
}

}  // namespace zkr::router

#include "settlement/state/gateway.hpp"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "settlement/store/settlement_store.hpp"

namespace zkr::settlement {

using merkle::Word;

namespace {

absl::Status mismatch(std::string_view what, const Word& stored, const Word& computed) {
  return absl::DataLossError(
      absl::StrCat(to_absl(what), ": the database says ", merkle::to_hex(stored),
                   " but the trees rebuilt from it give ", merkle::to_hex(computed),
                   "; refusing to serve proofs from an inconsistent database"));
}

}  // namespace

Gateway::Gateway(GatewayConfig config, std::shared_ptr<const ProofVerifier> verifier)
    : config_(config),
      verifier_(std::move(verifier)),
      state_(std::make_unique<MessageRootState>(config.chain_id, config.first_block)) {}

const Word& Gateway::gateway_local_root() noexcept {
  return merkle::kLogTreeZeros[merkle::kLogTreeDepth];
}

absl::Status Gateway::check_settings(Database& db, LoadMode mode) {
  const bool writer = mode == LoadMode::kWriter;
  if (writer && !config_.signing_key)
    return absl::InvalidArgumentError("the Gateway needs a signing key for its aggregated proofs");
  ZKR_ASSIGN_OR_RETURN(const auto stored_key, SettlementStore::setting(db, "gateway_public_key"));
  if (!writer) {
    // A follower reads the Gateway its writer created: the key L1 checks proofs against.
    if (!stored_key.has_value()) {
      return absl::UnavailableError(
          absl::StrCat("database ", db.path(), " holds no Gateway yet: start its writer first"));
    }
    const auto bytes = merkle::parse_hex(*stored_key);
    auto key = bytes.ok() ? secp256k1::parse_public_key(*bytes)
                          : absl::StatusOr<secp256k1::PublicKey>(bytes.status());
    if (!key.ok())
      return absl::DataLossError(
          absl::StrCat("database ", db.path(), ": the stored Gateway key is not a public key"));
    public_key_ = *key;
  } else {
    public_key_ = config_.signing_key->public_key();
  }
  const std::string key_hex = merkle::to_hex(merkle::ByteSpan(secp256k1::compressed(public_key_)));
  if (stored_key.has_value() && *stored_key != key_hex) {
    return absl::FailedPreconditionError(
        absl::StrCat("database ", db.path(), " was created with Gateway key ", *stored_key,
                     "; the configured key is ", key_hex,
                     " (L1 checks aggregated proofs against the first one)"));
  }
  if (!stored_key.has_value()) {
    ZKR_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    ZKR_RETURN_IF_ERROR(SettlementStore::put_setting(db, "gateway_public_key", key_hex));
    ZKR_RETURN_IF_ERROR(tx.commit());
  }
  ZKR_ASSIGN_OR_RETURN(const auto stored_id, SettlementStore::setting(db, "gateway_chain_id"));
  ZKR_ASSIGN_OR_RETURN(const auto stored_first,
                       SettlementStore::setting(db, "gateway_first_block"));
  const std::string id = absl::StrCat(config_.chain_id), first = absl::StrCat(config_.first_block);
  if (!stored_id.has_value() && !writer) {
    return absl::UnavailableError(
        absl::StrCat("database ", db.path(), " holds no Gateway yet: start its writer first"));
  }
  if (!stored_id.has_value()) {
    ZKR_ASSIGN_OR_RETURN(Transaction tx, Transaction::begin(db));
    ZKR_RETURN_IF_ERROR(SettlementStore::put_setting(db, "gateway_chain_id", id));
    ZKR_RETURN_IF_ERROR(SettlementStore::put_setting(db, "gateway_first_block", first));
    ZKR_RETURN_IF_ERROR(
        SettlementStore::insert_gateway_chain(db, 0, config_.chain_id, config_.first_block));
    return tx.commit();
  }
  if (*stored_id != id || stored_first.value_or("") != first) {
    return absl::FailedPreconditionError(
        absl::StrCat("database ", db.path(), " belongs to Gateway chain ", *stored_id,
                     " starting at block ", stored_first.value_or("?"),
                     "; the configuration says chain ", id, " starting at block ", first));
  }
  return absl::OkStatus();
}

absl::Status Gateway::load(Database& db, LoadMode mode) {
  ZKR_RETURN_IF_ERROR(check_settings(db, mode));
  state_ = std::make_unique<MessageRootState>(config_.chain_id, config_.first_block);
  chains_.clear();
  batches_.clear();
  executed_by_block_.clear();
  gw_batches_.clear();
  gw_proofs_.clear();
  ZKR_RETURN_IF_ERROR(replay(db));
  return load_aggregated_proofs(db);
}

absl::Status Gateway::load_aggregated_proofs(Database& db) {
  ZKR_ASSIGN_OR_RETURN(const std::vector<merkle::Bytes> stored,
                       SettlementStore::load_aggregated_proofs(db));
  if (stored.size() != gw_batches_.size()) {
    return absl::DataLossError(absl::StrCat("the database has ", gw_batches_.size(),
                                            " Gateway batches but ", stored.size(),
                                            " aggregated proofs"));
  }
  for (std::size_t i = 0; i < stored.size(); ++i) {
    ZKR_ASSIGN_OR_RETURN(AggregatedProof p, check_aggregated(gw_batches_[i], stored[i]));
    gw_proofs_.push_back(std::move(p));
  }
  return absl::OkStatus();
}

absl::StatusOr<AggregatedProof> Gateway::check_aggregated(const GatewayBatch& g,
                                                          merkle::ByteSpan stored) const {
  std::size_t consumed = 0;
  auto decoded = decode_aggregated(stored, &consumed);
  if (!decoded.ok() || consumed != stored.size())
    return absl::DataLossError(
        absl::StrCat("aggregated proof of Gateway batch ", g.number, " is unreadable"));
  AggregatedProof& p = *decoded;
  const bool same_cover = p.covered == covered_commitments(g.first_block, g.last_block);
  if (p.gw_batch != g.number || p.batch_root != g.batch_root ||
      p.gateway_chain_id != config_.chain_id || !same_cover)
    return absl::DataLossError(absl::StrCat("aggregated proof of Gateway batch ", g.number,
                                            " does not match the batches it covers"));
  if (absl::Status s = verify_aggregated(p, public_key_); !s.ok())
    return absl::DataLossError(s.message());
  return std::move(p);
}

absl::Status Gateway::replay(Database& db) {
  ZKR_ASSIGN_OR_RETURN(std::vector<ChainInfo> chains, SettlementStore::load_chains(db));
  for (ChainInfo& c : chains) chains_.emplace(c.chain_id, std::move(c));
  ZKR_ASSIGN_OR_RETURN(const std::vector<BatchInfo> batches, SettlementStore::load_batches(db));
  for (const BatchInfo& b : batches) {
    const auto it = chains_.find(b.chain_id);
    if (it == chains_.end())
      return absl::DataLossError(
          absl::StrCat(batch_name(b.chain_id, b.batch_number), " has no chain"));
    ChainInfo& c = it->second;
    if (b.batch_number != c.last_recorded + 1) {
      return absl::DataLossError(
          absl::StrCat("chain ", b.chain_id, " has a gap before batch ", b.batch_number));
    }
    c.last_recorded = b.batch_number;
    if (b.stage >= BatchStage::kCommitted) c.last_committed = b.batch_number;
    if (b.stage >= BatchStage::kProven) c.last_proven = b.batch_number;
    if (b.stage >= BatchStage::kExecuted) c.last_executed = b.batch_number;
    batches_.emplace(std::pair{b.chain_id, b.batch_number}, b);
    if (b.executed_block)
      executed_by_block_[*b.executed_block].insert({b.chain_id, b.batch_number});
  }

  ZKR_ASSIGN_OR_RETURN(const auto registrations, SettlementStore::load_gateway_chains(db));
  if (registrations.empty() || registrations[0].first != config_.chain_id) {
    return absl::DataLossError("the Gateway is not at index 0 of gateway_chains");
  }
  ZKR_ASSIGN_OR_RETURN(const auto executions, SettlementStore::load_gateway_executions(db));
  ZKR_ASSIGN_OR_RETURN(const auto blocks, SettlementStore::load_blocks(db));

  std::size_t next_registration = 1, next_execution = 0;
  // Applies what happened in block `upto` (registrations first: they only append leaves).
  const auto apply_block = [&](std::uint64_t upto) -> absl::Status {
    for (; next_registration < registrations.size() &&
           registrations[next_registration].second <= upto;
         ++next_registration) {
      ZKR_RETURN_IF_ERROR(state_->register_chain(registrations[next_registration].first).status());
    }
    for (; next_execution < executions.size() && executions[next_execution].block <= upto;
         ++next_execution) {
      const StoredExecution& e = executions[next_execution];
      if (e.block != upto) {
        return absl::DataLossError(absl::StrCat(batch_name(e.chain_id, e.batch_number),
                                                " executed in block ", e.block, " out of order"));
      }
      ZKR_ASSIGN_OR_RETURN(const auto appended,
                           state_->append_batch(e.chain_id, e.batch_number, e.chain_batch_root));
      if (appended.chain_tree_index != e.chain_tree_index) {
        return absl::DataLossError(
            absl::StrCat(batch_name(e.chain_id, e.batch_number), " is leaf ", e.chain_tree_index,
                         " in the database but replays as leaf ", appended.chain_tree_index));
      }
    }
    return absl::OkStatus();
  };
  for (const StoredBlock& b : blocks) {
    if (b.number != state_->open_block()) {
      return absl::DataLossError(
          absl::StrCat("Gateway block ", b.number, " follows block ", state_->open_block() - 1));
    }
    ZKR_RETURN_IF_ERROR(apply_block(b.number));
    const Word root = state_->seal_block();
    if (root != b.shared_root)
      return mismatch(absl::StrCat("shared root of Gateway block ", b.number), b.shared_root, root);
    if (state_->chain_count() != b.chain_count) {
      return absl::DataLossError(absl::StrCat("Gateway block ", b.number, " had ", b.chain_count,
                                              " chains; the replay gives ", state_->chain_count()));
    }
  }
  ZKR_RETURN_IF_ERROR(apply_block(state_->open_block()));
  if (next_registration != registrations.size() || next_execution != executions.size()) {
    return absl::DataLossError("the database holds Gateway changes after the open block");
  }

  ZKR_ASSIGN_OR_RETURN(std::vector<GatewayBatch> gw_batches,
                       SettlementStore::load_gateway_batches(db));
  std::uint64_t expected_first = config_.first_block;
  for (const GatewayBatch& g : gw_batches) {
    if (g.number != gw_batches_.size() + 1 || g.first_block != expected_first ||
        g.last_block < g.first_block) {
      return absl::DataLossError(
          absl::StrCat("Gateway batch ", g.number, " does not continue the previous one"));
    }
    ZKR_ASSIGN_OR_RETURN(const Word shared, state_->shared_root_at(g.last_block));
    const Word root = merkle::hash_pair(g.local_root, shared);
    if (root != g.batch_root)
      return mismatch(absl::StrCat("root of Gateway batch ", g.number), g.batch_root, root);
    expected_first = g.last_block + 1;
    gw_batches_.push_back(g);
  }
  return absl::OkStatus();
}

// ---- steps
// ----------------------------------------------------------------------------------------

absl::StatusOr<GatewayChange> Gateway::register_chain(const Registration& r) const {
  if (r.chain_id == 0) return absl::InvalidArgumentError("chain id 0 is not a valid chain id");
  if (r.chain_id == config_.chain_id) {
    return absl::InvalidArgumentError(absl::StrCat("chain ", r.chain_id, " is the Gateway itself"));
  }
  if (chains_.contains(r.chain_id)) {
    return absl::AlreadyExistsError(absl::StrCat("chain ", r.chain_id, " is already registered"));
  }
  change::ChainRegistered c{.block = state_->open_block()};
  c.chain.chain_id = r.chain_id;
  c.chain.layer = SettlementLayer::kL1;
  c.chain.credential_hash = r.credential_hash;
  c.chain.prover_key = r.prover_key;
  c.chain.l1_contract = r.l1_contract;
  c.chain.history = {{1, SettlementLayer::kL1}};
  std::string detail = R"({"layer":"l1")";
  if (r.l1_contract)
    absl::StrAppend(&detail, R"(,"l1Contract":")", merkle::to_hex(*r.l1_contract), R"(")");
  detail += "}";
  return GatewayChange{.event = {.kind = EventKind::kChainRegistered,
                                 .chain_id = r.chain_id,
                                 .detail = std::move(detail)},
                       .step = std::move(c)};
}

absl::StatusOr<GatewayChange> Gateway::migrate_chain(std::uint64_t chain_id,
                                                     SettlementLayer to) const {
  const ChainInfo* c = chain(chain_id);
  if (c == nullptr) return absl::NotFoundError(absl::StrCat("unknown chain ", chain_id));
  if (c->layer == to) {
    return absl::FailedPreconditionError(
        absl::StrCat("chain ", chain_id, " already settles on ", layer_name(to)));
  }
  if (c->last_executed != c->last_recorded) {
    return absl::FailedPreconditionError(
        absl::StrCat("chain ", chain_id, " has batches ", c->last_executed + 1, "..",
                     c->last_recorded, " not executed on ", layer_name(c->layer),
                     "; it can migrate at a batch boundary once they are"));
  }
  change::ChainMigrated m{.chain_id = chain_id,
                          .first_batch = c->last_recorded + 1,
                          .to = to,
                          .block = state_->open_block()};
  // First time on this Gateway: the chain gets its shared-tree leaf; its tree then persists
  // across later migrations (spec §3.2).
  if (to == SettlementLayer::kGateway && !state_->chain_index(chain_id))
    m.shared_index = state_->chain_count();
  return GatewayChange{.event = {.kind = EventKind::kChainMigrated,
                                 .chain_id = chain_id,
                                 .batch_number = m.first_batch,
                                 .detail = absl::StrCat(R"({"from":")", layer_name(c->layer),
                                                        R"(","to":")", layer_name(to), R"("})")},
                       .step = m};
}

const ChainInfo* Gateway::chain(std::uint64_t chain_id) const {
  const auto it = chains_.find(chain_id);
  return it == chains_.end() ? nullptr : &it->second;
}

absl::Status Gateway::check_next_batch(std::uint64_t chain_id, std::uint64_t batch_number) const {
  const ChainInfo* c = chain(chain_id);
  if (c == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("unknown chain ", chain_id, ": register it before submitting batches"));
  }
  if (batch_number == 0) return absl::InvalidArgumentError("batch numbers start at 1");
  if (batch_number <= c->last_recorded) {
    return absl::AlreadyExistsError(
        absl::StrCat(batch_name(chain_id, batch_number), " is already recorded"));
  }
  if (batch_number != c->last_recorded + 1) {
    return absl::FailedPreconditionError(absl::StrCat("gap: chain ", chain_id, " expects batch ",
                                                      c->last_recorded + 1, " next, got batch ",
                                                      batch_number));
  }
  return absl::OkStatus();
}

absl::StatusOr<GatewayChange> Gateway::record_batch(BatchInfo b) const {
  ZKR_RETURN_IF_ERROR(check_next_batch(b.chain_id, b.batch_number));
  b.layer = chains_.at(b.chain_id).layer_for(b.batch_number);
  b.stage = BatchStage::kRecorded;
  Event event = batch_event(EventKind::kBatchRecorded, b);
  return GatewayChange{.event = std::move(event), .step = change::BatchRecorded{std::move(b)}};
}

absl::StatusOr<GatewayChange> Gateway::l1_batch_final(std::uint64_t chain_id,
                                                      std::uint64_t batch_number,
                                                      const Word& l1_root,
                                                      std::string_view detail) const {
  const BatchInfo* b = batch(chain_id, batch_number);
  if (b == nullptr)
    return absl::NotFoundError(
        absl::StrCat(batch_name(chain_id, batch_number), " is not recorded"));
  if (b->stage != BatchStage::kExecuted) {
    return absl::FailedPreconditionError(absl::StrCat(batch_name(chain_id, batch_number), " is ",
                                                      stage_name(b->stage), ", not executed"));
  }
  if (b->layer != SettlementLayer::kL1) {
    return absl::FailedPreconditionError(
        absl::StrCat(batch_name(chain_id, batch_number), " settled on the Gateway, not on L1"));
  }
  if (l1_root != b->chain_batch_root) {
    return absl::DataLossError(absl::StrCat(
        batch_name(chain_id, batch_number), " was executed on L1 with root ",
        merkle::to_hex(l1_root), "; the router recorded ", merkle::to_hex(b->chain_batch_root)));
  }
  Event event = batch_event(EventKind::kL1BatchFinal, *b);
  if (!detail.empty()) {
    event.detail.pop_back();
    absl::StrAppend(&event.detail, ",", to_absl(detail), "}");
  }
  return GatewayChange{.event = std::move(event),
                       .step = change::L1BatchFinal{chain_id, batch_number}};
}

Event Gateway::batch_event(EventKind kind, const BatchInfo& b, std::optional<std::uint64_t> block) {
  return {.kind = kind,
          .chain_id = b.chain_id,
          .batch_number = b.batch_number,
          .block_number = block,
          .detail = absl::StrCat(R"({"layer":")", layer_name(b.layer), R"(","chainBatchRoot":")",
                                 merkle::to_hex(b.chain_batch_root), R"("})")};
}

absl::StatusOr<const BatchInfo*> Gateway::batch_for_stage(std::uint64_t chain_id,
                                                          std::uint64_t batch_number,
                                                          BatchStage required) const {
  const BatchInfo* b = batch(chain_id, batch_number);
  if (b == nullptr) {
    if (!chains_.contains(chain_id))
      return absl::NotFoundError(absl::StrCat("unknown chain ", chain_id));
    return absl::NotFoundError(
        absl::StrCat(batch_name(chain_id, batch_number), " is not recorded"));
  }
  const auto next = static_cast<BatchStage>(static_cast<int>(required) + 1);
  if (b->stage != required) {
    return absl::FailedPreconditionError(
        absl::StrCat(batch_name(chain_id, batch_number), " is ", stage_name(b->stage), "; only a ",
                     stage_name(required), " batch can become ", stage_name(next)));
  }
  const ChainInfo& c = chains_.at(chain_id);
  const std::uint64_t done = required == BatchStage::kRecorded    ? c.last_committed
                             : required == BatchStage::kCommitted ? c.last_proven
                                                                  : c.last_executed;
  if (batch_number != done + 1) {
    return absl::FailedPreconditionError(absl::StrCat("chain ", chain_id, " batches become ",
                                                      stage_name(next), " in order: batch ",
                                                      done + 1, " is next"));
  }
  return b;
}

absl::StatusOr<GatewayChange> Gateway::commit_batch(std::uint64_t chain_id,
                                                    std::uint64_t batch_number) const {
  ZKR_ASSIGN_OR_RETURN(const BatchInfo* b,
                       batch_for_stage(chain_id, batch_number, BatchStage::kRecorded));
  return GatewayChange{.event = batch_event(EventKind::kBatchCommitted, *b),
                       .step = change::BatchCommitted{chain_id, batch_number}};
}

absl::StatusOr<GatewayChange> Gateway::prove_batch(std::uint64_t chain_id,
                                                   std::uint64_t batch_number,
                                                   merkle::ByteSpan proof) const {
  ZKR_ASSIGN_OR_RETURN(const BatchInfo* b,
                       batch_for_stage(chain_id, batch_number, BatchStage::kCommitted));
  const ChainInfo& c = chains_.at(chain_id);
  if (absl::Status s = verifier_->verify(commitment_of(*b), merkle::ByteSpan(c.prover_key), proof);
      !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("validity proof rejected: ", s.message()));
  }
  return GatewayChange{.event = batch_event(EventKind::kBatchProven, *b),
                       .step = change::BatchProven{chain_id, batch_number,
                                                   merkle::Bytes(proof.begin(), proof.end())}};
}

absl::StatusOr<GatewayChange> Gateway::execute_batch(std::uint64_t chain_id,
                                                     std::uint64_t batch_number) const {
  ZKR_ASSIGN_OR_RETURN(const BatchInfo* b,
                       batch_for_stage(chain_id, batch_number, BatchStage::kProven));
  change::BatchExecuted e{.chain_id = chain_id, .batch_number = batch_number};
  if (b->layer == SettlementLayer::kGateway) {
    if (!state_->chain_index(chain_id)) {
      return absl::FailedPreconditionError(
          absl::StrCat("chain ", chain_id, " is not registered on the Gateway's MessageRoot"));
    }
    e.block = state_->open_block();
    e.chain_tree_index = state_->chain_tree_size(chain_id);
  }
  return GatewayChange{.event = batch_event(EventKind::kBatchExecuted, *b, e.block), .step = e};
}

const BatchInfo* Gateway::batch(std::uint64_t chain_id, std::uint64_t batch_number) const {
  const auto it = batches_.find({chain_id, batch_number});
  return it == batches_.end() ? nullptr : &it->second;
}

GatewayChange Gateway::seal_block() const {
  const change::BlockSealed sealed{.number = state_->open_block(),
                                   .shared_root = state_->shared_root(),
                                   .chain_count = state_->chain_count()};
  return GatewayChange{.event = {.kind = EventKind::kGatewayBlockSealed,
                                 .chain_id = config_.chain_id,
                                 .block_number = sealed.number,
                                 .detail = absl::StrCat(
                                     R"({"root":")", merkle::to_hex(sealed.shared_root), R"("})")},
                       .step = sealed};
}

std::size_t Gateway::unbatched_blocks() const noexcept {
  const auto last = state_->last_sealed_block();
  if (!last) return 0;
  const std::uint64_t batched =
      gw_batches_.empty() ? config_.first_block - 1 : gw_batches_.back().last_block;
  return static_cast<std::size_t>(*last - batched);
}

absl::StatusOr<GatewayBatch> Gateway::next_gateway_batch() const {
  if (unbatched_blocks() == 0) {
    return absl::FailedPreconditionError("no sealed Gateway blocks since the last Gateway batch");
  }
  GatewayBatch g;
  g.number = gw_batches_.size() + 1;
  g.first_block = gw_batches_.empty() ? config_.first_block : gw_batches_.back().last_block + 1;
  g.last_block = *state_->last_sealed_block();
  g.local_root = gateway_local_root();
  ZKR_ASSIGN_OR_RETURN(g.shared_root, state_->shared_root_at(g.last_block));
  g.batch_root = merkle::hash_pair(g.local_root, g.shared_root);
  return g;
}

namespace {

GatewayChange gateway_batch_change(std::uint64_t gateway_chain_id, const GatewayBatch& g,
                                   AggregatedProof proof) {
  Event event{
      .kind = EventKind::kGatewayBatchSealed,
      .chain_id = gateway_chain_id,
      .block_number = g.last_block,
      .gw_batch = g.number,
      .detail = absl::StrCat(R"({"firstBlock":)", g.first_block, R"(,"lastBlock":)", g.last_block,
                             R"(,"root":")", merkle::to_hex(g.batch_root), R"("})")};
  return GatewayChange{.event = std::move(event),
                       .step = change::GatewayBatchSealed{g, std::move(proof)}};
}

}  // namespace

absl::StatusOr<GatewayChange> Gateway::seal_gateway_batch() const {
  ZKR_ASSIGN_OR_RETURN(const GatewayBatch g, next_gateway_batch());
  ZKR_ASSIGN_OR_RETURN(
      AggregatedProof proof,
      aggregate(config_.chain_id, g, covered_commitments(g.first_block, g.last_block),
                *config_.signing_key));
  return gateway_batch_change(config_.chain_id, g, std::move(proof));
}

absl::StatusOr<GatewayChange> Gateway::gateway_batch_as_stored(
    merkle::ByteSpan stored_proof) const {
  ZKR_ASSIGN_OR_RETURN(const GatewayBatch g, next_gateway_batch());
  ZKR_ASSIGN_OR_RETURN(AggregatedProof proof, check_aggregated(g, stored_proof));
  return gateway_batch_change(config_.chain_id, g, std::move(proof));
}

absl::StatusOr<GatewayChange> Gateway::proven_as_stored(std::uint64_t chain_id,
                                                        std::uint64_t batch_number) const {
  ZKR_ASSIGN_OR_RETURN(const BatchInfo* b,
                       batch_for_stage(chain_id, batch_number, BatchStage::kCommitted));
  return GatewayChange{.event = batch_event(EventKind::kBatchProven, *b),
                       .step = change::BatchProven{chain_id, batch_number, {}}};
}

absl::StatusOr<GatewayChange> Gateway::l1_stage_as_stored(std::uint64_t gw_batch,
                                                          L1Stage stage) const {
  const GatewayBatch* g = gateway_batch(gw_batch);
  if (g == nullptr)
    return absl::DataLossError(absl::StrCat("Gateway batch ", gw_batch, " is not sealed"));
  return set_l1_stage(gw_batch, g->l1_stage, stage, "");
}

BatchCommitment Gateway::commitment_of(const BatchInfo& b) const {
  BatchCommitment c{.chain_id = b.chain_id,
                    .batch_number = b.batch_number,
                    .chain_batch_root = b.chain_batch_root};
  if (const BatchInfo* prev = batch(b.chain_id, b.batch_number - 1))
    c.previous_batch_root = prev->chain_batch_root;
  return c;
}

std::vector<BatchCommitment> Gateway::covered_commitments(std::uint64_t first,
                                                          std::uint64_t last) const {
  std::vector<BatchCommitment> out;
  for (auto it = executed_by_block_.lower_bound(first);
       it != executed_by_block_.end() && it->first <= last; ++it) {
    for (const auto& [chain, number] : it->second)
      out.push_back(commitment_of(batches_.at({chain, number})));
  }
  return out;
}

const AggregatedProof* Gateway::aggregated_proof(std::uint64_t gw_batch) const {
  if (gw_batch == 0 || gw_batch > gw_proofs_.size()) return nullptr;
  return &gw_proofs_[gw_batch - 1];
}

EventKind l1_stage_event(L1Stage stage) noexcept {
  switch (stage) {
    case L1Stage::kCommitted:
      return EventKind::kGatewayBatchCommittedOnL1;
    case L1Stage::kProven:
      return EventKind::kGatewayBatchProvenOnL1;
    case L1Stage::kExecuted:
      return EventKind::kGatewayBatchExecutedOnL1;
    case L1Stage::kFinal:
      return EventKind::kGatewayBatchFinalOnL1;
    case L1Stage::kSealed:
      break;
  }
  return EventKind::kL1Rollback;  // nothing advances to kSealed
}

absl::StatusOr<GatewayChange> Gateway::set_l1_stage(std::uint64_t gw_batch, L1Stage from,
                                                    L1Stage to, std::string_view detail) const {
  const GatewayBatch* g = gateway_batch(gw_batch);
  if (g == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("Gateway batch ", gw_batch, " is not sealed"));
  const EventKind kind = to > from ? l1_stage_event(to) : EventKind::kL1Rollback;
  std::string text =
      absl::StrCat(R"({"from":")", l1_stage_name(from), R"(","to":")", l1_stage_name(to), R"(")");
  if (!detail.empty()) absl::StrAppend(&text, ",", to_absl(detail));
  text += "}";
  return GatewayChange{.event = {.kind = kind,
                                 .chain_id = config_.chain_id,
                                 .block_number = g->last_block,
                                 .gw_batch = g->number,
                                 .detail = std::move(text)},
                       .step = change::L1StageSet{gw_batch, to}};
}

const GatewayBatch* Gateway::gateway_batch(std::uint64_t number) const {
  if (number == 0 || number > gw_batches_.size()) return nullptr;
  return &gw_batches_[number - 1];
}

const GatewayBatch* Gateway::gateway_batch_for_block(std::uint64_t block) const {
  const auto it =
      std::lower_bound(gw_batches_.begin(), gw_batches_.end(), block,
                       [](const GatewayBatch& g, std::uint64_t b) { return g.last_block < b; });
  if (it == gw_batches_.end() || it->first_block > block) return nullptr;
  return &*it;
}

// ---- applying a stored change
// ----------------------------------------------------------------------

BatchInfo& Gateway::advance(std::uint64_t chain_id, std::uint64_t batch_number, BatchStage stage) {
  BatchInfo& b = batches_.at({chain_id, batch_number});
  ChainInfo& c = chains_.at(chain_id);
  ZKR_CHECK(static_cast<int>(b.stage) + 1 == static_cast<int>(stage));
  b.stage = stage;
  std::uint64_t& counter = stage == BatchStage::kCommitted ? c.last_committed
                           : stage == BatchStage::kProven  ? c.last_proven
                                                           : c.last_executed;
  ZKR_CHECK(counter + 1 == batch_number);
  counter = batch_number;
  return b;
}

void Gateway::apply(const GatewayChange& change) {
  // A chain's shared-tree leaf, added in the block the change was computed in.
  const auto in_shared_tree = [this](std::uint64_t chain_id, std::optional<std::size_t> index,
                                     std::uint64_t block) {
    if (!index) return;
    ZKR_CHECK(block == state_->open_block());
    const absl::StatusOr<std::size_t> got = state_->register_chain(chain_id);
    ZKR_CHECK(got.ok() && *got == *index);
  };
  struct Visitor {
    Gateway& g;
    decltype(in_shared_tree)& add_leaf;
    void operator()(const change::ChainRegistered& c) {
      add_leaf(c.chain.chain_id, c.shared_index, c.block);
      ZKR_CHECK(g.chains_.emplace(c.chain.chain_id, c.chain).second);
    }
    void operator()(const change::ChainMigrated& m) {
      ChainInfo& c = g.chains_.at(m.chain_id);
      add_leaf(m.chain_id, m.shared_index, m.block);
      c.layer = m.to;
      c.history.emplace_back(m.first_batch, m.to);
    }
    void operator()(const change::BatchRecorded& r) {
      ChainInfo& c = g.chains_.at(r.batch.chain_id);
      ZKR_CHECK(c.last_recorded + 1 == r.batch.batch_number);
      c.last_recorded = r.batch.batch_number;
      ZKR_CHECK(
          g.batches_.emplace(std::pair{r.batch.chain_id, r.batch.batch_number}, r.batch).second);
    }
    void operator()(const change::BatchCommitted& c) {
      g.advance(c.chain_id, c.batch_number, BatchStage::kCommitted);
    }
    void operator()(const change::BatchProven& p) {
      g.advance(p.chain_id, p.batch_number, BatchStage::kProven);
    }
    void operator()(const change::BatchExecuted& e) {
      BatchInfo& b = g.advance(e.chain_id, e.batch_number, BatchStage::kExecuted);
      if (e.block) {
        ZKR_CHECK(*e.block == g.state_->open_block());
        const auto appended =
            g.state_->append_batch(e.chain_id, e.batch_number, b.chain_batch_root);
        ZKR_CHECK(appended.ok() && appended->chain_tree_index == *e.chain_tree_index);
        g.executed_by_block_[*e.block].insert({e.chain_id, e.batch_number});
      }
      b.executed_block = e.block;
      b.chain_tree_index = e.chain_tree_index;
    }
    void operator()(const change::BlockSealed& s) {
      ZKR_CHECK(s.number == g.state_->open_block());
      ZKR_CHECK(g.state_->seal_block() == s.shared_root);
    }
    void operator()(const change::GatewayBatchSealed& s) {
      ZKR_CHECK(s.batch.number == g.gw_batches_.size() + 1);
      g.gw_batches_.push_back(s.batch);
      g.gw_proofs_.push_back(s.proof);
    }
    void operator()(const change::L1StageSet& l) {
      g.gw_batches_.at(l.gw_batch - 1).l1_stage = l.stage;
    }
    void operator()(const change::L1BatchFinal&) {}  // its event is the record
  };
  std::visit(Visitor{*this, in_shared_tree}, change.step);
}

}  // namespace zkr::settlement

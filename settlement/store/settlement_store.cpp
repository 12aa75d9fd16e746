#include "settlement/store/settlement_store.hpp"

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::settlement {
namespace {

absl::StatusOr<SettlementLayer> read_layer(const Statement& s, int i) {
  const std::string text = s.column_text(i);
  const auto layer = layer_from_name(text);
  if (!layer)
    return absl::DataLossError(
        absl::StrCat("unknown settlement layer '", text, "' in the database"));
  return *layer;
}

}  // namespace

absl::StatusOr<std::optional<std::string>> SettlementStore::setting(Database& db,
                                                                    std::string_view key) {
  ZKR_ASSIGN_OR_RETURN(Statement * s, db.prepare("SELECT value FROM settings WHERE key = ?1"));
  s->bind(1, key);
  ZKR_ASSIGN_OR_RETURN(const bool row, s->step());
  std::optional<std::string> value;
  if (row) value = s->column_text(0);
  s->reset();
  return value;
}

absl::Status SettlementStore::put_setting(Database& db, std::string_view key,
                                          std::string_view value) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("INSERT INTO settings (key, value) VALUES (?1, ?2) "
                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  return s->bind(1, key).bind(2, value).run();
}

absl::StatusOr<std::int64_t> SettlementStore::persist(Database& db, const GatewayChange& change) {
  ZKR_ASSIGN_OR_RETURN(const std::int64_t seq, EventStore::append(db, change.event));
  struct Rows {
    Database& db;
    std::int64_t seq;
    absl::Status operator()(const change::ChainRegistered& c) const {
      ZKR_RETURN_IF_ERROR(insert_chain(db, c.chain, seq));
      ZKR_RETURN_IF_ERROR(insert_migration(db, c.chain.chain_id, 1, c.chain.layer, seq));
      if (!c.shared_index) return absl::OkStatus();
      return insert_gateway_chain(db, *c.shared_index, c.chain.chain_id, c.block);
    }
    absl::Status operator()(const change::ChainMigrated& m) const {
      ZKR_RETURN_IF_ERROR(insert_migration(db, m.chain_id, m.first_batch, m.to, seq));
      if (!m.shared_index) return absl::OkStatus();
      return insert_gateway_chain(db, *m.shared_index, m.chain_id, m.block);
    }
    absl::Status operator()(const change::BatchRecorded& r) const {
      return insert_batch(db, r.batch);
    }
    absl::Status operator()(const change::BatchCommitted& c) const {
      return set_stage(db, c.chain_id, c.batch_number, BatchStage::kCommitted);
    }
    absl::Status operator()(const change::BatchProven& p) const {
      return set_proof(db, p.chain_id, p.batch_number, merkle::ByteSpan(p.proof));
    }
    absl::Status operator()(const change::BatchExecuted& e) const {
      return set_executed(db, e.chain_id, e.batch_number, e.block, e.chain_tree_index, seq);
    }
    absl::Status operator()(const change::BlockSealed& b) const {
      return insert_block(db, {b.number, b.shared_root, b.chain_count}, seq);
    }
    absl::Status operator()(const change::GatewayBatchSealed& g) const {
      ZKR_RETURN_IF_ERROR(insert_gateway_batch(db, g.batch, seq));
      return insert_aggregated_proof(db, g.batch.number, g.proof.covered.size(),
                                     merkle::ByteSpan(encode(g.proof)));
    }
    absl::Status operator()(const change::L1StageSet& l) const {
      return set_l1_stage(db, l.gw_batch, l.stage);
    }
    absl::Status operator()(const change::L1BatchFinal&) const { return absl::OkStatus(); }
  };
  ZKR_RETURN_IF_ERROR(std::visit(Rows{db, seq}, change.step));
  return seq;
}

absl::Status SettlementStore::insert_chain(Database& db, const ChainInfo& c, std::int64_t seq) {
  ZKR_ASSIGN_OR_RETURN(
      Statement * s, db.prepare("INSERT INTO chains (chain_id, settlement_layer, credential_hash, "
                                "prover_key, registered_seq, l1_contract) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  s->bind(1, c.chain_id).bind(2, layer_name(c.layer)).bind(3, c.credential_hash);
  if (c.prover_key.empty()) {
    s->bind_null(4);
  } else {
    s->bind(4, merkle::ByteSpan(c.prover_key));
  }
  if (c.l1_contract) {
    s->bind(6, merkle::ByteSpan(*c.l1_contract));
  } else {
    s->bind_null(6);
  }
  return s->bind(5, seq).run();
}

absl::Status SettlementStore::insert_migration(Database& db, std::uint64_t chain_id,
                                               std::uint64_t first_batch, SettlementLayer layer,
                                               std::int64_t seq) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("INSERT INTO chain_migrations (chain_id, first_batch, "
                                  "settlement_layer, event_seq) VALUES (?1, ?2, ?3, ?4)"));
  ZKR_RETURN_IF_ERROR(
      s->bind(1, chain_id).bind(2, first_batch).bind(3, layer_name(layer)).bind(4, seq).run());
  ZKR_ASSIGN_OR_RETURN(Statement * u,
                       db.prepare("UPDATE chains SET settlement_layer = ?2 WHERE chain_id = ?1"));
  return u->bind(1, chain_id).bind(2, layer_name(layer)).run();
}

absl::Status SettlementStore::insert_gateway_chain(Database& db, std::size_t index,
                                                   std::uint64_t chain_id, std::uint64_t block) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("INSERT INTO gateway_chains (chain_index, chain_id, "
                                  "registered_block) VALUES (?1, ?2, ?3)"));
  return s->bind(1, static_cast<std::int64_t>(index)).bind(2, chain_id).bind(3, block).run();
}

absl::Status SettlementStore::insert_batch(Database& db, const BatchInfo& b) {
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare("INSERT INTO batches (chain_id, batch_number, protocol_version, settlement_layer, "
                 "log_count, local_root, aggregated_root, chain_batch_root, content_hash, stage) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0)"));
  return s->bind(1, b.chain_id)
      .bind(2, b.batch_number)
      .bind(3, static_cast<std::int64_t>(b.protocol_version))
      .bind(4, layer_name(b.layer))
      .bind(5, static_cast<std::int64_t>(b.log_count))
      .bind(6, b.local_root)
      .bind(7, b.aggregated_root)
      .bind(8, b.chain_batch_root)
      .bind(9, b.content_hash)
      .run();
}

absl::Status SettlementStore::set_stage(Database& db, std::uint64_t chain_id, std::uint64_t batch,
                                        BatchStage stage) {
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare("UPDATE batches SET stage = ?3 WHERE chain_id = ?1 AND batch_number = ?2"));
  return s->bind(1, chain_id).bind(2, batch).bind(3, static_cast<int>(stage)).run();
}

absl::Status SettlementStore::set_proof(Database& db, std::uint64_t chain_id, std::uint64_t batch,
                                        merkle::ByteSpan proof) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("UPDATE batches SET validity_proof = ?3, stage = 2 "
                                  "WHERE chain_id = ?1 AND batch_number = ?2"));
  return s->bind(1, chain_id).bind(2, batch).bind(3, proof).run();
}

absl::Status SettlementStore::set_executed(Database& db, std::uint64_t chain_id,
                                           std::uint64_t batch, std::optional<std::uint64_t> block,
                                           std::optional<std::uint64_t> chain_tree_index,
                                           std::int64_t seq) {
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare("UPDATE batches SET stage = 3, executed_block = ?3, chain_tree_index = ?4, "
                 "execution_seq = ?5 WHERE chain_id = ?1 AND batch_number = ?2"));
  return s->bind(1, chain_id)
      .bind(2, batch)
      .bind(3, block)
      .bind(4, chain_tree_index)
      .bind(5, seq)
      .run();
}

absl::Status SettlementStore::insert_block(Database& db, const StoredBlock& b, std::int64_t seq) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("INSERT INTO gateway_blocks (number, shared_root, chain_count, "
                                  "sealed_at, event_seq) VALUES (?1, ?2, ?3, ?4, ?5)"));
  return s->bind(1, b.number)
      .bind(2, b.shared_root)
      .bind(3, static_cast<std::int64_t>(b.chain_count))
      .bind(4, now_ms())
      .bind(5, seq)
      .run();
}

absl::Status SettlementStore::insert_gateway_batch(Database& db, const GatewayBatch& b,
                                                   std::int64_t seq) {
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare("INSERT INTO gateway_batches (number, first_block, last_block, local_root, "
                 "shared_root, batch_root, sealed_at, event_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                 "?7, ?8)"));
  return s->bind(1, b.number)
      .bind(2, b.first_block)
      .bind(3, b.last_block)
      .bind(4, b.local_root)
      .bind(5, b.shared_root)
      .bind(6, b.batch_root)
      .bind(7, now_ms())
      .bind(8, seq)
      .run();
}

absl::StatusOr<std::vector<ChainInfo>> SettlementStore::load_chains(Database& db) {
  std::vector<ChainInfo> chains;
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("SELECT chain_id, settlement_layer, credential_hash, prover_key, "
                                  "l1_contract FROM chains ORDER BY chain_id"));
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    ChainInfo c;
    c.chain_id = static_cast<std::uint64_t>(row.column_int64(0));
    ZKR_ASSIGN_OR_RETURN(c.layer, read_layer(row, 1));
    ZKR_ASSIGN_OR_RETURN(c.credential_hash, row.column_word(2));
    const auto key = row.column_blob(3);
    c.prover_key.assign(key.begin(), key.end());
    if (!row.column_is_null(4)) {
      const auto contract = row.column_blob(4);
      if (contract.size() != 20) {
        return absl::DataLossError(
            absl::StrCat("chain ", c.chain_id, ": its L1 contract is ", contract.size(), " bytes"));
      }
      c.l1_contract.emplace();
      std::copy(contract.begin(), contract.end(), c.l1_contract->begin());
    }
    chains.push_back(std::move(c));
    return absl::OkStatus();
  }));
  ZKR_ASSIGN_OR_RETURN(Statement * m,
                       db.prepare("SELECT chain_id, first_batch, settlement_layer FROM "
                                  "chain_migrations ORDER BY chain_id, event_seq"));
  ZKR_RETURN_IF_ERROR(for_each_row(m, [&](const Statement& row) -> absl::Status {
    const auto chain_id = static_cast<std::uint64_t>(row.column_int64(0));
    ZKR_ASSIGN_OR_RETURN(const SettlementLayer layer, read_layer(row, 2));
    for (ChainInfo& c : chains) {
      if (c.chain_id == chain_id)
        c.history.emplace_back(static_cast<std::uint64_t>(row.column_int64(1)), layer);
    }
    return absl::OkStatus();
  }));
  return chains;
}

absl::StatusOr<std::vector<std::pair<std::uint64_t, std::uint64_t>>>
SettlementStore::load_gateway_chains(Database& db) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>>
      out;  // (chain id, registered block) by index
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("SELECT chain_index, chain_id, registered_block FROM "
                                  "gateway_chains ORDER BY chain_index"));
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    if (static_cast<std::size_t>(row.column_int64(0)) != out.size()) {
      return absl::DataLossError("gateway_chains has a gap in its chain indices");
    }
    out.emplace_back(static_cast<std::uint64_t>(row.column_int64(1)),
                     static_cast<std::uint64_t>(row.column_int64(2)));
    return absl::OkStatus();
  }));
  return out;
}

namespace {

constexpr char kBatchColumns[] =
    "SELECT chain_id, batch_number, protocol_version, settlement_layer, log_count, local_root, "
    "aggregated_root, chain_batch_root, content_hash, stage, executed_block, chain_tree_index "
    "FROM batches ";

absl::StatusOr<BatchInfo> read_batch(const Statement& row) {
  BatchInfo b;
  b.chain_id = static_cast<std::uint64_t>(row.column_int64(0));
  b.batch_number = static_cast<std::uint64_t>(row.column_int64(1));
  b.protocol_version = static_cast<std::uint32_t>(row.column_int64(2));
  ZKR_ASSIGN_OR_RETURN(b.layer, read_layer(row, 3));
  b.log_count = static_cast<std::uint32_t>(row.column_int64(4));
  ZKR_ASSIGN_OR_RETURN(b.local_root, row.column_word(5));
  ZKR_ASSIGN_OR_RETURN(b.aggregated_root, row.column_word(6));
  ZKR_ASSIGN_OR_RETURN(b.chain_batch_root, row.column_word(7));
  ZKR_ASSIGN_OR_RETURN(b.content_hash, row.column_word(8));
  const auto stage = row.column_int64(9);
  if (stage < 0 || stage > 3) {
    return absl::DataLossError(
        absl::StrCat("batch ", b.batch_number, " of chain ", b.chain_id, " has stage ", stage));
  }
  b.stage = static_cast<BatchStage>(stage);
  if (!row.column_is_null(10)) b.executed_block = static_cast<std::uint64_t>(row.column_int64(10));
  if (!row.column_is_null(11))
    b.chain_tree_index = static_cast<std::uint64_t>(row.column_int64(11));
  return b;
}

}  // namespace

absl::StatusOr<std::vector<BatchInfo>> SettlementStore::load_batches(Database& db) {
  std::vector<BatchInfo> out;
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare(absl::StrCat(kBatchColumns, "ORDER BY chain_id, batch_number")));
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    ZKR_ASSIGN_OR_RETURN(BatchInfo b, read_batch(row));
    out.push_back(b);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<BatchInfo>> SettlementStore::load_batch(Database& db,
                                                                     std::uint64_t chain_id,
                                                                     std::uint64_t batch_number) {
  std::optional<BatchInfo> out;
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare(absl::StrCat(kBatchColumns, "WHERE chain_id = ?1 AND batch_number = ?2")));
  s->bind(1, chain_id).bind(2, batch_number);
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    ZKR_ASSIGN_OR_RETURN(out, read_batch(row));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<StoredExecution>> SettlementStore::load_gateway_executions(
    Database& db) {
  std::vector<StoredExecution> out;
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare(
          "SELECT chain_id, batch_number, executed_block, chain_tree_index, chain_batch_root "
          "FROM batches WHERE executed_block IS NOT NULL ORDER BY execution_seq"));
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    StoredExecution e;
    e.chain_id = static_cast<std::uint64_t>(row.column_int64(0));
    e.batch_number = static_cast<std::uint64_t>(row.column_int64(1));
    e.block = static_cast<std::uint64_t>(row.column_int64(2));
    e.chain_tree_index = static_cast<std::uint64_t>(row.column_int64(3));
    ZKR_ASSIGN_OR_RETURN(e.chain_batch_root, row.column_word(4));
    out.push_back(e);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<StoredBlock>> SettlementStore::load_blocks(Database& db) {
  std::vector<StoredBlock> out;
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare("SELECT number, shared_root, chain_count FROM gateway_blocks ORDER BY number"));
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    StoredBlock b;
    b.number = static_cast<std::uint64_t>(row.column_int64(0));
    ZKR_ASSIGN_OR_RETURN(b.shared_root, row.column_word(1));
    b.chain_count = static_cast<std::size_t>(row.column_int64(2));
    out.push_back(b);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<GatewayBatch>> SettlementStore::load_gateway_batches(Database& db) {
  std::vector<GatewayBatch> out;
  ZKR_ASSIGN_OR_RETURN(
      Statement * s, db.prepare("SELECT number, first_block, last_block, local_root, shared_root, "
                                "batch_root, l1_stage FROM gateway_batches ORDER BY number"));
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    GatewayBatch b;
    b.number = static_cast<std::uint64_t>(row.column_int64(0));
    b.first_block = static_cast<std::uint64_t>(row.column_int64(1));
    b.last_block = static_cast<std::uint64_t>(row.column_int64(2));
    ZKR_ASSIGN_OR_RETURN(b.local_root, row.column_word(3));
    ZKR_ASSIGN_OR_RETURN(b.shared_root, row.column_word(4));
    ZKR_ASSIGN_OR_RETURN(b.batch_root, row.column_word(5));
    const std::int64_t stage = row.column_int64(6);
    if (stage < 0 || stage > static_cast<int>(L1Stage::kFinal))
      return absl::DataLossError(absl::StrCat("Gateway batch ", b.number, " has L1 stage ", stage));
    b.l1_stage = static_cast<L1Stage>(stage);
    out.push_back(b);
    return absl::OkStatus();
  }));
  return out;
}

absl::Status SettlementStore::insert_aggregated_proof(Database& db, std::uint64_t gw_batch,
                                                      std::size_t covered, merkle::ByteSpan proof) {
  ZKR_ASSIGN_OR_RETURN(
      Statement * s, db.prepare("INSERT INTO gateway_batch_proofs (gw_batch, covered_count, proof) "
                                "VALUES (?1, ?2, ?3)"));
  return s->bind(1, gw_batch).bind(2, static_cast<std::uint64_t>(covered)).bind(3, proof).run();
}

absl::StatusOr<std::vector<merkle::Bytes>> SettlementStore::load_aggregated_proofs(Database& db) {
  std::vector<merkle::Bytes> out;
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare("SELECT gw_batch, proof FROM gateway_batch_proofs ORDER BY gw_batch"));
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    if (static_cast<std::size_t>(row.column_int64(0)) != out.size() + 1)
      return absl::DataLossError(absl::StrCat("aggregated proof ", row.column_int64(0),
                                              " does not follow proof ", out.size()));
    const auto blob = row.column_blob(1);
    out.emplace_back(blob.begin(), blob.end());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<merkle::Bytes>> SettlementStore::load_aggregated_proof(
    Database& db, std::uint64_t gw_batch) {
  std::optional<merkle::Bytes> out;
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("SELECT proof FROM gateway_batch_proofs WHERE gw_batch = ?1"));
  s->bind(1, gw_batch);
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) {
    const auto blob = row.column_blob(0);
    out.emplace(blob.begin(), blob.end());
    return absl::OkStatus();
  }));
  return out;
}

absl::Status SettlementStore::set_l1_stage(Database& db, std::uint64_t gw_batch, L1Stage stage) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("UPDATE gateway_batches SET l1_stage = ?2 WHERE number = ?1"));
  return s->bind(1, gw_batch).bind(2, static_cast<int>(stage)).run();
}

}  // namespace zkr::settlement

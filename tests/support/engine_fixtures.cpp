#include "tests/support/engine_fixtures.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>

#include "merkle/keccak.hpp"
#include "merkle/log_tree.hpp"
#include "merkle/message_root.hpp"
#include "merkle/status.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/vectors.hpp"

namespace zkr::testing {

TempDir::TempDir() {
  static std::mt19937_64 rng(std::random_device{}());
  path_ = std::filesystem::temp_directory_path() /
          ("zkrouter-test-" + std::to_string(::getpid()) + "-" + std::to_string(rng()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  if (const auto admin = test_postgres_url())
    for (const auto& [name, url] : databases_) drop_database(*admin, url);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::database(const std::string& name) {
  const auto admin = test_postgres_url();
  if (!admin) return file(name);
  if (auto it = databases_.find(name); it != databases_.end()) return it->second;
  auto url = create_database(*admin);
  if (!url.ok()) {
    ADD_FAILURE() << "cannot create a PostgreSQL database: " << url.status();
    return file(name);
  }
  databases_.emplace(name, *url);
  return *url;
}

bool on_postgres() {
  return test_postgres_url().has_value();
}

namespace {

merkle::Word tx_hash_for(std::uint64_t chain, std::uint64_t batch, std::size_t i) {
  merkle::Bytes b;
  for (const auto v : {chain, batch, static_cast<std::uint64_t>(i)}) {
    const auto w = merkle::be32(v);
    b.insert(b.end(), w.begin(), w.end());
  }
  return merkle::keccak256(merkle::ByteSpan(b));
}

router::BatchLog message_log(const merkle::L2Message& m, const merkle::Word& tx) {
  return router::BatchLog{.log = merkle::message_to_log(m), .tx_hash = tx, .message = m.data};
}

}  // namespace

router::SealedBatch scenario_batch(std::uint64_t chain_id, std::uint64_t batch_number) {
  const auto& batches =
      vectors().at("scenario").at("chains").at(std::to_string(chain_id)).at("batches").as_array();
  for (const auto& b : batches) {
    if (number(b.at("batchNumber")) != batch_number) continue;
    router::SealedBatch out;
    out.chain_id = chain_id;
    out.batch_number = batch_number;
    out.protocol_version = 29;
    std::size_t i = 0;
    for (const auto& m : b.at("messages").as_array()) {
      out.logs.push_back(message_log(message(m), tx_hash_for(chain_id, batch_number, i++)));
    }
    out.aggregated_root = word(b.at("aggregatedRoot"));
    out.local_root = word(b.at("localRoot"));
    out.chain_batch_root = word(b.at("chainBatchRoot"));
    return out;
  }
  throw std::runtime_error("no scenario batch " + std::to_string(batch_number) + " of chain " +
                           std::to_string(chain_id));
}

void reseal(router::SealedBatch& b) {
  (void)router::seal_roots(b);  // oversize test batches keep their claimed roots
}

router::SealedBatch generated_batch(std::uint64_t chain_id, std::uint64_t batch_number,
                                    std::size_t messages, std::uint64_t seed) {
  std::mt19937_64 rng(chain_id * 1000003 + batch_number * 7919 + seed);
  router::SealedBatch out;
  out.chain_id = chain_id;
  out.batch_number = batch_number;
  out.protocol_version = 29;
  for (std::size_t i = 0; i < messages; ++i) {
    merkle::L2Message m;
    m.tx_number_in_batch = static_cast<std::uint16_t>(i);
    for (auto& byte : m.sender) byte = static_cast<std::uint8_t>(rng());
    m.data.resize(8 + rng() % 64);
    for (auto& byte : m.data) byte = static_cast<std::uint8_t>(rng());
    out.logs.push_back(message_log(m, tx_hash_for(chain_id, batch_number, i)));
  }
  out.aggregated_root = merkle::chain_id_leaf(merkle::kZeroWord, chain_id);
  reseal(out);
  return out;
}

std::string credential_for(std::uint64_t chain_id) {
  return "operator-secret-of-chain-" + std::to_string(chain_id);
}

bool has_event_after(const router::Engine& engine, std::int64_t after, settlement::EventKind kind) {
  const auto events = engine.events_after(after, 1000);
  if (!events.ok()) throw std::runtime_error("cannot read events");
  return std::any_of(events->begin(), events->end(),
                     [kind](const settlement::Event& e) { return e.kind == kind; });
}

std::string database_digest(const std::string& path) {
  if (settlement::is_postgres_location(path)) return postgres_digest(path);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path);
  }
  std::vector<std::string> tables;
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1,
                     &s, nullptr);
  while (sqlite3_step(s) == SQLITE_ROW)
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  merkle::Bytes all;
  for (const auto& t : tables) {
    all.insert(all.end(), t.begin(), t.end());
    sqlite3_prepare_v2(db, ("SELECT * FROM \"" + t + "\" ORDER BY 1, 2, 3").c_str(), -1, &s,
                       nullptr);
    if (s == nullptr)
      sqlite3_prepare_v2(db, ("SELECT * FROM \"" + t + "\" ORDER BY 1").c_str(), -1, &s, nullptr);
    std::size_t rows = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
      ++rows;
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, c));
        all.push_back(static_cast<std::uint8_t>(sqlite3_column_type(s, c)));
        all.insert(all.end(), p, p + sqlite3_column_bytes(s, c));
      }
    }
    sqlite3_finalize(s);
    const std::string count = ":" + std::to_string(rows) + ";";
    all.insert(all.end(), count.begin(), count.end());
  }
  sqlite3_close(db);
  return merkle::to_hex(merkle::keccak256(merkle::ByteSpan(all)));
}

namespace {

settlement::secp256k1::PrivateKey derived_key(const std::string& label) {
  const merkle::Word seed = merkle::keccak256(std::string_view(label));
  auto key = settlement::secp256k1::PrivateKey::from_bytes(seed);
  if (!key.ok()) throw std::runtime_error("cannot derive key " + label);
  return *key;
}

}  // namespace

const settlement::secp256k1::PrivateKey& prover_key_for(std::uint64_t chain_id) {
  static std::mutex mutex;
  static std::map<std::uint64_t, settlement::secp256k1::PrivateKey> keys;
  std::lock_guard lock(mutex);
  auto it = keys.find(chain_id);
  if (it == keys.end())
    it = keys.emplace(chain_id, derived_key("zkrouter test prover " + std::to_string(chain_id)))
             .first;
  return it->second;
}

merkle::Bytes prover_public_for(std::uint64_t chain_id) {
  return settlement::secp256k1::compressed(prover_key_for(chain_id).public_key());
}

router::ChainRegistration registration_for(std::uint64_t chain_id) {
  return {.chain_id = chain_id,
          .credential = credential_for(chain_id),
          .prover_key = prover_public_for(chain_id)};
}

absl::Status launch_chain(router::Engine& engine, std::uint64_t chain_id,
                          settlement::SettlementLayer layer) {
  ZKR_RETURN_IF_ERROR(engine.register_chain(registration_for(chain_id)));
  if (layer == settlement::SettlementLayer::kL1) return absl::OkStatus();
  return engine.migrate_chain(chain_id, layer);
}

std::shared_ptr<const settlement::secp256k1::PrivateKey> test_gateway_key() {
  static const auto key = std::make_shared<const settlement::secp256k1::PrivateKey>(
      derived_key("zkrouter test gateway"));
  return key;
}

merkle::Bytes validity_proof(const router::Engine& engine, std::uint64_t chain_id,
                             std::uint64_t batch_number) {
  const auto commitment = engine.commitment(chain_id, batch_number);
  if (!commitment) throw std::runtime_error("no batch to prove");
  auto proof = settlement::sign_commitment(*commitment, prover_key_for(chain_id));
  if (!proof.ok()) throw std::runtime_error("cannot sign a validity proof");
  return *proof;
}

namespace {

void must(const absl::Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + std::string(s.message()));
}

void ingest(router::Engine& e, std::uint64_t chain, std::uint64_t batch) {
  must(e.ingest(scenario_batch(chain, batch)).status(), "ingest");
}

}  // namespace

void settle_batch(router::Engine& e, std::uint64_t chain, std::uint64_t batch) {
  must(e.commit_batch(chain, batch), "commit");
  must(e.prove_batch(chain, batch, validity_proof(e, chain, batch)), "prove");
  must(e.execute_batch(chain, batch).status(), "execute");
}

void replay_scenario(router::Engine& e) {
  using settlement::SettlementLayer;
  for (const std::uint64_t chain : {270, 271}) must(launch_chain(e, chain), "launch");
  must(launch_chain(e, 272, SettlementLayer::kL1), "launch");
  for (const auto& [chain, batch] : std::vector<std::pair<int, int>>{
           {270, 1}, {270, 2}, {270, 3}, {271, 1}, {271, 2}, {272, 1}, {272, 2}}) {
    ingest(e, chain, batch);
  }
  settle_batch(e, 272, 1);  // 272 settles batches 1-2 on L1
  settle_batch(e, 272, 2);
  const auto& gateway = vectors().at("scenario").at("gateway");
  for (const auto& block : gateway.at("blocks").as_array()) {
    const std::uint64_t n = number(block.at("number"));
    for (const auto& ex : block.at("executes").as_array()) {
      const std::uint64_t chain = number(ex.at("chainId")), batch = number(ex.at("batchNumber"));
      if (chain ==
          272) {  // opts in to the Gateway at the batch boundary, then settles batch 3 there
        must(e.migrate_chain(272, SettlementLayer::kGateway), "migrate");
        ingest(e, 272, 3);
      }
      settle_batch(e, chain, batch);
    }
    const auto sealed = e.seal_block();
    must(sealed.status(), "seal block");
    if (*sealed != n)
      throw std::runtime_error("sealed block " + std::to_string(*sealed) + ", expected " +
                               std::to_string(n));
    for (const auto& g : gateway.at("batches").as_array()) {
      if (number(g.at("blocks").as_array().back()) == n)
        must(e.seal_gateway_batch().status(), "seal Gateway batch");
    }
  }
}

std::unique_ptr<router::Engine> open_engine(const std::string& path, std::uint64_t first_block,
                                            router::GiveWay give_way,
                                            std::chrono::milliseconds background_budget,
                                            bool commit_in_steps) {
  router::EngineConfig config;
  config.database_path = path;
  config.gateway = {.chain_id = 506, .first_block = first_block, .signing_key = test_gateway_key()};
  config.reader_connections = 2;
  config.give_way = give_way;
  config.background_budget = background_budget;
  config.commit_in_steps = commit_in_steps;
  auto engine = router::Engine::open(config);
  if (!engine.ok())
    throw std::runtime_error("cannot open engine: " + std::string(engine.status().message()));
  return std::move(*engine);
}

}  // namespace zkr::testing

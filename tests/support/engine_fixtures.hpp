#pragma once
// Fixtures for engine tests: temporary database files, batches from the spec's scenario and
// generated ones, and a digest of a database's whole content.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "router/batch.hpp"
#include "router/engine.hpp"

namespace zkr::testing {

/// A fresh directory under the system temp dir, removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }
  /// Where the database `name` of this test lives: the file `name` here, or — when the suite runs
  /// against PostgreSQL (ZKR_TEST_POSTGRES_FILE) — a fresh database on that server, the same one
  /// for the same name, dropped with this folder.
  std::string database(const std::string& name);

 private:
  std::filesystem::path path_;
  std::map<std::string, std::string> databases_;
};

/// Whether the suite runs against PostgreSQL (tests of SQLite's own files skip then).
bool on_postgres();

/// The scenario batch `batch_number` of `chain_id` as its operator would submit it: logs from the
/// listed messages, and the claimed roots exactly as vectors.json lists them.
router::SealedBatch scenario_batch(std::uint64_t chain_id, std::uint64_t batch_number);

/// A deterministic batch of `messages` L1Messenger messages, every root computed with the merkle
/// module (for tests of behaviour, not of values).
router::SealedBatch generated_batch(std::uint64_t chain_id, std::uint64_t batch_number,
                                    std::size_t messages, std::uint64_t seed = 0);
/// Recomputes the claimed roots of a batch after a test edits it.
void reseal(router::SealedBatch& batch);

/// The operator credential the fixtures register chains with.
std::string credential_for(std::uint64_t chain_id);

/// Each chain's prover key (derived from its id) and its compressed public key, as registered.
const settlement::secp256k1::PrivateKey& prover_key_for(std::uint64_t chain_id);
merkle::Bytes prover_public_for(std::uint64_t chain_id);
/// A registration with the fixtures' credential and prover key (a chain launches on L1).
router::ChainRegistration registration_for(std::uint64_t chain_id);
/// Registers a chain (on L1) and, for the Gateway, migrates it there before its first batch.
[[nodiscard]] absl::Status launch_chain(
    router::Engine& engine, std::uint64_t chain_id,
    settlement::SettlementLayer layer = settlement::SettlementLayer::kGateway);
/// The Gateway's signing key in every fixture engine.
std::shared_ptr<const settlement::secp256k1::PrivateKey> test_gateway_key();
/// The validity proof of a recorded batch: its commitment signed by the chain's prover key.
merkle::Bytes validity_proof(const router::Engine& engine, std::uint64_t chain_id,
                             std::uint64_t batch_number);

/// Whether an event of `kind` was committed after cursor `after` (looks at the next 1000).
bool has_event_after(const router::Engine& engine, std::int64_t after, settlement::EventKind kind);

/// A digest of every row of every table (names, values), for "nothing changed" checks.
std::string database_digest(const std::string& path);

/// Commits, proves (with the chain's prover key) and executes a recorded batch. Throws on any
/// failure.
void settle_batch(router::Engine& engine, std::uint64_t chain_id, std::uint64_t batch_number);

/// Drives vectors.json's scenario through `engine` (chains registered, every batch ingested and
/// settled in its listed Gateway block, 272's migration, Gateway batches). Throws on any failure.
void replay_scenario(router::Engine& engine);

/// An engine over `path` with the scenario's Gateway (chain 506, first block 10).
std::unique_ptr<router::Engine> open_engine(
    const std::string& path, std::uint64_t first_block = 10,
    router::GiveWay give_way = router::GiveWay::to_waiting_threads(),
    std::chrono::milliseconds background_budget = std::chrono::milliseconds(0),
    bool commit_in_steps = true);

}  // namespace zkr::testing

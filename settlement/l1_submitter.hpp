#pragma once
// Sends sealed Gateway batches to L1 in order — commit, prove (the aggregated proofs), execute —
// as EIP-1559 transactions to the settlement address, and follows them to finality.
//
// Every transaction is signed and written to the database (l1_transactions) before it is sent,
// so a restart resends the same bytes instead of building a second transaction: at most one
// transaction per nonce is ever included. A transaction not included within `stuck_after` is
// replaced by one with the same nonce and higher fees. A transaction that leaves the canonical
// chain (an L1 reorg) is detected by its missing receipt or changed block hash; the Gateway
// batches it had advanced are rolled back with an event, and it is resent.
//
// tick() is one round of that loop; the caller runs it on its own thread (never an I/O thread).

#include <chrono>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "settlement/gateway.hpp"
#include "settlement/l1_client.hpp"
#include "settlement/secp256k1.hpp"

namespace zkr::settlement {

struct SubmitterConfig {
  merkle::Address settlement_address{};
  std::uint64_t confirmations = 1;        // blocks (including its own) before a stage counts
  std::uint64_t max_batches_per_tx = 16;  // Gateway batches per commit / prove / execute
  std::chrono::milliseconds stuck_after{30'000};
  std::uint32_t fee_bump_percent = 25;    // ≥ 10: nodes refuse smaller replacements
  std::uint32_t gas_margin_percent = 30;  // over eth_estimateGas
};

/// Runs `body` in one write transaction with the Gateway, commits and publishes its events.
using SettleFn =
    std::function<absl::Status(const std::function<absl::Status(Database&, Gateway&)>& body)>;

struct TickReport {
  int sent = 0;         // new transactions
  int resent = 0;       // the same bytes again (restart, reorg, evicted from the pool)
  int bumped = 0;       // replaced with higher fees
  int included = 0;     // reached the configured confirmations
  int finalized = 0;    // reached the node's finalized block
  int rolled_back = 0;  // left the canonical chain
};

/// One persisted L1 transaction (a row of l1_transactions).
struct L1TxRecord {
  std::int64_t id = 0;
  std::string action;  // commit / prove / execute
  std::uint64_t first_batch = 0;
  std::uint64_t last_batch = 0;
  std::uint64_t nonce = 0;
  std::uint64_t attempt = 0;
  merkle::Word tx_hash{};
  merkle::Bytes raw;
  std::uint64_t max_fee_per_gas = 0;
  std::uint64_t max_priority_fee_per_gas = 0;
  std::uint64_t gas_limit = 0;
  std::string state;  // pending / included / final / replaced / reverted
  std::optional<std::uint64_t> block_number;
  std::optional<merkle::Word> block_hash;
  std::optional<std::uint64_t> gas_used;
  std::int64_t sent_at_ms = 0;
};

/// Every L1 transaction for Gateway batches overlapping first..last, oldest first.
absl::StatusOr<std::vector<L1TxRecord>> load_l1_transactions(Database& db, std::uint64_t first,
                                                             std::uint64_t last);

class L1Submitter {
 public:
  L1Submitter(SubmitterConfig config, L1Client& client, secp256k1::PrivateKey key, SettleFn settle);

  absl::StatusOr<TickReport> tick();
  const merkle::Address& address() const noexcept { return address_; }

  /// Test hook: the next new transaction is persisted but not sent, as if the process died
  /// between the two.
  void skip_next_send_for_test() { skip_next_send_ = true; }

 private:
  /// Follows the attempts of one nonce; true while its transaction is still pending.
  absl::StatusOr<bool> track(std::vector<L1TxRecord> group, std::uint64_t head,
                             std::uint64_t finalized, TickReport& report);
  absl::Status send_next(TickReport& report);
  absl::StatusOr<L1TxRecord> sign_record(const std::string& action, std::uint64_t first,
                                         std::uint64_t last, std::uint64_t nonce,
                                         std::uint64_t attempt, merkle::Bytes calldata,
                                         std::uint64_t max_fee, std::uint64_t priority_fee,
                                         std::uint64_t gas_limit);

  SubmitterConfig config_;
  L1Client& client_;
  secp256k1::PrivateKey key_;
  merkle::Address address_;
  SettleFn settle_;
  std::uint64_t chain_id_ = 0;
  bool skip_next_send_ = false;
};

}  // namespace zkr::settlement

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
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "settlement/ethereum/l1_calls.hpp"
#include "settlement/ethereum/l1_client.hpp"
#include "settlement/ethereum/secp256k1.hpp"
#include "settlement/state/gateway.hpp"
#include "settlement/store/gateway_writer.hpp"

namespace zkr::settlement {

struct SubmitterConfig {
  merkle::Address settlement_address{};
  std::uint64_t confirmations = 1;        // blocks (including its own) before a stage counts
  std::uint64_t max_batches_per_tx = 16;  // Gateway batches per commit / prove / execute
  std::chrono::milliseconds stuck_after{30'000};
  std::uint32_t fee_bump_percent = 25;    // ≥ 10: nodes refuse smaller replacements
  std::uint32_t gas_margin_percent = 30;  // over eth_estimateGas
};

/// Runs `body` in one write transaction with the Gateway, commits, applies its Gateway changes
/// and publishes its events (router::Engine::settle).
using SettleFn =
    std::function<absl::Status(const std::function<absl::Status(GatewayWriter&)>& body)>;

struct TickReport {
  int sent = 0;         // new transactions
  int resent = 0;       // the same bytes again (restart, reorg, evicted from the pool)
  int bumped = 0;       // replaced with higher fees
  int included = 0;     // reached the configured confirmations
  int finalized = 0;    // reached the node's finalized block
  int rolled_back = 0;  // left the canonical chain
};

/// Where an L1 transaction is. Stored by name ("pending", …) in l1_transactions.state.
enum class L1TxState : int {
  kPending,   // sent (or about to be), not yet confirmed
  kIncluded,  // in a canonical block with the configured confirmations
  kFinal,     // at or below the node's finalized block
  kReplaced,  // superseded by another attempt with the same nonce
  kReverted,  // mined, but the settlement contract refused it
};
const char* l1_tx_state_name(L1TxState state) noexcept;
std::optional<L1TxState> l1_tx_state_from_name(std::string_view name) noexcept;

/// One persisted L1 transaction (a row of l1_transactions).
struct L1TxRecord {
  std::int64_t id = 0;
  l1calls::Action action = l1calls::Action::kCommit;
  std::uint64_t first_batch = 0;
  std::uint64_t last_batch = 0;
  std::uint64_t nonce = 0;
  std::uint64_t attempt = 0;
  merkle::Word tx_hash{};
  merkle::Bytes raw;
  std::uint64_t max_fee_per_gas = 0;
  std::uint64_t max_priority_fee_per_gas = 0;
  std::uint64_t gas_limit = 0;
  L1TxState state = L1TxState::kPending;
  std::optional<std::uint64_t> block_number;
  std::optional<merkle::Word> block_hash;
  std::optional<std::uint64_t> gas_used;
  std::int64_t sent_at_ms = 0;
  std::optional<std::string> revert_reason;  // kReverted: the contract's error, in words
};

/// Every L1 transaction for Gateway batches overlapping first..last, oldest first.
[[nodiscard]] absl::StatusOr<std::vector<L1TxRecord>> load_l1_transactions(Database& db,
                                                                           std::uint64_t first,
                                                                           std::uint64_t last);

class L1Submitter {
 public:
  L1Submitter(SubmitterConfig config, L1Client& client, secp256k1::PrivateKey key, SettleFn settle);

  [[nodiscard]] absl::StatusOr<TickReport> tick();
  const merkle::Address& address() const noexcept { return address_; }

  /// Test hook: the next new transaction is persisted but not sent, as if the process died
  /// between the two.
  void skip_next_send_for_test() { skip_next_send_ = true; }

 private:
  /// Follows the attempts of one nonce; true while its transaction is still pending.
  [[nodiscard]] absl::StatusOr<bool> track(std::vector<L1TxRecord> group, std::uint64_t head,
                                           std::uint64_t finalized, TickReport& report);
  [[nodiscard]] absl::Status send_next(TickReport& report);
  [[nodiscard]] absl::StatusOr<L1TxRecord> sign_record(
      l1calls::Action action, std::uint64_t first, std::uint64_t last, std::uint64_t nonce,
      std::uint64_t attempt, merkle::Bytes calldata, std::uint64_t max_fee,
      std::uint64_t priority_fee, std::uint64_t gas_limit);

  SubmitterConfig config_;
  L1Client& client_;
  secp256k1::PrivateKey key_;
  merkle::Address address_;
  SettleFn settle_;
  std::uint64_t chain_id_ = 0;
  bool skip_next_send_ = false;
};

}  // namespace zkr::settlement

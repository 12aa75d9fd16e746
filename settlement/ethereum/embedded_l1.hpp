#pragma once
// An in-process Ethereum-like chain for the devnet and tests: signed EIP-1559 transactions (the
// same bytes a real node gets), a mempool with fee-bump replacement, blocks on a timer or on
// demand, confirmations and a finality depth, and reorgs on request. Transactions to a
// settlement address run a model of contracts/L1Settlement.sol: the Gateway's instance (from the
// config) and one per chain settling on L1 itself (add_settlement). Batches must be committed,
// proven and executed in order, each proof is the settling chain's aggregated proof checked
// against the key the instance was made with, and each step emits the contract's events.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "settlement/ethereum/eth_tx.hpp"
#include "settlement/ethereum/l1_client.hpp"
#include "settlement/state/aggregation.hpp"

namespace zkr::settlement {

struct EmbeddedL1Config {
  std::uint64_t chain_id = 1337;
  std::chrono::milliseconds block_time{1000};
  std::uint64_t finality_depth = 4;  // finalized = head − finality_depth
  std::uint64_t base_fee_per_gas = 1'000'000'000;
  std::uint64_t block_gas_limit = 30'000'000;
  merkle::Address settlement_address{};
  std::uint64_t gateway_chain_id = 506;
  secp256k1::PublicKey gateway_key{};  // checks aggregated proofs
  merkle::Address settlement_admin{};  // the Gateway instance's deployer (resumeAfter)
  GasModel gas;                        // execution gas of the settlement calls
};

/// The settlement contract's state: how far Gateway batches have got, and their roots.
struct SettlementContractState {
  std::uint64_t committed = 0;
  std::uint64_t proven = 0;
  std::uint64_t executed = 0;
  std::map<std::uint64_t, merkle::Word> roots;  // committed batch → batch root
};

/// One L1Settlement instance: constructor arguments and state.
struct SettlementInstance {
  std::uint64_t chain_id = 0;
  secp256k1::PublicKey signer{};
  merkle::Address admin{};  // its deployer: may call resumeAfter
  SettlementContractState state;
};

class EmbeddedL1 final : public L1Client {
 public:
  explicit EmbeddedL1(EmbeddedL1Config config);
  ~EmbeddedL1() override;

  // ---- L1Client
  [[nodiscard]] absl::StatusOr<std::uint64_t> chain_id() override;
  [[nodiscard]] absl::StatusOr<std::uint64_t> head() override;
  [[nodiscard]] absl::StatusOr<std::uint64_t> finalized() override;
  [[nodiscard]] absl::StatusOr<L1Fees> fees() override;
  [[nodiscard]] absl::StatusOr<std::uint64_t> nonce(const merkle::Address& sender) override;
  [[nodiscard]] absl::StatusOr<std::uint64_t> estimate_gas(const merkle::Address& from,
                                                           const std::optional<merkle::Address>& to,
                                                           merkle::ByteSpan data) override;
  [[nodiscard]] absl::StatusOr<merkle::Word> send_raw(merkle::ByteSpan raw) override;
  [[nodiscard]] absl::StatusOr<std::optional<L1Receipt>> receipt(
      const merkle::Word& tx_hash) override;
  [[nodiscard]] absl::StatusOr<bool> knows(const merkle::Word& tx_hash) override;
  [[nodiscard]] absl::StatusOr<std::optional<merkle::Word>> block_hash(
      std::uint64_t number) override;
  [[nodiscard]] absl::StatusOr<std::vector<L1Log>> logs(const LogFilter& filter) override;
  [[nodiscard]] absl::StatusOr<std::string> revert_reason(const eth::SignedTx& tx,
                                                          std::uint64_t block) override;

  // ---- control
  /// Puts a settlement instance for `chain_id`, whose proofs `signer` signs, at `address` (as
  /// `admin` deploying it would). AlreadyExists if something is there.
  [[nodiscard]] absl::Status add_settlement(const merkle::Address& address, std::uint64_t chain_id,
                                            const secp256k1::PublicKey& signer,
                                            const merkle::Address& admin);
  /// Mines one block from the pool now; returns its number.
  std::uint64_t mine();
  /// Mines a block every block_time on a thread of its own until stop_mining() or destruction.
  void start_mining();
  void stop_mining();
  /// Replaces the newest `depth` blocks with a longer fork of empty blocks. Their transactions
  /// are dropped (not returned to the pool), as when the fork's producer never saw them.
  /// FailedPrecondition if that would undo a finalized block.
  [[nodiscard]] absl::Status reorg(std::uint64_t depth);
  void set_base_fee(std::uint64_t wei);
  /// Drops a transaction from the pool (as a node evicting it would).
  void drop_pending(const merkle::Word& tx_hash);
  /// The Gateway's instance's state, or the one at `address` (empty if none is there).
  SettlementContractState contract() const;
  SettlementContractState contract(const merkle::Address& address) const;
  /// Every transaction in the canonical chain, oldest first.
  std::vector<eth::SignedTx> included() const;

 private:
  struct Block {
    std::uint64_t number = 0;
    merkle::Word hash{};
    std::vector<eth::SignedTx> txs;
    std::vector<L1Receipt> receipts;
    std::vector<merkle::Bytes> reverts;  // each transaction's revert data (empty if none)
    std::vector<L1Log> logs;
  };
  /// What running a transaction did: success, gas used, the contract's revert data, its events
  /// (address and topics filled in).
  struct Execution {
    bool ok = false;
    std::uint64_t gas = 0;
    merkle::Bytes revert;
    std::vector<L1Log> logs;
  };
  using Instances = std::map<merkle::Address, SettlementInstance>;
  /// Runs a transaction against the instances as contracts/L1Settlement.sol would.
  Execution execute(const eth::SignedTx& tx, Instances& instances) const;
  std::uint64_t intrinsic_gas(merkle::ByteSpan data) const;
  void append_block_locked(std::vector<eth::SignedTx> txs);
  std::uint64_t account_nonce_locked(const merkle::Address& a) const;

  EmbeddedL1Config config_;
  mutable std::mutex mutex_;
  std::vector<Block> blocks_;  // blocks_[n] is block n; block 0 is genesis
  std::map<merkle::Address, std::uint64_t> nonces_;
  Instances instances_;
  std::map<std::pair<merkle::Address, std::uint64_t>, eth::SignedTx> pool_;  // (sender, nonce)
  std::map<merkle::Word, std::pair<std::uint64_t, std::size_t>> tx_index_;   // hash → (block, i)
  std::uint64_t forks_ = 0;
  std::thread miner_;
  bool mining_ = false;
  std::condition_variable stop_cv_;
};

}  // namespace zkr::settlement

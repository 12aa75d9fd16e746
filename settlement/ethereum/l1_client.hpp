#pragma once
// What the L1 submitter needs from an Ethereum node. Two implementations: EmbeddedL1 (an
// in-process chain for the devnet and tests) and EthRpcClient (JSON-RPC over HTTP to a real node).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/types.hpp"
#include "settlement/ethereum/eth_tx.hpp"

namespace zkr::settlement {

struct L1Receipt {
  merkle::Word tx_hash{};
  std::uint64_t block_number = 0;
  merkle::Word block_hash{};
  bool success = false;
  std::uint64_t gas_used = 0;
  std::uint64_t effective_gas_price = 0;
};

/// An event log, as eth_getLogs returns it.
struct L1Log {
  merkle::Address address{};
  std::vector<merkle::Word> topics;
  merkle::Bytes data;
  std::uint64_t block_number = 0;
  merkle::Word block_hash{};
  merkle::Word tx_hash{};
};

/// Logs of one contract in blocks from_block..to_block whose topics match: topics[i], when set,
/// must equal the log's topic i.
struct LogFilter {
  merkle::Address address{};
  std::vector<std::optional<merkle::Word>> topics;
  std::uint64_t from_block = 0;
  std::uint64_t to_block = 0;
};

struct L1Fees {
  std::uint64_t base_fee_per_gas = 0;          // of the next block
  std::uint64_t max_priority_fee_per_gas = 0;  // a tip that gets included
};

class L1Client {
 public:
  virtual ~L1Client() = default;
  [[nodiscard]] virtual absl::StatusOr<std::uint64_t> chain_id() = 0;
  /// The latest block number.
  [[nodiscard]] virtual absl::StatusOr<std::uint64_t> head() = 0;
  /// The newest block the node considers final (the `finalized` tag).
  [[nodiscard]] virtual absl::StatusOr<std::uint64_t> finalized() = 0;
  [[nodiscard]] virtual absl::StatusOr<L1Fees> fees() = 0;
  /// Transactions of `sender` included so far (the next nonce at the latest block).
  [[nodiscard]] virtual absl::StatusOr<std::uint64_t> nonce(const merkle::Address& sender) = 0;
  /// Gas `data` needs sent to `to` (none: a contract creation); the revert reason if it fails.
  [[nodiscard]] virtual absl::StatusOr<std::uint64_t> estimate_gas(
      const merkle::Address& from, const std::optional<merkle::Address>& to,
      merkle::ByteSpan data) = 0;
  /// Submits a signed transaction; returns its hash. A node that already has it answers OK.
  [[nodiscard]] virtual absl::StatusOr<merkle::Word> send_raw(merkle::ByteSpan raw) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::optional<L1Receipt>> receipt(
      const merkle::Word& tx_hash) = 0;
  /// Whether the node knows the transaction at all (in its pool or in a block).
  [[nodiscard]] virtual absl::StatusOr<bool> knows(const merkle::Word& tx_hash) = 0;
  /// The hash of canonical block `number`, if it exists.
  [[nodiscard]] virtual absl::StatusOr<std::optional<merkle::Word>> block_hash(
      std::uint64_t number) = 0;
  /// The canonical chain's logs matching `filter`, oldest first.
  [[nodiscard]] virtual absl::StatusOr<std::vector<L1Log>> logs(const LogFilter& filter) = 0;
  /// Why `tx`, mined and reverted in block `block`, reverted: the settlement contract's error in
  /// words (l1calls::describe_revert).
  [[nodiscard]] virtual absl::StatusOr<std::string> revert_reason(const eth::SignedTx& tx,
                                                                  std::uint64_t block) = 0;
};

}  // namespace zkr::settlement

#pragma once
// A sealed chain batch as a chain operator submits it, and its validation: the router recomputes
// every root from the logs and rejects anything inconsistent before a byte of it is stored.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/log.hpp"
#include "merkle/log_tree.hpp"
#include "merkle/types.hpp"
#include "router/give_way.hpp"

namespace zkr::router {

/// Protocol versions with the 16384-leaf log tree (v23+) and with the aggregated root (v26+).
inline constexpr std::uint32_t kMinProtocolVersion = 23;
inline constexpr std::uint32_t kGatewayProtocolVersion = 26;
inline constexpr std::uint32_t kMaxProtocolVersion = 64;

struct BatchLog {
  merkle::L2ToL1Log log;
  merkle::Word tx_hash{};
  /// The message bytes, required for (and only for) L1Messenger logs.
  std::optional<merkle::Bytes> message;
};

/// What a chain knows of one of the batch's transactions beyond its logs: what an Ethereum receipt
/// holds that the logs do not. Optional as a whole and field by field; the chain endpoints serve
/// receipts from it (docs/api.md, "Chain endpoints").
struct TxFacts {
  merkle::Word tx_hash{};
  std::optional<std::uint64_t> block_number;  // the L2 block that included it
  std::optional<merkle::Word> block_hash;
  std::optional<merkle::Address> from;
  std::optional<merkle::Address> to;
  friend bool operator==(const TxFacts&, const TxFacts&) = default;
};

struct SealedBatch {
  std::uint64_t chain_id = 0;
  std::uint64_t batch_number = 0;
  std::uint32_t protocol_version = 0;
  std::vector<BatchLog> logs;  // every L2->L1 log of the batch, in emission order
  merkle::Word aggregated_root{};
  merkle::Word local_root{};        // claimed
  merkle::Word chain_batch_root{};  // claimed
  /// Optional facts about the transactions of `logs`, at most one entry per transaction.
  std::vector<TxFacts> transactions;
};

enum class LogKind : int { kLog = 0, kMessage = 1, kBundle = 2 };
const char* log_kind_name(LogKind kind) noexcept;

/// What validation derived for one log.
struct LogFacts {
  LogKind kind = LogKind::kLog;
  std::optional<merkle::Address> sender;              // messages: the caller of sendToL1
  std::optional<std::uint64_t> destination_chain_id;  // bundles
};

struct ValidatedBatch {
  SealedBatch batch;
  std::shared_ptr<const merkle::LogTree> tree;
  merkle::Word chain_batch_root{};
  merkle::Word content_hash{};  // identifies the exact content, for idempotent resubmission
  std::vector<LogFacts> facts;  // one per log
};

/// True for a log L1Messenger.sendToL1 records.
bool is_messenger_log(const merkle::L2ToL1Log& log) noexcept;

/// Recomputes localRoot and chainBatchRoot and checks every log. InvalidArgument with the claimed
/// and computed values on a mismatch, or naming the log and field that is malformed. Gives way
/// every GiveWay::kLogsPerStep logs and after the tree.
[[nodiscard]] absl::StatusOr<ValidatedBatch> validate_batch(SealedBatch batch,
                                                            GiveWay give_way = GiveWay());

/// Fills in localRoot and chainBatchRoot from the batch's logs and aggregatedRoot, as a chain's
/// sequencer does when it seals the batch. InvalidArgument above 16384 logs.
[[nodiscard]] absl::Status seal_roots(SealedBatch& batch);

/// keccak over a canonical encoding of everything in the batch. Gives way every
/// GiveWay::kLogsPerStep logs and transactions.
merkle::Word batch_content_hash(const SealedBatch& batch, GiveWay give_way = GiveWay());

}  // namespace zkr::router

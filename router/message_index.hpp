#pragma once
// In-memory lookups whose keys are random (transaction hashes, sender addresses): kept out of
// SQLite, where a random-key index would dirty a page per inserted row. Rebuilt from the logs
// table at start. Not thread-safe: the engine guards it with its state lock.

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "merkle/types.hpp"
#include "router/message_store.hpp"

namespace zkr::router {

class MessageIndex {
 public:
  /// Adds one log. `first_of_tx`: the previous log of its batch belongs to another transaction.
  void add(const MessageId& id, const merkle::Word& tx_hash, bool first_of_tx,
           const std::optional<merkle::Address>& sender, std::int64_t seq);

  /// A transaction's L2->L1 logs in one batch: the first one's id and how many follow it.
  struct TxLogs {
    MessageId first;
    std::uint32_t count = 0;
  };
  /// Every recording of transaction `tx_hash`, oldest first (one, unless two batches carry the
  /// same hash). Answered from memory: zks_getL2ToL1LogProof needs no database.
  absl::InlinedVector<TxLogs, 1> tx_logs(const merkle::Word& tx_hash) const;
  /// The recorded_seq of every message from `sender`, ascending.
  std::span<const std::int64_t> sender_seqs(const merkle::Address& sender) const;
  std::size_t transactions() const noexcept { return by_tx_.size(); }

 private:
  // A recording packed into 8 bytes: the batch by its position in batches_, the first log's index
  // and the count (a batch has at most 16384 logs).
  struct Packed {
    std::uint32_t batch = 0;
    std::uint16_t first = 0;
    std::uint16_t count = 0;
  };
  TxLogs unpack(const Packed& p) const;
  // Keyed by the whole hash, so no lookup needs the database to tell two transactions apart:
  // 40 bytes a slot. A hash recorded again (in another batch, or after another transaction's logs
  // in the same one) keeps its later recordings in more_, which is empty in practice.
  absl::flat_hash_map<merkle::Word, Packed> by_tx_;
  absl::flat_hash_map<merkle::Word, std::vector<Packed>> more_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> batches_;  // (chain, batch) by position
  // Most senders send few messages: one sequence number is held inline, without a heap block.
  absl::flat_hash_map<merkle::Address, absl::InlinedVector<std::int64_t, 1>> by_sender_;
};

}  // namespace zkr::router

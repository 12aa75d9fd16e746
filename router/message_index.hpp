#pragma once
// In-memory lookups whose keys are random (transaction hashes, sender addresses): kept out of
// SQLite, where a random-key index would dirty a page per inserted row. Rebuilt from the logs
// table at start. Not thread-safe: the engine guards it with its state lock.

#include <cstdint>
#include <optional>
#include <span>
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
  /// Every recording of transaction `tx_hash`, oldest first (one, unless two chains' batches
  /// carry the same hash). Answered from memory: zks_getL2ToL1LogProof needs no database.
  std::span<const TxLogs> tx_logs(const merkle::Word& tx_hash) const;
  /// The recorded_seq of every message from `sender`, ascending.
  std::span<const std::int64_t> sender_seqs(const merkle::Address& sender) const;
  std::size_t transactions() const noexcept { return by_tx_.size(); }

 private:
  // Keyed by the whole hash (about 72 bytes a transaction), so no lookup needs the database to
  // tell two transactions apart.
  absl::flat_hash_map<merkle::Word, absl::InlinedVector<TxLogs, 1>> by_tx_;
  // Most senders send few messages: one sequence number is held inline, without a heap block.
  absl::flat_hash_map<merkle::Address, absl::InlinedVector<std::int64_t, 1>> by_sender_;
};

}  // namespace zkr::router

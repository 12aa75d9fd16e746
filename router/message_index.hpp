#pragma once
// In-memory lookups whose keys are random (transaction hashes, sender addresses): kept out of
// SQLite, where a random-key index would dirty a page per inserted row. Rebuilt from the logs
// table at start. Guarded by its own lock, apart from the engine's state lock: a proof by message
// id never waits for the index, and a batch's entries go in a few transactions at a time.

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <span>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "merkle/types.hpp"
#include "router/give_way.hpp"
#include "router/message_store.hpp"

namespace zkr::router {

class MessageIndex {
 public:
  /// One log of a batch, in the batch's order.
  struct Log {
    merkle::Word tx_hash;
    std::optional<merkle::Address> sender;
    std::int64_t seq = 0;  // its MessageRecorded event
  };
  /// Adds one batch's logs; batches are added one at a time (one writer), readers go on meanwhile.
  /// The lock is taken for at most kLogsPerHold logs at a time, each transaction's logs together,
  /// so a reader finds a transaction with all its logs or not at all. A table that would grow is
  /// grown first, into a copy built without the lock (a million entries take some 100 ms; for
  /// that moment the index takes twice its memory). Gives way after each hold, and every 1024
  /// entries of a copy.
  void add_batch(std::uint64_t chain_id, std::uint64_t batch_number, std::span<const Log> logs,
                 GiveWay give_way = GiveWay());
  static constexpr std::size_t kLogsPerHold = GiveWay::kLogsPerStep;
  /// Empties the index (no reader may be reading).
  void clear();

  /// A transaction's L2->L1 logs in one batch: the first one's id and how many follow it.
  struct TxLogs {
    MessageId first;
    std::uint32_t count = 0;
  };
  /// Every recording of transaction `tx_hash`, oldest first (one, unless two batches carry the
  /// same hash). Answered from memory: zks_getL2ToL1LogProof needs no database.
  absl::InlinedVector<TxLogs, 1> tx_logs(const merkle::Word& tx_hash) const;
  /// The recorded_seq of the messages from `sender` after `after_seq`, ascending, at most `max`.
  std::vector<std::int64_t> sender_seqs(const merkle::Address& sender, std::int64_t after_seq,
                                        std::size_t max) const;
  std::size_t transactions() const;

 private:
  // A recording packed into 8 bytes: the batch by its position in batches_, the first log's index
  // and the count (a batch has at most 16384 logs).
  struct Packed {
    std::uint32_t batch = 0;
    std::uint16_t first = 0;
    std::uint16_t count = 0;
  };
  TxLogs unpack(const Packed& p) const;
  /// Adds one log (the lock held). `first_of_tx`: the previous log of its batch belongs to
  /// another transaction.
  void add(const MessageId& id, const Log& log, bool first_of_tx);
  /// Grows the tables that adding `logs` more entries would grow (the writer, without the lock,
  /// giving way as it copies).
  void make_room(std::size_t logs, GiveWay give_way);

  mutable std::shared_mutex mutex_;
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

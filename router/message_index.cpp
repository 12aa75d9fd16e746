#include "router/message_index.hpp"

#include <algorithm>
#include <mutex>

#include "merkle/constants.hpp"
#include "merkle/status.hpp"
#include "router/background_writer.hpp"

namespace zkr::router {

namespace {

// Gives `map` room for `more` entries without a rehash under `mutex`: when they could make it grow
// (absl's tables grow past 7/8 full), a copy with twice the capacity, as the table's own growth
// would have made it, is built without the lock and swapped in under it. Only the one writer
// changes the tables, so it reads them here without the lock; readers hold it shared, so the copy
// races with nothing. The copy gives way every kEntriesPerCopyStep entries: a million entries take
// the writer some 100 ms of CPU.
constexpr std::size_t kEntriesPerCopyStep = 1024;

template <class Map>
void grow_outside_lock(Map& map, std::size_t more, std::shared_mutex& mutex, GiveWay give_way) {
  const std::size_t capacity = map.capacity();
  if (map.size() + more <= capacity - capacity / 8) return;
  Map grown;
  grown.reserve(map.size() + more);
  std::size_t copied = 0;
  for (const auto& entry : map) {
    grown.insert(entry);
    if (++copied % kEntriesPerCopyStep == 0) give_way();
  }
  {
    BackgroundWriter::Foreground foreground;  // for the hold: readers wait for the lock
    std::unique_lock lock(mutex);
    map.swap(grown);
  }
}  // the old table is freed here, after the lock

}  // namespace

void MessageIndex::make_room(std::size_t logs, GiveWay give_way) {
  grow_outside_lock(by_tx_, logs, mutex_, give_way);
  grow_outside_lock(by_sender_, logs, mutex_, give_way);
}

void MessageIndex::add_batch(std::uint64_t chain_id, std::uint64_t batch_number,
                             std::span<const Log> logs, GiveWay give_way) {
  make_room(logs.size(), give_way);
  const auto first_of_tx = [&logs](std::size_t i) {
    return i == 0 || logs[i].tx_hash != logs[i - 1].tx_hash;
  };
  for (std::size_t i = 0; i < logs.size();) {
    // The slots this hold will fill, fetched into the cache before the lock: a million-entry
    // table misses the cache on nearly every insert. Only this thread changes the tables.
    for (std::size_t j = i; j < std::min(i + kLogsPerHold, logs.size()); ++j) {
      by_tx_.prefetch(logs[j].tx_hash);
      if (logs[j].sender) by_sender_.prefetch(*logs[j].sender);
    }
    {
      const BackgroundWriter::Foreground foreground;  // for the hold: readers wait for the lock
      std::unique_lock lock(mutex_);
      const std::size_t hold_end = i + kLogsPerHold;
      do {
        add({chain_id, batch_number, i}, logs[i], first_of_tx(i));
        ++i;
      } while (i < logs.size() && (i < hold_end || !first_of_tx(i)));
    }
    give_way();
  }
}

void MessageIndex::clear() {
  std::unique_lock lock(mutex_);
  by_tx_.clear();
  more_.clear();
  batches_.clear();
  by_sender_.clear();
}

void MessageIndex::add(const MessageId& id, const Log& log, bool first_of_tx) {
  // A batch's logs are added together and in order, so a new batch is always the last one.
  const std::pair batch{id.chain_id, id.batch_number};
  if (batches_.empty() || batches_.back() != batch) batches_.push_back(batch);
  ZKR_CHECK(id.log_index < merkle::kLogTreeLeaves);
  const Packed p{.batch = static_cast<std::uint32_t>(batches_.size() - 1),
                 .first = static_cast<std::uint16_t>(id.log_index),
                 .count = 1};
  const auto [it, inserted] = by_tx_.try_emplace(log.tx_hash, p);
  if (!inserted) {
    std::vector<Packed>* later = nullptr;
    if (const auto m = more_.find(log.tx_hash); m != more_.end()) later = &m->second;
    Packed& last = later != nullptr ? later->back() : it->second;
    if (first_of_tx) {
      more_[log.tx_hash].push_back(p);
    } else {
      // The previous log of this batch had the same hash: it is the last recording's.
      ZKR_CHECK(last.batch == p.batch && last.first + last.count == id.log_index);
      ++last.count;
    }
  }
  if (log.sender) by_sender_[*log.sender].push_back(log.seq);
}

MessageIndex::TxLogs MessageIndex::unpack(const Packed& p) const {
  const auto& [chain, batch] = batches_[p.batch];
  return {.first = {chain, batch, p.first}, .count = p.count};
}

absl::InlinedVector<MessageIndex::TxLogs, 1> MessageIndex::tx_logs(
    const merkle::Word& tx_hash) const {
  absl::InlinedVector<TxLogs, 1> out;
  std::shared_lock lock(mutex_);
  const auto it = by_tx_.find(tx_hash);
  if (it == by_tx_.end()) return out;
  out.push_back(unpack(it->second));
  if (const auto m = more_.find(tx_hash); m != more_.end())
    for (const Packed& p : m->second) out.push_back(unpack(p));
  return out;
}

std::vector<std::int64_t> MessageIndex::sender_seqs(const merkle::Address& sender,
                                                    std::int64_t after_seq, std::size_t max) const {
  std::vector<std::int64_t> out;
  std::shared_lock lock(mutex_);
  const auto it = by_sender_.find(sender);
  if (it == by_sender_.end()) return out;
  const auto& all = it->second;
  for (auto s = std::upper_bound(all.begin(), all.end(), after_seq);
       s != all.end() && out.size() < max; ++s)
    out.push_back(*s);
  return out;
}

std::size_t MessageIndex::transactions() const {
  std::shared_lock lock(mutex_);
  return by_tx_.size();
}

}  // namespace zkr::router

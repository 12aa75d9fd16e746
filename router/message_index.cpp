#include "router/message_index.hpp"

#include "merkle/constants.hpp"
#include "merkle/status.hpp"

namespace zkr::router {

void MessageIndex::add(const MessageId& id, const merkle::Word& tx_hash, bool first_of_tx,
                       const std::optional<merkle::Address>& sender, std::int64_t seq) {
  // A batch's logs are added together and in order, so a new batch is always the last one.
  const std::pair batch{id.chain_id, id.batch_number};
  if (batches_.empty() || batches_.back() != batch) batches_.push_back(batch);
  ZKR_CHECK(id.log_index < merkle::kLogTreeLeaves);
  const Packed p{.batch = static_cast<std::uint32_t>(batches_.size() - 1),
                 .first = static_cast<std::uint16_t>(id.log_index),
                 .count = 1};
  const auto [it, inserted] = by_tx_.try_emplace(tx_hash, p);
  if (!inserted) {
    std::vector<Packed>* later = nullptr;
    if (const auto m = more_.find(tx_hash); m != more_.end()) later = &m->second;
    Packed& last = later != nullptr ? later->back() : it->second;
    if (first_of_tx) {
      more_[tx_hash].push_back(p);
    } else {
      // The previous log of this batch had the same hash: it is the last recording's.
      ZKR_CHECK(last.batch == p.batch && last.first + last.count == id.log_index);
      ++last.count;
    }
  }
  if (sender) by_sender_[*sender].push_back(seq);
}

MessageIndex::TxLogs MessageIndex::unpack(const Packed& p) const {
  const auto& [chain, batch] = batches_[p.batch];
  return {.first = {chain, batch, p.first}, .count = p.count};
}

absl::InlinedVector<MessageIndex::TxLogs, 1> MessageIndex::tx_logs(
    const merkle::Word& tx_hash) const {
  absl::InlinedVector<TxLogs, 1> out;
  const auto it = by_tx_.find(tx_hash);
  if (it == by_tx_.end()) return out;
  out.push_back(unpack(it->second));
  if (const auto m = more_.find(tx_hash); m != more_.end())
    for (const Packed& p : m->second) out.push_back(unpack(p));
  return out;
}

std::span<const std::int64_t> MessageIndex::sender_seqs(const merkle::Address& sender) const {
  const auto it = by_sender_.find(sender);
  if (it == by_sender_.end()) return {};
  return {it->second.data(), it->second.size()};
}

}  // namespace zkr::router

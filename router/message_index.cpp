#include "router/message_index.hpp"

namespace zkr::router {

std::uint64_t MessageIndex::tx_key(const merkle::Word& tx) noexcept {
  std::uint64_t k = 0;
  for (int i = 0; i < 8; ++i) k = (k << 8) | tx[i];
  return k;
}

void MessageIndex::add(const MessageId& id, const merkle::Word& tx_hash, bool first_of_tx,
                       const std::optional<merkle::Address>& sender, std::int64_t seq) {
  if (first_of_tx) by_tx_[tx_key(tx_hash)].push_back(id);
  if (sender) by_sender_[*sender].push_back(seq);
}

std::vector<MessageId> MessageIndex::tx_candidates(const merkle::Word& tx_hash) const {
  const auto it = by_tx_.find(tx_key(tx_hash));
  if (it == by_tx_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::span<const std::int64_t> MessageIndex::sender_seqs(const merkle::Address& sender) const {
  const auto it = by_sender_.find(sender);
  if (it == by_sender_.end()) return {};
  return {it->second.data(), it->second.size()};
}

}  // namespace zkr::router

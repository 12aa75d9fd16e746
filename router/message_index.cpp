#include "router/message_index.hpp"

#include "merkle/status.hpp"

namespace zkr::router {

void MessageIndex::add(const MessageId& id, const merkle::Word& tx_hash, bool first_of_tx,
                       const std::optional<merkle::Address>& sender, std::int64_t seq) {
  auto& recordings = by_tx_[tx_hash];
  if (first_of_tx || recordings.empty()) {
    recordings.push_back({id, 1});
  } else {
    ZKR_CHECK(recordings.back().first.chain_id == id.chain_id &&
              recordings.back().first.batch_number == id.batch_number &&
              recordings.back().first.log_index + recordings.back().count == id.log_index);
    ++recordings.back().count;
  }
  if (sender) by_sender_[*sender].push_back(seq);
}

std::span<const MessageIndex::TxLogs> MessageIndex::tx_logs(const merkle::Word& tx_hash) const {
  const auto it = by_tx_.find(tx_hash);
  if (it == by_tx_.end()) return {};
  return {it->second.data(), it->second.size()};
}

std::span<const std::int64_t> MessageIndex::sender_seqs(const merkle::Address& sender) const {
  const auto it = by_sender_.find(sender);
  if (it == by_sender_.end()) return {};
  return {it->second.data(), it->second.size()};
}

}  // namespace zkr::router

#pragma once
// Sealed batches of random L1Messenger messages with every root computed, for the benchmarks.

#include <cstdint>
#include <random>
#include <vector>

#include "merkle/log.hpp"
#include "merkle/message_root.hpp"
#include "router/batch.hpp"

namespace zkr::bench {

/// `senders`, if given, are the message senders to draw from (random addresses otherwise).
inline router::SealedBatch synthetic_batch(std::uint64_t chain, std::uint64_t batch, std::size_t n,
                                           std::mt19937_64& rng,
                                           const std::vector<merkle::Address>& senders = {}) {
  router::SealedBatch b;
  b.chain_id = chain;
  b.batch_number = batch;
  b.protocol_version = 29;
  for (std::size_t i = 0; i < n; ++i) {
    merkle::L2Message m;
    m.tx_number_in_batch = static_cast<std::uint16_t>(i);
    if (senders.empty()) {
      for (auto& x : m.sender) x = static_cast<std::uint8_t>(rng());
    } else {
      m.sender = senders[rng() % senders.size()];
    }
    m.data.resize(32);
    for (auto& x : m.data) x = static_cast<std::uint8_t>(rng());
    merkle::Word tx;
    for (auto& x : tx) x = static_cast<std::uint8_t>(rng());
    b.logs.push_back({.log = merkle::message_to_log(m), .tx_hash = tx, .message = m.data});
  }
  b.aggregated_root = merkle::chain_id_leaf(merkle::kZeroWord, chain);
  if (!router::seal_roots(b).ok()) std::abort();
  return b;
}

}  // namespace zkr::bench

#pragma once
// What the in-process benchmarks set up alike: keys derived from fixed labels, and the chains they
// ingest into (numbered from kFirstChain), registered with one prover key and moved to the Gateway.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "merkle/keccak.hpp"
#include "router/engine.hpp"
#include "settlement/ethereum/secp256k1.hpp"

namespace zkr::bench {

inline constexpr std::uint64_t kFirstChain = 1000;

/// A secp256k1 key whose secret is the keccak-256 of `label`.
inline absl::StatusOr<std::shared_ptr<const settlement::secp256k1::PrivateKey>> key_from_label(
    std::string_view label) {
  auto key = settlement::secp256k1::PrivateKey::from_bytes(merkle::keccak256(label));
  if (!key.ok()) return key.status();
  return std::make_shared<const settlement::secp256k1::PrivateKey>(*key);
}

/// Registers chains kFirstChain .. kFirstChain + chains - 1 with the benchmarks' operator
/// credential and `prover`'s key, each settling on the Gateway.
inline absl::Status register_chains(router::Engine& engine, std::size_t chains,
                                    const settlement::secp256k1::PrivateKey& prover) {
  for (std::size_t c = 0; c < chains; ++c) {
    const std::uint64_t id = kFirstChain + c;
    if (absl::Status s = engine.register_chain(
            {.chain_id = id,
             .credential = "benchmark-operator-credential",
             .prover_key = settlement::secp256k1::compressed(prover.public_key())});
        !s.ok()) {
      return s;
    }
    if (absl::Status s = engine.migrate_chain(id, settlement::SettlementLayer::kGateway); !s.ok())
      return s;
  }
  return absl::OkStatus();
}

}  // namespace zkr::bench

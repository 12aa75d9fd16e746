#pragma once
// Joins a log's path in its batch tree with the Gateway's chain-tree and shared-tree paths into the
// proof shape a verifier needs. No tree is rebuilt per request: the log path is read from the
// cached batch tree, and the Gateway part costs O(log n) hashes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/log_tree.hpp"
#include "merkle/types.hpp"
#include "router/lifecycle.hpp"
#include "settlement/state/gateway.hpp"

namespace zkr::router {

enum class ProofShape { kA, kB, kC };
const char* shape_name(ProofShape shape) noexcept;

struct BuiltProof {
  ProofShape shape = ProofShape::kC;
  std::vector<merkle::Word> proof;
  std::uint64_t leaf_index = 0;
  std::uint64_t batch_number = 0;
  merkle::Word chain_batch_root{};             // `root` of zks_getL2ToL1LogProof
  std::optional<std::uint64_t> gateway_block;  // shape C
  std::optional<std::uint64_t> gateway_batch;  // shape B
  /// Where the proof's final root must be settled: (chain id, number, root).
  std::uint64_t settled_chain_id = 0;
  std::uint64_t settled_number = 0;
  merkle::Word settled_root{};
};

/// Builds the proof of leaf `leaf_index` of `batch` for `target`.
/// - Gateway-settled batch, target gateway: shape C against the block where it was executed, or
///   `against_block` (any later sealed block).
/// - Gateway-settled batch, target l1: shape B against the Gateway batch holding that block.
/// - L1-settled batch, target l1: shape A.
/// Which proofs exist when is proof_readiness()'s (router/lifecycle.hpp): not_yet_final() says what
/// the message waits for, a plain FailedPrecondition that the target never has a proof;
/// InvalidArgument for a bad request.
[[nodiscard]] absl::StatusOr<BuiltProof> build_proof(
    const settlement::Gateway& gateway, const settlement::BatchInfo& batch,
    const merkle::LogTree& tree, std::uint64_t leaf_index, ProofTarget target,
    std::optional<std::uint64_t> against_block = std::nullopt);

}  // namespace zkr::router

#pragma once
// Proof encoding (spec §4.2, §4.3, §4.6): the metadata word and the three proof shapes the router
// emits. Shape A: batch settled on L1, verified on L1. Shape B: settled on the Gateway, verified on
// L1. Shape C: settled on the Gateway, verified on another chain against a Gateway interop root.

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/log_tree.hpp"
#include "merkle/types.hpp"

namespace zkr::merkle {

/// proof[0] of the new format: version, logLeafProofLen, batchLeafProofLen, finalProofNode; bytes
/// 4..31 zero.
struct ProofMetadata {
  std::uint8_t version = kProofMetadataVersion;
  std::uint8_t log_leaf_proof_len = 0;
  std::uint8_t batch_leaf_proof_len = 0;
  bool final_node = false;

  friend bool operator==(const ProofMetadata&, const ProofMetadata&) = default;
};

Word encode_metadata(const ProofMetadata& meta) noexcept;

/// (number << 128) | mask, both halves big-endian.
Word encode_packed_number_mask(std::uint64_t number, std::uint64_t mask) noexcept;

/// The source-chain part of every shape: leaf → chainBatchRoot.
struct LogProofPart {
  LogPath log_path{};      // P_log, from the batch's LogTree
  Word aggregated_root{};  // the source chain's aggregated root for the batch (the 15th word)
};

/// The Gateway part of shapes B and C.
struct GatewayProofPart {
  std::uint64_t batch_leaf_index = 0;  // j: position of the batch leaf in chainTree[src]
  std::vector<Word> chain_path;        // P_chain (B words)
  std::uint64_t chain_index = 0;       // c: chainIndex[src] in the shared tree
  std::vector<Word> shared_path;       // P_shared (D words)
  std::uint64_t gateway_chain_id = 0;
};

/// Shape A, 16 words: [meta(1,15,0,1), P_log, agg].
std::vector<Word> build_shape_a(const LogProofPart& log);

/// Shape B: P_chain and P_shared taken at the end of Gateway batch `gateway_batch_number`; the last
/// node ends in gwLocalRoot so its root is that batch's H(gwLocalRoot, sharedRoot).
/// InvalidArgument if a path is too long or a mask does not fit its path.
[[nodiscard]] absl::StatusOr<std::vector<Word>> build_shape_b(const LogProofPart& log,
                                                              const GatewayProofPart& gateway,
                                                              std::uint64_t gateway_batch_number,
                                                              const Word& gateway_local_root);

/// Shape C: P_chain and P_shared taken at the end of Gateway block `gateway_block_number`; the
/// root is that block's shared root (historicalRoot), which destination chains import.
[[nodiscard]] absl::StatusOr<std::vector<Word>> build_shape_c(const LogProofPart& log,
                                                              const GatewayProofPart& gateway,
                                                              std::uint64_t gateway_block_number);

}  // namespace zkr::merkle

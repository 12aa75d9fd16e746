#pragma once
// A verifier that mirrors the on-chain algorithm (spec §4.4, §4.5):
// MessageHashing.parseProofMetadata, Merkle.calculateRoot and the recursive node walk of Mailbox /
// L2MessageVerification, with every revert condition. Failures are InvalidArgument (or NotFound for
// an unknown settled root) whose message starts with the contract's error name, e.g.
// "MerkleIndexOutOfBounds: node 1 …".

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "merkle/log.hpp"
#include "merkle/proof.hpp"
#include "merkle/types.hpp"

namespace zkr::merkle {

/// The metadata of a proof's first node, or the legacy interpretation (whole array = one path).
struct ParsedMetadata {
  ProofMetadata meta;
  std::size_t body_start = 0;  // 1 for the new format, 0 for legacy
  bool legacy = false;
};

/// MessageHashing.parseProofMetadata. Errors: MerklePathEmpty, UnsupportedProofMetadataVersion,
/// InvalidProofLengthForFinalNode.
[[nodiscard]] absl::StatusOr<ParsedMetadata> parse_metadata(std::span<const Word> proof);

/// Merkle.calculateRoot: errors MerklePathOutOfBounds (>= 256 words) and MerkleIndexOutOfBounds
/// (index >= 2^len).
[[nodiscard]] absl::StatusOr<Word> calculate_root(std::span<const Word> path, const Word& index,
                                                  const Word& leaf);

/// One node of a proof as the verifier walked it.
struct ProofNode {
  Word chain_id{};
  Word number{};  // batch number, or a Gateway block / batch number on later nodes
  Word mask{};    // leaf index in this node's first tree
  Word leaf{};
  Word batch_root{};  // root of the node's first path: the chain batch root
  bool final = false;
  Word chain_root{};  // non-final nodes: root of the chain-tree path
};

/// What a proof claims: `root` must be the root settled for (chain_id, number) where it is verified
/// (interopRoots on an L2, l2LogsRootHash of chain_id's diamond on L1).
struct RootClaim {
  Word chain_id{};
  Word number{};
  Word root{};
  std::vector<ProofNode> nodes;  // every node walked, first to last
};

struct VerifierOptions {
  /// How many intermediate settlement layers a proof may pass through. v29 has no limit; draft-v31
  /// allows one (DepthMoreThanOneForRecursiveMerkleProof).
  std::size_t max_settlement_layers = std::numeric_limits<std::size_t>::max();
};

/// Walks the proof from `leaf` to the root it claims, failing exactly where the contracts revert.
[[nodiscard]] absl::StatusOr<RootClaim> compute_root_claim(const Word& chain_id, const Word& number,
                                                           const Word& mask, const Word& leaf,
                                                           std::span<const Word> proof,
                                                           const VerifierOptions& options = {});

/// The settled root for (chain id, number), if any: interopRoots(chainId, number) on a destination
/// chain, or l2LogsRootHash(number) of the chain's diamond on L1.
using SettledRootLookup =
    std::function<std::optional<Word>(const Word& chain_id, const Word& number)>;

/// proveL2LeafInclusionShared: OK if the proof's root claim matches a settled, non-zero root.
/// Errors: those of compute_root_claim, NotFound "RootNotSettled" when no non-zero root is known,
/// InvalidArgument "RootMismatch" when the roots differ.
[[nodiscard]] absl::Status verify_leaf(const Word& chain_id, const Word& number, const Word& mask,
                                       const Word& leaf, std::span<const Word> proof,
                                       const SettledRootLookup& settled,
                                       const VerifierOptions& options = {});
/// proveL2LogInclusionShared.
[[nodiscard]] absl::Status verify_log(std::uint64_t chain_id, std::uint64_t number,
                                      std::uint64_t index, const L2ToL1Log& log,
                                      std::span<const Word> proof, const SettledRootLookup& settled,
                                      const VerifierOptions& options = {});
/// proveL2MessageInclusionShared.
[[nodiscard]] absl::Status verify_message(std::uint64_t chain_id, std::uint64_t number,
                                          std::uint64_t index, const L2Message& message,
                                          std::span<const Word> proof,
                                          const SettledRootLookup& settled,
                                          const VerifierOptions& options = {});

}  // namespace zkr::merkle

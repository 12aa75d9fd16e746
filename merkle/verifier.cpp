#include "merkle/verifier.hpp"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"

namespace zkr::merkle {
namespace {

absl::Status revert(absl::string_view name, std::size_t node, absl::string_view detail) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": node ", node, ": ", detail));
}

// Annotates an error from a helper with the node it happened in.
absl::Status at_node(const absl::Status& status, std::size_t node, absl::string_view step) {
  return absl::Status(status.code(),
                      absl::StrCat(status.message(), " (node ", node, ", ", step, ")"));
}

bool metadata_tail_is_zero(const Word& w) noexcept {
  return std::all_of(w.begin() + 4, w.end(), [](std::uint8_t b) { return b == 0; });
}

void split_packed(const Word& packed, Word& high, Word& low) noexcept {
  high = kZeroWord;
  low = kZeroWord;
  std::copy_n(packed.begin(), 16, high.begin() + 16);
  std::copy_n(packed.begin() + 16, 16, low.begin() + 16);
}

}  // namespace

absl::StatusOr<ParsedMetadata> parse_metadata(std::span<const Word> proof) {
  if (proof.empty()) return absl::InvalidArgumentError("MerklePathEmpty: the proof has no words");
  ParsedMetadata parsed;
  const Word& first = proof[0];
  if (!metadata_tail_is_zero(first)) {
    // Legacy format: the whole array is one Merkle path ending at the chain batch root.
    parsed.legacy = true;
    parsed.body_start = 0;
    parsed.meta = {
        .version = 0,
        .log_leaf_proof_len = static_cast<std::uint8_t>(std::min<std::size_t>(proof.size(), 255)),
        .batch_leaf_proof_len = 0,
        .final_node = true};
    return parsed;
  }
  parsed.meta = {.version = first[0],
                 .log_leaf_proof_len = first[1],
                 .batch_leaf_proof_len = first[2],
                 .final_node = first[3] != 0};
  parsed.body_start = 1;
  if (parsed.meta.version != kProofMetadataVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        "UnsupportedProofMetadataVersion: metadata version ", parsed.meta.version, ", expected 1"));
  }
  if (parsed.meta.final_node && parsed.meta.batch_leaf_proof_len != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("InvalidProofLengthForFinalNode: a final node carries a batch path of ",
                     parsed.meta.batch_leaf_proof_len, " words"));
  }
  return parsed;
}

absl::StatusOr<Word> calculate_root(std::span<const Word> path, const Word& index,
                                    const Word& leaf) {
  if (path.size() >= 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("MerklePathOutOfBounds: path of ", path.size(), " words"));
  }
  if (!word_below_pow2(index, static_cast<unsigned>(path.size()))) {
    return absl::InvalidArgumentError(absl::StrCat("MerkleIndexOutOfBounds: index ", to_hex(index),
                                                   " does not fit a path of ", path.size(),
                                                   " words"));
  }
  Word current = leaf;
  for (std::size_t i = 0; i < path.size(); ++i) {
    current = word_bit(index, static_cast<unsigned>(i)) ? hash_pair(path[i], current)
                                                        : hash_pair(current, path[i]);
  }
  return current;
}

absl::StatusOr<RootClaim> compute_root_claim(const Word& chain_id, const Word& number,
                                             const Word& mask, const Word& leaf,
                                             std::span<const Word> proof,
                                             const VerifierOptions& options) {
  ProofNode node{.chain_id = chain_id, .number = number, .mask = mask, .leaf = leaf};
  RootClaim claim;
  for (std::size_t n = 0;; ++n) {
    if (proof.empty()) return revert("MerklePathEmpty", n, "the proof node has no words");
    if (node.leaf == kDefaultLogLeaf) {
      return revert("HashedLogIsDefault", n, "the leaf is the default (empty) log leaf");
    }
    absl::StatusOr<ParsedMetadata> parsed = parse_metadata(proof);
    if (!parsed.ok()) return at_node(parsed.status(), n, "metadata");
    const ProofMetadata& meta = parsed->meta;
    std::size_t ptr = parsed->body_start;
    const std::size_t log_len = parsed->legacy ? proof.size() : meta.log_leaf_proof_len;
    if (ptr + log_len > proof.size()) {
      return revert("ProofTooShort", n,
                    absl::StrCat("needs ", log_len, " path words, ", proof.size() - ptr, " left"));
    }
    absl::StatusOr<Word> batch_root =
        calculate_root(proof.subspan(ptr, log_len), node.mask, node.leaf);
    if (!batch_root.ok()) return at_node(batch_root.status(), n, "leaf path");
    node.batch_root = *batch_root;
    ptr += log_len;
    if (meta.final_node) {
      node.final = true;
      claim.nodes.push_back(node);
      claim.chain_id = node.chain_id;
      claim.number = node.number;
      claim.root = node.batch_root;
      return claim;
    }
    if (n >= options.max_settlement_layers) {
      return revert("DepthMoreThanOneForRecursiveMerkleProof", n,
                    absl::StrCat("more than ", options.max_settlement_layers,
                                 " intermediate settlement layer(s)"));
    }
    const std::size_t batch_len = meta.batch_leaf_proof_len;
    if (ptr + 1 + batch_len + 2 > proof.size()) {
      return revert("ProofTooShort", n,
                    absl::StrCat("a non-final node needs ", 3 + batch_len,
                                 " more words after the leaf path, ", proof.size() - ptr, " left"));
    }
    const Word bl = hash_triple(kBatchLeafPadding, node.batch_root, node.number);
    const Word batch_mask = proof[ptr++];
    absl::StatusOr<Word> chain_root = calculate_root(proof.subspan(ptr, batch_len), batch_mask, bl);
    if (!chain_root.ok()) return at_node(chain_root.status(), n, "chain tree path");
    node.chain_root = *chain_root;
    ptr += batch_len;
    const Word chain_leaf = hash_triple(kChainIdLeafPadding, node.chain_root, node.chain_id);
    ProofNode next;
    split_packed(proof[ptr++], next.number, next.mask);
    next.chain_id = proof[ptr++];
    next.leaf = chain_leaf;
    claim.nodes.push_back(node);
    node = next;
    proof = proof.subspan(ptr);
  }
}

absl::Status verify_leaf(const Word& chain_id, const Word& number, const Word& mask,
                         const Word& leaf, std::span<const Word> proof,
                         const SettledRootLookup& settled, const VerifierOptions& options) {
  ZKR_ASSIGN_OR_RETURN(const RootClaim claim,
                       compute_root_claim(chain_id, number, mask, leaf, proof, options));
  const std::optional<Word> root = settled(claim.chain_id, claim.number);
  const auto chain = to_u64(claim.chain_id);
  const auto num = to_u64(claim.number);
  const std::string where =
      absl::StrCat("chain ", chain ? absl::StrCat(*chain) : to_hex(claim.chain_id), " number ",
                   num ? absl::StrCat(*num) : to_hex(claim.number));
  if (!root.has_value() || *root == kZeroWord) {
    return absl::NotFoundError(absl::StrCat("RootNotSettled: no settled root for ", where,
                                            "; the proof claims ", to_hex(claim.root)));
  }
  if (*root != claim.root) {
    return absl::InvalidArgumentError(absl::StrCat("RootMismatch: the proof computes ",
                                                   to_hex(claim.root), " but the root for ", where,
                                                   " is ", to_hex(*root)));
  }
  return absl::OkStatus();
}

absl::Status verify_log(std::uint64_t chain_id, std::uint64_t number, std::uint64_t index,
                        const L2ToL1Log& log, std::span<const Word> proof,
                        const SettledRootLookup& settled, const VerifierOptions& options) {
  return verify_leaf(be32(chain_id), be32(number), be32(index), log_leaf_hash(log), proof, settled,
                     options);
}

absl::Status verify_message(std::uint64_t chain_id, std::uint64_t number, std::uint64_t index,
                            const L2Message& message, std::span<const Word> proof,
                            const SettledRootLookup& settled, const VerifierOptions& options) {
  return verify_log(chain_id, number, index, message_to_log(message), proof, settled, options);
}

}  // namespace zkr::merkle

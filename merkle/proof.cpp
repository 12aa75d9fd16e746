#include "merkle/proof.hpp"

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::merkle {
namespace {

constexpr std::size_t kMaxPathWords = 255;  // every length must fit in one metadata byte

absl::Status check_path(std::size_t words, std::uint64_t mask, const char* what) {
  if (words > kMaxPathWords) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " path has ", words, " words; at most 255 fit a proof"));
  }
  if (words < 64 && (mask >> words) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " index ", mask, " does not fit a path of ", words, " words"));
  }
  return absl::OkStatus();
}

// The part shared by shapes B and C: the log node with its chain-tree continuation.
std::vector<Word> first_node(const LogProofPart& log, const GatewayProofPart& gateway) {
  std::vector<Word> proof;
  proof.reserve(1 + kLogTreeDepth + 1 + 1 + gateway.chain_path.size() + 3 +
                gateway.shared_path.size() + 1);
  proof.push_back(
      encode_metadata({.log_leaf_proof_len = kLogTreeDepth + 1,
                       .batch_leaf_proof_len = static_cast<std::uint8_t>(gateway.chain_path.size()),
                       .final_node = false}));
  proof.insert(proof.end(), log.log_path.begin(), log.log_path.end());
  proof.push_back(log.aggregated_root);
  proof.push_back(be32(gateway.batch_leaf_index));
  proof.insert(proof.end(), gateway.chain_path.begin(), gateway.chain_path.end());
  return proof;
}

}  // namespace

Word encode_metadata(const ProofMetadata& meta) noexcept {
  Word w{};
  w[0] = meta.version;
  w[1] = meta.log_leaf_proof_len;
  w[2] = meta.batch_leaf_proof_len;
  w[3] = meta.final_node ? 1 : 0;
  return w;
}

Word encode_packed_number_mask(std::uint64_t number, std::uint64_t mask) noexcept {
  Word w{};
  for (int i = 0; i < 8; ++i) {
    w[15 - i] = static_cast<std::uint8_t>(number >> (8 * i));
    w[31 - i] = static_cast<std::uint8_t>(mask >> (8 * i));
  }
  return w;
}

std::vector<Word> build_shape_a(const LogProofPart& log) {
  std::vector<Word> proof;
  proof.reserve(2 + kLogTreeDepth);
  proof.push_back(encode_metadata({.log_leaf_proof_len = kLogTreeDepth + 1, .final_node = true}));
  proof.insert(proof.end(), log.log_path.begin(), log.log_path.end());
  proof.push_back(log.aggregated_root);
  return proof;
}

absl::StatusOr<std::vector<Word>> build_shape_b(const LogProofPart& log,
                                                const GatewayProofPart& gateway,
                                                std::uint64_t gateway_batch_number,
                                                const Word& gateway_local_root) {
  const std::size_t depth = gateway.shared_path.size();
  ZKR_RETURN_IF_ERROR(
      check_path(gateway.chain_path.size(), gateway.batch_leaf_index, "chain tree"));
  ZKR_RETURN_IF_ERROR(check_path(depth, gateway.chain_index, "shared tree"));
  if (depth + 1 > kMaxPathWords || depth >= 63) {
    return absl::InvalidArgumentError(absl::StrCat("shared tree depth ", depth, " is too large"));
  }
  std::vector<Word> proof = first_node(log, gateway);
  // The shared tree is the right subtree of the Gateway batch root H(gwLocalRoot, sharedRoot).
  proof.push_back(encode_packed_number_mask(gateway_batch_number,
                                            gateway.chain_index | (std::uint64_t{1} << depth)));
  proof.push_back(be32(gateway.gateway_chain_id));
  proof.push_back(encode_metadata(
      {.log_leaf_proof_len = static_cast<std::uint8_t>(depth + 1), .final_node = true}));
  proof.insert(proof.end(), gateway.shared_path.begin(), gateway.shared_path.end());
  proof.push_back(gateway_local_root);
  return proof;
}

absl::StatusOr<std::vector<Word>> build_shape_c(const LogProofPart& log,
                                                const GatewayProofPart& gateway,
                                                std::uint64_t gateway_block_number) {
  const std::size_t depth = gateway.shared_path.size();
  ZKR_RETURN_IF_ERROR(
      check_path(gateway.chain_path.size(), gateway.batch_leaf_index, "chain tree"));
  ZKR_RETURN_IF_ERROR(check_path(depth, gateway.chain_index, "shared tree"));
  std::vector<Word> proof = first_node(log, gateway);
  proof.push_back(encode_packed_number_mask(gateway_block_number, gateway.chain_index));
  proof.push_back(be32(gateway.gateway_chain_id));
  proof.push_back(encode_metadata(
      {.log_leaf_proof_len = static_cast<std::uint8_t>(depth), .final_node = true}));
  proof.insert(proof.end(), gateway.shared_path.begin(), gateway.shared_path.end());
  return proof;
}

}  // namespace zkr::merkle

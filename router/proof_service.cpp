#include "router/proof_service.hpp"

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/proof.hpp"
#include "merkle/status.hpp"

namespace zkr::router {

using settlement::BatchInfo;
using settlement::SettlementLayer;

const char* shape_name(ProofShape shape) noexcept {
  switch (shape) {
    case ProofShape::kA:
      return "A";
    case ProofShape::kB:
      return "B";
    case ProofShape::kC:
      return "C";
  }
  return "?";
}

absl::StatusOr<BuiltProof> build_proof(const settlement::Gateway& gateway, const BatchInfo& b,
                                       const merkle::LogTree& tree, std::uint64_t leaf_index,
                                       ProofTarget target,
                                       std::optional<std::uint64_t> against_block) {
  if (leaf_index >= tree.size()) {
    return absl::NotFoundError(absl::StrCat(settlement::batch_name(b.chain_id, b.batch_number),
                                            " has ", tree.size(), " logs; no log ", leaf_index));
  }
  BuiltProof out;
  out.leaf_index = leaf_index;
  out.batch_number = b.batch_number;
  out.chain_batch_root = b.chain_batch_root;
  merkle::LogProofPart log;
  tree.path_into(leaf_index, log.log_path);
  log.aggregated_root = b.aggregated_root;

  const Progress progress = progress_of(gateway, b);
  ZKR_RETURN_IF_ERROR(proof_readiness(b, progress, target));
  if (b.layer == SettlementLayer::kL1) {
    if (against_block)
      return absl::InvalidArgumentError("a Gateway block applies to Gateway proofs only");
    out.shape = ProofShape::kA;
    out.proof = merkle::build_shape_a(log);
    out.settled_chain_id = b.chain_id;
    out.settled_number = b.batch_number;
    out.settled_root = b.chain_batch_root;
    return out;
  }

  const std::uint64_t executed = *b.executed_block;
  const settlement::MessageRootState& state = gateway.message_root();
  const std::uint64_t sealed = *state.last_sealed_block();
  const std::uint64_t gw_chain = gateway.config().chain_id;
  if (target == ProofTarget::kGateway) {
    const std::uint64_t block = against_block.value_or(executed);
    if (block < executed) {
      return absl::InvalidArgumentError(
          absl::StrCat("Gateway block ", block, " precedes block ", executed, ", where ",
                       settlement::batch_name(b.chain_id, b.batch_number), " was executed"));
    }
    if (block > sealed) {
      return not_yet_final(
          absl::StrCat("Gateway block ", block, " is not sealed yet (last sealed: ", sealed, ")"));
    }
    ZKR_ASSIGN_OR_RETURN(const merkle::GatewayProofPart part,
                         state.gateway_part(b.chain_id, *b.chain_tree_index, block));
    ZKR_ASSIGN_OR_RETURN(out.proof, merkle::build_shape_c(log, part, block));
    out.shape = ProofShape::kC;
    out.gateway_block = block;
    out.settled_chain_id = gw_chain;
    out.settled_number = block;
    ZKR_ASSIGN_OR_RETURN(out.settled_root, state.shared_root_at(block));
    return out;
  }
  if (against_block)
    return absl::InvalidArgumentError("a Gateway block applies to target gateway only");
  const settlement::GatewayBatch* gw = &*progress.gateway_batch;
  ZKR_ASSIGN_OR_RETURN(const merkle::GatewayProofPart part,
                       state.gateway_part(b.chain_id, *b.chain_tree_index, gw->last_block));
  ZKR_ASSIGN_OR_RETURN(out.proof, merkle::build_shape_b(log, part, gw->number, gw->local_root));
  out.shape = ProofShape::kB;
  out.gateway_batch = gw->number;
  out.gateway_block = executed;
  out.settled_chain_id = gw_chain;
  out.settled_number = gw->number;
  out.settled_root = gw->batch_root;
  return out;
}

}  // namespace zkr::router

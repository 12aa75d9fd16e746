#pragma once
// Proof aggregation: when a Gateway batch is sealed, the commitments of the chain batches it
// covers (each one's validity proof already verified by the Gateway) are bound by a Merkle root
// and signed once by the Gateway. L1 verifies that one object instead of one proof per chain
// batch. The cost ledger prices both ways of settling under a configurable gas model.

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/types.hpp"
#include "settlement/ethereum/secp256k1.hpp"
#include "settlement/state/types.hpp"

namespace zkr::settlement {

struct AggregatedProof {
  std::uint64_t gateway_chain_id = 0;
  std::uint64_t gw_batch = 0;
  merkle::Word batch_root{};
  std::vector<BatchCommitment> covered;  // execution order
  merkle::Word commitments_root{};
  secp256k1::Signature signature;  // by the Gateway key over aggregation_digest
};

/// keccak256(chainId ‖ batchNumber ‖ chainBatchRoot ‖ previousBatchRoot): one leaf.
merkle::Word commitment_leaf(const BatchCommitment& c);
/// Binary keccak Merkle root of the leaves, padded with zero words to a power of two; the zero
/// word for no leaves.
merkle::Word commitments_root(std::span<const BatchCommitment> covered);
/// keccak256(tag ‖ gatewayChainId ‖ gwBatch ‖ batchRoot ‖ commitmentsRoot ‖ count), tag =
/// keccak256("zkrouter.gateway-aggregate.v1"): what the Gateway signs.
merkle::Word aggregation_digest(const AggregatedProof& p);

[[nodiscard]] absl::StatusOr<AggregatedProof> aggregate(std::uint64_t gateway_chain_id,
                                                        const GatewayBatch& batch,
                                                        std::vector<BatchCommitment> covered,
                                                        const secp256k1::PrivateKey& gateway_key);
/// OK if the root binds the covered list and the signature is the Gateway key's.
[[nodiscard]] absl::Status verify_aggregated(const AggregatedProof& p,
                                             const secp256k1::PublicKey& gateway_key);

/// Words: gatewayChainId, gwBatch, batchRoot, commitmentsRoot, count, r, s, v, then per covered
/// batch chainId, batchNumber, chainBatchRoot, previousBatchRoot.
merkle::Bytes encode(const AggregatedProof& p);
[[nodiscard]] absl::StatusOr<AggregatedProof> decode_aggregated(merkle::ByteSpan bytes,
                                                                std::size_t* consumed);

// ---- the cost ledger

struct GasModel {
  std::uint64_t tx_base_gas = 21'000;              // per L1 transaction
  std::uint64_t proof_verification_gas = 300'000;  // one validity-proof check on L1
  std::uint64_t batch_state_gas = 45'000;          // storage a settled batch writes (all stages)
  std::uint64_t per_commitment_gas = 3'000;        // hashing one covered commitment on L1
  std::uint64_t gas_price_wei = 20'000'000'000;    // 20 gwei
  double zk_per_eth = 20'000.0;                    // ZK tokens per ETH
};

struct ChainCost {
  std::uint64_t chain_id = 0;
  std::uint32_t batches = 0;
  std::uint64_t direct_gas = 0;  // what settling its batches on L1 itself would cost
  std::uint64_t share_gas = 0;   // its share of the aggregated submission
  double share_zk = 0;           // that share in ZK at the model's price
};

struct GatewayBatchCost {
  std::uint64_t gw_batch = 0;
  std::uint32_t covered = 0;
  std::uint64_t direct_gas = 0;      // sum over covered chain batches
  std::uint64_t aggregated_gas = 0;  // the Gateway batch's commit + prove + execute
  double ratio = 0;                  // aggregated / direct (0 when nothing is covered)
  std::uint64_t fee_wei = 0;         // aggregated_gas × gas price
  double fee_zk = 0;
  std::vector<ChainCost> chains;  // ascending chain id
};

/// Gas of settling one chain batch directly on L1 (commit, prove, execute transactions).
std::uint64_t direct_settlement_gas(const BatchCommitment& c, const GasModel& model);
/// Gas of the aggregated submission for one Gateway batch, and each covered chain's share
/// (proportional to its number of covered batches).
GatewayBatchCost cost_of(const AggregatedProof& p, const GatewayBatch& batch,
                         const GasModel& model);

}  // namespace zkr::settlement

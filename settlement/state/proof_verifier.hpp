#pragma once
// The seam where a chain batch's validity proof is checked before the Gateway executes the batch.
//
// In a production ZK stack this is a SNARK verifier: the proof shows that the batch's state
// transition was executed correctly. zkrouter's implementation is an ECDSA secp256k1 signature
// by the chain's registered prover key over the batch commitment. That proves who vouches for the
// batch, not that its execution was correct; a SNARK verifier implements the same interface.

#include "absl/status/status.h"
#include "merkle/types.hpp"
#include "settlement/ethereum/secp256k1.hpp"
#include "settlement/state/types.hpp"

namespace zkr::settlement {

class ProofVerifier {
 public:
  virtual ~ProofVerifier() = default;
  /// OK if `proof` proves `commitment` for the chain whose registered prover key is `prover_key`.
  [[nodiscard]] virtual absl::Status verify(const BatchCommitment& commitment,
                                            merkle::ByteSpan prover_key,
                                            merkle::ByteSpan proof) const = 0;
};

/// keccak256(tag ‖ chainId ‖ batchNumber ‖ chainBatchRoot ‖ previousBatchRoot), each a 32-byte
/// word, tag = keccak256("zkrouter.chain-batch-proof.v1"): what a chain's prover signs.
merkle::Word commitment_digest(const BatchCommitment& commitment);

/// A validity proof as zkrouter's verifier expects it: the 64-byte r ‖ s signature of
/// commitment_digest by the chain's prover key.
[[nodiscard]] absl::StatusOr<merkle::Bytes> sign_commitment(
    const BatchCommitment& commitment, const secp256k1::PrivateKey& prover_key);

/// Checks a 64-byte r ‖ s signature (low s) by the registered key (33, 64 or 65 bytes SEC1).
class EcdsaProofVerifier final : public ProofVerifier {
 public:
  [[nodiscard]] absl::Status verify(const BatchCommitment& commitment, merkle::ByteSpan prover_key,
                                    merkle::ByteSpan proof) const override;
};

}  // namespace zkr::settlement

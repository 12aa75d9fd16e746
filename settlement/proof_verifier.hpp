#pragma once
// The seam where a chain batch's validity proof is checked before the Gateway executes the batch.
// A SNARK verifier would implement this interface; the implementations here are stated honestly
// for what they check.

#include "absl/status/status.h"
#include "merkle/types.hpp"
#include "settlement/types.hpp"

namespace zkr::settlement {

class ProofVerifier {
 public:
  virtual ~ProofVerifier() = default;
  /// OK if `proof` proves `commitment` for the chain whose registered prover key is `prover_key`.
  virtual absl::Status verify(const BatchCommitment& commitment, merkle::ByteSpan prover_key,
                              merkle::ByteSpan proof) const = 0;
};

/// Checks only that the proof blob is well-formed (non-empty, at most 64 KiB); it proves nothing.
class WellFormedProofVerifier final : public ProofVerifier {
 public:
  absl::Status verify(const BatchCommitment& commitment, merkle::ByteSpan prover_key,
                      merkle::ByteSpan proof) const override;
};

}  // namespace zkr::settlement

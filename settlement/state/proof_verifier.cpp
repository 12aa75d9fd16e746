#include "settlement/state/proof_verifier.hpp"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"

namespace zkr::settlement {

merkle::Word commitment_digest(const BatchCommitment& c) {
  static constexpr merkle::Word kTag =
      merkle::keccak256(std::string_view("zkrouter.chain-batch-proof.v1"));
  std::array<std::uint8_t, 160> buf{};
  const merkle::Word id = merkle::be32(c.chain_id), number = merkle::be32(c.batch_number);
  for (const auto& [i, w] :
       {std::pair{0, &kTag}, std::pair{1, &id}, std::pair{2, &number},
        std::pair{3, &c.chain_batch_root}, std::pair{4, &c.previous_batch_root}})
    std::copy(w->begin(), w->end(), buf.begin() + 32 * i);
  return merkle::keccak256(merkle::ByteSpan(buf));
}

absl::StatusOr<merkle::Bytes> sign_commitment(const BatchCommitment& commitment,
                                              const secp256k1::PrivateKey& prover_key) {
  ZKR_ASSIGN_OR_RETURN(const secp256k1::Signature sig,
                       prover_key.sign(commitment_digest(commitment)));
  return sig.compact();
}

absl::Status EcdsaProofVerifier::verify(const BatchCommitment& commitment,
                                        merkle::ByteSpan prover_key, merkle::ByteSpan proof) const {
  if (prover_key.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("chain ", commitment.chain_id, " has no registered prover key"));
  }
  if (proof.size() != 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a validity proof is a 64-byte r ‖ s signature; got ", proof.size(), " bytes"));
  }
  ZKR_ASSIGN_OR_RETURN(const secp256k1::PublicKey key, secp256k1::parse_public_key(prover_key));
  merkle::Word r{}, s{};
  std::copy_n(proof.begin(), 32, r.begin());
  std::copy_n(proof.begin() + 32, 32, s.begin());
  const absl::Status status = secp256k1::verify(key, commitment_digest(commitment), r, s);
  if (status.ok()) return status;
  return absl::InvalidArgumentError(absl::StrCat(
      "batch ", commitment.batch_number, " of chain ", commitment.chain_id, ": ", status.message(),
      " (the signature must cover chain id, batch number, "
      "chainBatchRoot and the previous batch's root)"));
}

}  // namespace zkr::settlement

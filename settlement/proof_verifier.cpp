#include "settlement/proof_verifier.hpp"

#include "absl/strings/str_cat.h"

namespace zkr::settlement {

absl::Status WellFormedProofVerifier::verify(const BatchCommitment& commitment, merkle::ByteSpan,
                                             merkle::ByteSpan proof) const {
  constexpr std::size_t kMaxProofBytes = 64 * 1024;
  if (proof.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("the validity proof of batch ",
                                                   commitment.batch_number, " of chain ",
                                                   commitment.chain_id, " is empty"));
  }
  if (proof.size() > kMaxProofBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the validity proof of batch ", commitment.batch_number, " of chain ", commitment.chain_id,
        " is ", proof.size(), " bytes; at most ", kMaxProofBytes, " are accepted"));
  }
  return absl::OkStatus();
}

}  // namespace zkr::settlement

#include "settlement/state/aggregation.hpp"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "settlement/ethereum/l1_calls.hpp"

namespace zkr::settlement {
namespace {

constexpr std::size_t kHeaderWords = 8;
constexpr std::size_t kCommitmentWords = 4;
constexpr std::size_t kMaxCovered = 1 << 16;

void put(merkle::Bytes& out, const merkle::Word& w) {
  out.insert(out.end(), w.begin(), w.end());
}

/// chainId ‖ batchNumber ‖ chainBatchRoot ‖ previousBatchRoot: a commitment's four words.
void put_commitment(merkle::Bytes& out, const BatchCommitment& c) {
  put(out, merkle::be32(c.chain_id));
  put(out, merkle::be32(c.batch_number));
  put(out, c.chain_batch_root);
  put(out, c.previous_batch_root);
}

/// Calldata gas of one settlement call for batch `number` of `chain_id`.
std::uint64_t call_gas(l1calls::Action action, std::uint64_t chain_id, std::uint64_t number,
                       merkle::Bytes data) {
  return l1calls::calldata_gas(l1calls::encode({.action = action,
                                                .chain_id = chain_id,
                                                .first = number,
                                                .last = number,
                                                .data = std::move(data)}));
}

merkle::Word word_at(merkle::ByteSpan b, std::size_t i) {
  merkle::Word w{};
  std::copy_n(b.begin() + static_cast<long>(32 * i), 32, w.begin());
  return w;
}

absl::StatusOr<std::uint64_t> u64_at(merkle::ByteSpan b, std::size_t i, const char* what) {
  const auto v = merkle::to_u64(word_at(b, i));
  if (!v)
    return absl::InvalidArgumentError(absl::StrCat("aggregated proof: ", what, " exceeds 64 bits"));
  return *v;
}

}  // namespace

merkle::Word commitment_leaf(const BatchCommitment& c) {
  merkle::Bytes buf;
  put_commitment(buf, c);
  return merkle::keccak256(merkle::ByteSpan(buf));
}

merkle::Word commitments_root(std::span<const BatchCommitment> covered) {
  if (covered.empty()) return merkle::kZeroWord;
  std::size_t width = 1;
  while (width < covered.size()) width *= 2;
  std::vector<merkle::Word> level(width, merkle::kZeroWord);
  std::transform(covered.begin(), covered.end(), level.begin(), commitment_leaf);
  while (level.size() > 1) {
    std::vector<merkle::Word> up(level.size() / 2);
    merkle::hash_pairs(level, up);
    level = std::move(up);
  }
  return level[0];
}

merkle::Word aggregation_digest(const AggregatedProof& p) {
  static constexpr merkle::Word kTag =
      merkle::keccak256(std::string_view("zkrouter.gateway-aggregate.v1"));
  merkle::Bytes buf;
  put(buf, kTag);
  put(buf, merkle::be32(p.gateway_chain_id));
  put(buf, merkle::be32(p.gw_batch));
  put(buf, p.batch_root);
  put(buf, p.commitments_root);
  put(buf, merkle::be32(p.covered.size()));
  return merkle::keccak256(merkle::ByteSpan(buf));
}

absl::StatusOr<AggregatedProof> aggregate(std::uint64_t gateway_chain_id, const GatewayBatch& batch,
                                          std::vector<BatchCommitment> covered,
                                          const secp256k1::PrivateKey& gateway_key) {
  AggregatedProof p;
  p.gateway_chain_id = gateway_chain_id;
  p.gw_batch = batch.number;
  p.batch_root = batch.batch_root;
  p.covered = std::move(covered);
  p.commitments_root = commitments_root(p.covered);
  ZKR_ASSIGN_OR_RETURN(p.signature, gateway_key.sign(aggregation_digest(p)));
  return p;
}

absl::Status verify_aggregated(const AggregatedProof& p, const secp256k1::PublicKey& gateway_key) {
  const merkle::Word root = commitments_root(p.covered);
  if (root != p.commitments_root) {
    return absl::InvalidArgumentError(
        absl::StrCat("aggregated proof of Gateway batch ", p.gw_batch, ": commitments root ",
                     merkle::to_hex(p.commitments_root), " does not bind the ", p.covered.size(),
                     " covered commitments (they give ", merkle::to_hex(root), ")"));
  }
  const merkle::Word digest = aggregation_digest(p);
  absl::Status s = secp256k1::verify(gateway_key, digest, p.signature.r, p.signature.s);
  // L1 checks the signature with ecrecover: its recovery id must give the key back too.
  if (s.ok()) {
    const absl::StatusOr<secp256k1::PublicKey> recovered = secp256k1::recover(digest, p.signature);
    if (!recovered.ok() || *recovered != gateway_key)
      s = absl::PermissionDeniedError("its recovery id does not recover the Gateway key");
  }
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat("aggregated proof of Gateway batch ", p.gw_batch,
                                             ": Gateway signature rejected: ", s.message()));
}

merkle::Bytes encode(const AggregatedProof& p) {
  merkle::Bytes out;
  put(out, merkle::be32(p.gateway_chain_id));
  put(out, merkle::be32(p.gw_batch));
  put(out, p.batch_root);
  put(out, p.commitments_root);
  put(out, merkle::be32(p.covered.size()));
  put(out, p.signature.r);
  put(out, p.signature.s);
  put(out, merkle::be32(p.signature.recovery_id));
  for (const BatchCommitment& c : p.covered) put_commitment(out, c);
  return out;
}

absl::StatusOr<AggregatedProof> decode_aggregated(merkle::ByteSpan b, std::size_t* consumed) {
  if (b.size() < 32 * kHeaderWords)
    return absl::InvalidArgumentError("aggregated proof is shorter than its header");
  AggregatedProof p;
  ZKR_ASSIGN_OR_RETURN(p.gateway_chain_id, u64_at(b, 0, "gateway chain id"));
  ZKR_ASSIGN_OR_RETURN(p.gw_batch, u64_at(b, 1, "batch number"));
  p.batch_root = word_at(b, 2);
  p.commitments_root = word_at(b, 3);
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t count, u64_at(b, 4, "count"));
  p.signature.r = word_at(b, 5);
  p.signature.s = word_at(b, 6);
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t v, u64_at(b, 7, "recovery id"));
  if (v > 1) return absl::InvalidArgumentError("aggregated proof: recovery id is not 0 or 1");
  p.signature.recovery_id = static_cast<std::uint8_t>(v);
  if (count > kMaxCovered)
    return absl::InvalidArgumentError("aggregated proof covers too many batches");
  const std::size_t words = kHeaderWords + kCommitmentWords * count;
  if (b.size() < 32 * words)
    return absl::InvalidArgumentError("aggregated proof is shorter than its commitment list");
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t at = kHeaderWords + kCommitmentWords * i;
    BatchCommitment c;
    ZKR_ASSIGN_OR_RETURN(c.chain_id, u64_at(b, at, "chain id"));
    ZKR_ASSIGN_OR_RETURN(c.batch_number, u64_at(b, at + 1, "batch number"));
    c.chain_batch_root = word_at(b, at + 2);
    c.previous_batch_root = word_at(b, at + 3);
    p.covered.push_back(c);
  }
  if (consumed != nullptr) *consumed = 32 * words;
  return p;
}

std::uint64_t direct_settlement_gas(const BatchCommitment& c, const GasModel& model) {
  // The chain settles its own batch: commit (its roots), prove (its 64-byte proof and the
  // commitment it proves), execute (its root) — three transactions and one proof check.
  merkle::Bytes commit_data, prove_data, execute_data;
  put(commit_data, merkle::be32(c.batch_number));
  put(commit_data, c.chain_batch_root);
  put(commit_data, c.previous_batch_root);
  put(prove_data, merkle::be32(c.batch_number));
  prove_data.resize(prove_data.size() + 64, 0xff);  // r ‖ s: counted as non-zero bytes
  put(execute_data, merkle::be32(c.batch_number));
  put(execute_data, c.chain_batch_root);
  return 3 * model.tx_base_gas + model.proof_verification_gas + model.batch_state_gas +
         call_gas(l1calls::Action::kCommit, c.chain_id, c.batch_number, std::move(commit_data)) +
         call_gas(l1calls::Action::kProve, c.chain_id, c.batch_number, std::move(prove_data)) +
         call_gas(l1calls::Action::kExecute, c.chain_id, c.batch_number, std::move(execute_data));
}

GatewayBatchCost cost_of(const AggregatedProof& p, const GatewayBatch& batch,
                         const GasModel& model) {
  GatewayBatchCost out;
  out.gw_batch = p.gw_batch;
  out.covered = static_cast<std::uint32_t>(p.covered.size());
  const std::span<const GatewayBatch> one(&batch, 1);
  out.aggregated_gas = 3 * model.tx_base_gas + model.proof_verification_gas +
                       model.batch_state_gas + model.per_commitment_gas * p.covered.size();
  out.aggregated_gas +=
      call_gas(l1calls::Action::kCommit, p.gateway_chain_id, batch.number,
               l1calls::commit_payload(one)) +
      call_gas(l1calls::Action::kProve, p.gateway_chain_id, batch.number, encode(p)) +
      call_gas(l1calls::Action::kExecute, p.gateway_chain_id, batch.number,
               l1calls::execute_payload(one));
  out.fee_wei = out.aggregated_gas * model.gas_price_wei;
  out.fee_zk = static_cast<double>(out.fee_wei) / 1e18 * model.zk_per_eth;

  std::map<std::uint64_t, ChainCost> chains;
  for (const BatchCommitment& c : p.covered) {
    ChainCost& cc = chains[c.chain_id];
    cc.chain_id = c.chain_id;
    const std::uint64_t direct = direct_settlement_gas(c, model);
    cc.batches += 1;
    cc.direct_gas += direct;
    out.direct_gas += direct;
  }
  for (auto& [id, cc] : chains) {
    cc.share_gas = out.aggregated_gas * cc.batches / std::max<std::size_t>(1, p.covered.size());
    cc.share_zk = static_cast<double>(cc.share_gas * model.gas_price_wei) / 1e18 * model.zk_per_eth;
    out.chains.push_back(cc);
  }
  out.ratio = out.direct_gas == 0
                  ? 0.0
                  : static_cast<double>(out.aggregated_gas) / static_cast<double>(out.direct_gas);
  return out;
}

}  // namespace zkr::settlement

#include "router/settlement_tx.hpp"

#include <algorithm>

#include "merkle/keccak.hpp"

namespace zkr::router {
namespace {

constexpr std::size_t kBodyBytes = 28;  // everything before the check bytes

void put_be64(merkle::Word& w, std::size_t at, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    w[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

std::uint64_t get_be64(const merkle::Word& w, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | w[at + i];
  return v;
}

merkle::Word check_of(const merkle::Word& w) {
  return merkle::keccak256(merkle::ByteSpan(w.data(), kBodyBytes));
}

}  // namespace

const char* action_name(SettlementAction action) noexcept {
  switch (action) {
    case SettlementAction::kCommit:
      return "commit";
    case SettlementAction::kProve:
      return "prove";
    case SettlementAction::kExecute:
      return "execute";
  }
  return "unknown";
}

merkle::Word settlement_tx_hash(const SettlementTxId& id) {
  merkle::Word w{};
  w[0] = 'z';
  w[1] = 'k';
  w[2] = 'r';
  w[3] = static_cast<std::uint8_t>(id.action);
  put_be64(w, 4, id.settlement_chain_id);
  put_be64(w, 12, id.chain_id);
  put_be64(w, 20, id.batch_number);
  const merkle::Word check = check_of(w);
  std::copy_n(check.begin(), 4, w.begin() + kBodyBytes);
  return w;
}

std::optional<SettlementTxId> parse_settlement_tx_hash(const merkle::Word& hash) {
  if (hash[0] != 'z' || hash[1] != 'k' || hash[2] != 'r') return std::nullopt;
  if (hash[3] < 1 || hash[3] > 3) return std::nullopt;
  const merkle::Word check = check_of(hash);
  if (!std::equal(check.begin(), check.begin() + 4, hash.begin() + kBodyBytes)) return std::nullopt;
  return SettlementTxId{.settlement_chain_id = get_be64(hash, 4),
                        .chain_id = get_be64(hash, 12),
                        .batch_number = get_be64(hash, 20),
                        .action = static_cast<SettlementAction>(hash[3])};
}

const SettlementTx* BatchSettlement::step(SettlementAction action) const noexcept {
  for (const SettlementTx& t : steps) {
    if (t.id.action == action) return &t;
  }
  return nullptr;
}

merkle::Word gateway_block_hash(std::uint64_t gateway_chain_id, std::uint64_t number,
                                const merkle::Word& interop_root) {
  merkle::Bytes preimage;
  preimage.reserve(96);
  for (const merkle::Word& w :
       {merkle::be32(gateway_chain_id), merkle::be32(number), interop_root}) {
    preimage.insert(preimage.end(), w.begin(), w.end());
  }
  return merkle::keccak256(merkle::ByteSpan(preimage));
}

bool settlement_tx_shown(const settlement::BatchInfo& batch, const Progress& progress,
                         SettlementAction action, bool in_sealed_block) {
  const bool on_gateway = batch.layer == settlement::SettlementLayer::kGateway;
  if (on_gateway && !in_sealed_block) return false;
  if (action != SettlementAction::kExecute) return true;
  return proof_readiness(batch, progress, on_gateway ? ProofTarget::kGateway : ProofTarget::kL1)
      .ok();
}

}  // namespace zkr::router

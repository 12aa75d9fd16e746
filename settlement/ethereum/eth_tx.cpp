#include "settlement/ethereum/eth_tx.hpp"

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "settlement/ethereum/rlp.hpp"

namespace zkr::settlement::eth {
namespace {

constexpr std::uint8_t kType2 = 0x02;

std::vector<rlp::Item> unsigned_fields(const Eip1559Tx& tx) {
  rlp::Item to = tx.to ? rlp::Item::string(*tx.to) : rlp::Item::string({});
  return {rlp::Item::uint(tx.chain_id),
          rlp::Item::uint(tx.nonce),
          rlp::Item::uint(tx.max_priority_fee_per_gas),
          rlp::Item::uint(tx.max_fee_per_gas),
          rlp::Item::uint(tx.gas_limit),
          std::move(to),
          rlp::Item::uint(tx.value),
          rlp::Item::string(tx.data),
          rlp::Item::list({})};
}

merkle::Bytes typed(const std::vector<rlp::Item>& fields) {
  merkle::Bytes out{kType2};
  const merkle::Bytes body = rlp::encode(rlp::Item::list(fields));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::vector<rlp::Item> legacy_fields(const LegacyTx& tx) {
  return {rlp::Item::uint(tx.nonce), rlp::Item::uint(tx.gas_price), rlp::Item::uint(tx.gas_limit),
          rlp::Item::string(tx.to),  rlp::Item::uint(tx.value),     rlp::Item::string(tx.data)};
}

}  // namespace

merkle::Word signing_hash(const Eip1559Tx& tx) {
  return merkle::keccak256(merkle::ByteSpan(typed(unsigned_fields(tx))));
}

merkle::Bytes encode_signed(const Eip1559Tx& tx, const secp256k1::Signature& sig) {
  std::vector<rlp::Item> fields = unsigned_fields(tx);
  fields.push_back(rlp::Item::uint(std::uint64_t{sig.recovery_id}));
  fields.push_back(rlp::Item::uint(sig.r));
  fields.push_back(rlp::Item::uint(sig.s));
  return typed(fields);
}

absl::StatusOr<SignedTx> sign(const Eip1559Tx& tx, const secp256k1::PrivateKey& key) {
  SignedTx out;
  out.tx = tx;
  ZKR_ASSIGN_OR_RETURN(out.signature, key.sign(signing_hash(tx)));
  out.raw = encode_signed(tx, out.signature);
  out.hash = merkle::keccak256(merkle::ByteSpan(out.raw));
  out.from = key.address();
  return out;
}

absl::StatusOr<SignedTx> decode_signed(merkle::ByteSpan raw) {
  if (raw.empty() || raw[0] != kType2)
    return absl::InvalidArgumentError("not an EIP-1559 (type 2) transaction");
  ZKR_ASSIGN_OR_RETURN(rlp::Item list, rlp::decode(raw.subspan(1)));
  if (!list.is_list || list.items.size() != 12)
    return absl::InvalidArgumentError(
        absl::StrCat("a type 2 transaction is a list of 12 fields, not ", list.items.size()));
  const auto& f = list.items;
  SignedTx out;
  Eip1559Tx& tx = out.tx;
  ZKR_ASSIGN_OR_RETURN(tx.chain_id, rlp::to_u64(f[0]));
  ZKR_ASSIGN_OR_RETURN(tx.nonce, rlp::to_u64(f[1]));
  ZKR_ASSIGN_OR_RETURN(tx.max_priority_fee_per_gas, rlp::to_u64(f[2]));
  ZKR_ASSIGN_OR_RETURN(tx.max_fee_per_gas, rlp::to_u64(f[3]));
  ZKR_ASSIGN_OR_RETURN(tx.gas_limit, rlp::to_u64(f[4]));
  if (f[5].is_list || (f[5].bytes.size() != 0 && f[5].bytes.size() != 20))
    return absl::InvalidArgumentError("the `to` field is neither empty nor 20 bytes");
  if (f[5].bytes.size() == 20) {
    merkle::Address to{};
    std::copy(f[5].bytes.begin(), f[5].bytes.end(), to.begin());
    tx.to = to;
  }
  ZKR_ASSIGN_OR_RETURN(tx.value, rlp::to_u64(f[6]));
  if (f[7].is_list) return absl::InvalidArgumentError("the data field is a list");
  tx.data = f[7].bytes;
  if (!f[8].is_list || !f[8].items.empty())
    return absl::InvalidArgumentError("only an empty access list is supported");
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t y_parity, rlp::to_u64(f[9]));
  if (y_parity > 1) return absl::InvalidArgumentError("yParity must be 0 or 1");
  out.signature.recovery_id = static_cast<std::uint8_t>(y_parity);
  ZKR_ASSIGN_OR_RETURN(out.signature.r, rlp::to_word(f[10]));
  ZKR_ASSIGN_OR_RETURN(out.signature.s, rlp::to_word(f[11]));
  const merkle::Word digest = signing_hash(tx);
  ZKR_ASSIGN_OR_RETURN(const secp256k1::PublicKey pub, secp256k1::recover(digest, out.signature));
  ZKR_RETURN_IF_ERROR(secp256k1::verify(pub, digest, out.signature.r, out.signature.s));
  out.from = secp256k1::address_of(pub);
  out.raw.assign(raw.begin(), raw.end());
  out.hash = merkle::keccak256(raw);
  return out;
}

merkle::Bytes eip155_signing_payload(const LegacyTx& tx, std::uint64_t chain_id) {
  std::vector<rlp::Item> fields = legacy_fields(tx);
  fields.push_back(rlp::Item::uint(chain_id));
  fields.push_back(rlp::Item::uint(std::uint64_t{0}));
  fields.push_back(rlp::Item::uint(std::uint64_t{0}));
  return rlp::encode(rlp::Item::list(std::move(fields)));
}

merkle::Bytes encode_eip155_signed(const LegacyTx& tx, std::uint64_t chain_id,
                                   const secp256k1::Signature& sig) {
  std::vector<rlp::Item> fields = legacy_fields(tx);
  fields.push_back(rlp::Item::uint(chain_id * 2 + 35 + sig.recovery_id));
  fields.push_back(rlp::Item::uint(sig.r));
  fields.push_back(rlp::Item::uint(sig.s));
  return rlp::encode(rlp::Item::list(std::move(fields)));
}

}  // namespace zkr::settlement::eth

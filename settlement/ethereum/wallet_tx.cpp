#include "settlement/ethereum/wallet_tx.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "settlement/ethereum/rlp.hpp"
#include "settlement/ethereum/secp256k1.hpp"

namespace zkr::settlement::eth {
namespace {

constexpr std::uint8_t kEip1559Type = 0x02;
constexpr std::uint8_t kEip712Type = 0x71;

merkle::Word keccak_text(std::string_view text) {
  return merkle::keccak256(
      merkle::ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

absl::Status field_error(std::string_view field, const absl::Status& s) {
  return absl::InvalidArgumentError(absl::StrCat("field ", to_absl(field), ": ", s.message()));
}

absl::StatusOr<std::uint64_t> u64_field(const rlp::Item& item, std::string_view field) {
  absl::StatusOr<std::uint64_t> v = rlp::to_u64(item);
  if (!v.ok()) return field_error(field, v.status());
  return v;
}

absl::StatusOr<merkle::Word> word_field(const rlp::Item& item, std::string_view field) {
  absl::StatusOr<merkle::Word> v = rlp::to_word(item);
  if (!v.ok()) return field_error(field, v.status());
  return v;
}

absl::Status bytes_field(const rlp::Item& item, std::string_view field, merkle::Bytes& out) {
  if (item.is_list)
    return absl::InvalidArgumentError(absl::StrCat("field ", to_absl(field), " is a list"));
  out = item.bytes;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<merkle::Address>> to_field(const rlp::Item& item) {
  if (item.is_list || (!item.bytes.empty() && item.bytes.size() != 20))
    return absl::InvalidArgumentError("field to: neither empty nor 20 bytes");
  if (item.bytes.empty()) return std::nullopt;
  merkle::Address a{};
  std::copy(item.bytes.begin(), item.bytes.end(), a.begin());
  return a;
}

/// The signer of `digest`, checked (low s, a point on the curve).
absl::StatusOr<merkle::Address> signer(const merkle::Word& digest,
                                       const secp256k1::Signature& signature) {
  absl::StatusOr<secp256k1::PublicKey> key = secp256k1::recover(digest, signature);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid signature: ", key.status().message()));
  }
  if (absl::Status s = secp256k1::verify(*key, digest, signature.r, signature.s); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid signature: ", s.message()));
  }
  return secp256k1::address_of(*key);
}

absl::StatusOr<secp256k1::Signature> signature_fields(const rlp::Item& y, const rlp::Item& r,
                                                      const rlp::Item& s) {
  secp256k1::Signature sig;
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t parity, u64_field(y, "yParity"));
  if (parity > 1) return absl::InvalidArgumentError("field yParity: must be 0 or 1");
  sig.recovery_id = static_cast<std::uint8_t>(parity);
  ZKR_ASSIGN_OR_RETURN(sig.r, word_field(r, "r"));
  ZKR_ASSIGN_OR_RETURN(sig.s, word_field(s, "s"));
  return sig;
}

absl::StatusOr<rlp::Item> list_of(merkle::ByteSpan bytes, std::size_t fields, const char* what) {
  ZKR_ASSIGN_OR_RETURN(rlp::Item list, rlp::decode(bytes));
  if (!list.is_list || list.items.size() != fields) {
    return absl::InvalidArgumentError(absl::StrCat("a ", what, " transaction is a list of ", fields,
                                                   " fields, not ",
                                                   list.is_list ? list.items.size() : 0));
  }
  return list;
}

// The seven fields EIP-1559 and ZKsync's 0x71 share, in this order from f[at]: nonce,
// maxPriorityFeePerGas, maxFeePerGas, gas, to, value, data.
absl::Status fee_market_fields(const std::vector<rlp::Item>& f, std::size_t at, WalletTx& tx) {
  ZKR_ASSIGN_OR_RETURN(tx.nonce, u64_field(f[at], "nonce"));
  ZKR_ASSIGN_OR_RETURN(tx.max_priority_fee_per_gas, word_field(f[at + 1], "maxPriorityFeePerGas"));
  ZKR_ASSIGN_OR_RETURN(tx.max_fee_per_gas, word_field(f[at + 2], "maxFeePerGas"));
  ZKR_ASSIGN_OR_RETURN(tx.gas_limit, u64_field(f[at + 3], "gas"));
  ZKR_ASSIGN_OR_RETURN(tx.to, to_field(f[at + 4]));
  ZKR_ASSIGN_OR_RETURN(tx.value, word_field(f[at + 5], "value"));
  return bytes_field(f[at + 6], "data", tx.data);
}

// rlp([nonce, gasPrice, gas, to, value, data, v, r, s]), v = chainId·2 + 35 + recovery id.
absl::StatusOr<WalletTx> decode_legacy(merkle::ByteSpan raw) {
  ZKR_ASSIGN_OR_RETURN(rlp::Item list, list_of(raw, 9, "legacy"));
  const std::vector<rlp::Item>& f = list.items;
  WalletTx tx;
  tx.type = WalletTxType::kLegacy;
  ZKR_ASSIGN_OR_RETURN(tx.nonce, u64_field(f[0], "nonce"));
  ZKR_ASSIGN_OR_RETURN(tx.max_fee_per_gas, word_field(f[1], "gasPrice"));
  tx.max_priority_fee_per_gas = tx.max_fee_per_gas;
  ZKR_ASSIGN_OR_RETURN(tx.gas_limit, u64_field(f[2], "gas"));
  ZKR_ASSIGN_OR_RETURN(tx.to, to_field(f[3]));
  ZKR_ASSIGN_OR_RETURN(tx.value, word_field(f[4], "value"));
  ZKR_RETURN_IF_ERROR(bytes_field(f[5], "data", tx.data));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t v, u64_field(f[6], "v"));
  if (v < 35) {
    return absl::InvalidArgumentError(
        "a legacy transaction without EIP-155 replay protection (v = 27 or 28) is not accepted");
  }
  tx.chain_id = (v - 35) / 2;
  secp256k1::Signature sig;
  sig.recovery_id = static_cast<std::uint8_t>((v - 35) % 2);
  ZKR_ASSIGN_OR_RETURN(sig.r, word_field(f[7], "r"));
  ZKR_ASSIGN_OR_RETURN(sig.s, word_field(f[8], "s"));
  // The signed payload: the six fields, then chainId, 0, 0.
  std::vector<rlp::Item> payload(f.begin(), f.begin() + 6);
  payload.push_back(rlp::Item::uint(tx.chain_id));
  payload.push_back(rlp::Item::uint(std::uint64_t{0}));
  payload.push_back(rlp::Item::uint(std::uint64_t{0}));
  const merkle::Bytes signed_bytes = rlp::encode(rlp::Item::list(std::move(payload)));
  ZKR_ASSIGN_OR_RETURN(tx.from, signer(merkle::keccak256(signed_bytes), sig));
  tx.hash = merkle::keccak256(raw);
  return tx;
}

// 0x02 ‖ rlp([chainId, nonce, maxPriorityFee, maxFee, gas, to, value, data, accessList, y, r, s]).
absl::StatusOr<WalletTx> decode_eip1559(merkle::ByteSpan raw) {
  ZKR_ASSIGN_OR_RETURN(rlp::Item list, list_of(raw.subspan(1), 12, "type 2"));
  const std::vector<rlp::Item>& f = list.items;
  WalletTx tx;
  tx.type = WalletTxType::kEip1559;
  ZKR_ASSIGN_OR_RETURN(tx.chain_id, u64_field(f[0], "chainId"));
  ZKR_RETURN_IF_ERROR(fee_market_fields(f, 1, tx));
  if (!f[8].is_list) return absl::InvalidArgumentError("field accessList: must be a list");
  ZKR_ASSIGN_OR_RETURN(const secp256k1::Signature sig, signature_fields(f[9], f[10], f[11]));
  merkle::Bytes signed_bytes{kEip1559Type};
  const merkle::Bytes body =
      rlp::encode(rlp::Item::list(std::vector<rlp::Item>(f.begin(), f.begin() + 9)));
  signed_bytes.insert(signed_bytes.end(), body.begin(), body.end());
  ZKR_ASSIGN_OR_RETURN(tx.from, signer(merkle::keccak256(signed_bytes), sig));
  tx.hash = merkle::keccak256(raw);
  return tx;
}

// 0x71 ‖ rlp([nonce, maxPriorityFee, maxFee, gas, to, value, data, yParity, r, s, chainId, from,
// gasPerPubdata, factoryDeps, customSignature, paymasterParams]).
absl::StatusOr<WalletTx> decode_eip712(merkle::ByteSpan raw) {
  ZKR_ASSIGN_OR_RETURN(rlp::Item list, list_of(raw.subspan(1), 16, "type 0x71"));
  const std::vector<rlp::Item>& f = list.items;
  WalletTx tx;
  tx.type = WalletTxType::kEip712;
  ZKR_RETURN_IF_ERROR(fee_market_fields(f, 0, tx));
  ZKR_ASSIGN_OR_RETURN(tx.chain_id, u64_field(f[10], "chainId"));
  ZKR_ASSIGN_OR_RETURN(const std::optional<merkle::Address> declared, to_field(f[11]));
  if (!declared) return absl::InvalidArgumentError("field from: a type 0x71 transaction names it");
  ZKR_ASSIGN_OR_RETURN(tx.gas_per_pubdata, u64_field(f[12], "gasPerPubdata"));
  if (!f[13].is_list || !f[13].items.empty()) {
    return absl::InvalidArgumentError(
        "field factoryDeps: deployments (factory dependencies) are not accepted here");
  }
  // The signature: zksync-ethers' Wallet puts the account's 65-byte ECDSA signature (r ‖ s ‖ v)
  // in customSignature and leaves yParity, r, s as chainId, empty, empty; other signers fill
  // yParity, r, s. Longer custom signatures belong to smart accounts, which are not accepted.
  if (f[14].is_list) return absl::InvalidArgumentError("field customSignature: is a list");
  secp256k1::Signature sig;
  if (f[14].bytes.empty()) {
    ZKR_ASSIGN_OR_RETURN(sig, signature_fields(f[7], f[8], f[9]));
  } else {
    const merkle::Bytes& custom = f[14].bytes;
    if (custom.size() != 65) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field customSignature: ", custom.size(),
          " bytes; only an account's 65-byte ECDSA signature is accepted (no smart accounts)"));
    }
    std::copy_n(custom.begin(), 32, sig.r.begin());
    std::copy_n(custom.begin() + 32, 32, sig.s.begin());
    const std::uint8_t v = custom[64];
    if (v != 0 && v != 1 && v != 27 && v != 28) {
      return absl::InvalidArgumentError("field customSignature: v must be 27 or 28 (or 0 or 1)");
    }
    sig.recovery_id = static_cast<std::uint8_t>(v >= 27 ? v - 27 : v);
  }
  if (!f[15].is_list || !f[15].items.empty()) {
    return absl::InvalidArgumentError("field paymasterParams: paymasters are not accepted here");
  }
  tx.from = *declared;  // the digest covers the declared sender
  const merkle::Word digest = eip712_digest(tx);
  ZKR_ASSIGN_OR_RETURN(const merkle::Address by, signer(digest, sig));
  if (by != *declared) {
    return absl::InvalidArgumentError(absl::StrCat("the signature is by ", merkle::to_hex(by),
                                                   ", not by the declared sender ",
                                                   merkle::to_hex(*declared)));
  }
  // keccak256(digest ‖ keccak256(customSignature)): the hash zksync-ethers computes from the raw
  // transaction and compares with the node's answer to eth_sendRawTransaction (with yParity, r, s
  // filled instead, customSignature is empty and the second half is keccak256 of no bytes).
  const merkle::Word signature_hash = merkle::keccak256(merkle::ByteSpan(f[14].bytes));
  merkle::Bytes preimage(digest.begin(), digest.end());
  preimage.insert(preimage.end(), signature_hash.begin(), signature_hash.end());
  tx.hash = merkle::keccak256(preimage);
  return tx;
}

}  // namespace

const char* wallet_tx_type_name(WalletTxType type) noexcept {
  switch (type) {
    case WalletTxType::kLegacy:
      return "legacy";
    case WalletTxType::kEip1559:
      return "eip1559";
    case WalletTxType::kEip712:
      return "eip712";
  }
  return "unknown";
}

merkle::Word eip712_digest(const WalletTx& tx) {
  static const merkle::Word kDomainType =
      keccak_text("EIP712Domain(string name,string version,uint256 chainId)");
  static const merkle::Word kTransactionType = keccak_text(
      "Transaction(uint256 txType,uint256 from,uint256 to,uint256 gasLimit,"
      "uint256 gasPerPubdataByteLimit,uint256 maxFeePerGas,uint256 maxPriorityFeePerGas,"
      "uint256 paymaster,uint256 nonce,uint256 value,bytes data,bytes32[] factoryDeps,"
      "bytes paymasterInput)");
  const auto hash_words = [](std::initializer_list<merkle::Word> words) {
    merkle::Bytes b;
    for (const merkle::Word& w : words) b.insert(b.end(), w.begin(), w.end());
    return merkle::keccak256(b);
  };
  const merkle::Word domain =
      hash_words({kDomainType, keccak_text("zkSync"), keccak_text("2"), merkle::be32(tx.chain_id)});
  const merkle::Word empty = merkle::keccak256(merkle::ByteSpan());
  const merkle::Word body = hash_words(
      {kTransactionType, merkle::be32(kEip712Type), merkle::address_to_word(tx.from),
       merkle::address_to_word(tx.to.value_or(merkle::Address{})), merkle::be32(tx.gas_limit),
       merkle::be32(tx.gas_per_pubdata), tx.max_fee_per_gas, tx.max_priority_fee_per_gas,
       merkle::Word{}, merkle::be32(tx.nonce), tx.value, merkle::keccak256(tx.data),
       empty /* no factory deps */, empty /* no paymaster input */});
  merkle::Bytes message{0x19, 0x01};
  message.insert(message.end(), domain.begin(), domain.end());
  message.insert(message.end(), body.begin(), body.end());
  return merkle::keccak256(message);
}

absl::StatusOr<WalletTx> decode_wallet_tx(merkle::ByteSpan raw) {
  if (raw.empty()) return absl::InvalidArgumentError("an empty transaction");
  if (raw[0] == kEip1559Type) return decode_eip1559(raw);
  if (raw[0] == kEip712Type) return decode_eip712(raw);
  if (raw[0] >= 0xc0) return decode_legacy(raw);
  return absl::InvalidArgumentError(
      absl::StrCat("transaction type 0x", absl::Hex(raw[0], absl::kZeroPad2),
                   " is not accepted: legacy (EIP-155), EIP-1559 (0x02) or ZKsync EIP-712 (0x71)"));
}

}  // namespace zkr::settlement::eth

#pragma once
// Ethereum transactions: EIP-1559 (type 2) transactions built with RLP and signed with secp256k1,
// decoded back with the sender recovered; and the legacy EIP-155 form, kept for its published
// test vector.

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "merkle/types.hpp"
#include "settlement/ethereum/secp256k1.hpp"

namespace zkr::settlement::eth {

struct Eip1559Tx {
  std::uint64_t chain_id = 1;
  std::uint64_t nonce = 0;
  std::uint64_t max_priority_fee_per_gas = 0;  // wei
  std::uint64_t max_fee_per_gas = 0;           // wei
  std::uint64_t gas_limit = 0;
  std::optional<merkle::Address> to;  // none: contract creation
  std::uint64_t value = 0;            // wei
  merkle::Bytes data;
  // The access list is always empty here.
  friend bool operator==(const Eip1559Tx&, const Eip1559Tx&) = default;
};

/// keccak256(0x02 ‖ rlp([chainId, nonce, maxPriorityFee, maxFee, gas, to, value, data, []])).
merkle::Word signing_hash(const Eip1559Tx& tx);
/// 0x02 ‖ rlp([… 9 fields …, yParity, r, s]): what eth_sendRawTransaction takes.
merkle::Bytes encode_signed(const Eip1559Tx& tx, const secp256k1::Signature& sig);

struct SignedTx {
  Eip1559Tx tx;
  secp256k1::Signature signature;
  merkle::Bytes raw;
  merkle::Word hash{};  // keccak256(raw): the transaction hash
  merkle::Address from{};
};
[[nodiscard]] absl::StatusOr<SignedTx> sign(const Eip1559Tx& tx, const secp256k1::PrivateKey& key);
/// Parses a raw type-2 transaction and recovers its sender.
[[nodiscard]] absl::StatusOr<SignedTx> decode_signed(merkle::ByteSpan raw);

/// A pre-EIP-2718 transaction, signed under EIP-155 replay protection.
struct LegacyTx {
  std::uint64_t nonce = 0;
  std::uint64_t gas_price = 0;
  std::uint64_t gas_limit = 0;
  merkle::Address to{};
  std::uint64_t value = 0;
  merkle::Bytes data;
};
/// rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]) — the bytes that are hashed.
merkle::Bytes eip155_signing_payload(const LegacyTx& tx, std::uint64_t chain_id);
/// rlp([… 6 fields …, v = chainId·2 + 35 + recovery id, r, s]).
merkle::Bytes encode_eip155_signed(const LegacyTx& tx, std::uint64_t chain_id,
                                   const secp256k1::Signature& sig);

}  // namespace zkr::settlement::eth

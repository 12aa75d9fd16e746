#pragma once
// A signed transaction as a wallet sends it to a chain's node (eth_sendRawTransaction), decoded
// with its sender recovered and its hash computed as the wallet computes it: legacy with EIP-155
// replay protection, EIP-1559 (type 2), and ZKsync's EIP-712 transaction (type 0x71), which is what
// zksync-ethers' Wallet sends. Every malformed input is InvalidArgument naming what is wrong.

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "merkle/types.hpp"

namespace zkr::settlement::eth {

enum class WalletTxType { kLegacy, kEip1559, kEip712 };
const char* wallet_tx_type_name(WalletTxType type) noexcept;  // "legacy", "eip1559", "eip712"

struct WalletTx {
  WalletTxType type = WalletTxType::kEip1559;
  std::uint64_t chain_id = 0;
  std::uint64_t nonce = 0;
  merkle::Word max_fee_per_gas{};           // the gas price of a legacy transaction
  merkle::Word max_priority_fee_per_gas{};  // the gas price of a legacy transaction
  std::uint64_t gas_limit = 0;
  std::optional<merkle::Address> to;  // none: a contract creation
  merkle::Word value{};
  merkle::Bytes data;
  std::uint64_t gas_per_pubdata = 0;  // type 0x71 only
  merkle::Address from{};             // recovered from the signature
  merkle::Word hash{};                // the transaction hash the wallet computed
};

/// Decodes `raw` and checks its signature. Type 0x71 transactions with factory dependencies (a
/// deployment), a smart account's custom signature or a paymaster are refused, as are legacy
/// transactions without EIP-155 replay protection.
[[nodiscard]] absl::StatusOr<WalletTx> decode_wallet_tx(merkle::ByteSpan raw);

/// The EIP-712 digest a ZKsync type 0x71 transaction's signature covers (domain "zkSync", version
/// "2", the chain id; the Transaction struct of the ZKsync SDK).
merkle::Word eip712_digest(const WalletTx& tx);

}  // namespace zkr::settlement::eth

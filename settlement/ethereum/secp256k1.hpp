#pragma once
// ECDSA over secp256k1 with OpenSSL: keys, Ethereum-style recoverable signatures (low s, recovery
// id), verification and public-key recovery. Used to sign and check chain validity proofs, the
// Gateway's aggregated proofs and L1 transactions.

#include <array>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "merkle/types.hpp"

namespace zkr::settlement::secp256k1 {

/// An uncompressed public key without the 0x04 prefix: x ‖ y, 32 bytes each.
struct PublicKey {
  std::array<std::uint8_t, 64> xy{};
  friend bool operator==(const PublicKey&, const PublicKey&) = default;
};

/// r, s (with s in the lower half of the group order) and the recovery id (0 or 1: y parity of R).
struct Signature {
  merkle::Word r{};
  merkle::Word s{};
  std::uint8_t recovery_id = 0;

  /// r ‖ s (64 bytes): the compact form used for chain validity proofs.
  merkle::Bytes compact() const;
  /// r ‖ s ‖ v with v = 27 + recovery id (65 bytes, the Ethereum personal-signature layout).
  merkle::Bytes rsv() const;
};

class PrivateKey {
 public:
  /// 32 big-endian bytes, 0 < key < n.
  [[nodiscard]] static absl::StatusOr<PrivateKey> from_bytes(merkle::ByteSpan bytes);
  /// 64 hex digits, with or without 0x.
  [[nodiscard]] static absl::StatusOr<PrivateKey> from_hex(std::string_view hex);

  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  ~PrivateKey();

  const PublicKey& public_key() const noexcept { return public_; }
  merkle::Address address() const;
  /// Signs a 32-byte digest (the caller hashes). OpenSSL chooses the nonce; s is normalized to
  /// the lower half and the recovery id computed, so any verifier accepts the result.
  [[nodiscard]] absl::StatusOr<Signature> sign(const merkle::Word& digest) const;

 private:
  PrivateKey() = default;
  merkle::Word secret_{};
  PublicKey public_{};
};

/// Parses a SEC1 public key: 33 bytes (compressed), 65 bytes (0x04 ‖ x ‖ y) or 64 bytes (x ‖ y).
/// InvalidArgument if the bytes are not a point on the curve.
[[nodiscard]] absl::StatusOr<PublicKey> parse_public_key(merkle::ByteSpan bytes);
/// The 33-byte compressed SEC1 encoding.
merkle::Bytes compressed(const PublicKey& key);

/// OK if (r, s) is a valid signature of `digest` by `key`. Rejects r or s outside [1, n) and a
/// high s (the malleable twin of a valid signature, refused as Ethereum does since EIP-2).
[[nodiscard]] absl::Status verify(const PublicKey& key, const merkle::Word& digest,
                                  const merkle::Word& r, const merkle::Word& s);

/// The public key that produced `signature` over `digest` (what ecrecover computes).
[[nodiscard]] absl::StatusOr<PublicKey> recover(const merkle::Word& digest,
                                                const Signature& signature);

/// The Ethereum address of a key: the low 20 bytes of keccak256(x ‖ y).
merkle::Address address_of(const PublicKey& key);

}  // namespace zkr::settlement::secp256k1

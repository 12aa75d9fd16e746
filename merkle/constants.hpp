#pragma once
// Protocol constants (spec §0). Every hash here is computed at compile time from its definition.

#include <array>
#include <cstddef>
#include <cstdint>

#include "merkle/keccak.hpp"
#include "merkle/types.hpp"

namespace zkr::merkle {

inline constexpr std::size_t kLogSerializeSize = 88;      // L2_TO_L1_LOG_SERIALIZE_SIZE
inline constexpr std::size_t kLogTreeDepth = 14;          // log2(L2_TO_L1_LOGS_MERKLE_TREE_LEAVES)
inline constexpr std::size_t kLogTreeLeaves = 1U << 14;   // 16384
inline constexpr std::uint8_t kProofMetadataVersion = 1;  // SUPPORTED_PROOF_METADATA_VERSION
/// Depth cap of the MessageRoot trees we precompute empty-subtree hashes for (2^63 leaves).
inline constexpr std::size_t kMessageRootMaxDepth = 63;

namespace detail {
template <std::size_t N>
constexpr Word keccak_of_zeros() noexcept {
  std::array<std::uint8_t, N> zeros{};
  return keccak256(ByteSpan(zeros));
}

template <std::size_t Levels>
constexpr std::array<Word, Levels> empty_subtrees(const Word& leaf) noexcept {
  std::array<Word, Levels> z{};
  z[0] = leaf;
  for (std::size_t k = 1; k < Levels; ++k) z[k] = hash_pair(z[k - 1], z[k - 1]);
  return z;
}

constexpr Address system_address(std::uint32_t low) noexcept {
  Address a{};
  a[16] = static_cast<std::uint8_t>(low >> 24);
  a[17] = static_cast<std::uint8_t>(low >> 16);
  a[18] = static_cast<std::uint8_t>(low >> 8);
  a[19] = static_cast<std::uint8_t>(low);
  return a;
}
}  // namespace detail

/// L2_L1_LOGS_TREE_DEFAULT_LEAF_HASH = keccak(88 zero bytes).
inline constexpr Word kDefaultLogLeaf = detail::keccak_of_zeros<kLogSerializeSize>();
/// keccak(96 zero bytes): the empty leaf of the chain and shared trees
/// (CHAIN_TREE_EMPTY_ENTRY_HASH).
inline constexpr Word kMessageRootEmptyLeaf = detail::keccak_of_zeros<96>();
inline constexpr Word kBatchLeafPadding = keccak256(std::string_view("zkSync:BatchLeaf"));
inline constexpr Word kChainIdLeafPadding = keccak256(std::string_view("zkSync:ChainIdLeaf"));

/// Z[k]: root of an empty log subtree of height k; Z[14] is the localRoot of a batch with no logs.
inline constexpr std::array<Word, kLogTreeDepth + 1> kLogTreeZeros =
    detail::empty_subtrees<kLogTreeDepth + 1>(kDefaultLogLeaf);
/// Y[k]: root of an empty MessageRoot subtree of height k.
inline constexpr std::array<Word, kMessageRootMaxDepth + 1> kMessageRootZeros =
    detail::empty_subtrees<kMessageRootMaxDepth + 1>(kMessageRootEmptyLeaf);

// System contract addresses (spec §0).
inline constexpr Address kBootloaderAddress = detail::system_address(0x8001);
inline constexpr Address kL1MessengerAddress = detail::system_address(0x8008);
inline constexpr Address kL2NativeTokenVaultAddress = detail::system_address(0x10004);
inline constexpr Address kL2MessageRootAddress = detail::system_address(0x10005);
inline constexpr Address kL2InteropRootStorageAddress = detail::system_address(0x10008);
inline constexpr Address kL2MessageVerificationAddress = detail::system_address(0x10009);
inline constexpr Address kInteropCenterAddress = detail::system_address(0x1000d);
inline constexpr Address kInteropHandlerAddress = detail::system_address(0x1000e);

}  // namespace zkr::merkle

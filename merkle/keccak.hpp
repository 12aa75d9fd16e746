#pragma once
// Ethereum Keccak-256 (the original Keccak padding 0x01…0x80, not SHA3-256's 0x06).
// OpenSSL 3.0 as shipped here has no Keccak-256, so the permutation lives here. It is constexpr so
// the protocol constants (empty-subtree hashes, leaf paddings) are computed at compile time from
// their definitions rather than pasted in.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "merkle/keccak_f1600.hpp"
#include "merkle/types.hpp"

namespace zkr::merkle {
namespace detail {

/// The same permutation compiled once, out of line, so every caller runs the same tuned code.
void keccak_f1600_runtime(KeccakState& s) noexcept;

constexpr void keccak_f1600(KeccakState& s) noexcept {
  if (std::is_constant_evaluated()) {
    keccak_f1600_generic(s);
  } else {
    keccak_f1600_runtime(s);
  }
}

template <typename Byte>
constexpr std::uint64_t load_le64(const Byte* p) noexcept {
  if (!std::is_constant_evaluated()) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);  // lanes are little-endian; so is every target we build for
    return v;
  }
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}

template <typename Byte>
constexpr void absorb_block(KeccakState& s, const Byte* block) noexcept {
  for (std::size_t i = 0; i < kKeccakRate / 8; ++i) s[i] ^= load_le64(block + 8 * i);
  keccak_f1600(s);
}

constexpr Word squeeze_word(const KeccakState& s) noexcept {
  Word out{};
  for (std::size_t i = 0; i < 32; ++i)
    out[i] = static_cast<std::uint8_t>(s[i / 8] >> (8 * (i % 8)));
  return out;
}

/// Keccak-256 fed in pieces: update() any number of times, then finish() once. Byte is
/// std::uint8_t or char, so the same code hashes binary data and (at compile time) text.
class Keccak256Stream {
 public:
  template <typename Byte>
  constexpr void update(const Byte* data, std::size_t size) noexcept {
    if (pending_size_ > 0) {  // complete the block begun by an earlier piece
      const std::size_t n = std::min(size, kKeccakRate - pending_size_);
      for (std::size_t i = 0; i < n; ++i)
        pending_[pending_size_ + i] = static_cast<std::uint8_t>(data[i]);
      pending_size_ += n;
      data += n;
      size -= n;
      if (pending_size_ < kKeccakRate) return;
      absorb_block(state_, pending_.data());
      pending_size_ = 0;
    }
    for (; size >= kKeccakRate; data += kKeccakRate, size -= kKeccakRate)
      absorb_block(state_, data);
    for (std::size_t i = 0; i < size; ++i) pending_[i] = static_cast<std::uint8_t>(data[i]);
    pending_size_ = size;
  }

  constexpr Word finish() noexcept {
    // Last, partial block: whole lanes, then the tail bytes with the padding folded in.
    const std::size_t lanes = pending_size_ / 8;
    for (std::size_t i = 0; i < lanes; ++i) state_[i] ^= load_le64(pending_.data() + 8 * i);
    std::uint64_t tail = 0;
    for (std::size_t j = 0; j < pending_size_ % 8; ++j)
      tail |= std::uint64_t{pending_[8 * lanes + j]} << (8 * j);
    tail |= std::uint64_t{0x01} << (8 * (pending_size_ % 8));  // Keccak (SHA3-256 would use 0x06)
    state_[lanes] ^= tail;
    state_[kKeccakRate / 8 - 1] ^= 0x8000000000000000ULL;
    keccak_f1600(state_);
    return squeeze_word(state_);
  }

 private:
  KeccakState state_{};
  std::array<std::uint8_t, kKeccakRate> pending_{};
  std::size_t pending_size_ = 0;
};

template <typename Byte>
constexpr Word keccak256_impl(const Byte* data, std::size_t size) noexcept {
  Keccak256Stream h;
  h.update(data, size);
  return h.finish();
}

}  // namespace detail

using detail::Keccak256Stream;

/// Keccak-256 of `data`. About 0.4 µs per 136-byte block with the portable permutation.
constexpr Word keccak256(ByteSpan data) noexcept {
  return detail::keccak256_impl(data.data(), data.size());
}

/// Keccak-256 of the bytes of a string (used for domain-separation tags).
constexpr Word keccak256(std::string_view text) noexcept {
  return detail::keccak256_impl(text.data(), text.size());
}

/// A Solidity function's 4-byte selector: the first bytes of keccak256 of its signature, e.g.
/// "sendToL1(bytes)".
constexpr Selector function_selector(std::string_view signature) noexcept {
  const Word h = keccak256(signature);
  return {h[0], h[1], h[2], h[3]};
}
/// Whether calldata starts with `selector`.
constexpr bool calls(ByteSpan calldata, const Selector& selector) noexcept {
  return calldata.size() >= 4 && calldata[0] == selector[0] && calldata[1] == selector[1] &&
         calldata[2] == selector[2] && calldata[3] == selector[3];
}

/// H(a, b) = keccak256(a ‖ b): one Merkle node. A single permutation (64 bytes < rate).
constexpr Word hash_pair(const Word& a, const Word& b) noexcept {
  detail::KeccakState s{};
  for (std::size_t i = 0; i < 4; ++i) {
    s[i] = detail::load_le64(a.data() + 8 * i);
    s[4 + i] = detail::load_le64(b.data() + 8 * i);
  }
  s[8] = 0x01;
  s[16] = 0x8000000000000000ULL;
  detail::keccak_f1600(s);
  return detail::squeeze_word(s);
}

/// keccak256(a ‖ b ‖ c) for three words (the 96-byte MessageRoot leaf preimages).
constexpr Word hash_triple(const Word& a, const Word& b, const Word& c) noexcept {
  detail::KeccakState s{};
  for (std::size_t i = 0; i < 4; ++i) {
    s[i] = detail::load_le64(a.data() + 8 * i);
    s[4 + i] = detail::load_le64(b.data() + 8 * i);
    s[8 + i] = detail::load_le64(c.data() + 8 * i);
  }
  s[12] = 0x01;
  s[16] = 0x8000000000000000ULL;
  detail::keccak_f1600(s);
  return detail::squeeze_word(s);
}

/// Longest message the multi-message paths take: one block (the rate) less the padding byte.
inline constexpr std::size_t kKeccakMaxShortMessage = detail::kKeccakRate - 1;

/// out[i] = keccak256 of the i-th `stride`-byte message of `in`, for 0 < stride ≤ 135 (one
/// permutation per message) and in.size() == stride * out.size(). Messages are hashed several at
/// a time on the SIMD path chosen for this CPU (see KeccakBackend).
void keccak256_many(ByteSpan in, std::size_t stride, std::span<Word> out) noexcept;

/// out[i] = keccak256(messages[i]) for every i (out.size() == messages.size()), messages of any
/// lengths: those of up to kKeccakMaxShortMessage bytes are padded into blocks of their own and
/// hashed several at a time on the SIMD path, longer ones one at a time.
void keccak256_each(std::span<const ByteSpan> messages, std::span<Word> out) noexcept;

/// out[i] = H(in[2i], in[2i+1]) for every i < out.size(); `in` holds 2 * out.size() words.
/// This is the unit of tree building: one level of a tree is hashed with one call.
void hash_pairs(std::span<const Word> in, std::span<Word> out) noexcept;

/// How the multi-message paths (keccak256_many, hash_pairs) run. The best one the CPU supports is
/// chosen at start-up from its feature flags; the environment variable ZKR_KECCAK
/// (portable | avx2 | avx512) narrows the choice, e.g. to compare them.
enum class KeccakBackend {
  kPortable,  ///< one message at a time, plain 64-bit code
  kAvx2,      ///< 4 messages side by side in 256-bit registers
  kAvx512,    ///< 8 messages side by side in 512-bit registers
};

std::string_view keccak_backend_name(KeccakBackend backend) noexcept;
bool keccak_backend_supported(KeccakBackend backend) noexcept;
KeccakBackend keccak_backend() noexcept;
/// Switches the multi-message paths to `backend`; false (and no change) if the CPU lacks it.
bool set_keccak_backend(KeccakBackend backend) noexcept;

}  // namespace zkr::merkle

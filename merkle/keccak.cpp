#include "merkle/keccak.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>

#include "merkle/keccak_simd.hpp"

namespace zkr::merkle {
namespace {

bool cpu_has(KeccakBackend backend) noexcept {
  __builtin_cpu_init();
  switch (backend) {
    case KeccakBackend::kPortable:
      return true;
    case KeccakBackend::kAvx2:
      return __builtin_cpu_supports("avx2");  // also checks the OS saves the YMM registers
    case KeccakBackend::kAvx512:
      return __builtin_cpu_supports("avx512f");
  }
  return false;
}

/// The best backend the CPU has, no better than ZKR_KECCAK asks for.
KeccakBackend initial_backend() noexcept {
  KeccakBackend ceiling = KeccakBackend::kAvx512;
  if (const char* env = std::getenv("ZKR_KECCAK")) {
    const std::string_view want(env);
    if (want == "portable") ceiling = KeccakBackend::kPortable;
    if (want == "avx2") ceiling = KeccakBackend::kAvx2;
  }
  for (KeccakBackend b : {KeccakBackend::kAvx512, KeccakBackend::kAvx2}) {
    if (b <= ceiling && cpu_has(b)) return b;
  }
  return KeccakBackend::kPortable;
}

std::atomic<KeccakBackend>& backend_slot() noexcept {
  static std::atomic<KeccakBackend> slot{initial_backend()};
  return slot;
}

}  // namespace

void detail::keccak_f1600_runtime(KeccakState& s) noexcept {
  keccak_f1600_generic(s);
}

std::string_view keccak_backend_name(KeccakBackend backend) noexcept {
  switch (backend) {
    case KeccakBackend::kPortable:
      return "portable";
    case KeccakBackend::kAvx2:
      return "avx2";
    case KeccakBackend::kAvx512:
      return "avx512";
  }
  return "unknown";
}

bool keccak_backend_supported(KeccakBackend backend) noexcept {
  return cpu_has(backend);
}

KeccakBackend keccak_backend() noexcept {
  return backend_slot().load(std::memory_order_relaxed);
}

bool set_keccak_backend(KeccakBackend backend) noexcept {
  if (!cpu_has(backend)) return false;
  backend_slot().store(backend, std::memory_order_relaxed);
  return true;
}

void keccak256_many(ByteSpan in, std::size_t stride, std::span<Word> out) noexcept {
  if (out.empty()) return;
  const std::uint8_t* data = in.data();
  std::size_t done = 0;
  const KeccakBackend backend =
      stride <= kKeccakMaxShortMessage ? keccak_backend() : KeccakBackend::kPortable;
  switch (backend) {
    case KeccakBackend::kAvx512:
      done = detail::keccak256_many_avx512(data, stride, out.size(), out.data()->data());
      break;
    case KeccakBackend::kAvx2:
      done = detail::keccak256_many_avx2(data, stride, out.size(), out.data()->data());
      break;
    case KeccakBackend::kPortable:
      break;
  }
  for (std::size_t i = done; i < out.size(); ++i)
    out[i] = detail::keccak256_impl(data + i * stride, stride);
}

void keccak256_each(std::span<const ByteSpan> messages, std::span<Word> out) noexcept {
  const KeccakBackend backend = keccak_backend();
  // Short messages wait here, padded, for a SIMD group; kChunk of them at a time.
  constexpr std::size_t kChunk = 64;
  std::array<std::uint8_t, kChunk * detail::kKeccakRate> blocks;
  std::array<std::size_t, kChunk> slots;  // where each waiting message's digest goes
  std::size_t waiting = 0;
  const auto flush = [&] {
    std::array<Word, kChunk> digests;
    std::size_t done = 0;
    switch (backend) {
      case KeccakBackend::kAvx512:
        done = detail::keccak256_blocks_avx512(blocks.data(), waiting, digests.data()->data());
        break;
      case KeccakBackend::kAvx2:
        done = detail::keccak256_blocks_avx2(blocks.data(), waiting, digests.data()->data());
        break;
      case KeccakBackend::kPortable:
        break;
    }
    for (std::size_t k = 0; k < done; ++k) out[slots[k]] = digests[k];
    for (std::size_t k = done; k < waiting; ++k) out[slots[k]] = keccak256(messages[slots[k]]);
    waiting = 0;
  };
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const ByteSpan m = messages[i];
    if (backend == KeccakBackend::kPortable || m.size() > kKeccakMaxShortMessage) {
      out[i] = keccak256(m);
      continue;
    }
    std::uint8_t* block = blocks.data() + waiting * detail::kKeccakRate;
    std::copy(m.begin(), m.end(), block);
    std::fill(block + m.size(), block + detail::kKeccakRate, std::uint8_t{0});
    block[m.size()] ^= 0x01;  // Keccak padding: the same byte when the message is 135 bytes long
    block[detail::kKeccakRate - 1] ^= 0x80;
    slots[waiting++] = i;
    if (waiting == kChunk) flush();
  }
  if (waiting > 0) flush();
}

void hash_pairs(std::span<const Word> in, std::span<Word> out) noexcept {
  // Two adjacent words are exactly one 64-byte message.
  static_assert(sizeof(Word) == 32 && alignof(Word) == 1);
  keccak256_many(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(in.data()), in.size() * sizeof(Word)),
      2 * sizeof(Word), out);
}

}  // namespace zkr::merkle

#include "merkle/keccak.hpp"

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

void hash_pairs(std::span<const Word> in, std::span<Word> out) noexcept {
  // Two adjacent words are exactly one 64-byte message.
  static_assert(sizeof(Word) == 32 && alignof(Word) == 1);
  keccak256_many(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(in.data()), in.size() * sizeof(Word)),
      2 * sizeof(Word), out);
}

}  // namespace zkr::merkle

// Compiled with -mavx2 (see CMakeLists.txt); called only when the CPU reports AVX2.
#include "merkle/keccak_simd.hpp"

namespace zkr::merkle::detail {

using U64x4 = std::uint64_t __attribute__((vector_size(32)));

std::size_t keccak256_many_avx2(const std::uint8_t* in, std::size_t stride, std::size_t count,
                                std::uint8_t* out) noexcept {
  return simd::hash_groups<U64x4, 4>(in, stride, count, out);
}

std::size_t keccak256_blocks_avx2(const std::uint8_t* blocks, std::size_t count,
                                  std::uint8_t* out) noexcept {
  return simd::hash_block_groups<U64x4, 4>(blocks, count, out);
}

}  // namespace zkr::merkle::detail

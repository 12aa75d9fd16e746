#include "merkle/keccak.hpp"

namespace zkr::merkle {

void detail::keccak_f1600_runtime(KeccakState& s) noexcept {
  keccak_f1600_generic(s);
}

void hash_pairs(std::span<const Word> in, std::span<Word> out) noexcept {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = hash_pair(in[2 * i], in[2 * i + 1]);
}

}  // namespace zkr::merkle

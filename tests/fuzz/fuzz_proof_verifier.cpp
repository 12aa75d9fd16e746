// The proof verifier (the contracts' algorithm): chain id, number, mask and leaf from the first
// 80 bytes, the proof words from the rest. Checks: no crash; a claim it accepts verifies against
// its own root and fails against any other.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "merkle/types.hpp"
#include "merkle/verifier.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using zkr::merkle::Word;
  if (size < 80) return 0;
  std::uint64_t chain = 0, number = 0;
  std::memcpy(&chain, data, 8);
  std::memcpy(&number, data + 8, 8);
  Word mask{}, leaf{};
  std::copy_n(data + 16, 32, mask.begin());
  std::copy_n(data + 48, 32, leaf.begin());
  std::vector<Word> proof((size - 80) / 32);
  for (std::size_t i = 0; i < proof.size(); ++i)
    std::copy_n(data + 80 + 32 * i, 32, proof[i].begin());
  const Word chain_word = zkr::merkle::be32(chain), number_word = zkr::merkle::be32(number);
  const auto claim = zkr::merkle::compute_root_claim(chain_word, number_word, mask, leaf, proof);
  if (!claim.ok()) return 0;
  const auto own = [&](const Word&, const Word&) { return std::optional<Word>(claim->root); };
  Word other = claim->root;
  other[31] ^= 1;
  const auto wrong = [&](const Word&, const Word&) { return std::optional<Word>(other); };
  const bool accepted =
      zkr::merkle::verify_leaf(chain_word, number_word, mask, leaf, proof, own).ok();
  const bool forged =
      zkr::merkle::verify_leaf(chain_word, number_word, mask, leaf, proof, wrong).ok();
  if (claim->root != Word{} && (!accepted || forged)) std::abort();
  return 0;
}

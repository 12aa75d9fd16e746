// Randomized properties: for random batches, chain trees and shared trees, every built proof (all
// three shapes) verifies, and every single-word mutation of it is rejected.

#include <gtest/gtest.h>

#include <random>

#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/log_tree.hpp"
#include "merkle/message_root.hpp"
#include "merkle/proof.hpp"
#include "merkle/verifier.hpp"

namespace zkr::merkle {
namespace {

Word random_word(std::mt19937_64& rng) {
  Word w;
  for (auto& b : w) b = static_cast<std::uint8_t>(rng());
  return w;
}

struct Built {
  std::vector<Word> proof;
  Word claim_chain, claim_number, root;
};

// Flips one random bit of word `w`. Returns false for the one flip the contracts treat as no
// change: byte 3 of a metadata word is a boolean, any non-zero value meaning "final".
bool flip_random_bit(std::vector<Word>& proof, std::size_t w, std::mt19937_64& rng,
                     const std::vector<bool>& is_metadata) {
  const std::size_t byte = rng() % 32;
  const std::uint8_t mask = static_cast<std::uint8_t>(1U << (rng() % 8));
  const std::uint8_t before = proof[w][byte];
  proof[w][byte] ^= mask;
  return !(is_metadata[w] && byte == 3 && before != 0 && proof[w][byte] != 0);
}

TEST(ProofProperties, RandomProofsVerifyAndEveryWordMutationIsRejected) {
  std::mt19937_64 rng(20261121);
  for (int round = 0; round < 60; ++round) {
    const std::size_t logs = 1 + rng() % 300;
    std::vector<Word> leaves(logs);
    for (auto& l : leaves) l = random_word(rng);
    const LogTree tree = *LogTree::build(leaves);
    const std::size_t index = rng() % logs;
    const Word agg = random_word(rng);
    const LogProofPart log{*tree.path(index), agg};
    const Word batch_root = hash_pair(tree.root(), agg);
    const std::uint64_t chain = 300 + rng() % 1000, batch = 1 + rng() % 500;

    // The chain's tree on the Gateway: some batches before ours, some after (historical path).
    ChainTree chain_tree;
    const std::size_t before = rng() % 20, after = rng() % 5;
    for (std::size_t i = 0; i < before; ++i) chain_tree.append(random_word(rng));
    const std::size_t j = chain_tree.size();
    chain_tree.append(batch_leaf(batch_root, batch));
    for (std::size_t i = 0; i < after; ++i) chain_tree.append(random_word(rng));
    const std::size_t size_at = j + 1 + rng() % (after + 1);
    SharedTree shared;
    const std::size_t chains = 1 + rng() % 40;
    const std::size_t c = rng() % chains;
    for (std::size_t i = 0; i < chains; ++i) shared.push(random_word(rng));
    ASSERT_TRUE(shared.update(c, chain_id_leaf(*chain_tree.root_at(size_at), chain)).ok());
    const GatewayProofPart gw{.batch_leaf_index = j,
                              .chain_path = *chain_tree.path_at(j, size_at),
                              .chain_index = c,
                              .shared_path = *shared.path(c),
                              .gateway_chain_id = 506};
    const std::uint64_t block = 1000 + rng() % 100000, gw_batch = 1 + rng() % 1000;
    const Word gw_local = random_word(rng);

    std::vector<Built> built;
    built.push_back({build_shape_a(log), be32(chain), be32(batch), batch_root});
    built.push_back({*build_shape_c(log, gw, block), be32(506), be32(block), shared.root()});
    built.push_back({*build_shape_b(log, gw, gw_batch, gw_local), be32(506), be32(gw_batch),
                     hash_pair(gw_local, shared.root())});
    for (const Built& b : built) {
      const auto settled = [&b](const Word& ch, const Word& n) -> std::optional<Word> {
        if (ch == b.claim_chain && n == b.claim_number) return b.root;
        return std::nullopt;
      };
      ASSERT_TRUE(
          verify_leaf(be32(chain), be32(batch), be32(index), leaves[index], b.proof, settled).ok());
      std::vector<bool> is_metadata(b.proof.size(), false);
      is_metadata[0] = true;
      if (b.proof.size() > 16) is_metadata[1 + 15 + 1 + gw.chain_path.size() + 2] = true;
      for (std::size_t w = 0; w < b.proof.size(); ++w) {
        std::vector<Word> mutated = b.proof;
        if (!flip_random_bit(mutated, w, rng, is_metadata)) continue;
        EXPECT_FALSE(
            verify_leaf(be32(chain), be32(batch), be32(index), leaves[index], mutated, settled)
                .ok())
            << "round " << round << " proof of " << b.proof.size() << " words, word " << w;
      }
    }
  }
}

}  // namespace
}  // namespace zkr::merkle

#include "settlement/state/message_root_state.hpp"

#include <gtest/gtest.h>

#include <random>

#include "merkle/keccak.hpp"
#include "merkle/proof.hpp"

namespace zkr::settlement {
namespace {

merkle::Word random_word(std::mt19937_64& rng) {
  merkle::Word w;
  for (auto& b : w) b = static_cast<std::uint8_t>(rng());
  return w;
}

TEST(MessageRootState, TheGatewayIsIndexZeroAndBlocksStartWhereConfigured) {
  MessageRootState state(506, 10);
  EXPECT_EQ(state.chain_index(506), 0U);
  EXPECT_EQ(state.open_block(), 10U);
  EXPECT_FALSE(state.last_sealed_block().has_value());
  EXPECT_EQ(state.shared_root(), merkle::chain_id_leaf(merkle::kZeroWord, 506));
  EXPECT_EQ(state.register_chain(506).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(state.append_batch(999, 1, merkle::kZeroWord).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(state.shared_root_at(10).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(state.seal_block(), state.shared_root());
  EXPECT_TRUE(state.shared_root_at(10).ok());
}

TEST(MessageRootState, PartsForOldBlocksEqualThePartsComputedAtTheTime) {
  // Enough blocks that early ones fall out of the recent snapshots and get rebuilt.
  std::mt19937_64 rng(99);
  MessageRootState state(506, 1);
  std::vector<std::uint64_t> chains;
  struct Taken {
    std::uint64_t chain, block;
    std::size_t leaf;
    merkle::GatewayProofPart part;
    merkle::Word root;
  };
  std::vector<Taken> taken;
  std::map<std::uint64_t, std::uint64_t> next_batch;
  for (int block = 0; block < 300; ++block) {
    if (chains.size() < 20 && rng() % 4 == 0) {
      chains.push_back(1000 + chains.size());
      ASSERT_TRUE(state.register_chain(chains.back()).ok());
    }
    std::vector<std::pair<std::uint64_t, std::size_t>> executed;
    for (int k = 0; !chains.empty() && k < static_cast<int>(rng() % 4); ++k) {
      const std::uint64_t chain = chains[rng() % chains.size()];
      const auto appended = state.append_batch(chain, ++next_batch[chain], random_word(rng));
      ASSERT_TRUE(appended.ok());
      executed.emplace_back(chain, appended->chain_tree_index);
    }
    const std::uint64_t n = state.open_block();
    const merkle::Word root = state.seal_block();
    for (const auto& [chain, leaf] : executed) {
      const auto part = state.gateway_part(chain, leaf, n);
      ASSERT_TRUE(part.ok()) << part.status();
      taken.push_back({chain, n, leaf, *part, root});
    }
  }
  ASSERT_GT(taken.size(), 100U);
  for (const Taken& t : taken) {
    const auto again = state.gateway_part(t.chain, t.leaf, t.block);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->chain_path, t.part.chain_path) << "block " << t.block;
    EXPECT_EQ(again->shared_path, t.part.shared_path) << "block " << t.block;
    EXPECT_EQ(again->chain_index, t.part.chain_index);
    EXPECT_EQ(*state.shared_root_at(t.block), t.root);
  }
  // A block before the batch's execution has no path for it.
  EXPECT_EQ(state.gateway_part(taken.back().chain, taken.back().leaf, taken.back().block - 1)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace zkr::settlement

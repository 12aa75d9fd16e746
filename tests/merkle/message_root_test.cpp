#include "merkle/message_root.hpp"

#include <gtest/gtest.h>

#include <random>

#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "tests/support/vectors.hpp"

namespace zkr::merkle {
namespace {

using testing::vectors;

// A deliberately naive reference: pad to the next power of two with Y[0] and hash every level.
Word padded_root(std::vector<Word> level) {
  std::size_t width = 1;
  while (width < level.size()) width *= 2;
  level.resize(width, kMessageRootEmptyLeaf);
  while (level.size() > 1) {
    std::vector<Word> up(level.size() / 2);
    for (std::size_t i = 0; i < up.size(); ++i) up[i] = hash_pair(level[2 * i], level[2 * i + 1]);
    level.swap(up);
  }
  return level[0];
}

Word vector_leaf(std::size_t i) {  // the vectors' rule: leaf i = keccak(be32(1000 + i))
  const Word w = be32(1000 + i);
  return keccak256(ByteSpan(w));
}

TEST(MessageRootLeaves, ChainIdAndBatchLeavesMatchVectors) {
  const auto& leaves = vectors().at("leaf_hashes").as_object();
  for (const auto& c : leaves.at("chain_id_leaf").as_array()) {
    EXPECT_EQ(
        to_hex(chain_id_leaf(testing::word(c.at("chainRoot")), testing::number(c.at("chainId")))),
        c.at("leaf").as_string());
  }
  for (const auto& c : leaves.at("batch_leaf").as_array()) {
    EXPECT_EQ(to_hex(batch_leaf(testing::word(c.at("chainBatchRoot")),
                                testing::number(c.at("batchNumber")))),
              c.at("leaf").as_string());
  }
}

TEST(ChainTree, ReproducesEveryVectorCase) {
  const auto& cases = vectors().at("message_root_trees").at("cases").as_array();
  for (const auto& c : cases) {
    const std::size_t n = testing::number(c.at("n"));
    ChainTree tree;
    for (std::size_t i = 0; i < n; ++i) tree.append(vector_leaf(i));
    EXPECT_EQ(to_hex(tree.root()), c.at("root").as_string()) << "n=" << n;
    EXPECT_EQ(tree_depth(n), testing::number(c.at("depth"))) << "n=" << n;
    for (const auto& p : c.at("paths").as_array()) {
      const std::size_t index = testing::number(p.at("index"));
      const auto path = tree.path_at(index, n);
      ASSERT_TRUE(path.ok()) << path.status();
      const auto expected = testing::words(p.at("path"));
      ASSERT_EQ(path->size(), expected.size()) << "n=" << n;
      for (std::size_t k = 0; k < expected.size(); ++k)
        EXPECT_EQ(to_hex((*path)[k]), to_hex(expected[k]));
    }
  }
}

TEST(ChainTree, HistoricalStatesMatchTheVectorsFromOneTree) {
  // Every case uses a prefix of the same leaf sequence, so one tree of the largest size must answer
  // every case's root and paths as of that case's size.
  const auto& cases = vectors().at("message_root_trees").at("cases").as_array();
  std::size_t largest = 0;
  for (const auto& c : cases) largest = std::max<std::size_t>(largest, testing::number(c.at("n")));
  ChainTree tree;
  for (std::size_t i = 0; i < largest; ++i) tree.append(vector_leaf(i));
  for (const auto& c : cases) {
    const std::size_t n = testing::number(c.at("n"));
    EXPECT_EQ(to_hex(*tree.root_at(n)), c.at("root").as_string()) << "n=" << n;
    for (const auto& p : c.at("paths").as_array()) {
      const auto path = tree.path_at(testing::number(p.at("index")), n);
      ASSERT_TRUE(path.ok());
      EXPECT_EQ(*path, testing::words(p.at("path"))) << "n=" << n;
    }
  }
  EXPECT_EQ(tree.root_at(largest + 1).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(tree.path_at(5, 5).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(SharedTree, MatchesTheChainTreeShapeAndVectors) {
  const auto& cases = vectors().at("message_root_trees").at("cases").as_array();
  for (const auto& c : cases) {
    const std::size_t n = testing::number(c.at("n"));
    if (n == 0) continue;  // FullMerkle's empty root is Y[0]; the chain tree's is 0x00
    SharedTree tree;
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(tree.push(vector_leaf(i)), i);
    EXPECT_EQ(to_hex(tree.root()), c.at("root").as_string()) << "n=" << n;
    EXPECT_EQ(tree.depth(), testing::number(c.at("depth")));
    for (const auto& p : c.at("paths").as_array()) {
      const auto path = tree.path(testing::number(p.at("index")));
      ASSERT_TRUE(path.ok());
      EXPECT_EQ(*path, testing::words(p.at("path"))) << "n=" << n;
    }
  }
  SharedTree empty;
  EXPECT_EQ(empty.root(), kMessageRootZeros[0]);
}

TEST(SharedTree, UpdatesEqualAFreshBuild) {
  std::mt19937_64 rng(11);
  SharedTree tree;
  std::vector<Word> leaves;
  for (int step = 0; step < 300; ++step) {
    Word w{};
    for (auto& b : w) b = static_cast<std::uint8_t>(rng());
    if (leaves.empty() || rng() % 3 == 0) {
      leaves.push_back(w);
      tree.push(w);
    } else {
      const std::size_t i = rng() % leaves.size();
      leaves[i] = w;
      ASSERT_TRUE(tree.update(i, w).ok());
    }
    ASSERT_EQ(tree.root(), padded_root(leaves)) << "step " << step;
    const SharedTree bulk = SharedTree::from_leaves(leaves);
    ASSERT_EQ(bulk.root(), tree.root()) << "step " << step;
    ASSERT_EQ(*bulk.path(leaves.size() - 1), *tree.path(leaves.size() - 1));
  }
  EXPECT_EQ(tree.update(leaves.size(), kZeroWord).code(), absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace zkr::merkle

#include "merkle/log_tree.hpp"

#include <gtest/gtest.h>

#include <random>

#include "merkle/keccak.hpp"
#include "tests/support/vectors.hpp"

namespace zkr::merkle {
namespace {

using testing::vectors;

std::vector<Word> vector_leaves(std::size_t n) {  // the vectors' rule: leaf i = keccak(be32(i))
  std::vector<Word> leaves(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Word w = be32(i);
    leaves[i] = keccak256(ByteSpan(w));
  }
  return leaves;
}

// A deliberately naive reference: all 16384 slots, every node hashed.
Word full_tree_root(const std::vector<Word>& leaves) {
  std::vector<Word> level(kLogTreeLeaves, kDefaultLogLeaf);
  std::copy(leaves.begin(), leaves.end(), level.begin());
  while (level.size() > 1) {
    std::vector<Word> up(level.size() / 2);
    for (std::size_t i = 0; i < up.size(); ++i) up[i] = hash_pair(level[2 * i], level[2 * i + 1]);
    level.swap(up);
  }
  return level[0];
}

TEST(LogTree, ReproducesEveryVectorRootAndPath) {
  const auto& cases = vectors().at("log_trees").at("cases").as_array();
  ASSERT_GE(cases.size(), 7U);
  for (const auto& c : cases) {
    const std::size_t n = testing::number(c.at("n"));
    const auto tree = LogTree::build(vector_leaves(n));
    ASSERT_TRUE(tree.ok()) << tree.status();
    EXPECT_EQ(tree->size(), n);
    EXPECT_EQ(to_hex(tree->root()), c.at("root").as_string()) << "n=" << n;
    for (const auto& p : c.at("paths").as_array()) {
      const std::size_t index = testing::number(p.at("index"));
      const auto path = tree->path(index);
      ASSERT_TRUE(path.ok()) << path.status();
      const std::vector<Word> expected = testing::words(p.at("path"));
      ASSERT_EQ(expected.size(), kLogTreeDepth);
      for (std::size_t k = 0; k < kLogTreeDepth; ++k) {
        EXPECT_EQ(to_hex((*path)[k]), to_hex(expected[k]))
            << "n=" << n << " index=" << index << " k=" << k;
      }
    }
  }
}

TEST(LogTree, EmptyBatchRootIsZ14) {
  const auto tree = LogTree::build({});
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->root(), kLogTreeZeros[kLogTreeDepth]);
  EXPECT_EQ(tree->path(0).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(LogTree, AgreesWithANaiveFullTreeForRandomSizes) {
  std::mt19937_64 rng(7);
  for (std::size_t n : {1UL, 2UL, 5UL, 64UL, 127UL, 1023UL, 4097UL}) {
    std::vector<Word> leaves(n);
    for (auto& l : leaves)
      for (auto& b : l) b = static_cast<std::uint8_t>(rng());
    const auto tree = LogTree::build(leaves);
    ASSERT_TRUE(tree.ok());
    EXPECT_EQ(tree->root(), full_tree_root(leaves)) << n;
  }
}

TEST(LogTree, RejectsMoreThan16384LogsAndOutOfRangePaths) {
  const std::vector<Word> too_many(kLogTreeLeaves + 1);
  const auto status = LogTree::build(too_many).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("16384"), std::string::npos);
  const auto tree = LogTree::build(vector_leaves(3));
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->path(3).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_TRUE(tree->path(2).ok());
}

}  // namespace
}  // namespace zkr::merkle

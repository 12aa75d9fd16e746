#include "merkle/verifier.hpp"

#include <gtest/gtest.h>

#include <map>

#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "tests/support/vectors.hpp"

namespace zkr::merkle {
namespace {

using testing::vectors;

struct PublishedCase {
  std::string name;
  std::uint64_t chain_id, number, index;
  Word leaf;
  std::vector<Word> proof;
  std::map<std::pair<Word, Word>, Word> roots;
};

std::vector<PublishedCase> published_cases() {
  std::vector<PublishedCase> out;
  for (const auto& v : vectors().at("published_verifier_vectors").as_array()) {
    PublishedCase c;
    c.name = std::string(v.at("name").as_string());
    c.chain_id = testing::number(v.at("chainId"));
    c.number = testing::number(v.at("number"));
    c.index = testing::number(v.at("index"));
    c.leaf = v.as_object().contains("log")
                 ? log_leaf_hash(testing::log(v.at("log")))
                 : log_leaf_hash(message_to_log(testing::message(v.at("message"))));
    c.proof = testing::words(v.at("proof"));
    for (const auto& r : v.at("roots").as_array()) {
      c.roots[{be32(testing::number(r.at("chainId"))), be32(testing::number(r.at("number")))}] =
          testing::word(r.at("root"));
    }
    out.push_back(std::move(c));
  }
  return out;
}

SettledRootLookup lookup_in(const std::map<std::pair<Word, Word>, Word>& roots) {
  return [&roots](const Word& chain, const Word& number) -> std::optional<Word> {
    const auto it = roots.find({chain, number});
    if (it == roots.end()) return std::nullopt;
    return it->second;
  };
}

absl::Status verify(const PublishedCase& c, const std::vector<Word>& proof) {
  return verify_leaf(be32(c.chain_id), be32(c.number), be32(c.index), c.leaf, proof,
                     lookup_in(c.roots));
}

TEST(Verifier, AcceptsEveryPublishedVector) {
  const auto cases = published_cases();
  ASSERT_EQ(cases.size(), 3U);
  for (const auto& c : cases)
    EXPECT_TRUE(verify(c, c.proof).ok()) << c.name << ": " << verify(c, c.proof);
}

TEST(Verifier, PublishedMessageVectorGoesThroughTheMessageForm) {
  for (const auto& v : vectors().at("published_verifier_vectors").as_array()) {
    if (!v.as_object().contains("message")) continue;
    std::map<std::pair<Word, Word>, Word> roots;
    for (const auto& r : v.at("roots").as_array())
      roots[{be32(testing::number(r.at("chainId"))), be32(testing::number(r.at("number")))}] =
          testing::word(r.at("root"));
    const auto status =
        verify_message(testing::number(v.at("chainId")), testing::number(v.at("number")),
                       testing::number(v.at("index")), testing::message(v.at("message")),
                       testing::words(v.at("proof")), lookup_in(roots));
    EXPECT_TRUE(status.ok()) << status;
  }
}

TEST(Verifier, RejectsEverySingleWordFlipOfPublishedVectors) {
  for (const auto& c : published_cases()) {
    for (std::size_t w = 0; w < c.proof.size(); ++w) {
      for (const auto& [byte, bit] : {std::pair{31, 0}, std::pair{0, 7}, std::pair{16, 3}}) {
        std::vector<Word> mutated = c.proof;
        mutated[w][byte] ^= static_cast<std::uint8_t>(1U << bit);
        EXPECT_FALSE(verify(c, mutated).ok()) << c.name << " word " << w << " byte " << byte;
      }
    }
    // The claimed leaf, index and number are bound too.
    PublishedCase other = c;
    other.index ^= 1;
    EXPECT_FALSE(verify(other, c.proof).ok()) << c.name;
    other = c;
    other.leaf[5] ^= 1;
    EXPECT_FALSE(verify(other, c.proof).ok()) << c.name;
  }
}

TEST(Verifier, DoubleProofWalksThroughTheGateway) {
  const auto cases = published_cases();
  const auto& c = cases[1];
  const auto claim =
      compute_root_claim(be32(c.chain_id), be32(c.number), be32(c.index), c.leaf, c.proof);
  ASSERT_TRUE(claim.ok()) << claim.status();
  ASSERT_EQ(claim->nodes.size(), 2U);
  EXPECT_EQ(claim->chain_id, be32(506));
  EXPECT_EQ(claim->number, be32(243));
  // DERIVED intermediates from the spec (§8.1 a.2).
  EXPECT_EQ(to_hex(claim->nodes[0].batch_root),
            "0x181c96b9dbd41a7282dca82e5adc01e6a3cb628e3e8e72e767927edf84d5a4d2");
  EXPECT_EQ(to_hex(claim->nodes[0].chain_root),
            "0x932dbd1bab82f452eee071fb8ed29a7339b8e0824f972ea11255312ba836c65b");
  EXPECT_EQ(to_hex(claim->nodes[1].leaf),
            "0xb5962775f5dcea758209620acb288648010241f89102ad0b836260c6b6e76f58");
  VerifierOptions v31;
  v31.max_settlement_layers = 1;
  EXPECT_TRUE(
      compute_root_claim(be32(c.chain_id), be32(c.number), be32(c.index), c.leaf, c.proof, v31)
          .ok());
  v31.max_settlement_layers = 0;
  const auto deep =
      compute_root_claim(be32(c.chain_id), be32(c.number), be32(c.index), c.leaf, c.proof, v31);
  EXPECT_NE(deep.status().message().find("DepthMoreThanOneForRecursiveMerkleProof"),
            std::string::npos);
}

void expect_revert(const absl::Status& status, std::string_view name) {
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(to_std(status.message()).substr(0, name.size()), name) << status;
}

TEST(Verifier, MirrorsEveryRevertCondition) {
  const auto cases = published_cases();
  const auto& c = cases[0];  // meta(1, 3, 0, 1) + 3 words
  const auto claim = [&](const Word& leaf, const Word& index, const std::vector<Word>& proof) {
    return compute_root_claim(be32(c.chain_id), be32(c.number), index, leaf, proof).status();
  };
  expect_revert(claim(c.leaf, be32(c.index), {}), "MerklePathEmpty");
  expect_revert(claim(kDefaultLogLeaf, be32(c.index), c.proof), "HashedLogIsDefault");

  std::vector<Word> p = c.proof;
  p[0][0] = 2;
  expect_revert(claim(c.leaf, be32(c.index), p), "UnsupportedProofMetadataVersion");
  p = c.proof;
  p[0][2] = 1;  // final node with a batch path
  expect_revert(claim(c.leaf, be32(c.index), p), "InvalidProofLengthForFinalNode");
  expect_revert(claim(c.leaf, be32(8), c.proof), "MerkleIndexOutOfBounds");  // 3 words: index < 8
  p = c.proof;
  p[0][1] = 9;  // claims more path words than there are
  expect_revert(claim(c.leaf, be32(c.index), p), "ProofTooShort");

  // Legacy format: bytes 4..31 of proof[0] non-zero make the whole array one path.
  const std::vector<Word> legacy(256, be32(12345));
  expect_revert(claim(c.leaf, be32(0), legacy), "MerklePathOutOfBounds");
  const std::vector<Word> legacy_ok(15, be32(12345));
  const auto legacy_claim = compute_root_claim(be32(1), be32(2), be32(3), c.leaf, legacy_ok);
  ASSERT_TRUE(legacy_claim.ok());
  EXPECT_EQ(legacy_claim->nodes.size(), 1U);

  // A zero settled root never verifies (interopRoots unset).
  std::map<std::pair<Word, Word>, Word> zero_roots = c.roots;
  for (auto& [key, root] : zero_roots) root = kZeroWord;
  const auto status = verify_leaf(be32(c.chain_id), be32(c.number), be32(c.index), c.leaf, c.proof,
                                  lookup_in(zero_roots));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
}

TEST(Verifier, CalculateRootHashesInContractOrder) {
  const Word leaf = be32(1), a = be32(2), b = be32(3);
  const std::vector<Word> path{a, b};
  // index 2 = 0b10: first step leaf is the left child, second step the right child.
  EXPECT_EQ(*calculate_root(path, be32(2), leaf), hash_pair(b, hash_pair(leaf, a)));
  EXPECT_EQ(*calculate_root({}, be32(0), leaf), leaf);
  expect_revert(calculate_root({}, be32(1), leaf).status(), "MerkleIndexOutOfBounds");
}

}  // namespace
}  // namespace zkr::merkle

#include "merkle/proof.hpp"

#include <gtest/gtest.h>

#include "merkle/verifier.hpp"

namespace zkr::merkle {
namespace {

TEST(ProofMetadata, EncodesAndParsesTheFourBytes) {
  const Word w =
      encode_metadata({.log_leaf_proof_len = 15, .batch_leaf_proof_len = 2, .final_node = false});
  EXPECT_EQ(to_hex(w), "0x010f020000000000000000000000000000000000000000000000000000000000");
  const std::vector<Word> proof{w};
  const auto parsed = parse_metadata(proof);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->legacy);
  EXPECT_EQ(parsed->body_start, 1U);
  EXPECT_EQ(parsed->meta, (ProofMetadata{1, 15, 2, false}));
  EXPECT_EQ(to_hex(encode_metadata({.log_leaf_proof_len = 3, .final_node = true})).substr(0, 10),
            "0x01030001");
}

TEST(ProofMetadata, PacksNumberHighAndMaskLow) {
  EXPECT_EQ(to_hex(encode_packed_number_mask(0xf3, 1)),
            "0x000000000000000000000000000000f300000000000000000000000000000001");
}

TEST(ProofBuilders, ShapeLengthsFollowTheSpec) {
  LogProofPart log;
  for (std::size_t k = 0; k < log.log_path.size(); ++k) log.log_path[k] = be32(k + 1);
  log.aggregated_root = be32(99);
  EXPECT_EQ(build_shape_a(log).size(), 16U);
  GatewayProofPart gw{.batch_leaf_index = 2,
                      .chain_path = {be32(7), be32(8)},
                      .chain_index = 3,
                      .shared_path = {be32(9), be32(10)},
                      .gateway_chain_id = 506};
  const auto c = build_shape_c(log, gw, 12);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->size(), 1 + 15 + 1 + 2 + 2 + 1 + 2U);
  EXPECT_EQ((*c)[19], encode_packed_number_mask(12, 3));
  const auto b = build_shape_b(log, gw, 2, be32(5));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->size(), c->size() + 1);
  EXPECT_EQ((*b)[19], encode_packed_number_mask(2, 3 | 4));
  EXPECT_EQ(b->back(), be32(5));
  EXPECT_EQ((*b)[21], encode_metadata({.log_leaf_proof_len = 3, .final_node = true}));
}

TEST(ProofBuilders, RejectIndicesThatDoNotFitTheirPaths) {
  LogProofPart log;
  GatewayProofPart gw{.batch_leaf_index = 4,
                      .chain_path = {be32(7), be32(8)},
                      .chain_index = 0,
                      .shared_path = {},
                      .gateway_chain_id = 506};
  EXPECT_EQ(build_shape_c(log, gw, 1).status().code(), absl::StatusCode::kInvalidArgument);
  gw.batch_leaf_index = 3;
  gw.chain_index = 1;  // D = 0 admits only index 0
  const auto status = build_shape_b(log, gw, 1, kZeroWord).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("shared tree"), std::string::npos);
  gw.chain_path.assign(256, kZeroWord);
  gw.chain_index = 0;
  EXPECT_EQ(build_shape_c(log, gw, 1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace zkr::merkle

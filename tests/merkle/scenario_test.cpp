// Replays vectors.json's multi-chain scenario with the merkle primitives alone: every chain batch
// root, every Gateway block's shared root, every Gateway batch root, and every listed proof.

#include <gtest/gtest.h>

#include <map>

#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/log_tree.hpp"
#include "merkle/message_root.hpp"
#include "merkle/proof.hpp"
#include "merkle/verifier.hpp"
#include "tests/support/vectors.hpp"

namespace zkr::merkle {
namespace {

using testing::number;
using testing::vectors;

constexpr std::uint64_t kGateway = 506;

struct ChainBatch {
  LogTree tree;
  Word aggregated_root;
  Word chain_batch_root;
};

// The Gateway as the spec describes it, driven block by block.
struct GatewayState {
  SharedTree shared;
  std::map<std::uint64_t, std::size_t> chain_index;
  std::map<std::uint64_t, ChainTree> chain_trees;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t>
      batch_leaf_index;  // (chain, batch)

  void register_chain(std::uint64_t chain) {
    chain_index[chain] = shared.push(chain_id_leaf(kZeroWord, chain));
    chain_trees[chain];
  }
  void execute(std::uint64_t chain, std::uint64_t batch, const Word& chain_batch_root) {
    if (!chain_index.contains(chain)) register_chain(chain);
    ChainTree& tree = chain_trees[chain];
    batch_leaf_index[{chain, batch}] = tree.size();
    tree.append(batch_leaf(chain_batch_root, batch));
    ASSERT_TRUE(shared.update(chain_index[chain], chain_id_leaf(tree.root(), chain)).ok());
  }
};

// What a proof needs from the state at the end of one Gateway block.
struct BlockSnapshot {
  SharedTree shared;
  std::map<std::uint64_t, std::size_t> chain_tree_sizes;
  std::map<std::uint64_t, std::size_t> chain_index;
};

class Scenario : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& s = vectors().at("scenario").as_object();
    for (const auto& [chain_key, chain] : s.at("chains").as_object()) {
      const std::uint64_t chain_id = std::stoull(std::string(chain_key));
      for (const auto& b : chain.at("batches").as_array()) {
        std::vector<Word> leaves;
        for (const auto& m : b.at("messages").as_array())
          leaves.push_back(log_leaf_hash(message_to_log(testing::message(m))));
        auto tree = LogTree::build(leaves);
        ASSERT_TRUE(tree.ok());
        // Every chain in the scenario aggregates only itself: chainIdLeaf(0x00, chainId).
        const Word agg = chain_id_leaf(kZeroWord, chain_id);
        batches_[{chain_id, number(b.at("batchNumber"))}] =
            ChainBatch{*tree, agg, hash_pair(tree->root(), agg)};
      }
    }
    gateway_.register_chain(kGateway);
    for (const auto& chain : {270, 271}) gateway_.register_chain(chain);  // from genesis
    for (const auto& block : s.at("gateway").at("blocks").as_array()) {
      const std::uint64_t n = number(block.at("number"));
      for (const auto& e : block.at("executes").as_array()) {
        const std::uint64_t chain = number(e.at("chainId")), batch = number(e.at("batchNumber"));
        gateway_.execute(chain, batch, batches_.at({chain, batch}).chain_batch_root);
        executed_in_block_[{chain, batch}] = n;
      }
      BlockSnapshot snap{gateway_.shared, {}, gateway_.chain_index};
      for (const auto& [chain, tree] : gateway_.chain_trees)
        snap.chain_tree_sizes[chain] = tree.size();
      blocks_.emplace(n, std::move(snap));
    }
    for (const auto& b : s.at("gateway").at("batches").as_array()) {
      const std::uint64_t last_block = number(b.at("blocks").as_array().back());
      const Word local_root = kLogTreeZeros[kLogTreeDepth];  // the Gateway emits no logs here
      const Word shared_root = blocks_.at(last_block).shared.root();
      gw_batches_[number(b.at("batchNumber"))] = {last_block, hash_pair(local_root, shared_root)};
      for (const auto& blk : b.at("blocks").as_array())
        block_to_gw_batch_[number(blk)] = number(b.at("batchNumber"));
    }
  }

  GatewayProofPart gateway_part(std::uint64_t chain, std::uint64_t batch,
                                std::uint64_t block) const {
    const BlockSnapshot& snap = blocks_.at(block);
    const std::size_t j = gateway_.batch_leaf_index.at({chain, batch});
    const std::size_t size = snap.chain_tree_sizes.at(chain);
    const std::size_t c = snap.chain_index.at(chain);
    return GatewayProofPart{.batch_leaf_index = j,
                            .chain_path = *gateway_.chain_trees.at(chain).path_at(j, size),
                            .chain_index = c,
                            .shared_path = *snap.shared.path(c),
                            .gateway_chain_id = kGateway};
  }

  std::map<std::pair<std::uint64_t, std::uint64_t>, ChainBatch> batches_;
  GatewayState gateway_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t> executed_in_block_;
  std::map<std::uint64_t, BlockSnapshot> blocks_;
  std::map<std::uint64_t, std::pair<std::uint64_t, Word>>
      gw_batches_;  // number → (last block, root)
  std::map<std::uint64_t, std::uint64_t> block_to_gw_batch_;
};

TEST_F(Scenario, EveryChainBatchRoot) {
  const auto& chains = vectors().at("scenario").at("chains").as_object();
  std::size_t checked = 0;
  for (const auto& [chain_key, chain] : chains) {
    const std::uint64_t chain_id = std::stoull(std::string(chain_key));
    for (const auto& b : chain.at("batches").as_array()) {
      const ChainBatch& got = batches_.at({chain_id, number(b.at("batchNumber"))});
      EXPECT_EQ(to_hex(got.tree.root()), b.at("localRoot").as_string());
      EXPECT_EQ(to_hex(got.aggregated_root), b.at("aggregatedRoot").as_string());
      EXPECT_EQ(to_hex(got.chain_batch_root), b.at("chainBatchRoot").as_string());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 8U);
}

TEST_F(Scenario, EveryGatewayBlockRoot) {
  for (const auto& block : vectors().at("scenario").at("gateway").at("blocks").as_array()) {
    const BlockSnapshot& snap = blocks_.at(number(block.at("number")));
    EXPECT_EQ(to_hex(snap.shared.root()), block.at("sharedRoot").as_string());
    EXPECT_EQ(snap.shared.depth(), number(block.at("sharedDepth")));
    const auto& order = block.at("chainIndexOrder").as_array();
    ASSERT_EQ(snap.shared.size(), order.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      EXPECT_EQ(snap.chain_index.at(number(order[i])), i);
    for (const auto& [chain_key, root] : block.at("chainRoots").as_object()) {
      const std::uint64_t chain = std::stoull(std::string(chain_key));
      const auto size = snap.chain_tree_sizes.at(chain);
      EXPECT_EQ(to_hex(*gateway_.chain_trees.at(chain).root_at(size)), root.as_string()) << chain;
    }
  }
}

TEST_F(Scenario, EveryGatewayBatchRoot) {
  for (const auto& b : vectors().at("scenario").at("gateway").at("batches").as_array()) {
    const auto& [last_block, root] = gw_batches_.at(number(b.at("batchNumber")));
    EXPECT_EQ(to_hex(kLogTreeZeros[kLogTreeDepth]), b.at("localRoot").as_string());
    EXPECT_EQ(to_hex(blocks_.at(last_block).shared.root()), b.at("aggregatedRoot").as_string());
    EXPECT_EQ(to_hex(root), b.at("batchRoot").as_string());
  }
}

TEST_F(Scenario, EveryProofWordForWordAndVerified) {
  const auto& proofs = vectors().at("scenario").at("proofs").as_array();
  ASSERT_EQ(proofs.size(), 13U);
  for (const auto& p : proofs) {
    const std::string shape(p.at("shape").as_string());
    const std::uint64_t chain = number(p.at("chainId")), batch = number(p.at("batchNumber"));
    const std::size_t index = number(p.at("leafIndex"));
    const ChainBatch& cb = batches_.at({chain, batch});
    const L2Message message = testing::message(p.at("message"));
    ASSERT_EQ(cb.tree.leaf(index), log_leaf_hash(message_to_log(message)));
    const LogProofPart log{*cb.tree.path(index), cb.aggregated_root};

    std::vector<Word> built;
    std::map<std::pair<Word, Word>, Word> settled;
    if (shape == "A") {
      built = build_shape_a(log);
      settled[{be32(chain), be32(batch)}] = cb.chain_batch_root;
    } else if (shape == "C") {
      const std::uint64_t block = p.as_object().contains("againstGatewayBlock")
                                      ? number(p.at("againstGatewayBlock"))
                                      : executed_in_block_.at({chain, batch});
      built = *build_shape_c(log, gateway_part(chain, batch, block), block);
      settled[{be32(kGateway), be32(block)}] = blocks_.at(block).shared.root();
    } else {
      ASSERT_EQ(shape, "B");
      const std::uint64_t gw_batch = block_to_gw_batch_.at(executed_in_block_.at({chain, batch}));
      const auto& [last_block, gw_root] = gw_batches_.at(gw_batch);
      built = *build_shape_b(log, gateway_part(chain, batch, last_block), gw_batch,
                             kLogTreeZeros[kLogTreeDepth]);
      settled[{be32(kGateway), be32(gw_batch)}] = gw_root;
    }
    const auto expected = testing::words(p.at("proof"));
    ASSERT_EQ(built.size(), expected.size())
        << shape << " " << chain << "/" << batch << "/" << index;
    for (std::size_t w = 0; w < built.size(); ++w) {
      EXPECT_EQ(to_hex(built[w]), to_hex(expected[w]))
          << shape << " " << chain << "/" << batch << " word " << w;
    }
    // The settled root the simulation produced is the one the vectors expect, and the proof
    // verifies.
    const auto& er = p.at("expectedRoot");
    ASSERT_EQ(settled.size(), 1U);
    EXPECT_EQ(settled.begin()->first,
              std::make_pair(be32(number(er.at("chainId"))), be32(number(er.at("number")))));
    EXPECT_EQ(to_hex(settled.begin()->second), er.at("root").as_string());
    const auto status = verify_message(chain, batch, index, message, built,
                                       [&](const Word& c, const Word& n) -> std::optional<Word> {
                                         const auto it = settled.find({c, n});
                                         if (it == settled.end()) return std::nullopt;
                                         return it->second;
                                       });
    EXPECT_TRUE(status.ok()) << status;
  }
}

}  // namespace
}  // namespace zkr::merkle

// Replays vectors.json's scenario through the real engine (ingestion, the Gateway lifecycle,
// 272's migration, Gateway batches) on a SQLite file, and checks every listed root and proof word
// for word, before and after reopening the database.

#include <gtest/gtest.h>

#include "merkle/verifier.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/vectors.hpp"

namespace zkr::router {
namespace {

using settlement::SettlementLayer;
using testing::number;
using testing::vectors;

void ingest(Engine& e, std::uint64_t chain, std::uint64_t batch) {
  const auto r = e.ingest(testing::scenario_batch(chain, batch));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->duplicate);
}

void replay_scenario(Engine& e) {
  ASSERT_NO_THROW(testing::replay_scenario(e));
  // Where the vectors say each batch was executed.
  for (const auto& block : vectors().at("scenario").at("gateway").at("blocks").as_array()) {
    for (const auto& ex : block.at("executes").as_array()) {
      EXPECT_EQ(e.batch(number(ex.at("chainId")), number(ex.at("batchNumber")))->executed_block,
                number(block.at("number")));
    }
  }
}

void expect_every_value(const Engine& e) {
  const auto& s = vectors().at("scenario").as_object();
  for (const auto& [chain_key, chain] : s.at("chains").as_object()) {
    for (const auto& b : chain.at("batches").as_array()) {
      const auto info = e.batch(std::stoull(std::string(chain_key)), number(b.at("batchNumber")));
      ASSERT_TRUE(info.has_value());
      EXPECT_EQ(merkle::to_hex(info->chain_batch_root), b.at("chainBatchRoot").as_string());
      EXPECT_EQ(merkle::to_hex(info->local_root), b.at("localRoot").as_string());
      EXPECT_EQ(info->layer, std::string(b.at("settlesOn").as_string()) == "L1"
                                 ? SettlementLayer::kL1
                                 : SettlementLayer::kGateway);
    }
  }
  for (const auto& block : s.at("gateway").at("blocks").as_array()) {
    const auto root = e.interop_root(number(block.at("number")));
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(merkle::to_hex(*root), block.at("sharedRoot").as_string());
  }
  for (const auto& g : s.at("gateway").at("batches").as_array()) {
    const auto gb = e.gateway_batch(number(g.at("batchNumber")));
    ASSERT_TRUE(gb.has_value());
    EXPECT_EQ(merkle::to_hex(gb->batch_root), g.at("batchRoot").as_string());
    EXPECT_EQ(gb->first_block, number(g.at("blocks").as_array().front()));
    EXPECT_EQ(gb->last_block, number(g.at("blocks").as_array().back()));
  }
  for (const auto& p : s.at("proofs").as_array()) {
    const MessageId id{number(p.at("chainId")), number(p.at("batchNumber")),
                       number(p.at("leafIndex"))};
    const std::string shape(p.at("shape").as_string());
    std::optional<std::uint64_t> against;
    if (p.as_object().contains("againstGatewayBlock"))
      against = number(p.at("againstGatewayBlock"));
    const auto proof =
        e.proof(id, shape == "C" ? ProofTarget::kGateway : ProofTarget::kL1, against);
    ASSERT_TRUE(proof.ok()) << id.to_string() << ": " << proof.status();
    EXPECT_STREQ(shape_name(proof->shape), shape.c_str());
    const auto expected = testing::words(p.at("proof"));
    ASSERT_EQ(proof->proof.size(), expected.size()) << id.to_string();
    for (std::size_t w = 0; w < expected.size(); ++w) {
      EXPECT_EQ(merkle::to_hex(proof->proof[w]), merkle::to_hex(expected[w]))
          << id.to_string() << " word " << w;
    }
    const auto& er = p.at("expectedRoot");
    EXPECT_EQ(proof->settled_chain_id, number(er.at("chainId")));
    EXPECT_EQ(proof->settled_number, number(er.at("number")));
    EXPECT_EQ(merkle::to_hex(proof->settled_root), er.at("root").as_string());
    // The message stored for the id is the one the vectors list.
    const auto row = e.message(id);
    ASSERT_TRUE(row.ok());
    EXPECT_EQ(*row->body, testing::message(p.at("message")).data);
  }
}

TEST(ScenarioEngine, EveryRootAndProofOnDiskAndAfterReopening) {
  testing::TempDir dir;
  const std::string path = dir.database("zkrouter.db");
  {
    auto engine = testing::open_engine(path);
    replay_scenario(*engine);
    expect_every_value(*engine);
  }
  auto reopened = testing::open_engine(path);
  expect_every_value(*reopened);
}

TEST(ScenarioEngine, ProofsByTransactionHashMatchProofsById) {
  testing::TempDir dir;
  auto engine = testing::open_engine(dir.database("zkrouter.db"));
  replay_scenario(*engine);
  const auto row = engine->message({270, 3, 4});
  ASSERT_TRUE(row.ok());
  const auto by_tx = engine->proof_by_tx(row->tx_hash, 0, ProofTarget::kGateway);
  const auto by_id = engine->proof({270, 3, 4}, ProofTarget::kGateway);
  ASSERT_TRUE(by_tx.ok() && by_id.ok());
  EXPECT_EQ(by_tx->proof, by_id->proof);
  EXPECT_EQ(engine->proof_by_tx(row->tx_hash, 1, ProofTarget::kGateway).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ScenarioEngine, ProofsThatCannotExistYetSayWhatTheyWaitFor) {
  testing::TempDir dir;
  auto engine = testing::open_engine(dir.database("zkrouter.db"));
  ASSERT_TRUE(testing::launch_chain(*engine, 270).ok());
  ingest(*engine, 270, 1);
  const MessageId id{270, 1, 0};
  auto p = engine->proof(id, ProofTarget::kGateway);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(p.status().message().find(
                "batch 1 of chain 270 is recorded on the Gateway, waiting for execution"),
            std::string::npos)
      << p.status();
  ASSERT_TRUE(engine->commit_batch(270, 1).ok());
  ASSERT_TRUE(engine->prove_batch(270, 1, testing::validity_proof(*engine, 270, 1)).ok());
  p = engine->proof(id, ProofTarget::kGateway);
  EXPECT_NE(
      p.status().message().find("is proven on the Gateway, waiting for execution on the Gateway"),
      std::string::npos)
      << p.status();
  ASSERT_TRUE(engine->execute_batch(270, 1).ok());
  p = engine->proof(id, ProofTarget::kGateway);
  EXPECT_NE(p.status().message().find("waiting for that block to be sealed"), std::string::npos)
      << p.status();
  auto status = engine->status(id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->status, "batch_executed");
  ASSERT_TRUE(engine->seal_block().ok());
  EXPECT_TRUE(engine->proof(id, ProofTarget::kGateway).ok());
  p = engine->proof(id, ProofTarget::kL1);
  EXPECT_NE(p.status().message().find("waiting for the Gateway batch"), std::string::npos)
      << p.status();
  status = engine->status(id);
  EXPECT_EQ(status->status, "gateway_final");
  ASSERT_TRUE(engine->seal_gateway_batch().ok());
  EXPECT_TRUE(engine->proof(id, ProofTarget::kL1).ok());
  status = engine->status(id);
  EXPECT_EQ(status->status, "gateway_batch_sealed");
  std::vector<std::string> stages;
  for (const auto& t : status->timeline) stages.push_back(t.stage);
  // The chain launched on L1 and migrated to the Gateway from batch 1: its timeline says so.
  EXPECT_EQ(stages,
            (std::vector<std::string>{"message_recorded", "chain_migrated", "batch_recorded",
                                      "batch_committed", "batch_proven", "batch_executed",
                                      "gateway_block_sealed", "gateway_batch_sealed"}));
  EXPECT_EQ(engine->proof(id, ProofTarget::kGateway, 9).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine->proof(id, ProofTarget::kGateway, 11).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace zkr::router

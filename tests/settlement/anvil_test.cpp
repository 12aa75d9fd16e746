// L1 submission against a real Ethereum node: anvil, started by the test (the npm package
// @foundry-rs/anvil-linux-amd64, installed by scripts/test; its path comes in ZKR_ANVIL).
// Gateway batches are committed, proven and executed on it and followed to the `finalized` tag;
// a stuck transaction is replaced with a higher fee; a restart between persisting and sending
// does not send twice; a snapshot revert (a reorg) rolls stages back and the transactions are
// resent. Every transaction is read back from the node and compared with what was meant.

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "api/server.hpp"
#include "merkle/keccak.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"
#include "settlement/ethereum/eth_tx.hpp"
#include "settlement/ethereum/l1_calls.hpp"
#include "settlement/ethereum/l1_submitter.hpp"
#include "settlement/ethereum/settlement_contract.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/l1_chain.hpp"
#include "tests/support/rpc_client.hpp"

namespace zkr::settlement {
namespace {

namespace json = boost::json;

using testing::kAnvilKey;

using testing::settlement_address;

class AnvilSettlement : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_anvil())
      GTEST_SKIP() << "anvil not installed: run scripts/test, which installs it";
    anvil_ = std::make_unique<testing::Anvil>(testing::anvil_binary());
    ASSERT_NE(anvil_->port(), 0) << "anvil did not start";
    client_ = *EthRpcClient::create("http://127.0.0.1:" + std::to_string(anvil_->port()));
    // The settlement contract (contracts/L1Settlement.sol), checking the Gateway's signature.
    const auto installed =
        testing::install_settlement_contract(*client_, testing::test_gateway_key()->address());
    ASSERT_TRUE(installed.ok()) << installed.status()
                                << " (ZKR_CONTRACTS_DIR: " << testing::contracts_dir() << ")";
    engine_ = testing::open_engine(dir_.file("zkrouter.db"), 1);
    for (const std::uint64_t chain : {270, 271})
      ASSERT_TRUE(testing::launch_chain(*engine_, chain).ok());
    for (std::uint64_t b = 1; b <= 3; ++b) {
      for (const std::uint64_t chain : {270, 271}) {
        ASSERT_TRUE(engine_->ingest(testing::generated_batch(chain, b, 4, b)).ok());
        testing::settle_batch(*engine_, chain, b);
      }
      ASSERT_TRUE(engine_->seal_block().ok());
      ASSERT_TRUE(engine_->seal_gateway_batch().ok());
    }
  }

  std::unique_ptr<L1Submitter> submitter(SubmitterConfig config = {}) {
    config.settlement_address = settlement_address();
    return std::make_unique<L1Submitter>(
        config, *client_, *secp256k1::PrivateKey::from_hex(kAnvilKey),
        [this](const auto& body) { return engine_->settle(body); });
  }
  json::value rpc(const std::string& method, json::array params = {}) {
    auto v = client_->call(method, std::move(params));
    EXPECT_TRUE(v.ok()) << method << ": " << v.status();
    return v.ok() ? *v : json::value();
  }
  bool all_final() const {
    for (std::uint64_t n = 1; n <= 3; ++n)
      if (engine_->gateway_batch(n)->l1_stage != L1Stage::kFinal) return false;
    return true;
  }
  // Ticks and mines until `done`.
  template <typename Done>
  bool drive(L1Submitter& s, Done done, int rounds = 80) {
    for (int i = 0; i < rounds && !done(); ++i) {
      const auto r = s.tick();
      EXPECT_TRUE(r.ok()) << r.status();
      rpc("evm_mine");
    }
    return done();
  }
  // Every transaction from the submitter on the canonical chain, decoded from the node's answer.
  std::vector<json::object> our_transactions() {
    auto txs =
        testing::transactions_from(*client_, secp256k1::PrivateKey::from_hex(kAnvilKey)->address());
    EXPECT_TRUE(txs.ok()) << txs.status();
    return txs.ok() ? *txs : std::vector<json::object>{};
  }
  // The node's view of a transaction equals what the submitter signed and recorded.
  void expect_matches_record(const json::object& node_tx, const L1TxRecord& record) {
    const auto meant = eth::decode_signed(record.raw);
    ASSERT_TRUE(meant.ok());
    EXPECT_EQ(node_tx.at("hash").as_string(), merkle::to_hex(record.tx_hash));
    EXPECT_EQ(*parse_quantity(node_tx.at("type")), 2U);
    EXPECT_EQ(*parse_quantity(node_tx.at("chainId")), 31337U);
    EXPECT_EQ(*parse_quantity(node_tx.at("nonce")), meant->tx.nonce);
    EXPECT_EQ(*parse_quantity(node_tx.at("gas")), meant->tx.gas_limit);
    EXPECT_EQ(*parse_quantity(node_tx.at("maxFeePerGas")), meant->tx.max_fee_per_gas);
    EXPECT_EQ(*parse_quantity(node_tx.at("maxPriorityFeePerGas")),
              meant->tx.max_priority_fee_per_gas);
    EXPECT_EQ(*merkle::parse_address(std::string_view(node_tx.at("to").as_string())),
              settlement_address());
    const auto input = merkle::parse_hex(std::string_view(node_tx.at("input").as_string()));
    ASSERT_TRUE(input.ok());
    EXPECT_EQ(*input, meant->tx.data);
    const auto call = l1calls::decode(*input);
    ASSERT_TRUE(call.ok());
    EXPECT_EQ(call->action, record.action);
    EXPECT_EQ(call->first, record.first_batch);
    EXPECT_EQ(call->last, record.last_batch);
    EXPECT_EQ(call->chain_id, 506U);
  }
  void expect_each_action_once() {
    const auto rows = engine_->l1_transactions(1, 3);
    ASSERT_TRUE(rows.ok());
    std::map<std::string, L1TxRecord> live;
    for (const auto& r : *rows)
      if (r.state != L1TxState::kReplaced) live[l1calls::action_name(r.action)] = r;
    const auto txs = our_transactions();
    ASSERT_EQ(txs.size(), 3U) << "one commit, one prove, one execute";
    std::map<std::string, int> seen;
    for (const json::object& tx : txs) {
      const auto call =
          l1calls::decode(*merkle::parse_hex(std::string_view(tx.at("input").as_string())));
      ASSERT_TRUE(call.ok());
      const std::string action = l1calls::action_name(call->action);
      ++seen[action];
      ASSERT_TRUE(live.contains(action));
      expect_matches_record(tx, live.at(action));
    }
    EXPECT_EQ(seen, (std::map<std::string, int>{{"commit", 1}, {"execute", 1}, {"prove", 1}}));
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Anvil> anvil_;
  std::unique_ptr<EthRpcClient> client_;
  std::unique_ptr<router::Engine> engine_;
};

TEST_F(AnvilSettlement, CommitProveExecuteToFinality) {
  auto s = submitter();
  ASSERT_TRUE(drive(*s, [&] { return all_final(); }));
  expect_each_action_once();
  const auto rows = engine_->l1_transactions(1, 3);
  for (const auto& r : *rows) {
    EXPECT_EQ(r.state, L1TxState::kFinal);
    const json::value receipt = rpc("eth_getTransactionReceipt", {merkle::to_hex(r.tx_hash)});
    EXPECT_EQ(*parse_quantity(receipt.at("status")), 1U);
    EXPECT_EQ(*parse_quantity(receipt.at("blockNumber")), *r.block_number);
    EXPECT_EQ(*parse_quantity(receipt.at("gasUsed")), *r.gas_used);
    EXPECT_LE(*r.block_number, *client_->finalized());
  }
  EXPECT_EQ(engine_->status({270, 2, 0})->status, "l1_final");
  // The contract's state, read back from the node: every Gateway batch executed, each root the
  // router's, and one BlockExecution event per batch.
  const auto state = contract::read_state(*client_, settlement_address());
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->settling_chain_id, 506U);
  EXPECT_EQ(state->proof_signer, testing::test_gateway_key()->address());
  EXPECT_EQ(state->committed, 3U);
  EXPECT_EQ(state->verified, 3U);
  EXPECT_EQ(state->executed, 3U);
  const json::value logs =
      rpc("eth_getLogs",
          {json::object{{"address", merkle::to_hex(settlement_address())},
                        {"fromBlock", "0x0"},
                        {"topics", json::array{merkle::to_hex(merkle::keccak256(
                                       std::string_view("BlockExecution(uint256,bytes32)")))}}}});
  ASSERT_EQ(logs.as_array().size(), 3U) << logs;
  for (std::uint64_t n = 1; n <= 3; ++n) {
    const merkle::Word root = engine_->gateway_batch(n)->batch_root;
    EXPECT_EQ(*contract::l2_logs_root_hash(*client_, settlement_address(), n), root);
    const json::array& topics = logs.as_array()[n - 1].at("topics").as_array();
    EXPECT_EQ(topics[1].as_string(), merkle::to_hex(merkle::be32(n)));
    EXPECT_EQ(topics[2].as_string(), merkle::to_hex(root));
  }
  EXPECT_EQ(*contract::l2_logs_root_hash(*client_, settlement_address(), 4), merkle::Word{});

  // The cost ledger puts the receipts' gas beside the model: each call covered Gateway batches
  // 1..3, so each batch's share is a third of it.
  api::ServerOptions options;
  options.port = 0;
  api::Server server(*engine_, options);
  const auto port = server.start();
  ASSERT_TRUE(port.ok()) << port.status();
  const json::value cost =
      testing::rpc_http(*port, "zkr_getCostReport", json::object{{"gatewayBatch", 2}});
  ASSERT_TRUE(cost.as_object().contains("result")) << cost;
  std::uint64_t total = 0;
  for (const auto& r : *rows) {
    ASSERT_EQ(r.first_batch, 1U);
    ASSERT_EQ(r.last_batch, 3U);
    const std::uint64_t share =
        *parse_quantity(
            rpc("eth_getTransactionReceipt", {merkle::to_hex(r.tx_hash)}).at("gasUsed")) /
        3;
    EXPECT_EQ(cost.at("result").at("measuredGas").at(l1calls::action_name(r.action)), share);
    total += share;
  }
  EXPECT_EQ(cost.at("result").at("measuredGas").at("total"), total);

  // The router's L1 proofs (shape B) of every message verify through the contract's view against
  // those roots; with one word changed, or the wrong message, they do not.
  int checked = 0;
  for (const std::uint64_t chain : {270, 271}) {
    for (std::uint64_t b = 1; b <= 3; ++b) {
      for (std::uint64_t i = 0; i < 4; ++i) {
        const router::MessageId id{chain, b, i};
        const auto row = engine_->message(id);
        const auto proof = engine_->proof(id, router::ProofTarget::kL1);
        ASSERT_TRUE(row.ok() && proof.ok()) << proof.status();
        if (!row->sender) continue;  // a log, not a message
        const merkle::L2Message m{.tx_number_in_batch = row->log.tx_number_in_batch,
                                  .sender = *row->sender,
                                  .data = *row->body};
        const auto verified = contract::proves_message(*client_, settlement_address(), chain, b,
                                                       proof->leaf_index, m, proof->proof);
        ASSERT_TRUE(verified.ok()) << verified.status();
        EXPECT_TRUE(*verified) << chain << ":" << b << ":" << i;
        std::vector<merkle::Word> damaged = proof->proof;
        damaged[(i + b) % damaged.size()][7] ^= 0x10;
        const auto refused = contract::proves_message(*client_, settlement_address(), chain, b,
                                                      proof->leaf_index, m, damaged);
        EXPECT_FALSE(refused.ok() && *refused) << chain << ":" << b << ":" << i;
        merkle::L2Message other = m;
        other.data.push_back(1);
        EXPECT_FALSE(*contract::proves_message(*client_, settlement_address(), chain, b,
                                               proof->leaf_index, other, proof->proof));
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 12);
}

TEST_F(AnvilSettlement, AStuckTransactionIsReplacedWithAHigherFee) {
  rpc("evm_setAutomine", {false});
  auto s = submitter({.stuck_after = std::chrono::milliseconds(1)});
  const auto first = s->tick();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->sent, 1);
  // The base fee jumps past what the commit offers: it stays in the pool through a block.
  rpc("anvil_setNextBlockBaseFeePerGas", {"0x2540be400"});  // 10 gwei
  rpc("evm_mine");
  EXPECT_TRUE(our_transactions().empty());
  int bumped = 0;
  for (int i = 0; i < 10 && our_transactions().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto r = s->tick();
    ASSERT_TRUE(r.ok()) << r.status();
    bumped += r->bumped;
    rpc("evm_mine");
  }
  EXPECT_GE(bumped, 1);
  const auto rows = engine_->l1_transactions(1, 3);
  ASSERT_GE(rows->size(), 2U);
  EXPECT_EQ(rows->front().state, L1TxState::kReplaced);
  EXPECT_GT(rows->back().max_fee_per_gas, rows->front().max_fee_per_gas);
  // The replaced transaction is never mined.
  EXPECT_TRUE(rpc("eth_getTransactionReceipt", {merkle::to_hex(rows->front().tx_hash)}).is_null());
  ASSERT_TRUE(drive(*s, [&] { return all_final(); }));
  expect_each_action_once();
}

TEST_F(AnvilSettlement, ARestartInTheMiddleDoesNotSendTwice) {
  {
    auto s = submitter();
    ASSERT_TRUE(s->tick().ok());  // commit sent and mined (automine)
    rpc("evm_mine");
    ASSERT_TRUE(s->tick().ok());  // commit included; prove persisted …
    s->skip_next_send_for_test();
    ASSERT_TRUE(s->tick().ok());  // … and the process "dies" before sending it
  }
  engine_.reset();
  engine_ = testing::open_engine(dir_.file("zkrouter.db"), 1);
  auto s = submitter();
  ASSERT_TRUE(drive(*s, [&] { return all_final(); }));
  expect_each_action_once();
  EXPECT_EQ(*client_->nonce(secp256k1::PrivateKey::from_hex(kAnvilKey)->address()), 3U);
}

TEST_F(AnvilSettlement, AReorgRollsBackAndResends) {
  const std::string snapshot(rpc("evm_snapshot").as_string());
  auto s = submitter();
  // Commit goes in (automine), is seen included, and prove follows; neither is final yet.
  // (Ticks without mining by hand: anvil's automine includes each transaction on its own.)
  for (int i = 0; i < 50 && engine_->l1_transactions(1, 3)->size() < 2; ++i) {
    ASSERT_TRUE(s->tick().ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(engine_->gateway_batch(1)->l1_stage, L1Stage::kCommitted);
  const std::vector<L1TxRecord> sent = engine_->l1_transactions(1, 3).value();
  ASSERT_EQ(sent.size(), 2U);
  ASSERT_EQ(sent[0].state, L1TxState::kIncluded);
  const std::int64_t before = engine_->last_event_seq();
  // Rewind the node to before the commit: both transactions leave the canonical chain.
  EXPECT_TRUE(rpc("evm_revert", {snapshot}).as_bool());
  rpc("evm_mine");
  const auto r = s->tick();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(r->rolled_back, 1);
  EXPECT_TRUE(testing::has_event_after(*engine_, before, EventKind::kL1Rollback));
  EXPECT_EQ(engine_->gateway_batch(1)->l1_stage, L1Stage::kSealed);
  const bool done = drive(*s, [&] { return all_final(); });
  if (!done) {
    const std::vector<L1TxRecord> rows = engine_->l1_transactions(1, 3).value();
    for (const L1TxRecord& row : rows)
      ADD_FAILURE() << l1calls::action_name(row.action) << " nonce " << row.nonce << " "
                    << l1_tx_state_name(row.state) << " " << merkle::to_hex(row.tx_hash);
  }
  ASSERT_TRUE(done);
  expect_each_action_once();
}

// A reverted transaction is a failure, never a step done: another account sends the submitter's
// commit, prove or execute ahead of it in the same block, so the submitter's own reverts. The
// submitter records the contract's reason, reports it, does not advance the Gateway batches, and
// sends nothing the contract would refuse again (eth_estimateGas says so first).
class AnvilRevert : public AnvilSettlement,
                    public ::testing::WithParamInterface<l1calls::Action> {};

TEST_P(AnvilRevert, IsReportedWithTheContractsReasonAndNothingAdvances) {
  const l1calls::Action action = GetParam();
  const L1Stage before = static_cast<L1Stage>(static_cast<int>(action));  // commit: sealed, …
  // Blocks only when mined by hand: tick until the submitter's `action` is sent and waiting.
  rpc("evm_setAutomine", {false});
  auto s = submitter();
  std::optional<L1TxRecord> waiting;
  for (int i = 0; i < 40 && !waiting; ++i) {
    const auto r = s->tick();
    ASSERT_TRUE(r.ok()) << r.status();
    const L1TxRecord last = engine_->l1_transactions(1, 3)->back();
    if (last.action == action && last.state == L1TxState::kPending) {
      waiting = last;
    } else {
      rpc("evm_mine");
    }
  }
  ASSERT_TRUE(waiting.has_value());
  const L1TxRecord ours = *waiting;
  ASSERT_EQ(engine_->gateway_batch(1)->l1_stage, before);
  // The front-runner: the same call from anvil's second account, with a higher tip.
  const auto meant = eth::decode_signed(ours.raw);
  ASSERT_TRUE(meant.ok());
  const auto rival = *secp256k1::PrivateKey::from_hex(testing::kAnvilDeployerKey);
  eth::Eip1559Tx front = meant->tx;
  front.nonce = *client_->nonce(rival.address());
  front.max_priority_fee_per_gas *= 3;
  front.max_fee_per_gas *= 3;
  ASSERT_TRUE(client_->send_raw(eth::sign(front, rival)->raw).ok());
  rpc("evm_mine");  // both in one block, the rival's first (its tip is higher)
  rpc("evm_setAutomine", {true});

  const auto reverted = s->tick();
  ASSERT_FALSE(reverted.ok());
  const std::string expected_reason = "OutOfOrder(4, 1)";  // the rival settled 1..3 already
  EXPECT_NE(reverted.status().message().find(expected_reason), std::string::npos)
      << reverted.status();
  const L1TxRecord row = engine_->l1_transactions(1, 3)->back();
  EXPECT_EQ(row.state, L1TxState::kReverted);
  ASSERT_TRUE(row.revert_reason.has_value());
  EXPECT_EQ(*row.revert_reason, expected_reason);
  EXPECT_EQ(engine_->gateway_batch(1)->l1_stage, before);
  // The same step again would revert: the node's gas estimate refuses it, nothing is sent.
  const std::uint64_t nonce = *client_->nonce(s->address());
  for (int i = 0; i < 3; ++i) {
    const auto again = s->tick();
    EXPECT_FALSE(again.ok());
    EXPECT_NE(again.status().message().find(expected_reason), std::string::npos) << again.status();
  }
  EXPECT_EQ(*client_->nonce(s->address()), nonce);
  EXPECT_EQ(engine_->gateway_batch(1)->l1_stage, before);
  // The Gateway batch's status, as a client reads it from the API, says why it is held.
  api::ServerOptions options;
  options.port = 0;
  api::Server server(*engine_, options);
  const auto port = server.start();
  ASSERT_TRUE(port.ok()) << port.status();
  const json::value gw = testing::rpc_http(*port, "zkr_getGatewayBatch", json::array{1});
  ASSERT_TRUE(gw.as_object().contains("result")) << gw;
  EXPECT_EQ(gw.at("result").at("l1Error").as_string(),
            absl::StrCat(l1calls::action_name(action), " reverted in L1 block ", *row.block_number,
                         ": ", expected_reason))
      << gw;
  const json::array& l1 = gw.at("result").at("l1Transactions").as_array();
  EXPECT_EQ(l1.back().at("state"), "reverted");
  EXPECT_EQ(l1.back().at("revertReason").as_string(), expected_reason);
}

INSTANTIATE_TEST_SUITE_P(EachStep, AnvilRevert,
                         ::testing::Values(l1calls::Action::kCommit, l1calls::Action::kProve,
                                           l1calls::Action::kExecute),
                         [](const auto& p) { return std::string(l1calls::action_name(p.param)); });

}  // namespace
}  // namespace zkr::settlement

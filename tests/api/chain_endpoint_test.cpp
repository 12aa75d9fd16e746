// The chain endpoints: /chains/{id} for every chain the router knows and for the Gateway, over HTTP
// and WebSocket, with Ethereum's conventions; an endpoint sees only its own chain's transactions.

#include <gtest/gtest.h>

#include <thread>

#include "api/json_codec.hpp"
#include "merkle/keccak.hpp"
#include "router/settlement_tx.hpp"
#include "tests/api/api_fixture.hpp"
#include "tests/support/anvil.hpp"

namespace zkr::api {
namespace {
namespace json = boost::json;

json::value chain_call(std::uint16_t port, const std::string& target, const std::string& method,
                       json::value params) {
  const auto reply = testing::http_request(
      port, "POST", target,
      json::serialize(json::object{
          {"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}}));
  EXPECT_EQ(reply.status, 200) << reply.body;
  return json::parse(reply.body);
}

TEST_F(Api, EachChainAndTheGatewayHasAnEndpointThatAnswersItsChainId) {
  // 0x-hex quantities without leading zeros, as an Ethereum node answers.
  EXPECT_EQ(chain_call(port_, "/chains/270", "eth_chainId", json::array{}).at("result"), "0x10e");
  EXPECT_EQ(chain_call(port_, "/chains/271", "eth_chainId", json::array{}).at("result"), "0x10f");
  EXPECT_EQ(chain_call(port_, "/chains/272", "eth_chainId", json::array{}).at("result"), "0x110");
  EXPECT_EQ(chain_call(port_, "/chains/506", "eth_chainId", json::array{}).at("result"), "0x1fa");
  EXPECT_EQ(chain_call(port_, "/chains/270", "net_version", json::array{}).at("result"), "270");
  // The same over a WebSocket to the endpoint.
  testing::WsClient ws(port_, std::chrono::seconds(10), "127.0.0.1", "/chains/271");
  EXPECT_EQ(ws.call("eth_chainId", json::array{}).at("result"), "0x10f");
  // The native API is not on the chain endpoints, nor theirs on it.
  EXPECT_EQ(reason(chain_call(port_, "/chains/270", "zkr_getChain", json::array{270})),
            "method_not_found");
  EXPECT_EQ(reason(call("eth_chainId", json::array{})), "method_not_found");
}

TEST_F(Api, AnUnknownChainsEndpointIs404NamingIt) {
  for (const std::string target : {"/chains/999", "/chains/2"}) {
    const auto reply = testing::http_request(port_, "POST", target, R"({"jsonrpc":"2.0","id":1})");
    EXPECT_EQ(reply.status, 404) << target;
    EXPECT_NE(reply.body.find("no chain"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find("(506)"), std::string::npos) << reply.body;
  }
  EXPECT_EQ(testing::http_request(port_, "POST", "/chains/abc", "{}").status, 404);
  EXPECT_THROW(testing::WsClient(port_, std::chrono::seconds(5), "127.0.0.1", "/chains/999"),
               std::runtime_error);
}

TEST_F(Api, AChainEndpointProvesOnlyItsOwnChainsTransactions) {
  const std::string tx = tx_of(271, 2, 0);
  const json::value params = json::array{tx, 0, "proof_based_gw"};
  const json::value native = call("zks_getL2ToL1LogProof", params).at("result");
  ASSERT_TRUE(native.is_object()) << native;
  EXPECT_EQ(chain_call(port_, "/chains/271", "zks_getL2ToL1LogProof", params).at("result"), native);
  EXPECT_TRUE(
      chain_call(port_, "/chains/270", "zks_getL2ToL1LogProof", params).at("result").is_null());
  EXPECT_TRUE(
      chain_call(port_, "/chains/506", "zks_getL2ToL1LogProof", params).at("result").is_null());
}

std::string text(const json::value& v) {
  return std::string(v.as_string());
}

std::uint64_t quantity_of(const json::value& v) {
  const std::string t = text(v);
  EXPECT_TRUE(t.starts_with("0x")) << t;
  EXPECT_TRUE(t == "0x0" || t[2] != '0') << "leading zero in " << t;
  return std::stoull(t.substr(2), nullptr, 16);
}

// keccak256 of an ASCII string, as Solidity's event topics are computed.
std::string topic_of(std::string_view signature) {
  return merkle::to_hex(merkle::keccak256(
      merkle::ByteSpan(reinterpret_cast<const std::uint8_t*>(signature.data()), signature.size())));
}

TEST_F(Api, AReceiptCarriesTheZksyncFieldsAndOneL1MessageSentEventPerMessage) {
  const std::string tx = tx_of(271, 2, 16);
  const json::value messages = call("zkr_getMessagesByTx", json::array{tx}).at("result");
  ASSERT_EQ(messages.as_array().size(), 1u);
  const json::value& m = messages.as_array()[0];
  const json::value r =
      chain_call(port_, "/chains/271", "eth_getTransactionReceipt", json::array{tx}).at("result");
  ASSERT_TRUE(r.is_object()) << r;
  EXPECT_EQ(text(r.at("transactionHash")), tx);
  EXPECT_EQ(quantity_of(r.at("l1BatchNumber")), 2u);
  EXPECT_EQ(quantity_of(r.at("l1BatchTxIndex")),
            m.at("txNumberInBatch").to_number<std::uint64_t>());
  EXPECT_EQ(quantity_of(r.at("status")), 1u);
  // No facts came with the scenario's batches: the batch number stands in for the L2 block, the
  // message's sender for `from`.
  EXPECT_EQ(quantity_of(r.at("blockNumber")), 2u);
  EXPECT_EQ(r.at("from"), m.at("sender"));
  const json::value& l2 = r.at("l2ToL1Logs").as_array().at(0);
  EXPECT_EQ(l2.at("sender"), m.at("log").at("sender"));
  EXPECT_EQ(l2.at("key"), m.at("log").at("key"));
  EXPECT_EQ(l2.at("value"), m.at("log").at("value"));
  EXPECT_EQ(l2.at("isService"), true);
  EXPECT_EQ(quantity_of(l2.at("txIndexInL1Batch")), quantity_of(r.at("l1BatchTxIndex")));
  EXPECT_EQ(quantity_of(l2.at("logIndex")), 0u);
  const json::value& log = r.at("logs").as_array().at(0);
  EXPECT_EQ(text(log.at("address")), "0x0000000000000000000000000000000000008008");
  const json::array& topics = log.at("topics").as_array();
  ASSERT_EQ(topics.size(), 3u);
  EXPECT_EQ(text(topics[0]), topic_of("L1MessageSent(address,bytes32,bytes)"));
  EXPECT_EQ(topics[1], m.at("log").at("key"));    // the sender, left-padded
  EXPECT_EQ(topics[2], m.at("log").at("value"));  // keccak of the message
  // data is abi.encode(bytes message): offset 32, length, the bytes zero-padded.
  const auto data = merkle::parse_hex(text(log.at("data")));
  const auto body = merkle::parse_hex(text(m.at("data")));
  ASSERT_TRUE(data.ok() && body.ok());
  ASSERT_EQ(data->size(), 64 + (body->size() + 31) / 32 * 32);
  EXPECT_EQ(merkle::to_hex(merkle::ByteSpan(data->data(), 32)), merkle::to_hex(merkle::be32(32)));
  EXPECT_EQ(merkle::to_hex(merkle::ByteSpan(data->data() + 32, 32)),
            merkle::to_hex(merkle::be32(body->size())));
  EXPECT_TRUE(std::equal(body->begin(), body->end(), data->begin() + 64));
  EXPECT_EQ(text(r.at("logsBloom")).size(), 2u + 512u);
  // The transaction object agrees, and another chain's endpoint does not know the transaction.
  const json::value t =
      chain_call(port_, "/chains/271", "eth_getTransactionByHash", json::array{tx}).at("result");
  EXPECT_EQ(t.at("l1BatchNumber"), r.at("l1BatchNumber"));
  EXPECT_EQ(t.at("l1BatchTxIndex"), r.at("l1BatchTxIndex"));
  EXPECT_EQ(t.at("from"), r.at("from"));
  EXPECT_EQ(quantity_of(t.at("chainId")), 271u);
  EXPECT_TRUE(chain_call(port_, "/chains/270", "eth_getTransactionReceipt", json::array{tx})
                  .at("result")
                  .is_null());
}

TEST_F(Api, TheChainsFactsAboutATransactionComeWithItsBatchAndShowInItsReceipt) {
  router::SealedBatch b = testing::generated_batch(270, 4, 3);
  const merkle::Word block_hash = merkle::be32(0xb10c);
  merkle::Address from{}, to{};
  from[19] = 0xf1;
  to[19] = 0x70;
  b.transactions.push_back(
      {.tx_hash = b.logs[1].tx_hash, .block_number = 77, .block_hash = block_hash, .from = from});
  b.transactions.push_back({.tx_hash = b.logs[2].tx_hash, .to = to});
  // A fact about a transaction the batch does not hold is refused, and nothing of it is stored.
  router::SealedBatch wrong = b;
  wrong.transactions.push_back({.tx_hash = merkle::be32(12345)});
  const std::string bearer = testing::credential_for(270);
  EXPECT_EQ(reason(call("zkr_submitBatch", json::array{batch_to_json(wrong)}, bearer)),
            "invalid_params");
  EXPECT_FALSE(engine_->batch(270, 4).has_value());
  ASSERT_TRUE(
      call("zkr_submitBatch", json::array{batch_to_json(b)}, bearer).at("result").is_object());

  const auto receipt = [&](std::size_t i) {
    return chain_call(port_, "/chains/270", "eth_getTransactionReceipt",
                      json::array{merkle::to_hex(b.logs[i].tx_hash)})
        .at("result");
  };
  const json::value r1 = receipt(1);
  EXPECT_EQ(quantity_of(r1.at("blockNumber")), 77u);
  EXPECT_EQ(text(r1.at("blockHash")), merkle::to_hex(block_hash));
  EXPECT_EQ(text(r1.at("from")), merkle::to_hex(from));
  EXPECT_TRUE(r1.at("to").is_null());
  EXPECT_EQ(r1.at("logs").as_array().at(0).at("blockNumber"), r1.at("blockNumber"));
  const json::value r2 = receipt(2);
  EXPECT_EQ(text(r2.at("to")), merkle::to_hex(to));
  EXPECT_EQ(quantity_of(r2.at("blockNumber")), 4u);  // no block given: the batch number
  // The facts are part of the batch: the same batch again is a duplicate, other facts a fork.
  EXPECT_EQ(
      call("zkr_submitBatch", json::array{batch_to_json(b)}, bearer).at("result").at("duplicate"),
      true);
  router::SealedBatch other = b;
  other.transactions[0].block_number = 78;
  EXPECT_EQ(reason(call("zkr_submitBatch", json::array{batch_to_json(other)}, bearer)),
            "already_exists");
}

TEST_F(Api, BatchDetailsShowEachSettlementTransactionOnceItsGatewayBlockIsSealed) {
  // 270:1 is executed in a sealed block: every step is shown, named as docs/api.md says.
  const json::value d =
      chain_call(port_, "/chains/270", "zks_getL1BatchDetails", json::array{1}).at("result");
  ASSERT_TRUE(d.is_object()) << d;
  EXPECT_EQ(d.at("number"), 1);
  EXPECT_EQ(d.at("status"), "verified");
  int action = 1;
  for (const char* step : {"commit", "prove", "execute"}) {
    const std::string hash = text(d.at(std::string(step) + "TxHash"));
    const auto parsed = router::parse_settlement_tx_hash(*merkle::parse_word(hash));
    ASSERT_TRUE(parsed.has_value()) << hash;
    EXPECT_EQ(parsed->settlement_chain_id, 506u);
    EXPECT_EQ(parsed->chain_id, 270u);
    EXPECT_EQ(parsed->batch_number, 1u);
    EXPECT_EQ(static_cast<int>(parsed->action), action++);
    EXPECT_EQ(d.at(std::string(step) + "ChainId"), 506);
  }
  EXPECT_TRUE(text(d.at("executedAt")).ends_with("Z"));
  EXPECT_EQ(text(d.at("executedAt")).size(), 24u);  // 2026-11-30T03:12:45.123Z
  // Unknown batches are null, as on a ZKsync node.
  EXPECT_TRUE(chain_call(port_, "/chains/270", "zks_getL1BatchDetails", json::array{99})
                  .at("result")
                  .is_null());

  // A new batch: nothing is shown until the block holding a step is sealed.
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, 4, 2)).ok());
  const auto details = [&] {
    return chain_call(port_, "/chains/270", "zks_getL1BatchDetails", json::array{4}).at("result");
  };
  const auto tx = merkle::to_hex(engine_->message({270, 4, 0})->tx_hash);
  const auto tx_details = [&] {
    return chain_call(port_, "/chains/270", "zks_getTransactionDetails", json::array{tx})
        .at("result");
  };
  EXPECT_EQ(details().at("status"), "sealed");
  EXPECT_TRUE(details().at("commitTxHash").is_null());
  EXPECT_EQ(tx_details().at("status"), "included");
  ASSERT_TRUE(engine_->commit_batch(270, 4).ok());
  ASSERT_TRUE(engine_->prove_batch(270, 4, testing::validity_proof(*engine_, 270, 4)).ok());
  ASSERT_TRUE(engine_->execute_batch(270, 4).ok());
  EXPECT_TRUE(details().at("commitTxHash").is_null());
  EXPECT_TRUE(details().at("executeTxHash").is_null());
  EXPECT_TRUE(tx_details().at("ethExecuteTxHash").is_null());
  // Before the block is sealed, the proof the execution promises does not exist either.
  EXPECT_TRUE(chain_call(port_, "/chains/270", "zks_getL2ToL1LogProof",
                         json::array{tx, 0, "proof_based_gw"})
                  .at("result")
                  .is_null());
  const auto sealed = engine_->seal_block();
  ASSERT_TRUE(sealed.ok());
  const json::value after = details();
  EXPECT_EQ(after.at("status"), "verified");
  EXPECT_FALSE(after.at("executeTxHash").is_null());
  const json::value td = tx_details();
  EXPECT_EQ(td.at("status"), "verified");
  EXPECT_EQ(td.at("ethCommitTxHash"), after.at("commitTxHash"));
  EXPECT_EQ(td.at("ethExecuteTxHash"), after.at("executeTxHash"));
  EXPECT_EQ(td.at("isL1Originated"), false);
  const json::value proof = chain_call(port_, "/chains/270", "zks_getL2ToL1LogProof",
                                       json::array{tx, 0, "proof_based_gw"})
                                .at("result");
  ASSERT_TRUE(proof.is_object());
  EXPECT_EQ(proof.at("gatewayBlockNumber"), *sealed);
  // The Gateway's endpoint has the execution's receipt in that very block.
  const json::value receipt = chain_call(port_, "/chains/506", "eth_getTransactionReceipt",
                                         json::array{after.at("executeTxHash")})
                                  .at("result");
  ASSERT_TRUE(receipt.is_object()) << receipt;
  EXPECT_EQ(quantity_of(receipt.at("blockNumber")), *sealed);
  // All three steps happened while that block was open.
  const json::value block =
      chain_call(port_, "/chains/506", "eth_getBlockByNumber", json::array{"latest", false})
          .at("result");
  EXPECT_EQ(quantity_of(block.at("number")), *sealed);
  const json::array& txs = block.at("transactions").as_array();
  ASSERT_EQ(txs.size(), 3u);
  EXPECT_EQ(txs[0], after.at("commitTxHash"));
  EXPECT_EQ(txs[1], after.at("proveTxHash"));
  EXPECT_EQ(txs[2], after.at("executeTxHash"));
  EXPECT_EQ(quantity_of(receipt.at("transactionIndex")), 2u);
  EXPECT_EQ(receipt.at("blockHash"), block.at("hash"));
}

TEST_F(Api, TheGatewayEndpointServesItsBlocksAndTheirParentHashes) {
  const std::uint64_t last = *engine_->last_sealed_block();
  EXPECT_EQ(
      quantity_of(chain_call(port_, "/chains/506", "eth_blockNumber", json::array{}).at("result")),
      last);
  const auto block = [&](const std::string& tag) {
    return chain_call(port_, "/chains/506", "eth_getBlockByNumber", json::array{tag.c_str(), true})
        .at("result");
  };
  const json::value latest = block("latest");
  const json::value previous = block(absl::StrCat("0x", absl::Hex(last - 1)));
  EXPECT_EQ(latest.at("parentHash"), previous.at("hash"));
  EXPECT_EQ(text(latest.at("interopRoot")), merkle::to_hex(*engine_->interop_root(last)));
  const std::uint64_t first = engine_->gateway_first_block();
  EXPECT_EQ(quantity_of(block("earliest").at("number")), first);
  EXPECT_TRUE(block("pending").is_null());
  EXPECT_TRUE(block(absl::StrCat("0x", absl::Hex(last + 1))).is_null());
  EXPECT_EQ(
      reason(chain_call(port_, "/chains/506", "eth_getBlockByNumber", json::array{"0xzz", false})),
      "invalid_params");
  // Every full transaction of every block has its receipt in that block, at its index.
  for (std::uint64_t n = first; n <= last; ++n) {
    const json::value b = block(absl::StrCat("0x", absl::Hex(n)));
    const json::array& txs = b.at("transactions").as_array();
    for (std::size_t i = 0; i < txs.size(); ++i) {
      const json::value r = chain_call(port_, "/chains/506", "eth_getTransactionReceipt",
                                       json::array{txs[i].at("hash")})
                                .at("result");
      EXPECT_EQ(r.at("blockNumber"), b.at("number"));
      EXPECT_EQ(quantity_of(r.at("transactionIndex")), i);
    }
  }
  // Hashes that are not the Gateway's settlement transactions have no receipt there.
  EXPECT_TRUE(
      chain_call(port_, "/chains/506", "eth_getTransactionReceipt", json::array{tx_of(270, 1, 0)})
          .at("result")
          .is_null());
}

TEST_F(Api, BothServersProofDialectsAnswerLikeZkrGetProof) {
  const std::string tx = tx_of(270, 1, 1);
  const auto zks = [&](json::value mode) {
    json::array params{tx, 0};
    if (!mode.is_null()) params.push_back(mode);
    return chain_call(port_, "/chains/270", "zks_getL2ToL1LogProof", params).at("result");
  };
  const json::value gateway = call("zkr_getProof", json::array{"270:1:1", "gateway"}).at("result");
  const json::value l1 = call("zkr_getProof", json::array{"270:1:1", "l1"}).at("result");
  for (const char* mode : {"proof_based_gw", "messageRoot"}) {
    const json::value p = zks(mode);
    EXPECT_EQ(p.at("proof"), gateway.at("proof")) << mode;
    EXPECT_EQ(p.at("id"), gateway.at("id"));
    EXPECT_EQ(p.at("batchNumber"), 1);
    EXPECT_EQ(p.at("gatewayBlockNumber"), gateway.at("gatewayBlockNumber"));
  }
  for (const json::value& mode : {json::value("l1BatchRoot"), json::value(nullptr)}) {
    const json::value p = zks(mode);
    EXPECT_EQ(p.at("proof"), l1.at("proof")) << mode;
    EXPECT_EQ(p.at("root"), l1.at("root"));
  }
  EXPECT_NE(gateway.at("proof"), l1.at("proof"));
  const json::value bad =
      chain_call(port_, "/chains/270", "zks_getL2ToL1LogProof", json::array{tx, 0, "gw"});
  EXPECT_EQ(reason(bad), "invalid_params");
  EXPECT_NE(text(bad.at("error").at("message")).find("messageRoot"), std::string::npos);
}

TEST_F(Api, WhatTheRouterDoesNotHoldIsAnErrorNamingTheMethodWithoutAChainNode) {
  const json::value r =
      chain_call(port_, "/chains/270", "eth_getBalance",
                 json::array{"0x0000000000000000000000000000000000000001", "latest"});
  EXPECT_EQ(reason(r), "method_not_found");
  const std::string message = text(r.at("error").at("message"));
  EXPECT_NE(message.find("eth_getBalance"), std::string::npos) << message;
  EXPECT_NE(message.find("rpcUrl"), std::string::npos) << message;
  EXPECT_EQ(reason(chain_call(port_, "/chains/506", "eth_call", json::array{})),
            "method_not_found");
  EXPECT_EQ(reason(chain_call(port_, "/chains/270", "eth_blockNumber", json::array{})),
            "method_not_found");
}

class ChainWithNode : public Api {
 protected:
  void SetUp() override {}
};

TEST_F(ChainWithNode, AChainsOwnNodeAnswersWhatTheRouterDoesNotHold) {
  if (!testing::have_anvil()) GTEST_SKIP() << "anvil is not installed (ZKR_ANVIL)";
  testing::Anvil node(testing::anvil_binary());
  ASSERT_NE(node.port(), 0);
  ServerOptions options;
  options.upstreams.emplace(270,
                            *Upstream::create(270, absl::StrCat("http://127.0.0.1:", node.port())));
  start(std::move(options));
  const auto direct = [&](const std::string& method, json::value params) {
    return testing::http_request(
        node.port(), "POST", "/",
        json::serialize(json::object{
            {"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}}));
  };
  // Forwarded: the node's own answers, its errors with its code.
  const std::string account = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";  // anvil's first
  const json::value balance =
      chain_call(port_, "/chains/270", "eth_getBalance", json::array{account, "latest"});
  EXPECT_EQ(
      balance.at("result"),
      json::parse(direct("eth_getBalance", json::array{account, "latest"}).body).at("result"));
  const json::value bad = chain_call(port_, "/chains/270", "eth_getBalance", json::array{"0x12"});

  const json::value bad_direct = json::parse(direct("eth_getBalance", json::array{"0x12"}).body);
  ASSERT_TRUE(bad.at("error").is_object()) << bad;
  EXPECT_EQ(bad.at("error").at("code"), bad_direct.at("error").at("code"));
  // A transaction the router does not hold: the node's receipt as it is.
  const json::value sent =
      chain_call(port_, "/chains/270", "eth_sendTransaction",
                 json::array{json::object{{"from", account}, {"to", account}, {"value", "0x1"}}});

  ASSERT_TRUE(sent.at("result").is_string()) << sent;
  json::value receipt;  // anvil mines it a moment after answering
  for (int i = 0; i < 100 && receipt.is_null(); ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    receipt = chain_call(port_, "/chains/270", "eth_getTransactionReceipt",
                         json::array{sent.at("result")})
                  .at("result");
  }
  ASSERT_TRUE(receipt.is_object()) << receipt;
  EXPECT_EQ(receipt.at("transactionHash"), sent.at("result"));
  EXPECT_FALSE(receipt.as_object().contains("l1BatchNumber"));
  // One the router holds and the node does not: the router's.
  const std::string tx = tx_of(270, 1, 0);
  EXPECT_EQ(
      quantity_of(chain_call(port_, "/chains/270", "eth_getTransactionReceipt", json::array{tx})
                      .at("result")
                      .at("l1BatchNumber")),
      1u);
  // Another chain has no node: still an error naming the method.
  EXPECT_EQ(
      reason(chain_call(port_, "/chains/271", "eth_getBalance", json::array{account, "latest"})),
      "method_not_found");
  // A node that is gone: unavailable, naming it.
  node.stop();
  const json::value gone =
      chain_call(port_, "/chains/270", "eth_getBalance", json::array{account, "latest"});
  EXPECT_EQ(reason(gone), "unavailable");
  EXPECT_NE(text(gone.at("error").at("message")).find("chain 270's node"), std::string::npos);
}

}  // namespace
}  // namespace zkr::api

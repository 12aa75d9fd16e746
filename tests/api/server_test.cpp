// The API over real sockets: a server on 127.0.0.1:0 over an engine holding the spec's scenario,
// real HTTP and WebSocket clients, every method with good and bad input.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>

#include <set>
#include <thread>

#include "api/json_codec.hpp"
#include "api/protobuf_batch.hpp"
#include "api/server.hpp"
#include "tests/api/api_fixture.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/rpc_client.hpp"
#include "tests/support/vectors.hpp"

namespace zkr::api {
namespace {

namespace json = boost::json;
using testing::number;
using testing::vectors;

json::value json_batch(const router::SealedBatch& b) {
  return batch_to_json(b);
}

void expect_words(const json::value& got, const json::value& expected, const std::string& what) {
  ASSERT_TRUE(got.is_array()) << what << ": " << json::serialize(got);
  ASSERT_EQ(got.as_array().size(), expected.as_array().size()) << what;
  for (std::size_t i = 0; i < got.as_array().size(); ++i)
    EXPECT_EQ(got.as_array()[i], expected.as_array()[i]) << what << " word " << i;
}

TEST_F(Api, EveryScenarioProofOverHttpEqualsTheVectors) {
  std::size_t checked = 0;
  for (const auto& p : vectors().at("scenario").at("proofs").as_array()) {
    const std::uint64_t chain = number(p.at("chainId")), batch = number(p.at("batchNumber")),
                        index = number(p.at("leafIndex"));
    const std::string shape(p.at("shape").as_string());
    json::value r;
    if (p.as_object().contains("againstGatewayBlock")) {
      r = call("zkr_getProof", json::array{router::MessageId{chain, batch, index}.to_string(),
                                           "gateway", number(p.at("againstGatewayBlock"))});
      EXPECT_EQ(r.at("result").at("shape"), json::value(shape));
    } else if (shape == "C") {
      r = call("zks_getL2ToL1LogProof",
               json::array{tx_of(chain, batch, index), 0, "proof_based_gw"});
    } else {
      r = call("zks_getL2ToL1LogProof",
               json::array{tx_of(chain, batch, index)});  // default: B, or A on L1
    }
    ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
    const auto& result = r.at("result");
    expect_words(result.at("proof"), p.at("proof"), shape + " " + std::to_string(chain));
    EXPECT_EQ(result.at("id").to_number<std::uint64_t>(), index);
    EXPECT_EQ(result.at("batchNumber").to_number<std::uint64_t>(), batch);
    const auto& chains =
        vectors().at("scenario").at("chains").at(std::to_string(chain)).at("batches").as_array();
    EXPECT_EQ(result.at("root"), chains[batch - 1].at("chainBatchRoot"));
    ++checked;
  }
  EXPECT_EQ(checked, 13U);
}

TEST_F(Api, ProofTextIsTheSerializedDocument) {
  // The proof methods write their JSON directly; it must be canonical JSON carrying the proof's
  // values, for every shape, and a batch (which parses the text back) must carry the same result.
  std::size_t checked = 0;
  for (const auto& p : vectors().at("scenario").at("proofs").as_array()) {
    const router::MessageId id{number(p.at("chainId")), number(p.at("batchNumber")),
                               number(p.at("leafIndex"))};
    for (const auto target : {router::ProofTarget::kGateway, router::ProofTarget::kL1}) {
      const auto proof = engine_->proof(id, target);
      if (!proof.ok()) continue;
      EXPECT_EQ(proof_json_text(*proof), json::serialize(proof_to_json(*proof)));
      EXPECT_EQ(zks_proof_json_text(*proof), json::serialize(zks_proof_to_json(*proof)));
      // Every field carries the proof's own values.
      const json::value doc = proof_to_json(*proof);
      ASSERT_EQ(doc.at("proof").as_array().size(), proof->proof.size());
      for (std::size_t w = 0; w < proof->proof.size(); ++w)
        EXPECT_EQ(doc.at("proof").as_array()[w], json::value(merkle::to_hex(proof->proof[w])));
      EXPECT_EQ(doc.at("id").to_number<std::uint64_t>(), proof->leaf_index);
      EXPECT_EQ(doc.at("root"), json::value(merkle::to_hex(proof->chain_batch_root)));
      EXPECT_EQ(doc.at("batchNumber").to_number<std::uint64_t>(), proof->batch_number);
      EXPECT_EQ(doc.at("shape"), json::value(router::shape_name(proof->shape)));
      EXPECT_EQ(doc.at("settledRoot").at("chainId").to_number<std::uint64_t>(),
                proof->settled_chain_id);
      EXPECT_EQ(doc.at("settledRoot").at("number").to_number<std::uint64_t>(),
                proof->settled_number);
      EXPECT_EQ(doc.at("settledRoot").at("root"), json::value(merkle::to_hex(proof->settled_root)));
      if (proof->gateway_block) {
        EXPECT_EQ(doc.at("gatewayBlockNumber").to_number<std::uint64_t>(), *proof->gateway_block);
      } else {
        EXPECT_TRUE(doc.at("gatewayBlockNumber").is_null());
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 13U);
  const json::value batch =
      json::parse(testing::http_request(
                      "127.0.0.1", port_, "POST", "/",
                      R"([{"jsonrpc":"2.0","id":"a","method":"zkr_getProof","params":["270:1:0"]},
                 {"jsonrpc":"2.0","id":7,"method":"zkr_getProof","params":["270:1:0"]}])")
                      .body);
  const json::value single = call("zkr_getProof", json::array{"270:1:0"});
  ASSERT_TRUE(batch.is_array()) << json::serialize(batch);
  EXPECT_EQ(batch.as_array()[0].at("id"), json::value("a"));
  EXPECT_EQ(batch.as_array()[0].at("result"), single.at("result"));
  EXPECT_EQ(batch.as_array()[1].at("result"), single.at("result"));
}

TEST_F(Api, MessageAndEventTextCarryTheirValues) {
  // Messages and events are written straight to text too (every notification is one): each row
  // of the scenario and each event must parse and carry its own values, with null where absent.
  router::MessageFilter all;
  all.limit = 100000;
  const auto page = engine_->list_messages(all);
  ASSERT_TRUE(page.ok()) << page.status();
  std::size_t with_body = 0, without_body = 0;
  const auto hex_or_null = [](const auto& bytes) {
    return bytes ? json::value(merkle::to_hex(merkle::ByteSpan(*bytes))) : json::value(nullptr);
  };
  // The scenario's logs are all messages: one more row as a plain log has no sender or body.
  std::vector<router::LogRow> rows = page->rows;
  ASSERT_FALSE(rows.empty());
  rows.push_back(rows.front());
  rows.back().kind = router::LogKind::kLog;
  rows.back().sender.reset();
  rows.back().body.reset();
  rows.back().destination_chain_id.reset();
  rows.back().log.is_service = !rows.back().log.is_service;
  for (const router::LogRow& r : rows) {
    const json::value m = json::parse(message_json_text(r));
    EXPECT_EQ(m.at("id"), json::value(r.id.to_string()));
    EXPECT_EQ(m.at("chainId").to_number<std::uint64_t>(), r.id.chain_id);
    EXPECT_EQ(m.at("batchNumber").to_number<std::uint64_t>(), r.id.batch_number);
    EXPECT_EQ(m.at("index").to_number<std::uint64_t>(), r.id.log_index);
    EXPECT_EQ(m.at("txHash"), json::value(merkle::to_hex(r.tx_hash)));
    EXPECT_EQ(m.at("kind"), json::value(router::log_kind_name(r.kind)));
    EXPECT_EQ(m.at("cursor").to_number<std::int64_t>(), r.recorded_seq);
    const json::value& log = m.at("log");
    EXPECT_EQ(log.at("l2ShardId").to_number<unsigned>(), r.log.l2_shard_id);
    EXPECT_EQ(log.at("isService"), json::value(r.log.is_service));
    EXPECT_EQ(log.at("txNumberInBatch").to_number<unsigned>(), r.log.tx_number_in_batch);
    EXPECT_EQ(log.at("sender"), json::value(merkle::to_hex(r.log.sender)));
    EXPECT_EQ(log.at("key"), json::value(merkle::to_hex(r.log.key)));
    EXPECT_EQ(log.at("value"), json::value(merkle::to_hex(r.log.value)));
    EXPECT_EQ(m.at("sender"), hex_or_null(r.sender));
    EXPECT_EQ(m.at("data"), hex_or_null(r.body));
    EXPECT_EQ(m.at("destinationChainId"),
              r.destination_chain_id ? json::value(*r.destination_chain_id) : json::value(nullptr));
    EXPECT_EQ(m.as_object().size(), 12U);
    ++(r.body ? with_body : without_body);
  }
  EXPECT_GT(with_body, 0U);
  EXPECT_GT(without_body, 0U);

  const auto events = engine_->events_after(0, 100000);
  ASSERT_TRUE(events.ok()) << events.status();
  std::size_t with_detail = 0, messages = 0;
  for (const settlement::Event& e : *events) {
    const json::value v = json::parse(event_json_text(e));
    EXPECT_EQ(v, event_to_json(e));
    EXPECT_EQ(v.at("cursor").to_number<std::int64_t>(), e.seq);
    EXPECT_EQ(v.at("kind"), json::value(settlement::event_kind_name(e.kind)));
    EXPECT_EQ(v.at("at").to_number<std::int64_t>(), e.created_at_ms);
    const auto check = [&v](const char* name, const std::optional<std::uint64_t>& field) {
      if (field) {
        EXPECT_EQ(v.at(name).to_number<std::uint64_t>(), *field) << name;
      } else {
        EXPECT_FALSE(v.as_object().contains(name)) << name;
      }
    };
    check("chainId", e.chain_id);
    check("batchNumber", e.batch_number);
    check("index", e.log_index);
    check("gatewayBlockNumber", e.block_number);
    check("gatewayBatchNumber", e.gw_batch);
    if (!e.detail.empty()) {
      EXPECT_EQ(v.at("detail"), json::parse(e.detail));
      ++with_detail;
    }
    if (e.kind == settlement::EventKind::kMessageRecorded) {
      const auto row = engine_->message({*e.chain_id, *e.batch_number, *e.log_index});
      ASSERT_TRUE(row.ok()) << row.status();
      const json::value with = json::parse(event_json_text(e, &*row));
      EXPECT_EQ(with.at("message"), message_to_json(*row));
      ++messages;
    }
  }
  EXPECT_GT(with_detail, 0U);
  EXPECT_EQ(messages, page->rows.size());
}

TEST_F(Api, NativeReadsReturnWhatTheEngineHolds) {
  auto r = call("zkr_getInteropRoot", json::array{12});
  EXPECT_EQ(r.at("result").at("root"),
            vectors().at("scenario").at("gateway").at("blocks").as_array()[2].at("sharedRoot"));
  r = call("zkr_getMessage", json::array{"271:2:16"});
  EXPECT_EQ(r.at("result").at("data"), json::value("0x6d7367203237312f322f3136"));
  r = call("zkr_getMessageStatus", json::array{"270:1:0"});
  EXPECT_EQ(r.at("result").at("status"), json::value("gateway_batch_sealed"));
  EXPECT_EQ(r.at("result").at("gatewayBlockNumber").to_number<std::uint64_t>(), 10U);
  // Each timeline entry that moves the message names the status it reaches; the last one reached
  // is the status, and the batch's own recording moves nothing.
  std::vector<std::string> reached;
  for (const json::value& t : r.at("result").at("timeline").as_array()) {
    if (t.at("stage") == json::value("batch_recorded")) {
      EXPECT_FALSE(t.as_object().contains("reaches"));
    }
    if (const auto* to = t.as_object().if_contains("reaches"))
      reached.push_back(std::string(to->as_string()));
  }
  EXPECT_EQ(reached,
            (std::vector<std::string>{"recorded", "batch_committed", "batch_proven",
                                      "batch_executed", "gateway_final", "gateway_batch_sealed"}));
  r = call("zkr_getMessagesByTx", json::array{tx_of(270, 3, 4)});
  EXPECT_EQ(r.at("result").as_array().size(), 1U);
  r = call("zkr_listMessages", json::array{json::object{{"sourceChainId", 271}, {"limit", 5}}});
  EXPECT_EQ(r.at("result").at("messages").as_array().size(), 5U);
  r = call("zkr_getBatch", json::array{272, 3});
  EXPECT_EQ(r.at("result").at("settlementLayer"), json::value("gateway"));
  r = call("zkr_getChain", json::array{272});
  EXPECT_EQ(r.at("result").at("history").as_array().size(), 2U);
  r = call("zkr_getGatewayBatch", json::array{2});
  EXPECT_EQ(r.at("result").at("batchRoot"),
            vectors().at("scenario").at("gateway").at("batches").as_array()[1].at("batchRoot"));
  r = call("zkr_getGatewayStatus", json::array{});
  EXPECT_EQ(r.at("result").at("lastSealedBlock").to_number<std::uint64_t>(), 14U);
  EXPECT_EQ(r.at("result").at("lastGatewayBatch").to_number<std::size_t>(),
            vectors().at("scenario").at("gateway").at("batches").as_array().size());
  EXPECT_EQ(r.at("result").at("lastEventCursor").to_number<std::int64_t>(),
            engine_->last_event_seq());
  EXPECT_EQ(r.at("result").at("chains"), (json::array{270, 271, 272}));
  r = call("zkr_getProofs",
           json::array{json::array{json::array{"270:1:0"}, json::array{"272:1:2", "l1"},
                                   json::array{"999:1:0"}}});
  ASSERT_EQ(r.at("result").as_array().size(), 3U);
  EXPECT_TRUE(r.at("result").as_array()[1].as_object().contains("result"));
  EXPECT_EQ(r.at("result").as_array()[2].at("error").at("data").at("reason"),
            json::value("not_found"));
}

// Every filter field the docs list is accepted and applied; here the batch stage, against what the
// engine says of each message's batch.
TEST_F(Api, ListMessagesFiltersByTheBatchStage) {
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, 4, 3)).ok());
  for (const std::string stage : {"executed", "recorded"}) {
    const auto r =
        call("zkr_listMessages", json::array{json::object{{"stage", stage}, {"limit", 1000}}});
    ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
    const auto& messages = r.at("result").at("messages").as_array();
    ASSERT_FALSE(messages.empty()) << stage;
    for (const auto& m : messages) {
      const auto id = router::MessageId::parse(std::string(m.at("id").as_string()));
      ASSERT_TRUE(id.ok());
      EXPECT_EQ(settlement::stage_name(engine_->batch(id->chain_id, id->batch_number)->stage),
                stage)
          << m.at("id");
    }
  }
  const auto recorded =
      call("zkr_listMessages", json::array{json::object{{"stage", "recorded"}, {"limit", 5}}});
  EXPECT_EQ(recorded.at("result").at("messages").as_array().size(), 3U);  // batch 4's three
  EXPECT_EQ(reason(call("zkr_listMessages", json::array{json::object{{"stage", "final"}}})),
            "invalid_params");
}

TEST_F(Api, ProofsThatDoNotExistYetAreNullForZksAndExplainedNatively) {
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, 4, 2)).ok());
  const std::string tx = tx_of(270, 4, 0);
  auto r = call("zks_getL2ToL1LogProof", json::array{tx, 0, "proof_based_gw"});
  EXPECT_TRUE(r.at("result").is_null()) << json::serialize(r);
  r = call("zkr_getProof", json::array{"270:4:0", "gateway"});
  EXPECT_EQ(reason(r), "not_final");
  EXPECT_NE(std::string(r.at("error").at("message").as_string())
                .find("waiting for execution on the Gateway"),
            std::string::npos);
  r = call("zks_getL2ToL1LogProof", json::array{"0x" + std::string(64, '7')});
  EXPECT_TRUE(r.at("result").is_null());
}

TEST_F(Api, GatewayBatchesShowTheirAggregatedProofAndCost) {
  const auto gw = call("zkr_getGatewayBatch", json::array{1}).at("result");
  EXPECT_EQ(gw.at("l1Stage"), json::value("sealed"));  // no L1 submitter runs in this fixture
  EXPECT_TRUE(gw.at("l1Transactions").as_array().empty());
  const auto& proof = gw.at("aggregatedProof");
  const auto stored = engine_->aggregated_proof(1);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(proof.at("covered").as_array().size(), stored->covered.size());
  EXPECT_EQ(proof.at("commitmentsRoot"), json::value(merkle::to_hex(stored->commitments_root)));

  const auto cost = call("zkr_getCostReport", json::object{{"gatewayBatch", 1}}).at("result");
  const auto expected = engine_->cost_of_gateway_batch(1);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(cost.at("aggregatedGas").to_number<std::uint64_t>(), expected->aggregated_gas);
  EXPECT_EQ(cost.at("directGas").to_number<std::uint64_t>(), expected->direct_gas);
  EXPECT_EQ(cost.at("chains").as_array().size(), expected->chains.size());
  const auto chain = call("zkr_getCostReport", json::object{{"chainId", 270}}).at("result");
  EXPECT_EQ(chain.at("batches").to_number<std::uint64_t>(), engine_->cost_of_chain(270)->batches);
  const auto total = call("zkr_getCostReport", json::array{}).at("result");
  EXPECT_EQ(total.at("gatewayBatches").to_number<std::uint64_t>(), engine_->gateway_batch_count());
  EXPECT_EQ(reason(call("zkr_getCostReport", json::object{{"gatewayBatch", 1}, {"chainId", 270}})),
            "invalid_params");
  EXPECT_EQ(reason(call("zkr_getCostReport", json::object{{"gatewayBatch", 999}})), "not_found");
  EXPECT_EQ(reason(call("zkr_getCostReport", json::object{{"chainId", 9}})), "not_found");
}

TEST_F(Api, BadInputGetsSpecificErrors) {
  const auto raw = [&](const std::string& body) {
    return json::parse(testing::http_request(port_, "POST", "/", body).body);
  };
  auto r = raw("{not json");
  EXPECT_EQ(r.at("error").at("code").to_number<std::int64_t>(), -32700);
  EXPECT_EQ(reason(r), "parse_error");
  r = raw(R"({"jsonrpc":"1.0","id":1,"method":"zkr_getGatewayStatus"})");
  EXPECT_EQ(reason(r), "invalid_request");
  r = raw(R"({"jsonrpc":"2.0","id":7,"method":"no_such_method"})");
  EXPECT_EQ(r.at("error").at("code").to_number<std::int64_t>(), -32601);
  EXPECT_EQ(r.at("id").to_number<std::int64_t>(), 7);
  r = raw("[]");
  EXPECT_EQ(reason(r), "invalid_request");
  r = raw(std::string(100, '[') + std::string(100, ']'));
  EXPECT_EQ(reason(r), "parse_error");
  EXPECT_EQ(reason(call("zks_getL2ToL1LogProof", json::array{"0x12"})), "invalid_params");
  EXPECT_EQ(reason(call("zks_getL2ToL1LogProof", json::array{"0x" + std::string(64, 'g')})),
            "invalid_params");
  EXPECT_EQ(reason(call("zks_getL2ToL1LogProof", json::array{tx_of(270, 1, 0), "abc"})),
            "invalid_params");
  EXPECT_EQ(
      reason(call("zks_getL2ToL1LogProof", json::array{tx_of(270, 1, 0), 0, "proof_based_l1"})),
      "invalid_params");
  EXPECT_EQ(reason(call("zkr_getMessage", json::array{"270-1-0"})), "invalid_params");
  EXPECT_EQ(reason(call("zkr_getMessage", json::array{"270:99:0"})), "not_found");
  EXPECT_EQ(reason(call("zkr_getProof", json::array{"270:1:0", "mars"})), "invalid_params");
  EXPECT_EQ(reason(call("zkr_getInteropRoot", json::array{99})), "not_final");
  EXPECT_EQ(reason(call("zkr_listMessages", json::array{json::object{{"colour", "red"}}})),
            "invalid_params");
  EXPECT_EQ(reason(call("zkr_getBatch", json::array{270, 1, 5})),
            "invalid_params");  // too many params
  EXPECT_EQ(reason(call("zkr_subscribe", json::array{"messages"})),
            "failed_precondition");  // needs a WebSocket
}

// The rows of docs/security.md's bad-input table that the tests above do not already cover, each
// with its specific error, and nothing of any of them stored.
TEST_F(Api, HostileInputIsRefusedSpecificallyAndNothingIsStored) {
  const std::string db = dir_.database("zkrouter.db");
  const std::string before = testing::database_digest(db);
  const std::string operator270 = testing::credential_for(270);
  const auto raw = [&](const std::string& body, const std::string& bearer = "") {
    return json::parse(testing::http_request("127.0.0.1", port_, "POST", "/", body, bearer).body);
  };
  // Huge numbers: beyond 64 bits, negative, fractional, in strings.
  EXPECT_EQ(reason(raw(R"({"jsonrpc":"2.0","id":1,"method":"zkr_getBatch","params":[1e40,1]})")),
            "invalid_params");
  EXPECT_EQ(
      reason(raw(
          R"({"jsonrpc":"2.0","id":1,"method":"zkr_getBatch","params":[18446744073709551616,1]})")),
      "invalid_params");
  EXPECT_EQ(reason(call("zkr_getBatch", json::array{-1, 1})), "invalid_params");
  EXPECT_EQ(reason(call("zkr_getBatch", json::array{1.5, 1})), "invalid_params");
  EXPECT_EQ(reason(call("zkr_getMessage", json::array{"270:1:99999999999999999999999"})),
            "invalid_params");
  // Invalid hex and wrong lengths.
  EXPECT_EQ(reason(call("zks_getL2ToL1LogProof", json::array{"0x" + std::string(63, 'a')})),
            "invalid_params");
  EXPECT_EQ(reason(call("zks_getL2ToL1LogProof", json::array{std::string(64, 'a') + "zz"})),
            "invalid_params");
  // A batch whose words have the wrong length or are not hex, from its own operator.
  json::value batch = json_batch(testing::generated_batch(270, 4, 3));
  batch.as_object()["localRoot"] = "0x1234";
  EXPECT_EQ(reason(call("zkr_submitBatch", json::array{batch}, operator270)), "invalid_params");
  batch.as_object()["localRoot"] = "0x" + std::string(64, 'x');
  EXPECT_EQ(reason(call("zkr_submitBatch", json::array{batch}, operator270)), "invalid_params");
  // A chain submitting for another chain, and no credential at all.
  const json::value other = json_batch(testing::generated_batch(271, 3, 2));
  EXPECT_EQ(reason(call("zkr_submitBatch", json::array{other}, operator270)), "permission_denied");
  EXPECT_EQ(reason(call("zkr_submitBatch", json::array{other})), "unauthenticated");
  EXPECT_EQ(reason(call("zkr_submitBatch", json::array{other}, "wrong-credential-xxxxxxxx")),
            "permission_denied");
  // Replays of an old batch with different content (a fork), out-of-order and forked batches.
  router::SealedBatch fork = testing::generated_batch(270, 1, 4);
  EXPECT_EQ(reason(call("zkr_submitBatch", json::array{json_batch(fork)}, operator270)),
            "already_exists");
  EXPECT_EQ(reason(call("zkr_submitBatch",
                        json::array{json_batch(testing::generated_batch(270, 9, 2))}, operator270)),
            "failed_precondition");  // a gap: batch 4 comes next
  // Deep nesting inside params (not only at the top).
  EXPECT_EQ(reason(raw(R"({"jsonrpc":"2.0","id":1,"method":"zkr_getBatch","params":)" +
                       std::string(40, '[') + std::string(40, ']') + "}")),
            "parse_error");
  // An unknown method with a huge name is answered, with the name cut short.
  const json::value unknown = call(std::string(100000, 'm'), json::array{});
  EXPECT_EQ(reason(unknown), "method_not_found");
  EXPECT_LT(unknown.at("error").at("message").as_string().size(), 200U);
  // Nothing of any of it was stored.
  EXPECT_EQ(testing::database_digest(db), before);
}

TEST_F(Api, BatchRequestsAnswerEachCallAndSkipNotifications) {
  const std::string body = R"([{"jsonrpc":"2.0","id":1,"method":"zkr_getGatewayStatus"},
    {"jsonrpc":"2.0","method":"zkr_getGatewayStatus"},
    {"jsonrpc":"2.0","id":"b","method":"nope"}, 5])";
  const auto r = json::parse(testing::http_request(port_, "POST", "/", body).body);
  ASSERT_TRUE(r.is_array());
  ASSERT_EQ(r.as_array().size(), 3U);
  EXPECT_TRUE(r.as_array()[0].as_object().contains("result"));
  EXPECT_EQ(r.as_array()[1].at("id"), json::value("b"));
  EXPECT_EQ(r.as_array()[2].at("error").at("code").to_number<std::int64_t>(), -32600);
  const auto only_notification = testing::http_request(
      port_, "POST", "/", R"({"jsonrpc":"2.0","method":"zkr_getGatewayStatus"})");
  EXPECT_EQ(only_notification.status, 204);
  std::string long_batch = "[";
  for (int i = 0; i < 101; ++i)
    long_batch +=
        std::string(i ? "," : "") + R"({"jsonrpc":"2.0","id":1,"method":"zkr_getGatewayStatus"})";
  long_batch += "]";
  EXPECT_EQ(reason(json::parse(testing::http_request(port_, "POST", "/", long_batch).body)),
            "batch_too_long");
}

TEST_F(Api, RequestsOverSixtyFourKibAreAnsweredOffTheSocketsThreadAlike) {
  // Over 64 KiB a request is parsed and answered on a worker (in practice: a batch submitted as
  // JSON); the answers are those of the inline path.
  const std::string status =
      testing::http_request(port_, "POST", "/",
                            R"({"jsonrpc":"2.0","id":7,"method":"zkr_getGatewayStatus"})")
          .body;
  const std::string padded =
      R"({"jsonrpc":"2.0","id":7,"method":"zkr_getGatewayStatus"})" + std::string(70'000, ' ');
  EXPECT_EQ(testing::http_request(port_, "POST", "/", padded).body, status);
  const auto broken =
      json::parse(testing::http_request(port_, "POST", "/", "[" + std::string(70'000, ' ')).body);
  EXPECT_EQ(broken.at("error").at("code").to_number<std::int64_t>(), -32700);

  // A large batch as JSON, over HTTP and then over a WebSocket.
  const router::SealedBatch first = testing::generated_batch(270, 4, 400);
  ASSERT_GT(json::serialize(json_batch(first)).size(), 64U * 1024);
  auto r = call("zkr_submitBatch", json::array{json_batch(first)}, testing::credential_for(270));
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
  EXPECT_EQ(r.at("result").at("logCount").to_number<std::uint64_t>(), 400U);
  testing::WsClient ws(port_);
  ASSERT_TRUE(ws.call("zkr_authenticate", json::array{270, testing::credential_for(270)})
                  .at("result")
                  .at("authenticated")
                  .as_bool());
  r = ws.call("zkr_submitBatch", json::array{json_batch(testing::generated_batch(270, 5, 400))});
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
  EXPECT_EQ(engine_->batch(270, 5)->log_count, 400U);
  // The batches moved the status on: compare with the small request's answer now.
  ws.send_text(padded);
  const json::value large = json::parse(*ws.read());
  EXPECT_EQ(large.at("id"), 7);
  EXPECT_EQ(large.at("result"), ws.call("zkr_getGatewayStatus", json::array{}).at("result"));
}

TEST_F(Api, HealthMetricsAndRoutes) {
  const auto health = testing::http_request(port_, "GET", "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body).at("status"), json::value("ok"));
  call("zkr_getGatewayStatus", json::array{});
  const auto metrics = testing::http_request(port_, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("zkrouter_http_requests_total "), std::string::npos);
  EXPECT_NE(metrics.body.find("# TYPE zkrouter_subscriptions gauge"), std::string::npos);
  EXPECT_EQ(testing::http_request(port_, "GET", "/nope").status, 404);
  EXPECT_EQ(testing::http_request(port_, "PUT", "/").status, 405);
}

// The explorer's files are built into the binary: GET / and /explorer answer its page, and each
// file it names is served byte for byte as in api/explorer/, with its content type. Nothing else
// under /explorer/ is.
TEST_F(Api, ServesTheExplorerFromItsOwnPort) {
  const auto source = [](const std::string& name) {
    std::ifstream in(std::string(ZKR_SOURCE_DIR) + "/api/explorer/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string page = source("index.html");
  ASSERT_FALSE(page.empty());
  for (const char* target : {"/", "/explorer", "/explorer/", "/?x=1", "/explorer/index.html"}) {
    const auto r = testing::http_request(port_, "GET", target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << target;
    EXPECT_EQ(r.body, page) << target;
  }
  const std::pair<const char*, const char*> files[] = {
      {"explorer.js", "text/javascript; charset=utf-8"},
      {"explorer.css", "text/css; charset=utf-8"}};
  for (const auto& [name, type] : files) {
    EXPECT_NE(page.find(std::string("/explorer/") + name), std::string::npos) << name;
    const auto r = testing::http_request(port_, "GET", std::string("/explorer/") + name);
    EXPECT_EQ(r.status, 200) << name;
    EXPECT_EQ(r.content_type, type) << name;
    EXPECT_EQ(r.body, source(name)) << name;
  }
  for (const char* target : {"/explorer/nope.js", "/explorer/../health", "/explorer/embed.cmake",
                             "/explorer//explorer.js", "/index.html"})
    EXPECT_EQ(testing::http_request(port_, "GET", target).status, 404) << target;
  // A POST to / is still JSON-RPC.
  EXPECT_EQ(json::parse(testing::http_request(port_, "POST", "/",
                                              R"({"jsonrpc":"2.0","id":1,"method":"nope"})")
                            .body)
                .at("error")
                .at("data")
                .at("reason"),
            json::value("method_not_found"));
}

TEST_F(Api, IngestionNeedsTheChainsCredential) {
  const json::value batch = json_batch(testing::generated_batch(270, 4, 3));
  auto r = call("zkr_submitBatch", json::array{batch});
  EXPECT_EQ(reason(r), "unauthenticated");
  r = call("zkr_submitBatch", json::array{batch}, testing::credential_for(271));
  EXPECT_EQ(reason(r), "permission_denied");
  const auto unix_us = [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const std::int64_t before = unix_us();
  r = call("zkr_submitBatch", json::array{batch}, testing::credential_for(270));
  const std::int64_t after = unix_us();
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
  EXPECT_FALSE(r.at("result").at("duplicate").as_bool());
  // When it committed: within the call.
  const std::int64_t committed = r.at("result").at("committedAtUs").to_number<std::int64_t>();
  EXPECT_GE(committed, before);
  EXPECT_LE(committed, after);
  r = call("zkr_submitBatch", json::array{batch}, testing::credential_for(270));
  EXPECT_TRUE(r.at("result").at("duplicate").as_bool());
  EXPECT_TRUE(r.at("result").at("committedAtUs").is_null());
  router::SealedBatch bad = testing::generated_batch(270, 5, 3);
  bad.local_root[0] ^= 1;
  r = call("zkr_submitBatch", json::array{json_batch(bad)}, testing::credential_for(270));
  EXPECT_EQ(reason(r), "invalid_params");
  EXPECT_NE(std::string(r.at("error").at("message").as_string()).find("localRoot mismatch"),
            std::string::npos);
  // The operator drives the Gateway lifecycle for its own chain only.
  EXPECT_EQ(reason(call("zkr_commitBatch", json::array{270, 4}, testing::credential_for(271))),
            "permission_denied");
  EXPECT_TRUE(call("zkr_commitBatch", json::array{270, 4}, testing::credential_for(270))
                  .as_object()
                  .contains("result"));
  // A proof signed by another chain's prover key is rejected; the chain's own is accepted.
  r = call("zkr_proveBatch", json::array{270, 4, "0x01"}, testing::credential_for(270));
  EXPECT_EQ(reason(r), "invalid_params") << json::serialize(r);
  r = call("zkr_proveBatch",
           json::array{270, 4, merkle::to_hex(testing::validity_proof(*engine_, 271, 2))},
           testing::credential_for(270));
  EXPECT_EQ(reason(r), "invalid_params") << json::serialize(r);
  EXPECT_TRUE(call("zkr_proveBatch",
                   json::array{270, 4, merkle::to_hex(testing::validity_proof(*engine_, 270, 4))},
                   testing::credential_for(270))
                  .as_object()
                  .contains("result"));
  r = call("zkr_executeBatch", json::array{270, 4}, testing::credential_for(270));
  EXPECT_EQ(r.at("result").at("stage"), json::value("executed"));
}

TEST_F(Api, WebSocketIngestionWithProtobufFrames) {
  testing::WsClient ws(port_);
  BatchFrame frame{.request_id = 42, .batch = testing::generated_batch(271, 3, 4)};
  ws.send_binary(encode_batch_frame(frame));
  auto r = json::parse(*ws.read());
  EXPECT_EQ(reason(r), "unauthenticated");
  EXPECT_EQ(r.at("id").to_number<std::uint64_t>(), 42U);
  auto auth = ws.call("zkr_authenticate", json::array{271, "wrong-credential-for-271"});
  EXPECT_EQ(reason(auth), "permission_denied");
  auth = ws.call("zkr_authenticate", json::array{271, testing::credential_for(271)});
  ASSERT_TRUE(auth.at("result").at("authenticated").as_bool());
  ws.send_binary(encode_batch_frame(frame));
  r = json::parse(*ws.read());
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
  EXPECT_EQ(r.at("result").at("logCount").to_number<std::uint64_t>(), 4U);
  EXPECT_EQ(engine_->batch(271, 3)->log_count, 4U);
  ws.send_binary("\x12\xff\xff\xff garbage");
  EXPECT_EQ(reason(json::parse(*ws.read())), "invalid_params");
}

TEST(ProtobufBatch, TransactionFactsSurviveTheBinaryForm) {
  router::SealedBatch b = testing::generated_batch(271, 3, 3);
  merkle::Address from{}, to{};
  from[0] = 0xaa;
  to[19] = 0x08;
  b.transactions = {{.tx_hash = b.logs[0].tx_hash, .block_number = 0, .from = from},
                    {.tx_hash = b.logs[2].tx_hash, .block_hash = merkle::be32(7), .to = to}};
  const auto decoded = decode_batch_frame(encode_batch_frame({.request_id = 1, .batch = b}));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->batch.transactions, b.transactions);
  // A 20-byte field of the wrong length is refused by name.
  std::string frame = encode_batch_frame({.request_id = 1, .batch = b});
  const std::string from_field = std::string("\x22\x14") + std::string(1, '\xaa');
  const auto at = frame.find(from_field);
  ASSERT_NE(at, std::string::npos);
  frame[at + 1] = 0x13;  // claims 19 bytes: the rest no longer parses as this batch
  EXPECT_FALSE(decode_batch_frame(frame).ok());
}

// A frame whose last log ends right after the is_service tag: decoding it once read one byte past
// the frame (found by fuzz_protobuf_batch; ASan saw it, a plain build would not).
TEST(ProtobufBatch, AFrameEndingInsideAFieldIsAnErrorAndIsServiceIsZeroOrOne) {
  // SubmitBatch{batch(2): Batch{logs(7): Log{is_service(2): <missing>}}}, in a heap block of
  // exactly its size so that under ASan a read past it is a report.
  const std::vector<char> frame = {'\x12', '\x03', '\x3a', '\x01', '\x10'};
  const auto truncated = decode_batch_frame(std::string_view(frame.data(), frame.size()));
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("malformed protobuf frame"), std::string::npos)
      << truncated.status();
  const auto two = decode_batch_frame(std::string("\x12\x04\x3a\x02\x10\x02", 6));
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("is_service must be 0 or 1"), std::string::npos)
      << two.status();
}

TEST_F(Api, SubscriptionReplaysFromACursorAndResumesAfterADropWithNoGapOrDuplicate) {
  // Every message_recorded event in the log is what a full replay must deliver.
  std::set<std::int64_t> expected;
  const auto all_events = [&] {
    expected.clear();
    const auto events = engine_->events_after(0, 1'000'000);
    ASSERT_TRUE(events.ok());
    for (const auto& e : *events) {
      if (e.kind == settlement::EventKind::kMessageRecorded) expected.insert(e.seq);
    }
  };
  std::vector<std::int64_t> received;
  std::int64_t cursor = 0;
  {
    testing::WsClient ws(port_);
    const auto sub = ws.call("zkr_subscribe", json::array{"messages", json::object{}, 0});
    ASSERT_TRUE(sub.at("result").is_string()) << json::serialize(sub);
    ASSERT_TRUE(ws.wait_notifications(10));
    for (const auto& n : ws.take_notifications()) {
      cursor = n.at("params").at("result").at("cursor").to_number<std::int64_t>();
      received.push_back(cursor);
    }
  }  // dropped mid-stream
  // More traffic while the client is away.
  for (std::uint64_t b = 4; b <= 6; ++b)
    ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, b, 7)).ok());
  testing::WsClient ws(port_);
  ASSERT_TRUE(ws.call("zkr_subscribe", json::array{"messages", json::object{}, cursor})
                  .at("result")
                  .is_string());
  std::thread more([&] {
    for (std::uint64_t b = 3; b <= 4; ++b)
      EXPECT_TRUE(engine_->ingest(testing::generated_batch(271, b, 5)).ok());
  });
  more.join();
  all_events();
  ASSERT_TRUE(ws.wait_notifications(expected.size() - received.size()));
  for (const auto& n : ws.take_notifications())
    received.push_back(n.at("params").at("result").at("cursor").to_number<std::int64_t>());
  EXPECT_EQ(received.size(), expected.size());
  EXPECT_EQ(std::set<std::int64_t>(received.begin(), received.end()), expected);
  EXPECT_TRUE(std::is_sorted(received.begin(), received.end()));
}

TEST_F(Api, ALiveSubscriberGetsEveryMessageOfALargeBatchOnceAndInOrder) {
  // 1500 messages: more than the hub reads per step and per database page.
  testing::WsClient ws(port_);
  ASSERT_TRUE(ws.call("zkr_subscribe", json::array{"messages"}).at("result").is_string());
  const std::uint64_t b = engine_->chain(270)->last_recorded + 1;
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, b, 1500)).ok());
  ASSERT_TRUE(ws.wait_notifications(1500));
  const auto notes = ws.take_notifications();
  ASSERT_EQ(notes.size(), 1500U);
  for (std::size_t i = 0; i < notes.size(); ++i) {
    const json::value& r = notes[i].at("params").at("result");
    EXPECT_EQ(r.at("message").at("id"), json::value(absl::StrCat("270:", b, ":", i)));
    if (i > 0) {
      EXPECT_EQ(r.at("cursor").to_number<std::int64_t>(),
                notes[i - 1].at("params").at("result").at("cursor").to_number<std::int64_t>() + 1);
    }
  }
}

TEST_F(Api, SubscriptionFiltersAndInteropRoots) {
  testing::WsClient ws(port_);
  ASSERT_TRUE(
      ws.call("zkr_subscribe", json::array{"messages", json::object{{"sourceChainId", 271}}, 0})
          .at("result")
          .is_string());
  ASSERT_TRUE(ws.call("zkr_subscribe", json::array{"interopRoots", json::object{}, 0})
                  .at("result")
                  .is_string());
  // 271 has 18 messages in the scenario; the Gateway sealed 5 blocks.
  ASSERT_TRUE(ws.wait_notifications(18 + 5));
  std::size_t messages = 0, roots = 0;
  for (const auto& n : ws.take_notifications()) {
    const auto& result = n.at("params").at("result");
    if (result.at("kind") == json::value("message_recorded")) {
      ++messages;
      EXPECT_EQ(result.at("chainId").to_number<std::uint64_t>(), 271U);
    } else {
      ++roots;
      EXPECT_EQ(result.at("kind"), json::value("gateway_block_sealed"));
    }
  }
  EXPECT_EQ(messages, 18U);
  EXPECT_EQ(roots, 5U);
  EXPECT_EQ(reason(ws.call("zkr_subscribe",
                           json::array{"interopRoots", json::object{{"sender", "0x00"}}})),
            "invalid_params");
  EXPECT_EQ(reason(ws.call("zkr_subscribe", json::array{"weather"})), "invalid_params");
  EXPECT_EQ(reason(ws.call("zkr_subscribe", json::array{"messages", json::object{}, 1'000'000})),
            "invalid_params");
  EXPECT_TRUE(ws.call("zkr_unsubscribe", json::array{"0x1"}).at("result").as_bool());
  EXPECT_FALSE(ws.call("zkr_unsubscribe", json::array{"0x1"}).at("result").as_bool());
}

TEST_F(Api, StopsCleanlyWithSubscribersConnected) {
  testing::WsClient ws(port_, std::chrono::seconds(5));
  ASSERT_TRUE(ws.call("zkr_subscribe", json::array{"messages", json::object{}, 0})
                  .at("result")
                  .is_string());
  ASSERT_TRUE(ws.wait_notifications(1));
  server_.reset();  // sessions still open: they must unsubscribe from a hub that still exists
  for (int i = 0; i < 10000 && ws.read().has_value(); ++i) {
  }
  EXPECT_TRUE(ws.closed());
}

class ApiSlow : public Api {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.idle_timeout = std::chrono::seconds(1);
    start(o);
  }
};

// TLS: the same port serves HTTPS and WSS with a certificate made for the test by the openssl
// command; clients verify it. Plain HTTP and a client trusting another CA get nowhere.
class ApiTls : public Api {
 protected:
  static bool make_certificate(const std::string& dir, const std::string& name) {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
        "-keyout " +
        dir + "/" + name + ".key -out " + dir + "/" + name + ".pem > /dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  void SetUp() override {
    ASSERT_TRUE(make_certificate(dir_.path().string(), "server")) << "openssl req failed";
    ASSERT_TRUE(make_certificate(dir_.path().string(), "other"));
    ServerOptions o;
    o.tls_certificate_file = dir_.file("server.pem");
    o.tls_private_key_file = dir_.file("server.key");
    start(o);
  }
};

TEST_F(ApiTls, HttpsAndWssOnOnePort) {
  const std::string ca = dir_.file("server.pem");
  const auto health = api::https_request("127.0.0.1", port_, ca, "GET", "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"status\":\"ok\""), std::string::npos) << health.body;
  const std::string call =
      R"({"jsonrpc":"2.0","id":7,"method":"zkr_getInteropRoot","params":[10]})";
  const auto expected = engine_->interop_root(10);
  ASSERT_TRUE(expected.ok());
  const auto https =
      json::parse(api::https_request("127.0.0.1", port_, ca, "POST", "/", call).body);
  EXPECT_EQ(https.at("result").at("root"), json::value(merkle::to_hex(*expected)));
  const auto wss = json::parse(api::wss_exchange("127.0.0.1", port_, ca, call));
  EXPECT_EQ(wss.at("result").at("root"), json::value(merkle::to_hex(*expected)));
  // A client that trusts another certificate refuses the server.
  EXPECT_THROW(api::https_request("127.0.0.1", port_, dir_.file("other.pem"), "GET", "/health"),
               std::runtime_error);
  // Plain HTTP on the TLS port gets no HTTP answer.
  bool plain_answered = false;
  try {
    plain_answered = testing::http_request(port_, "GET", "/health").status == 200;
  } catch (const std::exception&) {
  }
  EXPECT_FALSE(plain_answered);
  // The server still serves after those failures.
  EXPECT_EQ(api::https_request("127.0.0.1", port_, ca, "GET", "/health").status, 200);
  EXPECT_NE(server_->metrics_text().find("zkrouter_tls_handshake_failures_total 2"),
            std::string::npos)
      << server_->metrics_text();
}

TEST(ServerTls, AMissingCertificateIsAClearError) {
  testing::TempDir dir;
  auto engine = testing::open_engine(dir.file("zkrouter.db"));
  ServerOptions o;
  o.port = 0;
  o.tls_certificate_file = dir.file("nope.pem");
  o.tls_private_key_file = dir.file("nope.key");
  Server server(*engine, o);
  const auto port = server.start();
  EXPECT_EQ(port.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(port.status().message().find("nope.pem"), std::string::npos) << port.status();
}

TEST_F(ApiLimits, OversizeBodiesAndFramesAreRefused) {
  const auto r = testing::http_request(port_, "POST", "/", std::string(100 * 1024, ' '));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(reason(json::parse(r.body)), "too_large");
  {
    testing::WsClient ws(port_);
    ws.send_text(std::string(100 * 1024, ' '));
    EXPECT_FALSE(ws.read().has_value());  // the server ends the connection
    // The close frame (1009, too big) may be lost to a reset when the rest of the frame is unread.
    EXPECT_TRUE(ws.closed());
    if (ws.close_code() != 0) {
      EXPECT_EQ(ws.close_code(), 1009);
    }
  }
  const auto metrics = testing::http_request(port_, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("zkrouter_too_large_total 2"), std::string::npos) << metrics;
}

// Slow-loris: a client that sends its request a byte at a time, slower than the idle timeout
// allows, is disconnected; the server keeps answering others meanwhile.
TEST_F(ApiSlow, ASlowLorisClientIsCutOffAtTheIdleTimeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const timeval wait{.tv_sec = 0, .tv_usec = 200000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  const std::string partial = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n";
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (std::size_t i = 0; i < partial.size() && !closed; ++i) {
    (void)::send(fd, &partial[i], 1, MSG_NOSIGNAL);
    char c;
    const ssize_t n = ::recv(fd, &c, 1, 0);  // waits 200 ms: the byte rate of a slow loris
    closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    // Others are still served while it dawdles.
    if (i == 3) {
      EXPECT_TRUE(call("zkr_getChain", json::array{270}).as_object().contains("result"));
    }
  }
  ::close(fd);
  EXPECT_TRUE(closed) << "the connection was still open after the whole slow request";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(ApiLimits, TooManySubscriptionsAndRateLimit) {
  testing::WsClient ws(port_);
  EXPECT_TRUE(ws.call("zkr_subscribe", json::array{"interopRoots"}).at("result").is_string());
  EXPECT_TRUE(ws.call("zkr_subscribe", json::array{"batches"}).at("result").is_string());
  EXPECT_EQ(reason(ws.call("zkr_subscribe", json::array{"finality"})), "too_many_subscriptions");
  // The bucket (5/s, burst 5) is spent by now: the next calls are refused, not queued.
  std::size_t limited = 0;
  for (int i = 0; i < 5; ++i) {
    const auto r = ws.call("zkr_getGatewayStatus", json::array{});
    if (r.as_object().contains("error") && reason(r) == "rate_limited") ++limited;
  }
  EXPECT_GT(limited, 0U);
}

TEST_F(Api, ConcurrentClients) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        const auto r = testing::rpc_http(port_, "zkr_getProof",
                                         json::array{"271:2:" + std::to_string(i % 17)});
        if (r.as_object().contains("result") && r.at("result").at("proof").as_array().size() == 23)
          ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 200);
}

}  // namespace
}  // namespace zkr::api

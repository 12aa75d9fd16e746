// Every error reason the API gives comes with the code docs/api.md's table gives it: the table in
// the docs is read and compared with the server's, then each reason is provoked over real sockets
// and its answer checked against the docs' row.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "api/json_codec.hpp"
#include "api/protobuf_batch.hpp"
#include "api/rpc.hpp"
#include "tests/api/api_fixture.hpp"

namespace zkr::api {
namespace {

namespace json = boost::json;

/// reason -> code, from the rows of the "Errors" table of docs/api.md: `| -32xxx | `name`, … |`.
/// (Plain string scanning: std::regex trips g++ 12's maybe-uninitialized warning under ASan.)
std::map<std::string, int> documented_reasons() {
  std::ifstream in(std::string(ZKR_SOURCE_DIR) + "/docs/api.md");
  std::map<std::string, int> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| -32", 0) != 0) continue;
    const std::size_t code_end = line.find(" |", 2);
    const std::size_t names_end = line.find(" |", code_end + 2);
    if (code_end == std::string::npos || names_end == std::string::npos) continue;
    const int code = std::stoi(line.substr(2, code_end - 2));
    const std::string names = line.substr(code_end + 2, names_end - code_end - 2);
    for (std::size_t at = names.find('`'); at != std::string::npos;) {
      const std::size_t end = names.find('`', at + 1);
      if (end == std::string::npos) break;
      out[names.substr(at + 1, end - at - 1)] = code;
      at = names.find('`', end + 1);
    }
  }
  return out;
}

TEST(ErrorTable, TheServersReasonsAndCodesAreTheDocumentedOnes) {
  const auto documented = documented_reasons();
  ASSERT_GE(documented.size(), 15U) << "the table in docs/api.md was not found";
  std::map<std::string, int> served;
  for (const ErrorReason& r : error_reasons()) served[std::string(r.reason)] = r.code;
  EXPECT_EQ(served, documented);
  // Statuses without a reason of their own take their code's.
  EXPECT_EQ(to_rpc_error(absl::DataLossError("x")).reason, "data_loss");
  EXPECT_EQ(to_rpc_error(absl::InternalError("x")).reason, "internal");
  EXPECT_EQ(to_rpc_error(absl::DataLossError("x")).code, documented.at("data_loss"));
  EXPECT_EQ(to_rpc_error(absl::InternalError("x")).code, documented.at("internal"));
  EXPECT_EQ(to_rpc_error(absl::ResourceExhaustedError("x")).code,
            documented.at("resource_exhausted"));
}

class ApiErrors : public ApiLimits {
 protected:
  /// Checks that `response` is an error with `expected` as its reason and the docs' code for it.
  void expect_error(const json::value& response, const std::string& expected) {
    ASSERT_TRUE(response.is_object() && response.as_object().contains("error"))
        << expected << ": " << json::serialize(response);
    EXPECT_EQ(reason(response), expected) << json::serialize(response);
    EXPECT_EQ(response.at("error").at("code").to_number<int>(), documented_.at(expected))
        << expected << ": " << json::serialize(response);
    seen_.insert(expected);
  }
  std::string raw_text(const std::string& body) {
    return testing::http_request(port_, "POST", "/", body).body;
  }
  json::value raw(const std::string& body) { return json::parse(raw_text(body)); }

  const std::map<std::string, int> documented_ = documented_reasons();
  std::set<std::string> seen_;
};

TEST_F(ApiErrors, EveryReasonComesWithItsDocumentedCode) {
  expect_error(raw("{not json"), "parse_error");
  expect_error(raw(R"({"jsonrpc":"1.0","id":1,"method":"zkr_getChain"})"), "invalid_request");
  std::string batch = "[";
  for (int i = 0; i < 101; ++i)
    batch += std::string(i ? "," : "") + R"({"jsonrpc":"2.0","id":1,"method":"x"})";
  expect_error(raw(batch + "]"), "batch_too_long");
  expect_error(
      json::parse(testing::http_request(port_, "POST", "/", std::string(100 * 1024, ' ')).body),
      "too_large");
  expect_error(raw(R"({"jsonrpc":"2.0","id":1,"method":"nope"})"), "method_not_found");
  expect_error(call("zkr_getMessage", json::array{"270-1-0"}), "invalid_params");
  json::array many;
  for (int i = 0; i < 101; ++i) many.push_back(json::array{"270:1:0"});
  expect_error(call("zkr_getProofs", json::array{many}), "too_many_requests");
  expect_error(call("zkr_getMessage", json::array{"270:99:0"}), "not_found");
  expect_error(call("zkr_getInteropRoot", json::array{0}), "not_found");
  // Not final yet: a block past the last sealed one, a proof of a batch not executed yet.
  const std::uint64_t next = *engine_->last_sealed_block() + 1;
  expect_error(call("zkr_getInteropRoot", json::array{next}), "not_final");
  ASSERT_TRUE(engine_->ingest(testing::generated_batch(270, 4, 2)).ok());
  expect_error(call("zkr_getProof", json::array{"270:4:0", "gateway"}), "not_final");
  expect_error(call("zkr_getProof", json::array{"270:1:0", "gateway", next}), "not_final");
  // Never: batch 1 of chain 272 settled on L1, so it has no Gateway proof; the message says which.
  const json::value never = call("zkr_getProof", json::array{"272:1:0", "gateway"});
  expect_error(never, "failed_precondition");
  EXPECT_NE(std::string(never.at("error").at("message").as_string()).find("target l1"),
            std::string::npos)
      << json::serialize(never);
  const auto submit = [&](std::uint64_t number, std::size_t messages, std::uint64_t seed,
                          std::uint64_t credential_of) {
    json::array params{batch_to_json(testing::generated_batch(270, number, messages, seed))};
    return call("zkr_submitBatch", std::move(params),
                credential_of == 0 ? "" : testing::credential_for(credential_of));
  };
  expect_error(submit(4, 3, 9, 270), "already_exists");  // a different batch 4: a fork
  expect_error(submit(5, 1, 0, 271), "permission_denied");
  expect_error(submit(5, 1, 0, 0), "unauthenticated");
  engine_->inject_write_fault(1);
  expect_error(submit(5, 1, 0, 270), "unavailable");
  {
    testing::WsClient ws(port_);
    EXPECT_TRUE(ws.call("zkr_subscribe", json::array{"interopRoots"}).at("result").is_string());
    EXPECT_TRUE(ws.call("zkr_subscribe", json::array{"batches"}).at("result").is_string());
    expect_error(ws.call("zkr_subscribe", json::array{"finality"}), "too_many_subscriptions");
    json::value limited;
    for (int i = 0; i < 20 && limited.is_null(); ++i) {
      const json::value r = ws.call("zkr_getChain", json::array{270});
      if (r.as_object().contains("error")) limited = r;
    }
    expect_error(limited, "rate_limited");
  }
  // What no request can provoke (a corrupt database, a bug, a limit with no reason of its own) is
  // checked through the mapping in TheServersReasonsAndCodesAreTheDocumentedOnes.
  for (const auto& [name, code] : documented_) {
    if (name == "data_loss" || name == "internal" || name == "resource_exhausted") continue;
    EXPECT_TRUE(seen_.contains(name)) << "reason " << name << " was not provoked";
  }
}

// Cursors and times are signed 64-bit on the server: a value at or above 2^63 is refused as out of
// range instead of wrapping to a negative number and replaying history from the start.
TEST_F(ApiErrors, CursorsAtOrAbove2To63AreOutOfRange) {
  const std::uint64_t too_big = std::uint64_t{1} << 63;
  for (const char* field : {"cursor", "fromTime", "toTime"}) {
    const json::value r = call("zkr_listMessages", json::array{json::object{{field, too_big}}});
    expect_error(r, "invalid_params");
    EXPECT_NE(std::string(r.at("error").at("message").as_string()).find("out of range"),
              std::string::npos)
        << json::serialize(r);
    EXPECT_TRUE(call("zkr_listMessages", json::array{json::object{{field, too_big - 1}}})
                    .as_object()
                    .contains("result"))
        << field;
  }
  testing::WsClient ws(port_);
  expect_error(ws.call("zkr_subscribe", json::array{"messages", json::object{}, too_big}),
               "invalid_params");
  expect_error(ws.call("zkr_subscribe", json::array{"messages", json::object{}, ~std::uint64_t{0}}),
               "invalid_params");
}

// An id must be a string, null or an integer: 1e400 (Infinity as a double, which is not JSON) and
// fractions are invalid requests, and every answer, of a batch too, stays valid JSON.
TEST_F(ApiErrors, NonIntegralAndNonFiniteIdsAreInvalidRequests) {
  for (const std::string id : {"1e400", "-1e400", "1.5"}) {
    const std::string text =
        raw_text(R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"zkr_getChain","params":[270]})");
    json::error_code ec;
    const json::value r = json::parse(text, ec);
    ASSERT_FALSE(ec) << id << ": not JSON: " << text;
    expect_error(r, "invalid_request");
    EXPECT_TRUE(r.at("id").is_null()) << text;
  }
  const std::string batch =
      raw_text(R"([{"jsonrpc":"2.0","id":1e400,"method":"zkr_getChain","params":[270]},)"
               R"({"jsonrpc":"2.0","id":7,"method":"zkr_getChain","params":[270]}])");
  json::error_code ec;
  const json::value answers = json::parse(batch, ec);
  ASSERT_FALSE(ec) << batch;
  ASSERT_EQ(answers.as_array().size(), 2U);
  EXPECT_EQ(reason(answers.as_array()[0]), "invalid_request");
  EXPECT_TRUE(answers.as_array()[1].as_object().contains("result"));
  // Integers, large ones too, are echoed as they came.
  EXPECT_EQ(raw(R"({"jsonrpc":"2.0","id":1e3,"method":"zkr_getChain","params":[270]})")
                .at("id")
                .to_number<double>(),
            1000.0);
}

// A WebSocket authenticated for chain 271 that submits for chain 270 is denied
// (permission_denied), as HTTP denies a wrong credential; unauthenticated means no credential.
TEST_F(ApiErrors, AWebSocketAuthenticatedForAnotherChainIsDenied) {
  testing::WsClient ws(port_);
  const std::string frame =
      encode_batch_frame({.request_id = 5, .batch = testing::generated_batch(270, 4, 2)});
  ws.send_binary(frame);
  expect_error(json::parse(*ws.read()), "unauthenticated");
  const auto auth = ws.call("zkr_authenticate", json::array{271, testing::credential_for(271)});
  ASSERT_TRUE(auth.at("result").at("authenticated").as_bool()) << json::serialize(auth);
  ws.send_binary(frame);
  expect_error(json::parse(*ws.read()), "permission_denied");
  EXPECT_FALSE(engine_->batch(270, 4).has_value()) << "nothing of it is stored";
}

}  // namespace
}  // namespace zkr::api

// Every error reason the API gives comes with the code docs/api.md's table gives it: the table in
// the docs is read and compared with the server's, then each reason is provoked over real sockets
// and its answer checked against the docs' row.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "api/json_codec.hpp"
#include "api/rpc.hpp"
#include "tests/api/api_fixture.hpp"

namespace zkr::api {
namespace {

namespace json = boost::json;

/// reason -> code, from the rows of the "Errors" table of docs/api.md.
std::map<std::string, int> documented_reasons() {
  std::ifstream in(std::string(ZKR_SOURCE_DIR) + "/docs/api.md");
  std::stringstream text;
  text << in.rdbuf();
  std::map<std::string, int> out;
  const std::regex row(R"(^\| (-32\d\d\d) \| (.*?) \|)");
  const std::regex name("`([a-z_]+)`");
  std::string line;
  while (std::getline(text, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    const int code = std::stoi(m[1]);
    const std::string names = m[2];
    for (std::sregex_iterator it(names.begin(), names.end(), name), end; it != end; ++it)
      out[(*it)[1]] = code;
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
  json::value raw(const std::string& body) {
    return json::parse(testing::http_request(port_, "POST", "/", body).body);
  }

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

}  // namespace
}  // namespace zkr::api

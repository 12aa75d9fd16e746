// The chain endpoints: /chains/{id} for every chain the router knows and for the Gateway, over HTTP
// and WebSocket, with Ethereum's conventions; an endpoint sees only its own chain's transactions.

#include <gtest/gtest.h>

#include "tests/api/api_fixture.hpp"

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

}  // namespace
}  // namespace zkr::api

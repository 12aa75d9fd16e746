#pragma once
// The API test fixture: a server on 127.0.0.1:0 over an engine holding the spec's scenario, called
// over real sockets.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "api/server.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/rpc_client.hpp"

namespace zkr::api {

class Api : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    engine_ = testing::open_engine(dir_.database("zkrouter.db"));
    testing::replay_scenario(*engine_);
    options.port = 0;
    server_ = std::make_unique<Server>(*engine_, options);
    const auto port = server_->start();
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
  }
  void SetUp() override { start(); }
  void TearDown() override { server_.reset(); }

  boost::json::value call(const std::string& method, boost::json::value params,
                          const std::string& bearer = "") {
    return testing::rpc_http(port_, method, std::move(params), bearer);
  }
  static std::string reason(const boost::json::value& response) {
    return std::string(response.at("error").at("data").at("reason").as_string());
  }
  std::string tx_of(std::uint64_t chain, std::uint64_t batch, std::uint64_t index) {
    return merkle::to_hex(engine_->message({chain, batch, index})->tx_hash);
  }

  testing::TempDir dir_;
  std::unique_ptr<router::Engine> engine_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
};

/// Small limits, to reach each of them quickly.
class ApiLimits : public Api {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.max_body_bytes = 64 * 1024;
    o.max_subscriptions_per_connection = 2;
    o.max_queued_messages = 4;
    o.requests_per_second = 5;
    o.request_burst = 5;
    start(o);
  }
};

}  // namespace zkr::api

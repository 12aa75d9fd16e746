#pragma once
// What the examples share: where the router is (--host, --port) and small JSON helpers.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "api/client.hpp"

ABSL_DECLARE_FLAG(std::string, host);
ABSL_DECLARE_FLAG(int, port);

namespace zkr::examples {

inline std::uint16_t port() {
  return static_cast<std::uint16_t>(absl::GetFlag(FLAGS_port));
}

/// Calls a method over HTTP; exits with a message on a JSON-RPC error.
inline boost::json::value call(const std::string& method, boost::json::value params) {
  const boost::json::value r =
      api::rpc_http(absl::GetFlag(FLAGS_host), port(), method, std::move(params));
  if (r.as_object().contains("error")) {
    std::fprintf(stderr, "%s failed: %s\n", method.c_str(),
                 boost::json::serialize(r.at("error")).c_str());
    std::exit(1);
  }
  return r.at("result");
}

inline std::string str(const boost::json::value& v) {
  return std::string(v.as_string());
}

}  // namespace zkr::examples

#pragma once
// The tests use the public client.
#include "api/client.hpp"

namespace zkr::testing {
using api::http_request;
using api::HttpReply;
using api::rpc_http;
using api::WsClient;
}  // namespace zkr::testing

#include "api/upstream.hpp"

#include <boost/json.hpp>

#include "absl/strings/str_cat.h"
#include "api/rpc.hpp"
#include "merkle/status.hpp"

namespace zkr::api {
namespace json = boost::json;

absl::StatusOr<Upstream> Upstream::create(std::uint64_t chain_id, std::string url) {
  absl::StatusOr<settlement::http::Url> where = settlement::http::parse_url(url);
  if (!where.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("chain ", chain_id, "'s rpcUrl: ", where.status().message()));
  }
  return Upstream(chain_id, std::move(url), std::move(*where));
}

Upstream Upstream::in_process(std::uint64_t chain_id, std::string name, Answer answer) {
  Upstream u(chain_id, std::move(name), {});
  u.answer_ = std::move(answer);
  return u;
}

absl::StatusOr<json::value> Upstream::call(std::string_view method,
                                           const json::value& params) const {
  if (answer_) return answer_(method, params);
  const json::object request{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
  const auto unavailable = [&](absl::string_view why) {
    return absl::UnavailableError(absl::StrCat("chain ", chain_id_, "'s node at ", url_, " ", why,
                                               " (", to_absl(method), ")"));
  };
  absl::StatusOr<settlement::http::Reply> reply =
      settlement::http::exchange({.host = where_.host,
                                  .port = where_.port,
                                  .target = where_.target,
                                  .body = json::serialize(request),
                                  .timeout = timeout_,
                                  .max_body_bytes = 16 * 1024 * 1024});
  if (!reply.ok()) return unavailable(absl::StrCat("is unreachable: ", reply.status().message()));
  json::error_code ec;
  const json::value answer = json::parse(reply->body, ec);
  const json::object* o = answer.if_object();
  if (ec || o == nullptr) {
    return unavailable(absl::StrCat("answered HTTP ", reply->status, " without a JSON-RPC object"));
  }
  if (const json::value* error = o->if_contains("error"); error != nullptr && error->is_object()) {
    return relayed_error(*error);
  }
  const json::value* result = o->if_contains("result");
  if (result == nullptr) return unavailable("answered without a result");
  return *result;
}

}  // namespace zkr::api

#include "api/rpc.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::api {
namespace json = boost::json;

namespace {

constexpr std::string_view kReasonPayload = "zkr/reason";
constexpr std::string_view kRelayedPayload = "zkr/relayed";

json::value error_object(const json::value& id, const RpcError& e) {
  return json::object{{"jsonrpc", "2.0"},
                      {"id", id},
                      {"error", json::object{{"code", e.code},
                                             {"message", e.message},
                                             {"data", json::object{{"reason", e.reason}}}}}};
}

// A string, null, or an integer: a fraction, or a number too large for a double (which would be
// echoed as Infinity, not JSON), is refused.
bool valid_id(const json::value& id) {
  if (id.is_string() || id.is_null() || id.is_int64() || id.is_uint64()) return true;
  if (!id.is_double()) return false;
  const double d = id.get_double();
  return std::isfinite(d) && d == std::trunc(d);
}

}  // namespace

absl::Status relayed_error(const json::value& error) {
  absl::Status status = absl::UnknownError("relayed");
  status.SetPayload(to_absl(kRelayedPayload), absl::Cord(json::serialize(error)));
  return status;
}

absl::Status with_reason(absl::Status status, std::string_view reason) {
  status.SetPayload(to_absl(kReasonPayload), absl::Cord(to_absl(reason)));
  return status;
}

constexpr ErrorReason kReasons[] = {
    {"parse_error", -32700},
    {"invalid_request", -32600},
    {"batch_too_long", -32600},
    {"too_large", -32600},
    {"method_not_found", -32601},
    {"invalid_params", -32602},
    {"too_many_requests", -32602},
    {"not_found", -32001},
    {"not_final", -32002},
    {"failed_precondition", -32002},
    {"already_exists", -32003},
    {"permission_denied", -32004},
    {"unauthenticated", -32005},
    {"rate_limited", -32006},
    {"too_many_subscriptions", -32006},
    {"resource_exhausted", -32006},
    {"unavailable", -32007},
    {"data_loss", -32603},
    {"internal", -32603},
};

std::span<const ErrorReason> error_reasons() noexcept {
  return kReasons;
}

RpcError rpc_error(std::string_view reason, std::string message) {
  const auto it = std::find_if(std::begin(kReasons), std::end(kReasons),
                               [reason](const ErrorReason& r) { return r.reason == reason; });
  ZKR_CHECK(it != std::end(kReasons));
  return RpcError{it->code, std::string(reason), std::move(message)};
}

RpcError to_rpc_error(const absl::Status& status) {
  std::string_view reason;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      reason = "invalid_params";
      break;
    case absl::StatusCode::kNotFound:
      reason = "not_found";
      break;
    case absl::StatusCode::kFailedPrecondition:
      reason = "failed_precondition";
      break;
    case absl::StatusCode::kAlreadyExists:
      reason = "already_exists";
      break;
    case absl::StatusCode::kPermissionDenied:
      reason = "permission_denied";
      break;
    case absl::StatusCode::kUnauthenticated:
      reason = "unauthenticated";
      break;
    case absl::StatusCode::kResourceExhausted:
      reason = "resource_exhausted";
      break;
    case absl::StatusCode::kUnavailable:
      reason = "unavailable";
      break;
    case absl::StatusCode::kDataLoss:
      reason = "data_loss";
      break;
    default:
      reason = "internal";
      break;
  }
  const auto payload = status.GetPayload(to_absl(kReasonPayload));
  const std::string named = payload ? std::string(*payload) : std::string(reason);
  return rpc_error(named, std::string(status.message()));
}

void Dispatcher::add(std::string name, Handler handler, Cost cost) {
  Method& m = handlers_.try_emplace(std::move(name)).first->second;
  m.handler = std::move(handler);
  m.raw = nullptr;
  m.cost = cost;
}

void Dispatcher::add_raw(std::string name, RawHandler handler, Cost cost) {
  Method& m = handlers_.try_emplace(std::move(name)).first->second;
  m.handler = nullptr;
  m.raw = std::move(handler);
  m.cost = cost;
}

void Dispatcher::set_fallback(Handler handler) {
  fallback_.handler = std::move(handler);
  fallback_.cost = Cost::kBlocking;
}

bool Dispatcher::is_inline(const json::value& request) const {
  const json::object* obj = request.if_object();
  const json::value* method = obj != nullptr ? obj->if_contains("method") : nullptr;
  if (method == nullptr || !method->is_string()) return true;  // answered with an error
  const json::string& name = method->get_string();
  const auto it = handlers_.find(std::string(name.data(), name.size()));
  if (it == handlers_.end()) return !fallback_.handler;
  return it->second.cost == Cost::kInline;
}

std::uint64_t Dispatcher::answered(std::string_view method) const {
  const auto it = handlers_.find(std::string(method));
  return it == handlers_.end() ? 0 : it->second.answered.load(std::memory_order_relaxed);
}

bool Dispatcher::has(std::string_view name) const {
  return handlers_.contains(std::string(name));
}

std::string Dispatcher::error_response(const json::value& id, const RpcError& error) {
  return json::serialize(error_object(id, error));
}

std::optional<json::value> Dispatcher::check(const json::value& request, Call& call) const {
  const json::object* obj = request.if_object();
  if (obj == nullptr) {
    return error_object(nullptr, rpc_error("invalid_request", "a request must be a JSON object"));
  }
  const json::value* id = obj->if_contains("id");
  const json::value response_id = id != nullptr && valid_id(*id) ? *id : json::value(nullptr);
  const json::value* version = obj->if_contains("jsonrpc");
  const json::value* method = obj->if_contains("method");
  if (version == nullptr || !version->is_string() || version->get_string() != "2.0") {
    return error_object(response_id, rpc_error("invalid_request", "\"jsonrpc\" must be \"2.0\""));
  }
  if (method == nullptr || !method->is_string()) {
    return error_object(response_id, rpc_error("invalid_request", "\"method\" must be a string"));
  }
  if (id != nullptr && !valid_id(*id)) {
    return error_object(
        nullptr, rpc_error("invalid_request", "\"id\" must be a string, an integer or null"));
  }
  const json::value* params = obj->if_contains("params");
  static const json::value kNoParams = json::array();
  if (params != nullptr && !params->is_array() && !params->is_object()) {
    return error_object(response_id,
                        rpc_error("invalid_request", "\"params\" must be an array or object"));
  }
  call.id = id;
  call.name = std::string(method->get_string());
  const auto it = handlers_.find(call.name);
  call.method = it != handlers_.end() ? &it->second : fallback_.handler ? &fallback_ : nullptr;
  call.params = params != nullptr ? params : &kNoParams;
  return std::nullopt;
}

std::optional<json::value> Dispatcher::respond(const Call& call, CallContext& context) const {
  absl::StatusOr<json::value> result = absl::UnimplementedError("");
  context.method = call.name;
  if (call.method != nullptr && call.method->raw) {
    absl::StatusOr<std::string> text = call.method->raw(*call.params, context);
    if (text.ok()) {
      result = json::parse(*text);
    } else {
      result = text.status();
    }
  } else if (call.method != nullptr) {
    result = call.method->handler(*call.params, context);
  }
  if (result.ok() && call.method != nullptr)
    call.method->answered.fetch_add(1, std::memory_order_relaxed);
  if (call.id == nullptr) return std::nullopt;  // a notification: no response, whatever happened
  if (call.method == nullptr) {
    return error_object(*call.id,
                        rpc_error("method_not_found",
                                  absl::StrCat("no method ", to_absl(utf8_prefix(call.name, 64)))));
  }
  if (!result.ok()) {
    if (const auto relayed = result.status().GetPayload(to_absl(kRelayedPayload))) {
      return json::object{
          {"jsonrpc", "2.0"}, {"id", *call.id}, {"error", json::parse(std::string(*relayed))}};
    }
    return error_object(*call.id, to_rpc_error(result.status()));
  }
  return json::object{{"jsonrpc", "2.0"}, {"id", *call.id}, {"result", std::move(*result)}};
}

std::optional<json::value> Dispatcher::handle_one(const json::value& request,
                                                  CallContext& context) const {
  Call call;
  if (auto error = check(request, call)) return error;
  return respond(call, context);
}

std::optional<std::string> Dispatcher::handle_single(const json::value& request,
                                                     CallContext& context) const {
  Call call;
  if (auto error = check(request, call)) return json::serialize(*error);
  std::string out;
  if (call.method == nullptr || !call.method->raw || call.id == nullptr) {
    auto r = respond(call, context);
    if (!r) return std::nullopt;
    out = json::serialize(*r);
  } else {
    // A raw result on its own is spliced into the response as it is, never parsed.
    absl::StatusOr<std::string> text = call.method->raw(*call.params, context);
    if (!text.ok()) return error_response(*call.id, to_rpc_error(text.status()));
    call.method->answered.fetch_add(1, std::memory_order_relaxed);
    out = absl::StrCat("{\"jsonrpc\":\"2.0\",\"id\":", json::serialize(*call.id),
                       ",\"result\":", *text, "}");
  }
  if (out.size() > limits_.max_response_bytes) {
    const json::value* id = request.as_object().if_contains("id");
    return error_response(id != nullptr ? *id : json::value(nullptr), too_large_answer(out.size()));
  }
  return out;
}

RpcError Dispatcher::too_large_answer(std::size_t bytes) const {
  if (bytes == 0) {
    return rpc_error("too_large", absl::StrCat("the batch's answers reached the limit of ",
                                               limits_.max_response_bytes,
                                               " bytes before this call; it was not run"));
  }
  return rpc_error("too_large",
                   absl::StrCat("the answer would be ", bytes, " bytes, over the limit of ",
                                limits_.max_response_bytes, "; ask for less in one request"));
}

Dispatcher::Parsed Dispatcher::parse(std::string_view text) const {
  Parsed out;
  json::parse_options options;
  options.max_depth = limits_.max_depth;
  json::error_code ec;
  out.doc = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
  if (ec) {
    out.error = error_response(
        nullptr, rpc_error("parse_error", absl::StrCat("invalid JSON: ", ec.message())));
    return out;
  }
  if (!out.doc.is_array()) {
    out.runs_inline = is_inline(out.doc);
    return out;
  }
  const json::array& batch = out.doc.get_array();
  if (batch.empty()) {
    out.error = error_response(nullptr, rpc_error("invalid_request", "an empty batch"));
  } else if (batch.size() > limits_.max_batch) {
    out.error = error_response(
        nullptr,
        rpc_error("batch_too_long", absl::StrCat("a batch holds at most ", limits_.max_batch,
                                                 " requests, got ", batch.size())));
  } else {
    out.runs_inline = std::all_of(batch.begin(), batch.end(),
                                  [this](const json::value& r) { return is_inline(r); });
  }
  return out;
}

std::optional<std::string> Dispatcher::handle(const Parsed& parsed, CallContext& context) const {
  if (parsed.error) return parsed.error;
  if (!parsed.doc.is_array()) return handle_single(parsed.doc, context);
  // Answers are serialized one by one so that a batch stops growing at the answer size limit:
  // the calls after that point are answered too_large without being run.
  std::string out = "[";
  bool over = false;
  for (const json::value& request : parsed.doc.get_array()) {
    std::string one;
    if (!over) {
      if (auto r = handle_one(request, context)) one = json::serialize(*r);
      if (out.size() + one.size() + 1 > limits_.max_response_bytes) {
        over = true;
        one.clear();
      }
    }
    if (over) {
      const json::object* o = request.if_object();
      const json::value* id = o != nullptr ? o->if_contains("id") : nullptr;
      if (o != nullptr && id == nullptr) continue;  // a notification
      one = json::serialize(error_object(
          id != nullptr && valid_id(*id) ? *id : json::value(nullptr), too_large_answer(0)));
    }
    if (one.empty()) continue;
    if (out.size() > 1) out += ',';
    out += one;
  }
  if (out.size() == 1) return std::nullopt;
  out += ']';
  return out;
}

std::optional<std::string> Dispatcher::refuse(std::string_view text, const RpcError& error) const {
  json::parse_options options;
  options.max_depth = limits_.max_depth;
  json::error_code ec;
  const json::value doc = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
  const auto id_of = [](const json::value& request) -> std::optional<json::value> {
    const json::object* o = request.if_object();
    const json::value* id = o ? o->if_contains("id") : nullptr;
    if (o != nullptr && id == nullptr) return std::nullopt;  // a notification
    return id != nullptr && valid_id(*id) ? *id : json::value(nullptr);
  };
  if (ec || !doc.is_array()) {
    const auto id = ec ? std::optional<json::value>(nullptr) : id_of(doc);
    return id ? std::optional(error_response(*id, error)) : std::nullopt;
  }
  json::array out;
  for (const json::value& request : doc.get_array()) {
    if (const auto id = id_of(request)) out.push_back(error_object(*id, error));
  }
  if (out.empty()) return std::nullopt;
  return json::serialize(out);
}

// ---- FailureBucket ----

void FailureBucket::refill() {
  const auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
  last_ = now;
}

bool FailureBucket::allows() {
  std::lock_guard lock(mutex_);
  refill();
  return tokens_ >= 1;
}

void FailureBucket::charge() {
  std::lock_guard lock(mutex_);
  refill();
  tokens_ = std::max(0.0, tokens_ - 1);
}

bool FailureBucket::full() {
  std::lock_guard lock(mutex_);
  refill();
  return tokens_ >= burst_;
}

// ---- Params ----

Params::Params(const json::value& params, std::initializer_list<const char*> names)
    : params_(params), names_(names) {}

const json::value* Params::at(std::size_t i) const {
  if (const json::array* a = params_.if_array()) return i < a->size() ? &(*a)[i] : nullptr;
  if (const json::object* o = params_.if_object(); o != nullptr && i < names_.size())
    return o->if_contains(names_[i]);
  return nullptr;
}

absl::Status Params::error(std::size_t i, std::string_view what) const {
  return absl::InvalidArgumentError(absl::StrCat(
      "parameter ", i, " (", i < names_.size() ? names_[i] : "?", ") ", to_absl(what)));
}

bool Params::has(std::size_t i) const {
  const json::value* v = at(i);
  return v != nullptr && !v->is_null();
}

absl::Status Params::require(std::size_t i) const {
  return has(i) ? absl::OkStatus() : error(i, "is required");
}

absl::Status Params::no_extra() const {
  if (const json::array* a = params_.if_array(); a != nullptr && a->size() > names_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("this method takes at most ", names_.size(), " parameters, got ", a->size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<const json::value*> Params::value(std::size_t i) const {
  ZKR_RETURN_IF_ERROR(require(i));
  return at(i);
}

absl::StatusOr<std::uint64_t> Params::u64(std::size_t i) const {
  ZKR_ASSIGN_OR_RETURN(const json::value* v, value(i));
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  if (v->is_string()) {
    const std::string_view s(v->get_string().data(), v->get_string().size());
    std::uint64_t n = 0;
    const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const std::string_view digits = hex ? s.substr(2) : s;
    const auto [p, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), n, hex ? 16 : 10);
    if (ec == std::errc() && p == digits.data() + digits.size() && !digits.empty()) return n;
  }
  return error(i,
               "must be a non-negative integer below 2^64 (a number, a decimal string or 0x hex)");
}

absl::StatusOr<std::string> Params::string(std::size_t i) const {
  ZKR_ASSIGN_OR_RETURN(const json::value* v, value(i));
  if (!v->is_string()) return error(i, "must be a string");
  return std::string(v->get_string());
}

absl::StatusOr<merkle::Word> Params::word(std::size_t i) const {
  ZKR_ASSIGN_OR_RETURN(const std::string text, string(i));
  absl::StatusOr<merkle::Word> w = merkle::parse_word(text);
  if (!w.ok()) return error(i, to_std(w.status().message()));
  return w;
}

}  // namespace zkr::api

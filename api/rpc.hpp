#pragma once
// JSON-RPC 2.0 without a transport: parsing (with depth and size limits), batches, notifications,
// the method table, and the one place where an absl::Status becomes a JSON-RPC error with a stable
// machine-readable reason in error.data.reason. Handlers run on the caller's thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "merkle/types.hpp"

namespace zkr::api {

/// Marks a status with a specific reason (instead of the one its code maps to).
[[nodiscard]] absl::Status with_reason(absl::Status status, std::string_view reason);

/// An error another JSON-RPC server gave (a chain's own node, behind a chain endpoint): answered
/// as that server's `error` object, code and message unchanged.
[[nodiscard]] absl::Status relayed_error(const boost::json::value& error);

struct RpcError {
  int code = 0;
  std::string reason;
  std::string message;
};

/// One machine-readable reason and the JSON-RPC code it always comes with: the table of
/// docs/api.md, "Errors". Every error the API gives has a reason from this table.
struct ErrorReason {
  std::string_view reason;
  int code;
};
std::span<const ErrorReason> error_reasons() noexcept;
/// An error with `reason` (which must be in the table) and its code.
RpcError rpc_error(std::string_view reason, std::string message);
/// The mapping every handler error goes through: the reason set by with_reason() or, without one,
/// the reason of the status code; the code is the reason's.
RpcError to_rpc_error(const absl::Status& status);

/// Failed credential attempts allowed: a token bucket (`rate` a second, up to `burst`). Safe to
/// share between threads.
class FailureBucket {
 public:
  FailureBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}
  /// Whether another attempt may be made now.
  bool allows();
  /// An attempt failed.
  void charge();
  /// True when no failure is remembered any more.
  bool full();

 private:
  void refill();
  std::mutex mutex_;
  double rate_, burst_, tokens_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

/// Receives subscription requests from a WebSocket connection.
class SubscriptionSink {
 public:
  virtual ~SubscriptionSink() = default;
  [[nodiscard]] virtual absl::StatusOr<std::string> subscribe(const boost::json::value& params) = 0;
  [[nodiscard]] virtual absl::StatusOr<bool> unsubscribe(std::string_view id) = 0;
};

/// What a handler knows about the connection that called it.
struct CallContext {
  std::optional<std::string> bearer;  // HTTP: the Authorization: Bearer credential
  // Failed credential attempts of this connection and of its client address (either may be null).
  FailureBucket* connection_failures = nullptr;
  FailureBucket* address_failures = nullptr;
  std::set<std::uint64_t>* authenticated = nullptr;  // WebSocket: chains this connection proved
  SubscriptionSink* subscriptions = nullptr;         // WebSocket only
  // The chain whose endpoint (/chains/{id}) the call came to; none on the native API.
  std::optional<std::uint64_t> endpoint_chain;
  // The method being called (set by the dispatcher for the handler's use).
  std::string_view method;
};

using Handler = std::function<absl::StatusOr<boost::json::value>(const boost::json::value& params,
                                                                 CallContext&)>;

/// A handler whose result is already serialized JSON (hot methods: no document is built).
using RawHandler =
    std::function<absl::StatusOr<std::string>(const boost::json::value& params, CallContext&)>;

struct RpcLimits {
  std::size_t max_batch = 100;  // requests in one batch
  std::size_t max_depth = 32;   // JSON nesting
  // One answer's bytes: a call whose answer would pass it (or a batch's calls past it) is
  // answered too_large instead.
  std::size_t max_response_bytes = 16 * 1024 * 1024;
};

/// Where a method may run. kInline methods only read memory (no database, no waiting on other
/// threads beyond a shared lock), so the server runs them on the connection's I/O thread and saves
/// two thread hand-offs per call; everything else goes to the worker pool.
enum class Cost { kInline, kBlocking };

class Dispatcher {
 public:
  explicit Dispatcher(RpcLimits limits = {}) : limits_(limits) {}
  void add(std::string name, Handler handler, Cost cost = Cost::kBlocking);
  void add_raw(std::string name, RawHandler handler, Cost cost = Cost::kBlocking);
  /// Runs (on a worker) every call of a method the table does not have, instead of answering
  /// method_not_found; CallContext::method names it.
  void set_fallback(Handler handler);
  /// How many calls of `method` have succeeded so far.
  std::uint64_t answered(std::string_view method) const;
  bool has(std::string_view name) const;

  /// One HTTP body or WebSocket text message, parsed: the document (or the error answering it),
  /// and whether every method it calls is kInline.
  struct Parsed {
    boost::json::value doc;
    std::optional<std::string> error;
    bool runs_inline = true;
  };
  Parsed parse(std::string_view text) const;
  std::optional<std::string> handle(const Parsed& parsed, CallContext& context) const;

  /// Handles one HTTP body or WebSocket text message. Returns the response text, or nothing when
  /// the input held only notifications.
  std::optional<std::string> handle(std::string_view text, CallContext& context) const {
    return handle(parse(text), context);
  }

  /// Answers every request in `text` with `error` without running it (e.g. rate limited), echoing
  /// the ids it can read; nothing for notifications.
  std::optional<std::string> refuse(std::string_view text, const RpcError& error) const;

  /// Builds an error response (for transport-level refusals such as a body that is too large).
  static std::string error_response(const boost::json::value& id, const RpcError& error);

 private:
  struct Method;
  /// A request that passed the protocol checks.
  struct Call {
    const boost::json::value* id = nullptr;  // null: a notification
    const Method* method = nullptr;          // null: no such method
    std::string name;
    const boost::json::value* params = nullptr;
  };
  /// The protocol checks of one request: an error response, or `call` filled in.
  std::optional<boost::json::value> check(const boost::json::value& request, Call& call) const;
  RpcError too_large_answer(std::size_t bytes) const;
  /// Runs a checked call: its response document, or nothing for a notification.
  std::optional<boost::json::value> respond(const Call& call, CallContext& context) const;
  std::optional<boost::json::value> handle_one(const boost::json::value& request,
                                               CallContext& context) const;
  /// handle_one for a request on its own, serialized; raw handlers' text is spliced in unparsed.
  std::optional<std::string> handle_single(const boost::json::value& request,
                                           CallContext& context) const;
  RpcLimits limits_;
  struct Method {
    Handler handler;
    RawHandler raw;  // instead of `handler` when set
    Cost cost = Cost::kBlocking;
    mutable std::atomic<std::uint64_t> answered{0};  // successful calls
  };
  bool is_inline(const boost::json::value& request) const;
  std::unordered_map<std::string, Method> handlers_;
  Method fallback_;  // used when its handler is set
};

// ---- parameter access for handlers ----

/// Positional (array) or named (object) parameters, read by position with a name for errors.
class Params {
 public:
  Params(const boost::json::value& params, std::initializer_list<const char*> names);
  bool has(std::size_t i) const;
  [[nodiscard]] absl::StatusOr<std::uint64_t> u64(std::size_t i) const;
  [[nodiscard]] absl::StatusOr<std::string> string(std::size_t i) const;
  /// A 32-byte 0x-hex word (a hash).
  [[nodiscard]] absl::StatusOr<merkle::Word> word(std::size_t i) const;
  [[nodiscard]] absl::StatusOr<const boost::json::value*> value(std::size_t i) const;
  [[nodiscard]] absl::Status require(std::size_t i) const;
  /// InvalidArgument if more positional parameters were given than the method takes.
  [[nodiscard]] absl::Status no_extra() const;

 private:
  const boost::json::value* at(std::size_t i) const;
  [[nodiscard]] absl::Status error(std::size_t i, std::string_view what) const;
  const boost::json::value& params_;
  std::vector<const char*> names_;
};

}  // namespace zkr::api

// The only translation unit with Beast and Asio in it: listener, HTTP sessions, WebSocket sessions.
// One strand per connection; per WebSocket a reader coroutine and a queue written one message at a
// time by completion handlers (no coroutine hop per notification). Methods that only read
// memory (Cost::kInline: proofs, interop roots) run on the connection's I/O thread; every other
// engine call runs on the worker pool, never on an I/O thread.

#include "api/server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/strings/str_cat.h"
#include "api/explorer_assets.hpp"
#include "api/json_codec.hpp"
#include "api/methods.hpp"
#include "api/protobuf_batch.hpp"
#include "api/subscription_hub.hpp"
#include "merkle/status.hpp"
#include "settlement/log.hpp"

namespace zkr::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto as_tuple = asio::as_tuple(use_awaitable);

namespace {

struct Counters {
  std::atomic<std::uint64_t> connections_total{0}, connections_rejected{0},
      connections_rejected_address{0}, accept_errors{0}, http_requests{0}, ws_messages{0},
      rate_limited{0}, too_large{0}, slow_consumers{0}, batches_submitted{0}, tls_failures{0},
      bodies_refused{0}, bad_handshakes{0};
  std::atomic<std::int64_t> connections_open{0}, websockets_open{0};
};

/// Bytes held server-wide for one purpose (answers not yet written, request bodies being read),
/// against a cap. Workers may wait for room; everything else checks and moves on.
class ByteBudget {
 public:
  explicit ByteBudget(std::size_t cap) : cap_(cap) {}
  std::size_t used() const noexcept { return used_.load(); }
  bool has_room() const noexcept { return used_.load() < cap_; }
  /// Takes `n` if they fit under the cap.
  bool try_take(std::size_t n) {
    std::size_t used = used_.load();
    do {
      if (used + n > cap_) return false;
    } while (!used_.compare_exchange_weak(used, used + n));
    return true;
  }
  /// Takes `n` whether or not they fit (the caller checked has_room() before making them).
  void take(std::size_t n) noexcept { used_.fetch_add(n); }
  void give(std::size_t n) {
    if (n == 0) return;
    const std::size_t before = used_.fetch_sub(n);
    if (before >= cap_ && before - n < cap_) {
      std::lock_guard lock(mutex_);
      room_.notify_all();
    }
  }
  /// Blocks until there is room or `timeout` passes; true if there is room.
  bool wait_for_room(std::chrono::milliseconds timeout) {
    if (has_room()) return true;
    std::unique_lock lock(mutex_);
    return room_.wait_for(lock, timeout, [this] { return has_room(); });
  }

 private:
  const std::size_t cap_;
  std::atomic<std::size_t> used_{0};
  std::mutex mutex_;
  std::condition_variable room_;
};

/// What the server remembers of one client address: its open connections and its failed
/// credential attempts.
struct AddressState {
  AddressState(const ServerOptions& o)
      : failures(o.address_auth_failures_per_second, o.address_auth_failure_burst) {}
  std::size_t connections = 0;  // guarded by the table's mutex
  FailureBucket failures;
};

/// Open connections per client address, admission at accept time (the server-wide cap, the
/// per-address cap, and the reserve kept for new addresses).
class AddressTable {
 public:
  explicit AddressTable(const ServerOptions& o) : options_(o) {}
  enum class Refusal { kNone, kFull, kAddress };
  /// Admits a connection from `address` when `open` connections are open (this one not counted).
  std::pair<std::shared_ptr<AddressState>, Refusal> admit(const std::string& address,
                                                          std::size_t open,
                                                          std::size_t max_connections) {
    std::lock_guard lock(mutex_);
    auto& slot = table_[address];
    if (!slot) slot = std::make_shared<AddressState>(options_);
    const std::size_t reserve = std::min(options_.reserved_connections, max_connections / 2);
    if (open >= max_connections) return {nullptr, Refusal::kFull};
    if (slot->connections >= options_.max_connections_per_address)
      return {nullptr, Refusal::kAddress};
    if (open >= max_connections - reserve && slot->connections > 0)
      return {nullptr, Refusal::kAddress};
    ++slot->connections;
    return {slot, Refusal::kNone};
  }
  void release(const std::string& address) {
    std::lock_guard lock(mutex_);
    const auto it = table_.find(address);
    if (it == table_.end()) return;
    --it->second->connections;
    // Addresses with failed credential attempts are remembered until their bucket is full again
    // (reconnecting does not reset it); the table is pruned when it grows.
    if (it->second->connections == 0 && it->second->failures.full()) table_.erase(it);
    if (table_.size() > 4 * options_.max_connections + 1024) prune();
  }

 private:
  void prune() {
    for (auto it = table_.begin(); it != table_.end();) {
      if (it->second->connections == 0) {
        table_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  const ServerOptions& options_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<AddressState>> table_;
};

std::string_view to_std(beast::string_view s) {
  return {s.data(), s.size()};
}

/// The explorer's file a GET of `target` asks for: its page for "/", "/explorer" and
/// "/explorer/" (a query string is ignored; the page's own routes are in the URL's fragment).
std::optional<ExplorerAsset> explorer_page(std::string_view target) {
  target = target.substr(0, target.find('?'));
  if (target == "/" || target == "/explorer" || target == "/explorer/")
    return explorer_asset("/explorer/index.html");
  return explorer_asset(target);
}

/// The chain of a chain endpoint's target, "/chains/{id}" (a query string is ignored); none for any
/// other target.
std::optional<std::uint64_t> endpoint_chain_of(std::string_view target) {
  constexpr std::string_view kPrefix = "/chains/";
  if (!target.starts_with(kPrefix)) return std::nullopt;
  target.remove_prefix(kPrefix.size());
  target = target.substr(0, target.find('?'));
  if (target.empty() || target.size() > 19) return std::nullopt;
  std::uint64_t id = 0;
  for (const char c : target) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return id;
}

/// A WebSocket key is 16 bytes in base64: 22 characters of the alphabet and "==" (RFC 6455 4.1).
bool valid_websocket_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  return std::all_of(key.begin(), key.begin() + 22, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
  });
}

/// Token bucket: `rate` requests per second, up to `burst` at once.
class TokenBucket {
 public:
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}
  bool take() {
    const auto now = std::chrono::steady_clock::now();
    tokens_ =
        std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
    last_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double rate_, burst_, tokens_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

const RpcError kRateLimited = rpc_error("rate_limited", "too many requests on this connection");
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
// Each connection may hold this much of a request without drawing on the server-wide body
// budget, so that ordinary requests are never refused while large ones hold the budget.
constexpr std::size_t kFreeBodyBytes = 64 * 1024;
// Requests up to this size are parsed on the sockets' thread (a proof call is a few hundred
// bytes); a larger one, in practice a batch submitted as JSON, is parsed on a worker.
constexpr std::size_t kInlineParseBytes = 64 * 1024;

}  // namespace

struct Server::Impl {
  Impl(router::Engine& e, ServerOptions o)
      : engine(e),
        options(std::move(o)),
        dispatcher(options.rpc),
        chain_dispatcher(options.rpc),
        hub(e),
        workers(options.workers) {
    add_query_methods(dispatcher, engine);
    add_ingest_methods(dispatcher, engine);
    add_chain_methods(chain_dispatcher, engine, options.upstreams);
    add_subscription_methods();
  }

  template <class Stream>
  class WsConnection;
  void add_subscription_methods();
  awaitable<void> listen();
  awaitable<void> serve_connection(tcp::socket socket, std::shared_ptr<AddressState> address);
  /// HTTP requests on one connection until it closes or upgrades to a WebSocket.
  template <class Stream>
  awaitable<void> serve_http(Stream& stream, std::shared_ptr<AddressState> address);
  awaitable<http::response<http::string_body>> handle_http(
      const http::request<http::string_body>& req, TokenBucket& bucket, CallContext context,
      std::size_t& held);
  template <class Stream>
  awaitable<void> serve_websocket(Stream stream, http::request<http::string_body> req,
                                  std::shared_ptr<AddressState> address,
                                  std::optional<std::uint64_t> endpoint_chain);
  /// The chain a target names, if it is a chain endpoint of a chain this router knows (or the
  /// Gateway); an error text for an endpoint of an unknown chain.
  std::optional<std::uint64_t> known_endpoint(std::optional<std::uint64_t> chain) const {
    if (!chain) return std::nullopt;
    if (*chain == engine.gateway_chain_id() || engine.chain(*chain)) return chain;
    return std::nullopt;
  }
  /// Raises the open-file limit to its hard limit and lowers max_connections to what it allows.
  void fit_connections_to_file_limit();
  std::string health() const;
  std::string metrics() const;
  std::string unknown_chain_text(std::uint64_t chain) const {
    return absl::StrCat("no chain ", chain,
                        " here: /chains/{id} serves the chains registered with "
                        "this router and the Gateway (",
                        engine.gateway_chain_id(), ")");
  }

  /// Runs `f` on the worker pool and resumes the caller on its own executor with the result.
  template <typename F>
  awaitable<std::invoke_result_t<F>> on_worker(F f) {
    using R = std::invoke_result_t<F>;
    co_return co_await asio::co_spawn(
        workers, [f = std::move(f)]() mutable -> awaitable<R> { co_return f(); }, use_awaitable);
  }

  /// Answers one call, holding its answer's bytes in the outgoing budget (the caller gives them
  /// back once written). A worker first waits for room in the budget, so answers made at once
  /// past the budget are at most one per thread.
  template <typename F>
  awaitable<std::optional<std::string>> answer(bool runs_inline, F f) {
    const auto account = [this](std::optional<std::string> r) {
      if (r) outgoing.take(r->size());
      return r;
    };
    std::optional<std::string> r;
    if (runs_inline) {  // (not a conditional expression: g++ 12 miscompiles co_await in one)
      if (!outgoing.has_room()) {
        asio::steady_timer pause(co_await asio::this_coro::executor);
        for (auto waited = std::chrono::milliseconds(0);
             !outgoing.has_room() && waited < options.slow_consumer_timeout;
             waited += std::chrono::milliseconds(10)) {
          pause.expires_after(std::chrono::milliseconds(10));
          auto [ec] = co_await pause.async_wait(as_tuple);
          (void)ec;
        }
      }
      r = account(f());
    } else {
      r = co_await on_worker([this, &f, &account] {
        (void)outgoing.wait_for_room(options.slow_consumer_timeout);
        return account(f());
      });
    }
    co_return r;
  }

  /// The answer to one HTTP body or WebSocket text message. A large one (over kInlineParseBytes)
  /// is parsed and answered on a worker: megabytes of JSON never hold up the sockets' thread (a
  /// batch submitted as JSON then goes on in the background with its ingest).
  awaitable<std::optional<std::string>> answer_text(const Dispatcher& table, std::string_view text,
                                                    CallContext& context) {
    if (text.size() > kInlineParseBytes) {
      co_return co_await answer(false,
                                [&table, text, &context] { return table.handle(text, context); });
    }
    const Dispatcher::Parsed call = table.parse(text);
    co_return co_await answer(call.runs_inline,
                              [&table, &call, &context] { return table.handle(call, context); });
  }

  // Declaration order is destruction order in reverse: the io_context (destroying it destroys any
  // open sessions, which unsubscribe from the hub) and the workers go before the hub.
  router::Engine& engine;
  ServerOptions options;
  Dispatcher dispatcher;
  Dispatcher chain_dispatcher;  // /chains/{id}
  SubscriptionHub hub;
  asio::io_context ioc{static_cast<int>(std::max<std::size_t>(1, options.io_threads))};
  asio::thread_pool workers;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::ssl::context> tls;  // set when options.tls_certificate_file is
  std::vector<std::thread> io_threads;
  Counters counters;
  ByteBudget outgoing{options.max_outgoing_bytes};    // answers and notifications not yet written
  ByteBudget bodies{options.max_pending_body_bytes};  // request bodies being read
  AddressTable addresses{options};
  std::size_t max_connections = options.max_connections;  // after fit_connections_to_file_limit
  std::atomic<bool> running{false};
};

// ---- WebSocket ----------------------------------------------------------------------------------

template <class Stream>
class Server::Impl::WsConnection : public SubscriptionSink,
                                   public std::enable_shared_from_this<WsConnection<Stream>> {
 public:
  WsConnection(Impl& server, Stream stream, std::shared_ptr<AddressState> address,
               std::optional<std::uint64_t> endpoint_chain)
      : server_(server),
        endpoint_chain_(endpoint_chain),
        dispatcher_(endpoint_chain ? server.chain_dispatcher : server.dispatcher),
        ws_(std::move(stream)),
        bucket_(server.options.requests_per_second, server.options.request_burst),
        failures_(server.options.auth_failures_per_second, server.options.auth_failure_burst),
        address_(std::move(address)),
        room_timer_(ws_.get_executor()),
        stall_timer_(ws_.get_executor()) {}

  ~WsConnection() override {
    for (const auto& [id, cursor] : subscriptions_) server_.hub.remove(id);
    std::size_t held = 0;
    for (const Outgoing& m : queue_) held += m.text.size();
    server_.outgoing.give(held + in_flight_.text.size());
  }

  awaitable<void> run(http::request<http::string_body> req) {
    websocket::stream_base::timeout timeout =
        websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeout.handshake_timeout = server_.options.handshake_timeout;
    timeout.idle_timeout = server_.options.idle_timeout;
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(server_.options.max_body_bytes);
    auto [ec] = co_await ws_.async_accept(req, as_tuple);
    if (ec) co_return;
    // The closing handshake may wait behind a client that paused reading: give it the idle
    // timeout, so that the client still finds the close reason (and its resume cursor) when it
    // reads again.
    timeout.handshake_timeout = server_.options.idle_timeout;
    ws_.set_option(timeout);
    server_.counters.websockets_open++;
    co_await reader();
    server_.counters.websockets_open--;
  }

  // SubscriptionSink: called from the worker pool while this connection's request is handled.
  absl::StatusOr<std::string> subscribe(const json::value& params) override {
    ZKR_ASSIGN_OR_RETURN(SubscriptionSpec spec, parse_subscription(params));
    std::lock_guard lock(subscriptions_mutex_);
    if (subscriptions_.size() >= server_.options.max_subscriptions_per_connection) {
      return with_reason(absl::ResourceExhaustedError(absl::StrCat(
                             "at most ", server_.options.max_subscriptions_per_connection,
                             " subscriptions per connection")),
                         "too_many_subscriptions");
    }
    // A cursor this replica has not applied yet may come from another replica: it is valid if
    // committed, and its subscription starts once this one has caught up.
    if (spec.from_cursor && *spec.from_cursor > server_.engine.last_event_seq()) {
      ZKR_ASSIGN_OR_RETURN(const std::int64_t head, server_.engine.newest_committed_event());
      if (*spec.from_cursor > head) {
        return absl::InvalidArgumentError(
            absl::StrCat("cursor ", *spec.from_cursor, " is ahead of the newest event ", head));
      }
    }
    auto cursor = std::make_shared<SentCursor>();
    std::weak_ptr<WsConnection> weak = this->weak_from_this();
    const SubscriptionHub::Added added =
        server_.hub.add(spec, [weak, cursor](std::int64_t seq, std::string note) {
          const auto c = weak.lock();
          return c && c->offer(cursor, seq, std::move(note));
        });
    cursor->sent.store(added.cursor);
    subscriptions_.emplace(added.id, std::move(cursor));
    return added.id;
  }

  absl::StatusOr<bool> unsubscribe(std::string_view id) override {
    const std::string key(id);
    {
      std::lock_guard lock(subscriptions_mutex_);
      if (subscriptions_.erase(key) == 0) return false;
    }
    server_.hub.remove(key);
    return true;
  }

 private:
  /// The newest event of one subscription handed to the socket: a client dropped for not reading
  /// resumes after it, since everything up to it is written before the close frame.
  struct SentCursor {
    std::atomic<std::int64_t> sent{0};
  };
  struct Outgoing {
    std::string text;
    std::shared_ptr<SentCursor> cursor;  // set for notifications
    std::int64_t seq = 0;                // their event
  };

  /// From the hub's thread: queues a notification if the connection has room for it.
  bool offer(const std::shared_ptr<SentCursor>& cursor, std::int64_t seq, std::string note) {
    if (!own_room_for(note.size()) || !server_.outgoing.has_room()) {
      refused_.store(true);
      if (!stall_watch_.exchange(true)) {
        asio::post(ws_.get_executor(), [self = this->shared_from_this()] { self->watch_stall(); });
      }
      return false;
    }
    server_.outgoing.take(note.size());
    queued_.fetch_add(1);
    queued_bytes_.fetch_add(note.size());
    asio::post(ws_.get_executor(), [self = this->shared_from_this(),
                                    m = Outgoing{std::move(note), cursor, seq}]() mutable {
      self->push(std::move(m));
    });
    return true;
  }

  // Strand only from here on.

  /// Queues an answer made by answer() (its bytes are already in the outgoing budget).
  void queue_answer(std::string text) {
    queued_.fetch_add(1);
    queued_bytes_.fetch_add(text.size());
    push(Outgoing{std::move(text), nullptr, 0});
  }

  void push(Outgoing m) {
    if (closing_) {
      forget(m);
      return;
    }
    queue_.push_back(std::move(m));
    write_next();
  }

  /// Gives back what a message held that will never be written.
  void forget(const Outgoing& m) {
    queued_.fetch_sub(1);
    queued_bytes_.fetch_sub(m.text.size());
    server_.outgoing.give(m.text.size());
  }

  /// Whether this connection's queue takes `bytes` more (the first message always fits).
  bool own_room_for(std::size_t bytes) const {
    const std::size_t queued = queued_bytes_.load();
    return queued_.load() < server_.options.max_queued_messages &&
           (queued == 0 || queued + bytes < server_.options.max_queued_bytes);
  }
  bool has_room() const { return own_room_for(0) && server_.outgoing.has_room(); }

  /// Closes after the message in flight, with a close code and reason; drops what is queued.
  void close_soon(websocket::close_code code, std::string reason) {
    if (closing_) return;
    if (reason.size() > 123) reason.resize(123);  // the most a close frame carries
    close_reason_ = websocket::close_reason(code, reason);
    for (const Outgoing& m : queue_) forget(m);
    queue_.clear();
    closing_ = true;
    room_timer_.cancel();
    stall_timer_.cancel();
    write_next();
  }

  /// Starts writing the next queued message unless one is in flight; once closing, closes the
  /// WebSocket (with the reason, if any) after the message in flight, and shuts the socket down.
  void write_next() {
    if (writing_ || finished_) return;
    if (closing_) {
      finished_ = true;
      if (!close_reason_) return shut_down();
      ws_.async_close(*close_reason_,
                      [self = this->shared_from_this()](beast::error_code) { self->shut_down(); });
      return;
    }
    if (queue_.empty()) return;
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    if (in_flight_.cursor) in_flight_.cursor->sent.store(in_flight_.seq);
    writing_ = true;
    ws_.text(true);
    // The handler keeps the connection alive until the write is done.
    ws_.async_write(asio::buffer(in_flight_.text),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      self->written(ec);
                    });
  }

  void written(beast::error_code ec) {
    writing_ = false;
    ++writes_done_;
    const std::size_t n = in_flight_.text.size();
    in_flight_ = Outgoing{};
    queued_.fetch_sub(1);
    queued_bytes_.fetch_sub(n);
    server_.outgoing.give(n);
    if (ec) closing_ = true;
    write_next();
    if (has_room()) {
      if (reader_waiting_) room_timer_.cancel();  // the reader waiting for room goes on
      if (refused_.exchange(false)) server_.hub.kick();
    }
  }

  /// Watches a connection that has no room: if it writes nothing for the slow-consumer timeout
  /// while something waits to be written, the client has stopped reading and is closed, with the
  /// cursor each subscription resumes from.
  void watch_stall() {
    const std::uint64_t at_start = writes_done_;
    stall_timer_.expires_after(server_.options.slow_consumer_timeout);
    stall_timer_.async_wait([self = this->shared_from_this(), at_start](beast::error_code ec) {
      if (ec || self->closing_) {
        self->stall_watch_.store(false);
        return;
      }
      const bool waiting = self->writing_ || !self->queue_.empty();
      if (waiting && self->writes_done_ == at_start) return self->drop_slow_consumer();
      if (waiting || self->refused_.load() || self->reader_waiting_) return self->watch_stall();
      self->stall_watch_.store(false);
    });
  }

  void drop_slow_consumer() {
    server_.counters.slow_consumers++;
    std::map<std::string, std::int64_t> resume;
    {
      std::lock_guard lock(subscriptions_mutex_);
      for (const auto& [id, cursor] : subscriptions_) {
        resume[id] = cursor->sent.load();
        server_.hub.remove(id);
      }
      subscriptions_.clear();
    }
    std::string reason = "slow consumer: not reading";
    if (resume.size() == 1) {
      absl::StrAppend(&reason, "; resume with fromCursor=", resume.begin()->second);
    } else {
      for (const auto& [id, cursor] : resume) {
        const std::string part = absl::StrCat(", ", id, " fromCursor=", cursor);
        if (reason.size() + part.size() > 123) break;
        reason += part;
      }
    }
    close_soon(websocket::close_code::policy_error, std::move(reason));
    // The close frame waits behind the message in flight. A client that reads again gets both;
    // one that never does (perhaps blocked writing to us) is cut off after the idle timeout.
    stall_timer_.expires_after(server_.options.idle_timeout);
    stall_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || !self->writing_) return;
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
    });
  }

  /// Waits until the connection may take another answer: its own queue under its limits and the
  /// server-wide budget not spent. A client that stops reading is closed by the stall watch.
  awaitable<void> wait_for_room() {
    while (!closing_ && !has_room()) {
      reader_waiting_ = true;
      if (!stall_watch_.exchange(true)) watch_stall();
      // Woken by this connection's writes; the server-wide budget is freed by others, so look
      // again shortly when only it is short.
      room_timer_.expires_after(own_room_for(0) ? std::chrono::milliseconds(10)
                                                : std::chrono::milliseconds(1000));
      auto [ec] = co_await room_timer_.async_wait(as_tuple);
      (void)ec;
    }
    reader_waiting_ = false;
  }

  void shut_down() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  /// Reads one whole message, holding its bytes in the server-wide body budget as they arrive.
  /// Returns the bytes held (to give back once the message is handled), or an error.
  awaitable<std::pair<beast::error_code, std::size_t>> read_message(beast::flat_buffer& buffer) {
    std::size_t held = 0;
    while (true) {
      auto [ec, n] = co_await ws_.async_read_some(buffer, 64 * 1024, as_tuple);
      const std::size_t over = buffer.size() > kFreeBodyBytes ? buffer.size() - kFreeBodyBytes : 0;
      if (over > held) {
        if (!server_.bodies.try_take(over - held)) {
          server_.bodies.give(held);
          co_return std::pair{beast::error_code(asio::error::no_buffer_space), std::size_t{0}};
        }
        held = over;
      }
      if (ec || ws_.is_message_done()) co_return std::pair{ec, held};
    }
  }

  awaitable<void> reader() {
    beast::flat_buffer buffer;
    CallContext context{.connection_failures = &failures_,
                        .address_failures = &address_->failures,
                        .authenticated = &authenticated_,
                        .subscriptions = this,
                        .endpoint_chain = endpoint_chain_};
    while (true) {
      co_await wait_for_room();
      if (closing_) break;
      auto [ec, held] = co_await read_message(buffer);
      if (ec == websocket::error::message_too_big) {
        server_.counters.too_large++;
        close_soon(websocket::close_code::too_big,
                   absl::StrCat("message larger than ", server_.options.max_body_bytes, " bytes"));
        break;
      }
      if (ec == asio::error::no_buffer_space) {
        server_.counters.bodies_refused++;
        close_soon(websocket::close_code::try_again_later,
                   "server busy: too many request bytes in flight; try again later");
        break;
      }
      if (ec) {
        server_.bodies.give(held);
        break;
      }
      server_.counters.ws_messages++;
      const std::string_view text(static_cast<const char*>(buffer.data().data()), buffer.size());
      std::optional<std::string> response;
      if (!bucket_.take()) {
        server_.counters.rate_limited++;
        response =
            co_await server_.answer(true, [&] { return dispatcher_.refuse(text, kRateLimited); });
      } else if (ws_.got_binary()) {
        response = co_await server_.answer(
            false, [this, text, &context] { return handle_binary(text, context); });
      } else {
        response = co_await server_.answer_text(dispatcher_, text, context);
      }
      buffer.consume(buffer.size());
      if (buffer.capacity() > 1024 * 1024) buffer.shrink_to_fit();
      server_.bodies.give(held);
      if (response) queue_answer(std::move(*response));
    }
    closing_ = true;
    write_next();
  }

  std::optional<std::string> handle_binary(std::string_view bytes, CallContext& context) {
    // The decoding is part of the batch's work: in the background with its ingest.
    const auto background = server_.engine.in_background();
    absl::StatusOr<BatchFrame> frame = decode_batch_frame(bytes);
    if (!frame.ok()) return Dispatcher::error_response(nullptr, to_rpc_error(frame.status()));
    const json::value id(frame->request_id);
    const std::uint64_t chain = frame->batch.chain_id, number = frame->batch.batch_number;
    if (absl::Status s = authorize(server_.engine, context, chain); !s.ok()) {
      return Dispatcher::error_response(id, to_rpc_error(s));
    }
    absl::StatusOr<router::IngestResult> r = server_.engine.ingest(std::move(frame->batch));
    if (!r.ok()) return Dispatcher::error_response(id, to_rpc_error(r.status()));
    server_.counters.batches_submitted++;
    return json::serialize(json::object{
        {"jsonrpc", "2.0"}, {"id", id}, {"result", ingest_result_to_json(chain, number, *r)}});
  }

  Impl& server_;
  const std::optional<std::uint64_t> endpoint_chain_;  // a chain endpoint's, or the native API
  const Dispatcher& dispatcher_;                       // the native or the chain endpoints' table
  websocket::stream<Stream> ws_;
  TokenBucket bucket_;
  FailureBucket failures_;
  std::shared_ptr<AddressState> address_;
  asio::steady_timer room_timer_;   // the reader waits on it for room
  asio::steady_timer stall_timer_;  // the stall watch
  std::deque<Outgoing> queue_;      // strand only, like in_flight_ and the flags
  Outgoing in_flight_;
  std::atomic<std::size_t> queued_{0};        // messages queued or in flight, and their bytes
  std::atomic<std::size_t> queued_bytes_{0};  // (the hub's thread reads them)
  std::atomic<bool> refused_{false};          // a notification found no room since the last kick
  std::atomic<bool> stall_watch_{false};      // the stall watch is running
  std::uint64_t writes_done_ = 0;
  bool reader_waiting_ = false;
  bool closing_ = false;
  bool writing_ = false;
  bool finished_ = false;
  std::optional<websocket::close_reason> close_reason_;
  std::set<std::uint64_t> authenticated_;  // one request at a time, so no lock
  std::mutex subscriptions_mutex_;         // subscribe() runs on a worker, the drop on the strand
  std::map<std::string, std::shared_ptr<SentCursor>> subscriptions_;
};

void Server::Impl::add_subscription_methods() {
  dispatcher.add(
      "zkr_subscribe",
      [](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
        if (c.subscriptions == nullptr) {
          return absl::FailedPreconditionError("subscriptions need a WebSocket connection");
        }
        ZKR_ASSIGN_OR_RETURN(const std::string id, c.subscriptions->subscribe(params));
        return json::value(id);
      });
  dispatcher.add(
      "zkr_unsubscribe",
      [](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
        if (c.subscriptions == nullptr)
          return absl::FailedPreconditionError("subscriptions need a WebSocket connection");
        const Params p(params, {"subscription"});
        ZKR_RETURN_IF_ERROR(p.no_extra());
        ZKR_ASSIGN_OR_RETURN(const std::string id, p.string(0));
        ZKR_ASSIGN_OR_RETURN(const bool removed, c.subscriptions->unsubscribe(id));
        return json::value(removed);
      });
}

template <class Stream>
awaitable<void> Server::Impl::serve_websocket(Stream stream, http::request<http::string_body> req,
                                              std::shared_ptr<AddressState> address,
                                              std::optional<std::uint64_t> endpoint_chain) {
  auto connection = std::make_shared<WsConnection<Stream>>(*this, std::move(stream),
                                                           std::move(address), endpoint_chain);
  co_await connection->run(std::move(req));
}

// ---- HTTP
// -----------------------------------------------------------------------------------------

std::string Server::Impl::health() const {
  const auto sealed = engine.last_sealed_block();
  json::object out{{"status", "ok"},
                   {"role", engine.role() == router::Role::kReplica ? "replica" : "writer"},
                   {"gatewayChainId", engine.gateway_chain_id()},
                   {"lastSealedBlock", sealed ? json::value(*sealed) : json::value(nullptr)},
                   {"lastEventCursor", engine.last_event_seq()},
                   {"subscriptions", hub.size()}};
  if (const auto f = engine.follow_status()) {
    // A replica: how far behind its writer it is, in events and in time.
    const std::int64_t now = settlement::now_ms();
    json::object replica{{"appliedEventCursor", f->applied_seq},
                         {"headEventCursor", f->head_seq},
                         {"lagEvents", f->head_seq - f->applied_seq},
                         {"lagMs", f->lag_ms},
                         {"checkedMsAgo", std::max<std::int64_t>(0, now - f->checked_at_ms)}};
    if (!f->error.empty()) replica["error"] = f->error;
    out["replica"] = std::move(replica);
    if (f->stopped) out["status"] = "stopped";
  }
  return json::serialize(out);
}

std::string Server::Impl::metrics() const {
  const auto& c = counters;
  std::string out;
  const auto line = [&out](const char* name, const char* type, const char* help, auto value) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n", name, " ",
                    value, "\n");
  };
  line("zkrouter_connections_open", "gauge", "Open TCP connections.", c.connections_open.load());
  line("zkrouter_websockets_open", "gauge", "Open WebSocket connections.",
       c.websockets_open.load());
  line("zkrouter_connections_total", "counter", "Accepted connections.",
       c.connections_total.load());
  line("zkrouter_connections_rejected_total", "counter", "Connections refused at the limit.",
       c.connections_rejected.load());
  line("zkrouter_connections_rejected_address_total", "counter",
       "Connections refused by the per-address limit or the reserve for new addresses.",
       c.connections_rejected_address.load());
  line("zkrouter_accept_errors_total", "counter",
       "Accepts that failed (such as out of file descriptors).", c.accept_errors.load());
  line("zkrouter_bodies_refused_total", "counter",
       "Requests refused because the server-wide budget for request bodies was spent.",
       c.bodies_refused.load());
  line("zkrouter_bad_websocket_handshakes_total", "counter",
       "WebSocket upgrades refused for a malformed Sec-WebSocket-Key.", c.bad_handshakes.load());
  line("zkrouter_outgoing_bytes", "gauge", "Bytes of answers and notifications not yet written.",
       outgoing.used());
  line("zkrouter_pending_body_bytes", "gauge", "Bytes held for request bodies being read.",
       bodies.used());
  line("zkrouter_http_requests_total", "counter", "HTTP requests.", c.http_requests.load());
  line("zkrouter_ws_messages_total", "counter", "WebSocket messages received.",
       c.ws_messages.load());
  line("zkrouter_rate_limited_total", "counter",
       "Requests refused by the per-connection rate limit.", c.rate_limited.load());
  line("zkrouter_too_large_total", "counter", "Bodies or messages over the size limit.",
       c.too_large.load());
  line("zkrouter_tls_handshake_failures_total", "counter", "TLS handshakes that failed.",
       c.tls_failures.load());
  line("zkrouter_slow_consumers_total", "counter",
       "WebSockets closed for writing nothing while they had something to write.",
       c.slow_consumers.load());
  line("zkrouter_subscriptions", "gauge", "Active subscriptions.", hub.size());
  line("zkrouter_proof_calls_total", "counter",
       "Proof calls answered (zks_getL2ToL1LogProof, zkr_getProof, zkr_getProofs).",
       dispatcher.answered("zks_getL2ToL1LogProof") + dispatcher.answered("zkr_getProof") +
           dispatcher.answered("zkr_getProofs"));
  line("zkrouter_notifications_total", "counter", "Subscription notifications queued.",
       hub.delivered());
  line("zkrouter_notifications_deferred_total", "counter",
       "Notifications a connection had no room for yet (offered again when it has).",
       hub.deferred());
  line("zkrouter_binary_batches_total", "counter", "Batches submitted as protobuf frames.",
       c.batches_submitted.load());
  line("zkrouter_writer_batches_raised_total", "counter",
       "Batches ingested at background priority that outlasted their budget and went on at normal "
       "priority.",
       engine.batches_raised());
  line("zkrouter_event_cursor", "gauge", "Newest event sequence number.", engine.last_event_seq());
  if (const auto f = engine.follow_status()) {
    line("zkrouter_replica_lag_events", "gauge", "Events committed but not applied yet.",
         f->head_seq - f->applied_seq);
    line("zkrouter_replica_lag_ms", "gauge",
         "How long the oldest event not applied yet has been committed.", f->lag_ms);
  }
  return out;
}

awaitable<http::response<http::string_body>> Server::Impl::handle_http(
    const http::request<http::string_body>& req, TokenBucket& bucket, CallContext context,
    std::size_t& held) {
  counters.http_requests++;
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::server, "zkrouter");
  const auto target = req.target();
  if (req.method() == http::verb::get && target == "/health") {
    res.set(http::field::content_type, "application/json");
    res.body() = co_await on_worker([this] { return health(); });
    // A replica that stopped following answers 503: a load balancer takes it out.
    if (res.body().find(R"("status":"stopped")") != std::string::npos)
      res.result(http::status::service_unavailable);
  } else if (req.method() == http::verb::get && target == "/metrics") {
    res.set(http::field::content_type, "text/plain; version=0.0.4");
    res.body() = co_await on_worker([this] { return metrics(); });
  } else if (const auto asset =
                 req.method() == http::verb::get ? explorer_page(to_std(target)) : std::nullopt) {
    res.set(http::field::content_type, asset->content_type);
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Content-Security-Policy",
            "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
            "base-uri 'none'; frame-ancestors 'none'; form-action 'none'");
    res.body() = std::string(asset->body);
  } else if (const auto chain = endpoint_chain_of(to_std(target));
             chain && !known_endpoint(chain)) {
    res.result(http::status::not_found);
    res.set(http::field::content_type, "text/plain");
    res.body() = unknown_chain_text(*chain) + "\n";
  } else if (req.method() == http::verb::post && (target == "/" || target == "/rpc" || chain)) {
    res.set(http::field::content_type, "application/json");
    const Dispatcher& table = chain ? chain_dispatcher : dispatcher;
    context.endpoint_chain = chain;
    if (!bucket.take()) {
      counters.rate_limited++;
      res.result(http::status::too_many_requests);
      res.body() = table.refuse(req.body(), kRateLimited).value_or("");
    } else {
      const auto auth = req[http::field::authorization];
      if (auth.starts_with("Bearer ")) context.bearer = std::string(auth.substr(7));
      std::optional<std::string> body = co_await answer_text(table, req.body(), context);
      if (body) held = body->size();  // given back by the caller once written
      if (body) {
        res.body() = std::move(*body);
      } else {
        res.result(http::status::no_content);
      }
    }
  } else if (target == "/" || target == "/rpc" || target == "/health" || target == "/metrics" ||
             chain) {
    res.result(http::status::method_not_allowed);
    res.set(http::field::content_type, "text/plain");
    res.body() = "method not allowed\n";
  } else {
    res.result(http::status::not_found);
    res.set(http::field::content_type, "text/plain");
    res.body() =
        "not found: use POST / (JSON-RPC), POST /chains/{id} (a chain's Ethereum JSON-RPC), GET "
        "/health, GET /metrics, GET / (the explorer), or a WebSocket upgrade of / or "
        "/chains/{id}\n";
  }
  res.prepare_payload();
  co_return res;
}

namespace {

/// A response as it goes on the wire: status line, its header fields, Content-Length, body.
std::string wire_text(const http::response<http::string_body>& res) {
  std::string out;
  out.reserve(128 + res.body().size());
  out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(res.result_int());
  out += ' ';
  out += std::string_view(res.reason());
  out += "\r\n";
  for (const auto& field : res) {
    if (field.name() == http::field::content_length) continue;  // written below
    out += std::string_view(field.name_string());
    out += ": ";
    out += std::string_view(field.value());
    out += "\r\n";
  }
  const unsigned status = res.result_int();
  if (status < 200 || status == 204 || status == 304) {  // no body, no Content-Length (RFC 9110)
    out += "\r\n";
    return out;
  }
  out += "Content-Length: ";
  out += std::to_string(res.body().size());
  out += "\r\n\r\n";
  out += res.body();
  return out;
}

awaitable<void> shut_down(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  co_return;
}

awaitable<void> shut_down(beast::ssl_stream<beast::tcp_stream>& stream) {
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  auto [ec] = co_await stream.async_shutdown(as_tuple);  // close_notify; the peer may be gone
  (void)ec;
}

}  // namespace

awaitable<void> Server::Impl::serve_connection(tcp::socket socket,
                                               std::shared_ptr<AddressState> address) {
  beast::tcp_stream tcp_stream(std::move(socket));
  if (!tls) {
    co_await serve_http(tcp_stream, std::move(address));
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *tls);
  beast::get_lowest_layer(stream).expires_after(options.handshake_timeout);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple);
  if (ec) {
    counters.tls_failures++;
    co_return;
  }
  co_await serve_http(stream, std::move(address));
}

namespace {

/// A plain-text answer after which the connection closes.
http::response<http::string_body> refusal(http::status status, std::string text) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::server, "zkrouter");
  res.set(http::field::content_type, "text/plain");
  res.body() = std::move(text) + "\n";
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

}  // namespace

template <class Stream>
awaitable<void> Server::Impl::serve_http(Stream& stream, std::shared_ptr<AddressState> address) {
  beast::flat_buffer buffer;
  TokenBucket bucket(options.requests_per_second, options.request_burst);
  FailureBucket failures(options.auth_failures_per_second, options.auth_failure_burst);
  const auto too_large = [this] {
    counters.too_large++;
    http::response<http::string_body> res{http::status::payload_too_large, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = Dispatcher::error_response(
        nullptr, rpc_error("too_large", absl::StrCat("request body larger than ",
                                                     options.max_body_bytes, " bytes")));
    res.keep_alive(false);
    res.prepare_payload();
    return res;
  };
  // The first request must come within the handshake timeout (or the idle timeout if that is
  // shorter): an idle connection does not hold a slot for the whole idle timeout.
  std::chrono::steady_clock::duration deadline = std::min<std::chrono::steady_clock::duration>(
      options.handshake_timeout, options.idle_timeout);
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(kMaxHeaderBytes);
    beast::get_lowest_layer(stream).expires_after(deadline);
    deadline = options.idle_timeout;
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, as_tuple);
    std::optional<http::response<http::string_body>> refused;
    std::size_t body_held = 0;
    if (hec == http::error::header_limit) {
      refused = refusal(http::status::request_header_fields_too_large,
                        absl::StrCat("request header larger than ", kMaxHeaderBytes, " bytes"));
    } else if (hec == http::error::body_limit) {  // a Content-Length over the limit
      refused = too_large();
    } else if (hec) {
      break;
    } else if (websocket::is_upgrade(parser.get())) {
      if (!valid_websocket_key(parser.get()[http::field::sec_websocket_key])) {
        counters.bad_handshakes++;
        refused = refusal(http::status::bad_request,
                          "bad WebSocket handshake: Sec-WebSocket-Key must be 16 bytes in "
                          "base64 (RFC 6455, 4.1)");
      } else if (const auto chain = endpoint_chain_of(to_std(parser.get().target()));
                 chain && !known_endpoint(chain)) {
        refused = refusal(http::status::not_found, unknown_chain_text(*chain));
      } else {
        beast::get_lowest_layer(stream).expires_never();
        co_await serve_websocket(std::move(stream), parser.release(), std::move(address),
                                 known_endpoint(chain));
        co_return;
      }
    } else {
      // The body's bytes are held in the server-wide budget while it is read and answered.
      const auto length = parser.content_length();
      const std::size_t body =
          length
              ? static_cast<std::size_t>(std::min<std::uint64_t>(*length, options.max_body_bytes))
              : (parser.chunked() ? options.max_body_bytes : 0);
      body_held = body > kFreeBodyBytes ? body - kFreeBodyBytes : 0;
      if (!bodies.try_take(body_held)) {
        counters.bodies_refused++;
        body_held = 0;
        refused = refusal(http::status::service_unavailable,
                          "server busy: too many request bytes in flight; try again later");
        refused->set(http::field::retry_after, "1");
      }
    }
    if (!refused) {
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, as_tuple);
      if (ec == http::error::body_limit) {  // a chunked body over the limit
        refused = too_large();
      } else if (ec) {
        bodies.give(body_held);
        break;
      }
    }
    if (refused) {
      bodies.give(body_held);
      co_await http::async_write(stream, *refused, as_tuple);
      break;
    }
    std::size_t answer_held = 0;
    http::response<http::string_body> res;
    {
      const http::request<http::string_body> req = parser.release();
      res = co_await handle_http(
          req, bucket,
          CallContext{.connection_failures = &failures, .address_failures = &address->failures},
          answer_held);
      res.keep_alive(req.keep_alive());
    }
    bodies.give(body_held);
    // One buffer, one write: the head and body written out here cost a fraction of Beast's
    // serializer, which is most of an HTTP answer's time on the hot path (zks_getL2ToL1LogProof).
    const std::string wire = wire_text(res);
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(wire), as_tuple);
    outgoing.give(answer_held);
    if (wec || !res.keep_alive()) break;
  }
  co_await shut_down(stream);
}

awaitable<void> Server::Impl::listen() {
  asio::steady_timer backoff(ioc);
  auto last_warning = std::chrono::steady_clock::time_point{};
  while (running) {
    // The socket is bound to its connection's strand, so every handler of it is serialized
    // whichever I/O thread runs it.
    auto strand = asio::make_strand(ioc);
    auto [ec, socket] = co_await acceptor->async_accept(strand, as_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      counters.accept_errors++;
      // Out of file descriptors (or memory): accepting again at once fails again at once. Wait
      // for connections to close instead of spinning; the pending ones wait in the backlog.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_warning > std::chrono::seconds(10)) {
        last_warning = now;
        log::warning("zkrouter: accept failed (", ec.message(), "); ",
                     counters.connections_open.load(), " connections open; backing off");
      }
      backoff.expires_after(std::chrono::milliseconds(100));
      auto [wec] = co_await backoff.async_wait(as_tuple);
      (void)wec;
      continue;
    }
    beast::error_code endpoint_error;
    const tcp::endpoint peer = socket.remote_endpoint(endpoint_error);
    if (endpoint_error) continue;  // gone already
    std::string peer_address = peer.address().to_string();
    auto [state, refusal] = addresses.admit(
        peer_address, static_cast<std::size_t>(counters.connections_open.load()), max_connections);
    if (!state) {
      (refusal == AddressTable::Refusal::kAddress ? counters.connections_rejected_address
                                                  : counters.connections_rejected)++;
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    // Every write is a whole answer or notification: send it now. With Nagle's algorithm a
    // message written while the previous one is unacknowledged waits for the peer's delayed ACK
    // (40 ms on Linux), which was the tail of subscription delivery.
    beast::error_code nodelay_error;
    socket.set_option(tcp::no_delay(true), nodelay_error);
    counters.connections_total++;
    counters.connections_open++;
    asio::co_spawn(strand, serve_connection(std::move(socket), std::move(state)),
                   [this, peer_address = std::move(peer_address)](std::exception_ptr e) {
                     counters.connections_open--;
                     addresses.release(peer_address);
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         log::error("zkrouter: connection ended by an exception: ", ex.what());
                       }
                     }
                   });
  }
}

void Server::Impl::fit_connections_to_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  // Files the rest of the process needs: the database and its journal, the listener, the L1
  // client, logs; a generous allowance.
  constexpr rlim_t kOtherFiles = 64;
  const rlim_t usable =
      limit.rlim_cur > 2 * kOtherFiles ? limit.rlim_cur - kOtherFiles : limit.rlim_cur / 2;
  if (static_cast<rlim_t>(options.max_connections) > usable) {
    max_connections = static_cast<std::size_t>(usable);
    log::warning("zkrouter: the open-file limit is ", limit.rlim_cur, "; serving at most ",
                 max_connections, " connections instead of the configured ",
                 options.max_connections);
  } else {
    max_connections = options.max_connections;
    log::info("zkrouter: open-file limit ", limit.rlim_cur, "; up to ", max_connections,
              " connections");
  }
}

// ---- Server
// -----------------------------------------------------------------------------------------

Server::Server(router::Engine& engine, ServerOptions options)
    : impl_(std::make_unique<Impl>(engine, std::move(options))) {}

Server::~Server() {
  stop();
}

absl::StatusOr<std::uint16_t> Server::start() {
  Impl& s = *impl_;
  beast::error_code ec;
  const auto address = asio::ip::make_address(s.options.address, ec);
  if (ec)
    return absl::InvalidArgumentError(
        absl::StrCat("listen address ", s.options.address, ": ", ec.message()));
  s.acceptor.emplace(s.ioc);
  const tcp::endpoint endpoint(address, s.options.port);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", s.options.address, ":",
                                               s.options.port, ": ", ec.message()));
  }
  const std::uint16_t port = s.acceptor->local_endpoint().port();
  if (!s.options.tls_certificate_file.empty() || !s.options.tls_private_key_file.empty()) {
    if (s.options.tls_certificate_file.empty() || s.options.tls_private_key_file.empty())
      return absl::InvalidArgumentError("TLS needs both a certificate file and a private key file");
    s.tls.emplace(asio::ssl::context::tls_server);
    s.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
    s.tls->use_certificate_chain_file(s.options.tls_certificate_file, ec);
    if (ec)
      return absl::InvalidArgumentError(
          absl::StrCat("TLS certificate ", s.options.tls_certificate_file, ": ", ec.message()));
    s.tls->use_private_key_file(s.options.tls_private_key_file, asio::ssl::context::pem, ec);
    if (ec)
      return absl::InvalidArgumentError(
          absl::StrCat("TLS private key ", s.options.tls_private_key_file, ": ", ec.message()));
  }
  s.fit_connections_to_file_limit();
  s.running = true;
  s.hub.start();
  asio::co_spawn(s.ioc, s.listen(), asio::detached);
  for (std::size_t i = 0; i < std::max<std::size_t>(1, s.options.io_threads); ++i)
    s.io_threads.emplace_back([&s] { s.ioc.run(); });
  return port;
}

void Server::stop() {
  Impl& s = *impl_;
  if (!s.running.exchange(false)) return;
  asio::post(s.ioc, [&s] {
    beast::error_code ignored;
    s.acceptor->close(ignored);
  });
  s.hub.stop();
  s.ioc.stop();
  for (std::thread& t : s.io_threads) t.join();
  s.io_threads.clear();
  s.workers.join();
}

std::string Server::metrics_text() const {
  return impl_->metrics();
}

std::uint64_t Server::proofs_served() const {
  const Dispatcher& d = impl_->dispatcher;
  return d.answered("zks_getL2ToL1LogProof") + d.answered("zkr_getProof") +
         d.answered("zkr_getProofs");
}

std::size_t Server::subscriptions() const {
  return impl_->hub.size();
}

void Server::add_method(std::string name, Handler handler) {
  impl_->dispatcher.add(std::move(name), std::move(handler));
}

}  // namespace zkr::api

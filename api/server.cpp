// The only translation unit with Beast and Asio in it: listener, HTTP sessions, WebSocket sessions.
// One strand per connection; per WebSocket a reader coroutine and a queue written one message at a
// time by completion handlers (no coroutine hop per notification). Methods that only read
// memory (Cost::kInline: proofs, interop roots) run on the connection's I/O thread; every other
// engine call runs on the worker pool, never on an I/O thread.

#include "api/server.hpp"

#include <atomic>
#include <deque>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/strings/str_cat.h"
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
  std::atomic<std::uint64_t> connections_total{0}, connections_rejected{0}, http_requests{0},
      ws_messages{0}, rate_limited{0}, too_large{0}, slow_consumers{0}, batches_submitted{0},
      tls_failures{0};
  std::atomic<std::int64_t> connections_open{0}, websockets_open{0};
};

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

}  // namespace

struct Server::Impl {
  Impl(router::Engine& e, ServerOptions o)
      : engine(e),
        options(std::move(o)),
        dispatcher(options.rpc),
        hub(e),
        workers(options.workers) {
    add_query_methods(dispatcher, engine);
    add_ingest_methods(dispatcher, engine);
    add_subscription_methods();
  }

  template <class Stream>
  class WsConnection;
  void add_subscription_methods();
  awaitable<void> listen();
  awaitable<void> serve_connection(tcp::socket socket);
  /// HTTP requests on one connection until it closes or upgrades to a WebSocket.
  template <class Stream>
  awaitable<void> serve_http(Stream& stream);
  awaitable<http::response<http::string_body>> handle_http(
      const http::request<http::string_body>& req, TokenBucket& bucket);
  template <class Stream>
  awaitable<void> serve_websocket(Stream stream, http::request<http::string_body> req);
  std::string health() const;
  std::string metrics() const;

  /// Runs `f` on the worker pool and resumes the caller on its own executor with the result.
  template <typename F>
  awaitable<std::invoke_result_t<F>> on_worker(F f) {
    using R = std::invoke_result_t<F>;
    co_return co_await asio::co_spawn(
        workers, [f = std::move(f)]() mutable -> awaitable<R> { co_return f(); }, use_awaitable);
  }

  // Declaration order is destruction order in reverse: the io_context (destroying it destroys any
  // open sessions, which unsubscribe from the hub) and the workers go before the hub.
  router::Engine& engine;
  ServerOptions options;
  Dispatcher dispatcher;
  SubscriptionHub hub;
  asio::io_context ioc{static_cast<int>(std::max<std::size_t>(1, options.io_threads))};
  asio::thread_pool workers;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::ssl::context> tls;  // set when options.tls_certificate_file is
  std::vector<std::thread> io_threads;
  Counters counters;
  std::atomic<bool> running{false};
};

// ---- WebSocket ----------------------------------------------------------------------------------

template <class Stream>
class Server::Impl::WsConnection : public SubscriptionSink,
                                   public std::enable_shared_from_this<WsConnection<Stream>> {
 public:
  WsConnection(Impl& server, Stream stream)
      : server_(server),
        ws_(std::move(stream)),
        bucket_(server.options.requests_per_second, server.options.request_burst) {}

  ~WsConnection() override {
    for (const std::string& id : subscriptions_) server_.hub.remove(id);
  }

  awaitable<void> run(http::request<http::string_body> req) {
    websocket::stream_base::timeout timeout =
        websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeout.idle_timeout = server_.options.idle_timeout;
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(server_.options.max_body_bytes);
    auto [ec] = co_await ws_.async_accept(req, as_tuple);
    if (ec) co_return;
    server_.counters.websockets_open++;
    co_await reader();
    server_.counters.websockets_open--;
  }

  // SubscriptionSink: called from the worker pool while this connection's request is handled.
  absl::StatusOr<std::string> subscribe(const json::value& params) override {
    ZKR_ASSIGN_OR_RETURN(SubscriptionSpec spec, parse_subscription(params));
    if (subscriptions_.size() >= server_.options.max_subscriptions_per_connection) {
      return with_reason(absl::ResourceExhaustedError(absl::StrCat(
                             "at most ", server_.options.max_subscriptions_per_connection,
                             " subscriptions per connection")),
                         "too_many_subscriptions");
    }
    const std::int64_t head = server_.engine.last_event_seq();
    if (spec.from_cursor && *spec.from_cursor > head) {
      return absl::InvalidArgumentError(
          absl::StrCat("cursor ", *spec.from_cursor, " is ahead of the newest event ", head));
    }
    std::weak_ptr<WsConnection> weak = this->weak_from_this();
    const std::string id = server_.hub.add(
        spec,
        [weak](std::string note) {
          const auto c = weak.lock();
          return c && c->offer(std::move(note));
        },
        [weak](std::string reason) {
          if (const auto c = weak.lock())
            c->close_soon(websocket::close_code::policy_error, std::move(reason));
        });
    subscriptions_.insert(id);
    return id;
  }

  absl::StatusOr<bool> unsubscribe(std::string_view id) override {
    const std::string key(id);
    if (subscriptions_.erase(key) == 0) return false;
    server_.hub.remove(key);
    return true;
  }

  /// From any thread: queues a message unless the queue is full.
  bool offer(std::string message) {
    if (!reserve_slot()) return false;
    asio::post(ws_.get_executor(),
               [self = this->shared_from_this(), m = std::move(message)]() mutable {
                 self->push(std::move(m));
               });
    return true;
  }

  /// On the connection's strand (the reader's answers): the same without a hand-off.
  bool offer_here(std::string message) {
    if (!reserve_slot()) return false;
    push(std::move(message));
    return true;
  }

  /// From any thread: closes after the message in flight, with a close code and reason.
  void close_soon(websocket::close_code code, std::string reason) {
    asio::post(ws_.get_executor(),
               [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
                 if (reason.size() > 120) reason.resize(120);
                 self->close_reason_ = websocket::close_reason(code, reason);
                 self->queued_.fetch_sub(self->queue_.size());
                 self->queue_.clear();
                 self->closing_ = true;
                 self->write_next();
               });
  }

 private:
  bool reserve_slot() {
    if (queued_.fetch_add(1) >= server_.options.max_queued_messages) {
      queued_.fetch_sub(1);
      server_.counters.slow_consumers++;
      return false;
    }
    return true;
  }

  // Strand only from here on.
  void push(std::string message) {
    if (closing_) {
      queued_.fetch_sub(1);
      return;
    }
    queue_.push_back(std::move(message));
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
    writing_ = true;
    ws_.text(true);
    // The handler keeps the connection alive until the write is done.
    ws_.async_write(asio::buffer(in_flight_),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      self->writing_ = false;
                      self->queued_.fetch_sub(1);
                      if (ec) self->closing_ = true;
                      self->write_next();
                    });
  }

  void shut_down() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  awaitable<void> reader() {
    beast::flat_buffer buffer;
    CallContext context{.authenticated = &authenticated_, .subscriptions = this};
    while (true) {
      auto [ec, n] = co_await ws_.async_read(buffer, as_tuple);
      if (ec == websocket::error::message_too_big) {
        server_.counters.too_large++;
        close_soon(websocket::close_code::too_big,
                   absl::StrCat("message larger than ", server_.options.max_body_bytes, " bytes"));
        break;
      }
      if (ec) break;
      server_.counters.ws_messages++;
      std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      if (!bucket_.take()) {
        server_.counters.rate_limited++;
        if (auto refusal = server_.dispatcher.refuse(text, kRateLimited))
          offer_here(std::move(*refusal));
        continue;
      }
      std::optional<std::string> response;
      if (ws_.got_binary()) {
        response = co_await server_.on_worker(
            [this, &text, &context] { return handle_binary(text, context); });
      } else if (const Dispatcher::Parsed call = server_.dispatcher.parse(text); call.runs_inline) {
        response = server_.dispatcher.handle(call, context);
      } else {
        response = co_await server_.on_worker(
            [this, &call, &context] { return server_.dispatcher.handle(call, context); });
      }
      if (response && !offer_here(std::move(*response))) {
        close_soon(websocket::close_code::policy_error, "slow consumer: queue full");
      }
    }
    closing_ = true;
    write_next();
  }

  std::optional<std::string> handle_binary(std::string_view bytes, CallContext& context) {
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
  websocket::stream<Stream> ws_;
  TokenBucket bucket_;
  std::deque<std::string> queue_;  // strand only, like in_flight_ and the flags
  std::string in_flight_;
  std::atomic<std::size_t> queued_{0};
  bool closing_ = false;
  bool writing_ = false;
  bool finished_ = false;
  std::optional<websocket::close_reason> close_reason_;
  std::set<std::uint64_t> authenticated_;  // one request at a time, so no lock
  std::set<std::string> subscriptions_;
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
awaitable<void> Server::Impl::serve_websocket(Stream stream, http::request<http::string_body> req) {
  auto connection = std::make_shared<WsConnection<Stream>>(*this, std::move(stream));
  co_await connection->run(std::move(req));
}

// ---- HTTP
// -----------------------------------------------------------------------------------------

std::string Server::Impl::health() const {
  const auto sealed = engine.last_sealed_block();
  return json::serialize(
      json::object{{"status", "ok"},
                   {"gatewayChainId", engine.gateway_chain_id()},
                   {"lastSealedBlock", sealed ? json::value(*sealed) : json::value(nullptr)},
                   {"lastEventCursor", engine.last_event_seq()},
                   {"subscriptions", hub.size()}});
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
       "Messages refused because a connection's queue was full.", c.slow_consumers.load());
  line("zkrouter_subscriptions", "gauge", "Active subscriptions.", hub.size());
  line("zkrouter_proof_calls_total", "counter",
       "Proof calls answered (zks_getL2ToL1LogProof, zkr_getProof, zkr_getProofs).",
       dispatcher.answered("zks_getL2ToL1LogProof") + dispatcher.answered("zkr_getProof") +
           dispatcher.answered("zkr_getProofs"));
  line("zkrouter_notifications_total", "counter", "Subscription notifications queued.",
       hub.delivered());
  line("zkrouter_subscribers_dropped_total", "counter", "Subscribers dropped for falling behind.",
       hub.dropped_subscribers());
  line("zkrouter_binary_batches_total", "counter", "Batches submitted as protobuf frames.",
       c.batches_submitted.load());
  line("zkrouter_event_cursor", "gauge", "Newest event sequence number.", engine.last_event_seq());
  return out;
}

awaitable<http::response<http::string_body>> Server::Impl::handle_http(
    const http::request<http::string_body>& req, TokenBucket& bucket) {
  counters.http_requests++;
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::server, "zkrouter");
  const auto target = req.target();
  if (req.method() == http::verb::get && target == "/health") {
    res.set(http::field::content_type, "application/json");
    res.body() = co_await on_worker([this] { return health(); });
  } else if (req.method() == http::verb::get && target == "/metrics") {
    res.set(http::field::content_type, "text/plain; version=0.0.4");
    res.body() = co_await on_worker([this] { return metrics(); });
  } else if (req.method() == http::verb::post && (target == "/" || target == "/rpc")) {
    res.set(http::field::content_type, "application/json");
    if (!bucket.take()) {
      counters.rate_limited++;
      res.result(http::status::too_many_requests);
      res.body() = dispatcher.refuse(req.body(), kRateLimited).value_or("");
    } else {
      CallContext context;
      const auto auth = req[http::field::authorization];
      if (auth.starts_with("Bearer ")) context.bearer = std::string(auth.substr(7));
      const Dispatcher::Parsed call = dispatcher.parse(req.body());
      std::optional<std::string> body;
      if (call.runs_inline) {  // (not a conditional expression: g++ 12 miscompiles co_await in one)
        body = dispatcher.handle(call, context);
      } else {
        body = co_await on_worker(
            [this, &call, &context] { return dispatcher.handle(call, context); });
      }
      if (body) {
        res.body() = std::move(*body);
      } else {
        res.result(http::status::no_content);
      }
    }
  } else if (target == "/" || target == "/rpc" || target == "/health" || target == "/metrics") {
    res.result(http::status::method_not_allowed);
    res.set(http::field::content_type, "text/plain");
    res.body() = "method not allowed\n";
  } else {
    res.result(http::status::not_found);
    res.set(http::field::content_type, "text/plain");
    res.body() =
        "not found: use POST / (JSON-RPC), GET /health, GET /metrics, or a WebSocket upgrade\n";
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

awaitable<void> Server::Impl::serve_connection(tcp::socket socket) {
  beast::tcp_stream tcp_stream(std::move(socket));
  if (!tls) {
    co_await serve_http(tcp_stream);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *tls);
  beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple);
  if (ec) {
    counters.tls_failures++;
    co_return;
  }
  co_await serve_http(stream);
}

template <class Stream>
awaitable<void> Server::Impl::serve_http(Stream& stream) {
  beast::flat_buffer buffer;
  TokenBucket bucket(options.requests_per_second, options.request_burst);
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(16 * 1024);
    beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, as_tuple);
    if (ec == http::error::body_limit) {
      counters.too_large++;
      http::response<http::string_body> res{http::status::payload_too_large, 11};
      res.set(http::field::content_type, "application/json");
      res.body() = Dispatcher::error_response(
          nullptr, rpc_error("too_large", absl::StrCat("request body larger than ",
                                                       options.max_body_bytes, " bytes")));
      res.keep_alive(false);
      res.prepare_payload();
      co_await http::async_write(stream, res, as_tuple);
      break;
    }
    if (ec) break;
    http::request<http::string_body> req = parser.release();
    if (websocket::is_upgrade(req)) {
      beast::get_lowest_layer(stream).expires_never();
      co_await serve_websocket(std::move(stream), std::move(req));
      co_return;
    }
    http::response<http::string_body> res = co_await handle_http(req, bucket);
    res.keep_alive(req.keep_alive());
    // One buffer, one write: the head and body written out here cost a fraction of Beast's
    // serializer, which is most of an HTTP answer's time on the hot path (zks_getL2ToL1LogProof).
    const std::string wire = wire_text(res);
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(wire), as_tuple);
    if (wec || !res.keep_alive()) break;
  }
  co_await shut_down(stream);
}

awaitable<void> Server::Impl::listen() {
  while (running) {
    // The socket is bound to its connection's strand, so every handler of it is serialized
    // whichever I/O thread runs it.
    auto strand = asio::make_strand(ioc);
    auto [ec, socket] = co_await acceptor->async_accept(strand, as_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;
    }
    if (counters.connections_open.load() >= static_cast<std::int64_t>(options.max_connections)) {
      counters.connections_rejected++;
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
    asio::co_spawn(strand, serve_connection(std::move(socket)), [this](std::exception_ptr e) {
      counters.connections_open--;
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

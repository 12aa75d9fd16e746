#include "api/client.hpp"

#include "absl/strings/str_cat.h"
#include "settlement/ethereum/http_client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <functional>
#include <optional>
#include <stdexcept>

namespace zkr::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

// Runs handlers until `done` or `timeout` passes (another operation may stay pending meanwhile:
// a read left in flight by WsClient::wait_notifications). Whether `done`.
bool run_for(asio::io_context& ioc, const bool& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ioc.restart();
  while (!done && ioc.run_one_until(deadline) > 0) {
  }
  return done;
}

// run_for(), and on timeout cancels what is pending and runs the cancelled handlers.
template <typename Cancel>
bool run_until(asio::io_context& ioc, const bool& done, std::chrono::milliseconds timeout,
               Cancel cancel) {
  if (run_for(ioc, done, timeout)) return true;
  cancel();
  ioc.restart();
  ioc.run();
  return false;
}

}  // namespace

HttpReply http_request(const std::string& host, std::uint16_t port, const std::string& method,
                       const std::string& target, const std::string& body,
                       const std::string& bearer) {
  absl::StatusOr<settlement::http::Reply> reply = settlement::http::exchange({.host = host,
                                                                              .port = port,
                                                                              .method = method,
                                                                              .target = target,
                                                                              .body = body,
                                                                              .bearer = bearer});
  if (!reply.ok()) throw std::runtime_error(std::string(reply.status().message()));
  return std::move(*reply);
}

json::value rpc_http(const std::string& host, std::uint16_t port, const std::string& method,
                     json::value params, const std::string& bearer) {
  const json::object request{
      {"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", std::move(params)}};
  const HttpReply reply = http_request(host, port, "POST", "/", json::serialize(request), bearer);
  return json::parse(reply.body);
}

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Connects and completes a verified TLS handshake; the coroutine runs on `ioc`.
asio::awaitable<void> tls_connect(TlsStream& stream, const std::string& host, std::uint16_t port) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(std::chrono::seconds(20));
  tcp::resolver resolver(co_await asio::this_coro::executor);
  const auto endpoints =
      co_await resolver.async_resolve(host, std::to_string(port), asio::use_awaitable);
  co_await tcp_layer.async_connect(endpoints, asio::use_awaitable);
  stream.set_verify_callback(asio::ssl::host_name_verification(host));
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
}

template <typename T>
T run_tls(const std::string& ca_file, std::function<asio::awaitable<T>(TlsStream&)> body) {
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  ctx.load_verify_file(ca_file);
  TlsStream stream(ioc, ctx);
  std::optional<T> out;
  std::exception_ptr failure;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { out = co_await body(stream); },
      [&](std::exception_ptr e) { failure = e; });
  ioc.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("TLS exchange failed: ") + e.what());
    }
  }
  return std::move(*out);
}

}  // namespace

HttpReply https_request(const std::string& host, std::uint16_t port, const std::string& ca_file,
                        const std::string& method, const std::string& target,
                        const std::string& body) {
  return run_tls<HttpReply>(ca_file, [&](TlsStream& stream) -> asio::awaitable<HttpReply> {
    co_await tls_connect(stream, host, port);
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    co_await http::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, asio::use_awaitable);
    co_return HttpReply{static_cast<int>(res.result_int()), res.body(),
                        std::string(res[http::field::content_type])};
  });
}

std::string wss_exchange(const std::string& host, std::uint16_t port, const std::string& ca_file,
                         const std::string& text) {
  return run_tls<std::string>(ca_file, [&](TlsStream& stream) -> asio::awaitable<std::string> {
    co_await tls_connect(stream, host, port);
    beast::get_lowest_layer(stream).expires_never();
    websocket::stream<TlsStream&> ws(stream);
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    co_await ws.async_handshake(host, "/", asio::use_awaitable);
    co_await ws.async_write(asio::buffer(text), asio::use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, asio::use_awaitable);
    std::string reply = beast::buffers_to_string(buffer.data());
    co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
    co_return reply;
  });
}

std::string websocket_client_frame(std::uint8_t opcode, std::string_view payload) {
  std::string f(1, static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else if (payload.size() < 65536) {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  } else {
    f += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      f += static_cast<char>((payload.size() >> shift) & 0xff);
  }
  f += std::string(4, '\0');  // the masking key
  f += payload;
  return f;
}

struct WsClient::Impl {
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  std::chrono::milliseconds timeout{10000};
  std::vector<json::value> notifications;
  bool closed = false;
  bool timed_out = false;
  int close_code = 0;
  std::string close_reason;

  /// Cancels what is pending on the socket (run_until's way out).
  void cancel() {
    beast::error_code ignored;
    ws.next_layer().cancel(ignored);
  }
  /// Ends the connection after an operation outlasted the timeout.
  void give_up(const char* what) {
    closed = true;
    timed_out = true;
    close_reason =
        absl::StrCat(what, " within ", timeout.count(), " ms: the client closed the connection");
    beast::error_code ignored;
    ws.next_layer().close(ignored);
  }
  /// The read in flight: started by next(), it outlives a wait that ends before it does.
  beast::flat_buffer in;
  bool reading = false;
  bool read_done = false;
  beast::error_code read_error;

  enum class Next { kMessage, kEnded, kNotYet };
  /// Waits up to `wait` for the next message (into `out`). kNotYet leaves the read in flight, for
  /// the next call to go on with; kEnded records why the connection ended.
  Next next(std::chrono::milliseconds wait, std::string& out) {
    if (closed) return Next::kEnded;
    if (!reading) {
      reading = true;
      read_done = false;
      in.clear();
      ws.async_read(in, [this](beast::error_code ec, std::size_t) {
        read_error = ec;
        read_done = true;
      });
    }
    if (!run_for(ioc, read_done, wait)) return Next::kNotYet;
    reading = false;
    if (read_error) {
      closed = true;
      if (read_error == websocket::error::closed) {
        close_code = ws.reason().code;
        close_reason = std::string(ws.reason().reason.c_str());
      } else {
        close_reason = "connection ended: " + read_error.message();
      }
      return Next::kEnded;
    }
    out = beast::buffers_to_string(in.data());
    return Next::kMessage;
  }
  /// Ends the connection for a read in flight that outlasted the timeout.
  void give_up_reading() {
    cancel();
    ioc.restart();
    ioc.run();  // the cancelled read's handler
    reading = false;
    give_up("no message");
  }

  /// Writes one message within the timeout; errors are left for the next read to find.
  void write(const std::string& bytes, bool text) {
    if (closed) return;
    ws.text(text);
    bool done = false;
    ws.async_write(asio::buffer(bytes), [&](beast::error_code, std::size_t) { done = true; });
    if (!run_until(ioc, done, timeout, [this] { cancel(); })) give_up("could not send");
  }
};

WsClient::WsClient(std::uint16_t port, std::chrono::milliseconds timeout, const std::string& host,
                   const std::string& target)
    : impl_(std::make_unique<Impl>()) {
  impl_->timeout = timeout;
  const std::string where = absl::StrCat("ws://", host, ":", port, target);
  const auto cancel = [this] { impl_->cancel(); };
  beast::error_code ec;
  const auto endpoints = tcp::resolver(impl_->ioc).resolve(host, std::to_string(port), ec);
  if (ec) throw std::runtime_error(absl::StrCat("cannot connect to ", where, ": ", ec.message()));
  bool done = false;
  asio::async_connect(impl_->ws.next_layer(), endpoints, [&](beast::error_code e, const auto&) {
    ec = e;
    done = true;
  });
  if (!run_until(impl_->ioc, done, timeout, cancel)) {
    throw std::runtime_error(
        absl::StrCat("cannot connect to ", where, ": no answer within ", timeout.count(), " ms"));
  }
  if (ec) throw std::runtime_error(absl::StrCat("cannot connect to ", where, ": ", ec.message()));
  impl_->ws.read_message_max(512 * 1024 * 1024);
  done = false;
  impl_->ws.async_handshake(host, target, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until(impl_->ioc, done, timeout, cancel)) {
    throw std::runtime_error(absl::StrCat("WebSocket handshake with ", where, ": no answer within ",
                                          timeout.count(), " ms"));
  }
  if (ec) {
    throw std::runtime_error(
        absl::StrCat("WebSocket handshake with ", where, " failed: ", ec.message()));
  }
}

WsClient::~WsClient() {
  beast::error_code ec;
  if (!impl_->closed) impl_->ws.next_layer().close(ec);
}

void WsClient::send_text(const std::string& text) {
  impl_->write(text, true);
}

void WsClient::send_binary(const std::string& bytes) {
  impl_->write(bytes, false);
}

std::optional<std::string> WsClient::read() {
  std::string text;
  switch (impl_->next(impl_->timeout, text)) {
    case Impl::Next::kMessage:
      return text;
    case Impl::Next::kNotYet:
      impl_->give_up_reading();
      return std::nullopt;
    case Impl::Next::kEnded:
      return std::nullopt;
  }
  return std::nullopt;
}

json::value WsClient::call(const std::string& method, json::value params) {
  const std::uint64_t id = next_id_++;
  send_text(json::serialize(
      json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}));
  for (int i = 0; i < 100000; ++i) {
    const auto text = read();
    if (!text) throw std::runtime_error("connection ended before the response to " + method);
    json::value v = json::parse(*text);
    if (v.is_object() && v.as_object().contains("id") && v.at("id") == json::value(id)) return v;
    impl_->notifications.push_back(std::move(v));
  }
  throw std::runtime_error("no response to " + method);
}

std::vector<json::value> WsClient::take_notifications() {
  return std::exchange(impl_->notifications, {});
}

bool WsClient::wait_notifications(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  while (impl_->notifications.size() < n) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds::zero()) return false;
    // A wait as long as the client's timeout that sees no message is a read that timed out.
    const bool whole = left >= impl_->timeout;
    switch (impl_->next(whole ? impl_->timeout : left, text)) {
      case Impl::Next::kMessage:
        impl_->notifications.push_back(json::parse(text));
        break;
      case Impl::Next::kNotYet:
        if (whole) impl_->give_up_reading();
        return false;
      case Impl::Next::kEnded:
        return false;
    }
  }
  return true;
}

bool WsClient::closed() const {
  return impl_->closed;
}
bool WsClient::timed_out() const {
  return impl_->timed_out;
}
int WsClient::close_code() const {
  return impl_->close_code;
}
std::string WsClient::close_reason() const {
  return impl_->close_reason;
}

}  // namespace zkr::api

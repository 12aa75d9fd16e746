// api::WsClient against servers that misbehave: one that never answers the handshake, one that
// answers it and then says nothing, one that never reads, one that is slow to speak. Every operation has a timeout: it ends
// with the connection closed and a reason, never with the caller stuck.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "api/client.hpp"

namespace zkr::api {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// The Sec-WebSocket-Accept answer to a Sec-WebSocket-Key (RFC 6455 4.2.2).
std::string accept_key(const std::string& key) {
  const std::string text = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("SHA-1 failed");
  std::array<unsigned char, 64> encoded{};
  const int n = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(size));
  return std::string(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(n));
}

/// A loopback server for one WebSocket client, on a thread of its own.
class FakeServer {
 public:
  enum class Mode {
    kNeverAnswers,  // reads the handshake request and never answers it
    kSilent,        // completes the handshake, then reads (and drops) and never sends
    kNeverReads,    // completes the handshake, then reads nothing more
    kSendsLate,     // completes the handshake, sends one notification after kLate, then reads
  };
  static constexpr std::chrono::milliseconds kLate{1000};
  static constexpr std::string_view kNotification =
      R"({"jsonrpc":"2.0","method":"zkr_subscription","params":{"subscription":"0x1"}})";

  explicit FakeServer(Mode mode) : mode_(mode) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    if (listener_ < 0) throw std::runtime_error("socket failed");
    const int small = 4096;  // inherited by the accepted socket: fills soon when never read
    setsockopt(listener_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(listener_, 1) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      close(listener_);
      throw std::runtime_error("cannot listen on loopback");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeServer() {
    shutdown(listener_, SHUT_RDWR);  // ends a blocked accept()
    if (const int c = connection_.load(); c >= 0) shutdown(c, SHUT_RDWR);
    thread_.join();
    close(listener_);
    if (const int c = connection_.load(); c >= 0) close(c);
  }
  std::uint16_t port() const { return port_; }
  /// Whether the client has closed its side (kSilent, which reads to the end).
  bool peer_closed() const { return peer_closed_; }

 private:
  void serve() {
    const int c = accept(listener_, nullptr, nullptr);
    if (c < 0) return;
    connection_ = c;
    std::string request;
    std::array<char, 4096> buffer{};
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = read(c, buffer.data(), buffer.size());
      if (n <= 0) return;
      request.append(buffer.data(), static_cast<std::size_t>(n));
    }
    if (mode_ == Mode::kNeverAnswers) return;
    const std::string field = "Sec-WebSocket-Key: ";
    const std::size_t at = request.find(field);
    if (at == std::string::npos) return;
    const std::size_t from = at + field.size();
    const std::string key = request.substr(from, request.find("\r\n", from) - from);
    const std::string answer =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        accept_key(key) + "\r\n\r\n";
    if (write(c, answer.data(), answer.size()) != static_cast<ssize_t>(answer.size())) return;
    if (mode_ == Mode::kNeverReads) return;
    if (mode_ == Mode::kSendsLate) {
      std::this_thread::sleep_for(kLate);
      // A server's frame is unmasked: FIN and text, the length, the payload.
      std::string frame{static_cast<char>(0x81), static_cast<char>(kNotification.size())};
      frame += kNotification;
      if (write(c, frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) return;
    }
    while (read(c, buffer.data(), buffer.size()) > 0) {
    }
    peer_closed_ = true;
  }

  const Mode mode_;
  int listener_ = -1;
  std::atomic<int> connection_{-1};
  std::uint16_t port_ = 0;
  std::atomic<bool> peer_closed_{false};
  std::thread thread_;
};

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(WsClient, AServerThatNeverAnswersTheHandshakeIsAnErrorAfterTheTimeout) {
  FakeServer server(FakeServer::Mode::kNeverAnswers);
  const auto t0 = Clock::now();
  const std::string error = error_of([&] { WsClient ws(server.port(), 300ms); });
  EXPECT_GE(Clock::now() - t0, 300ms);
  EXPECT_NE(error.find("WebSocket handshake with ws://127.0.0.1:" + std::to_string(server.port()) +
                       "/: no answer within 300 ms"),
            std::string::npos)
      << error;
}

TEST(WsClient, AReadThatTimesOutEndsTheConnectionAndSaysSo) {
  FakeServer server(FakeServer::Mode::kSilent);
  WsClient ws(server.port(), 300ms);
  EXPECT_FALSE(ws.closed());
  const auto t0 = Clock::now();
  EXPECT_FALSE(ws.read().has_value());
  EXPECT_GE(Clock::now() - t0, 300ms);
  EXPECT_TRUE(ws.timed_out());
  EXPECT_TRUE(ws.closed());
  EXPECT_EQ(ws.close_code(), 0);
  EXPECT_EQ(ws.close_reason(), "no message within 300 ms: the client closed the connection");
  // The server sees the connection end.
  for (int i = 0; i < 500 && !server.peer_closed(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(server.peer_closed());
  // Ended: what follows fails at once instead of waiting again.
  EXPECT_FALSE(ws.read().has_value());
  EXPECT_EQ(error_of([&] { ws.call("zkr_getGatewayStatus", boost::json::array{}); }),
            "connection ended before the response to zkr_getGatewayStatus");
}

TEST(WsClient, ASendThatCannotCompleteEndsTheConnectionAndSaysSo) {
  FakeServer server(FakeServer::Mode::kNeverReads);
  WsClient ws(server.port(), 300ms);
  // Far more than the socket buffers of both ends hold.
  ws.send_binary(std::string(std::size_t{64} << 20, 'x'));
  EXPECT_TRUE(ws.timed_out());
  EXPECT_TRUE(ws.closed());
  EXPECT_EQ(ws.close_reason(), "could not send within 300 ms: the client closed the connection");
  EXPECT_FALSE(ws.read().has_value());
}

TEST(WsClient, WaitingForNotificationsKeepsItsDeadlineAndTheConnection) {
  FakeServer server(FakeServer::Mode::kSendsLate);
  WsClient ws(server.port(), 10s);
  // The notification comes after kLate: a shorter wait ends at its own deadline, not the
  // client's timeout, and leaves the connection open with the read in flight.
  const auto t0 = Clock::now();
  EXPECT_FALSE(ws.wait_notifications(1, 100ms));
  EXPECT_LT(Clock::now() - t0, FakeServer::kLate);
  EXPECT_FALSE(ws.closed());
  EXPECT_FALSE(ws.timed_out());
  ASSERT_TRUE(ws.wait_notifications(1, 10s)) << ws.close_reason();
  const auto got = ws.take_notifications();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], boost::json::parse(FakeServer::kNotification));
  EXPECT_FALSE(ws.closed());
}

TEST(WsClient, AWaitAsLongAsTheTimeoutWithoutAMessageEndsTheConnection) {
  FakeServer server(FakeServer::Mode::kSilent);
  WsClient ws(server.port(), 300ms);
  EXPECT_FALSE(ws.wait_notifications(1, 2s));
  EXPECT_TRUE(ws.timed_out());
  EXPECT_EQ(ws.close_reason(), "no message within 300 ms: the client closed the connection");
}

}  // namespace
}  // namespace zkr::api

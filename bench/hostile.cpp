// zkr_hostile: clients that misbehave, for scripts/soak. Each kind connects from its own loopback
// address (127.0.0.10 + kind) over raw non-blocking sockets, keeps misbehaving for --seconds and
// reconnects whenever the server closes it:
//   greedy   WebSockets sending batches of 100 zkr_getProofs x 100 ids, never reading
//   bodies   HTTP requests announcing a 16 MiB body and sending all of it but the last byte
//   idle     TCP connections that send nothing
//   pingers  WebSockets that send nothing and answer only pings
//   stallers WebSockets subscribed to every message from cursor 0, never reading
//   guessers WebSockets sending batches of 100 zkr_authenticate with wrong credentials
// Prints what each kind did: connections made, closed by the server, bytes sent and received.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "api/client.hpp"

ABSL_FLAG(int, port, 8545, "the server's port on 127.0.0.1");
ABSL_FLAG(int, seconds, 60, "how long to keep at it");
ABSL_FLAG(int, greedy, 4, "greedy WebSockets");
ABSL_FLAG(int, bodies, 30, "connections holding partial 16 MiB bodies");
ABSL_FLAG(int, idle, 200, "idle TCP connections");
ABSL_FLAG(int, pingers, 100, "WebSockets that only answer pings");
ABSL_FLAG(int, stallers, 20, "subscribers that never read");
ABSL_FLAG(int, guessers, 4, "credential guessers");
ABSL_FLAG(std::string, proof_id, "1000:1:0", "a message id whose proof exists");

namespace {

enum Kind { kGreedy, kBodies, kIdle, kPingers, kStallers, kGuessers, kKinds };
constexpr std::array<const char*, kKinds> kNames = {"greedy",  "bodies",   "idle",
                                                    "pingers", "stallers", "guessers"};

struct Totals {
  std::uint64_t connects = 0, closed = 0, refused = 0, sent = 0, received = 0;
};

std::string upgrade() {
  return "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
}

std::string frame(std::uint8_t opcode, std::string_view payload) {
  return zkr::api::websocket_client_frame(opcode, payload);
}

struct Conn {
  Kind kind;
  int fd = -1;
  std::string out;  // still to send
  std::string in;   // pingers: unparsed input after the handshake
  bool upgraded = false;
  std::chrono::steady_clock::time_point next_send{};
  std::chrono::steady_clock::time_point next_open{};  // reconnects a second after a close
};

class Hostile {
 public:
  Hostile() {
    std::string ids;
    for (int i = 0; i < 100; ++i)
      absl::StrAppend(&ids, i ? "," : "", "\"", absl::GetFlag(FLAGS_proof_id), "\"");
    std::string proofs = "[", guesses = "[";
    for (int i = 0; i < 100; ++i) {
      absl::StrAppend(&proofs, i ? "," : "", R"({"jsonrpc":"2.0","id":)", i,
                      R"(,"method":"zkr_getProofs","params":[[)", ids, "]]}");
      absl::StrAppend(&guesses, i ? "," : "", R"({"jsonrpc":"2.0","id":)", i,
                      R"(,"method":"zkr_authenticate","params":[1000,"guess-)", i,
                      R"(-0123456789abcdef"]})");
    }
    greedy_frame_ = frame(1, proofs + "]");
    guess_frame_ = frame(1, guesses + "]");
  }

  void open(Conn& c) {
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    from.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 10 + c.kind);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(absl::GetFlag(FLAGS_port)));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(c.fd, reinterpret_cast<sockaddr*>(&from), sizeof from);
    ::connect(c.fd, reinterpret_cast<sockaddr*>(&to), sizeof to);  // completes in the background
    totals_[c.kind].connects++;
    c.in.clear();
    c.upgraded = false;
    switch (c.kind) {
      case kGreedy:
        c.out = upgrade();
        for (int i = 0; i < 100; ++i) c.out += greedy_frame_;
        break;
      case kBodies: {
        const std::size_t body = 16 << 20;
        c.out = absl::StrCat("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ", body, "\r\n\r\n",
                             std::string(body - 1, ' '));
        break;
      }
      case kIdle:
        c.out.clear();
        break;
      case kPingers:
        c.out = upgrade();
        break;
      case kStallers:
        c.out = upgrade() + frame(1, R"({"jsonrpc":"2.0","id":1,"method":"zkr_subscribe",)"
                                     R"("params":["messages",{},0]})");
        break;
      case kGuessers:
        c.out = upgrade();
        break;
      case kKinds:
        break;
    }
  }

  void close(Conn& c, bool by_server) {
    ::close(c.fd);
    c.fd = -1;
    c.next_open = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    if (by_server) totals_[c.kind].closed++;
  }

  /// One round for one connection: send what it may, read what it reads.
  void pump(Conn& c, std::chrono::steady_clock::time_point now) {
    if (c.kind == kGuessers && c.upgraded && c.out.empty() && now >= c.next_send) {
      c.out = guess_frame_;
      c.next_send = now + std::chrono::milliseconds(100);
    }
    while (!c.out.empty()) {
      const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS) break;
        if (errno == ENOTCONN) break;  // still connecting
        return close(c, true);
      }
      totals_[c.kind].sent += static_cast<std::uint64_t>(n);
      c.out.erase(0, static_cast<std::size_t>(n));
    }
    // greedy and stallers never read; the others read (and pingers answer pings).
    if (c.kind == kGreedy || c.kind == kStallers) return;
    char buf[65536];
    while (true) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) return close(c, true);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN) break;
        return close(c, true);
      }
      totals_[c.kind].received += static_cast<std::uint64_t>(n);
      if (c.kind == kBodies && std::string_view(buf, static_cast<std::size_t>(n)).find(" 503 ") !=
                                   std::string_view::npos)
        totals_[c.kind].refused++;
      if (c.kind == kPingers || c.kind == kGuessers) c.in.append(buf, static_cast<std::size_t>(n));
    }
    if (!c.upgraded && (c.kind == kPingers || c.kind == kGuessers)) {
      const auto end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      c.upgraded = true;
      c.in.erase(0, end + 4);
    }
    if (c.kind == kGuessers) c.in.clear();
    if (c.kind != kPingers) return;
    // Server frames are unmasked: answer each ping with a pong of its payload.
    while (c.in.size() >= 2) {
      const auto op = static_cast<std::uint8_t>(c.in[0]) & 0x0f;
      std::size_t len = static_cast<std::uint8_t>(c.in[1]) & 0x7f, at = 2;
      if (len == 126 || len == 127) return;  // pings carry at most 125 bytes; nothing else comes
      if (c.in.size() < at + len) return;
      if (op == 0x9) c.out += frame(0xA, std::string_view(c.in).substr(at, len));
      c.in.erase(0, at + len);
    }
  }

  int run() {
    const std::array<int, kKinds> counts = {
        absl::GetFlag(FLAGS_greedy),  absl::GetFlag(FLAGS_bodies),   absl::GetFlag(FLAGS_idle),
        absl::GetFlag(FLAGS_pingers), absl::GetFlag(FLAGS_stallers), absl::GetFlag(FLAGS_guessers)};
    std::vector<Conn> conns;
    for (int k = 0; k < kKinds; ++k)
      for (int i = 0; i < counts[static_cast<std::size_t>(k)]; ++i)
        conns.push_back(Conn{.kind = static_cast<Kind>(k)});
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(absl::GetFlag(FLAGS_seconds));
    auto next_report = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < end) {
      const auto now = std::chrono::steady_clock::now();
      for (Conn& c : conns) {
        if (c.fd < 0 && now >= c.next_open) open(c);
        if (c.fd >= 0) pump(c, now);
      }
      if (now >= next_report) {
        report();
        next_report = now + std::chrono::seconds(60);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (Conn& c : conns)
      if (c.fd >= 0) close(c, false);
    report();
    return 0;
  }

  void report() const {
    for (int k = 0; k < kKinds; ++k) {
      const Totals& t = totals_[static_cast<std::size_t>(k)];
      std::printf(
          "hostile %-8s connects %llu, closed by the server %llu, 503 %llu, sent %.1f MiB, "
          "received %.1f MiB\n",
          kNames[static_cast<std::size_t>(k)], static_cast<unsigned long long>(t.connects),
          static_cast<unsigned long long>(t.closed), static_cast<unsigned long long>(t.refused),
          static_cast<double>(t.sent) / 1048576, static_cast<double>(t.received) / 1048576);
    }
    std::fflush(stdout);
  }

 private:
  std::string greedy_frame_, guess_frame_;
  std::array<Totals, kKinds> totals_{};
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  Hostile h;
  return h.run();
}

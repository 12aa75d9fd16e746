#pragma once
// Child processes for tests of the real binaries: start with stdout on a pipe, read the port from
// a banner line, stop with SIGINT and report the exit code.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace zkr::testing {

struct Process {
  pid_t pid = -1;
  int out = -1;
  std::uint16_t port = 0;  // read from the banner; 0 if it never appeared
  std::string text;        // what it printed before the banner's port
};

/// Starts argv[0] with `argv` and reads its stdout until `banner` followed by a port number
/// appears (at most `wait`).
inline Process start_process(const std::vector<std::string>& argv, std::string_view banner,
                             std::chrono::seconds wait = std::chrono::seconds(30)) {
  int fds[2];
  Process d;
  if (::pipe(fds) != 0) return d;
  d.pid = ::fork();
  if (d.pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  ::close(fds[1]);
  d.out = fds[0];
  const auto deadline = std::chrono::steady_clock::now() + wait;
  const auto port_in = [&d, banner]() -> int {
    const std::size_t at = d.text.find(banner);
    if (at == std::string::npos) return 0;
    const std::size_t start = at + banner.size();
    const std::size_t end = d.text.find_first_not_of("0123456789", start);
    if (end == std::string::npos || end == start) return 0;  // the number may not be complete yet
    return std::stoi(d.text.substr(start, end - start));
  };
  while (std::chrono::steady_clock::now() < deadline && port_in() == 0) {
    pollfd p{d.out, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[1024];
    const ssize_t n = ::read(d.out, buf, sizeof buf);
    if (n <= 0) break;
    d.text.append(buf, static_cast<std::size_t>(n));
  }
  d.port = static_cast<std::uint16_t>(port_in());
  return d;
}

/// Reads more of a started process's output until a line containing `what` is complete (at most
/// 30 s); the line, or empty.
inline std::string read_line_with(Process& p, std::string_view what) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::size_t at = p.text.find(what);
    if (at != std::string::npos) {
      const std::size_t end = p.text.find('\n', at);
      if (end != std::string::npos) return p.text.substr(at, end - at);
    }
    pollfd fd{p.out, POLLIN, 0};
    if (::poll(&fd, 1, 200) <= 0) continue;
    char buf[1024];
    const ssize_t n = ::read(p.out, buf, sizeof buf);
    if (n <= 0) break;
    p.text.append(buf, static_cast<std::size_t>(n));
  }
  return "";
}

/// Stops with SIGINT, draining its output so it never blocks on a full pipe; returns the exit code
/// (-1 if it had to be killed after 20 s).
inline int stop_process(Process& d) {
  ::kill(d.pid, SIGINT);
  int status = 0;
  bool eof = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(d.pid, &status, WNOHANG) == d.pid) {
      ::close(d.out);
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    pollfd p{d.out, POLLIN, 0};
    if (!eof && ::poll(&p, 1, 50) > 0) {
      char buf[4096];
      eof = ::read(d.out, buf, sizeof buf) <= 0;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ::kill(d.pid, SIGKILL);
  ::waitpid(d.pid, &status, 0);
  ::close(d.out);
  return -1;
}

/// A loopback TCP port free at the time of the call (for a process that must be given one).
inline std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// Runs a shell command and returns (exit code, what it printed on stdout).
inline std::pair<int, std::string> run_command(const std::string& command) {
  std::FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return {-1, ""};
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace zkr::testing

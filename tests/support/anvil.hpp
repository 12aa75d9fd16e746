#pragma once
// A real anvil node for tests: started on a free port, stopped on destruction. The binary comes
// from ZKR_ANVIL (scripts/test installs the npm package and sets it).

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace zkr::testing {

/// anvil's first development account (funded on every anvil).
inline constexpr const char* kAnvilKey =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

inline std::string anvil_binary() {
  const char* path = std::getenv("ZKR_ANVIL");
  return path != nullptr && std::filesystem::exists(path) ? path : "";
}

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

/// Whether a test that needs anvil can run. Without it the test skips, except in CI, where
/// scripts/test installs it and its absence is a failure.
inline bool have_anvil() {
  if (!anvil_binary().empty()) return true;
  if (in_ci())
    ADD_FAILURE() << "ZKR_ANVIL must name the anvil binary in CI (scripts/test installs it)";
  return false;
}

/// anvil on 127.0.0.1 with chain id 31337 and `finalized` two blocks behind the head. With a
/// `state_file` it loads its chain from that file at start and writes it there when stopped, so
/// a node stopped and started again on the same port comes back with every block it had.
class Anvil {
 public:
  explicit Anvil(const std::string& binary, std::uint16_t port = 0,
                 const std::string& state_file = "") {
    int out[2];
    if (::pipe(out) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args{
        binary, "--port", std::to_string(port), "--chain-id", "31337", "--slots-in-an-epoch", "1"};
    if (!state_file.empty()) {
      args.push_back("--state");
      args.push_back(state_file);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    char line[512];
    while (pid_ != 0 && f != nullptr && std::fgets(line, sizeof line, f) != nullptr) {
      const std::string s(line);
      const auto at = s.find("Listening on 127.0.0.1:");
      if (at != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::stoi(s.substr(at + 23)));
        break;
      }
    }
    // Keep draining anvil's output so it never blocks on a full pipe.
    if (f != nullptr)
      drain_ = std::thread([f] {
        char buf[512];
        while (std::fgets(buf, sizeof buf, f) != nullptr) {
        }
        std::fclose(f);
      });
  }
  ~Anvil() { stop(); }
  /// SIGTERM, as an operator stops it (it writes its state file then), and waits for the exit.
  void stop() {
    if (pid_ != 0) {
      ::kill(pid_, SIGCONT);
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = 0;
    }
    if (drain_.joinable()) drain_.join();
  }
  /// A node that hangs: connections are accepted by the kernel and never answered.
  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }
  std::uint16_t port() const { return port_; }

 private:
  pid_t pid_ = 0;
  std::uint16_t port_ = 0;
  std::thread drain_;
};

}  // namespace zkr::testing

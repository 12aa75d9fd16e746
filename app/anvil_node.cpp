#include "app/anvil_node.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

extern char** environ;

namespace zkr::app {
namespace {

// `wanted` if it is free on the loopback interface, or any free port for 0.
absl::StatusOr<std::uint16_t> free_port(std::uint16_t wanted, const std::string& role) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::UnavailableError("cannot open a socket to find a free port");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(wanted);
  socklen_t len = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  if (!ok && wanted != 0)
    return absl::UnavailableError(absl::StrCat("port ", wanted, " for ", role, " is in use"));
  if (!ok) return absl::UnavailableError("cannot find a free port");
  return ntohs(a.sin_port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AnvilNode>> AnvilNode::start(const AnvilOptions& o) {
  if (o.binary.empty() || ::access(o.binary.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("no anvil binary at '", o.binary,
                                            "' (./scripts/devnet installs it with npm ci)"));
  }
  ZKR_ASSIGN_OR_RETURN(const std::uint16_t port, free_port(o.port, o.role));
  std::unique_ptr<AnvilNode> node(new AnvilNode());
  node->port_ = port;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, o.log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<std::string> args{o.binary, "--port", std::to_string(port), "--chain-id",
                                std::to_string(o.chain_id)};
  args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int spawned =
      posix_spawn(&node->pid_, o.binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    node->pid_ = 0;
    return absl::UnavailableError(absl::StrCat("cannot start ", o.binary, ": error ", spawned));
  }
  ZKR_ASSIGN_OR_RETURN(node->rpc_, settlement::EthRpcClient::create(node->url()));
  absl::StatusOr<std::uint64_t> id = absl::UnavailableError("not asked yet");
  for (int i = 0; i < 200 && !id.ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    id = node->rpc_->chain_id();
  }
  if (!id.ok()) {
    return absl::UnavailableError(absl::StrCat(o.role, " (anvil) did not answer on port ", port,
                                               " within 10 s (", id.status().message(), "; see ",
                                               o.log_file, ")"));
  }
  return node;
}

std::string AnvilNode::url() const {
  return absl::StrCat("http://127.0.0.1:", port_);
}

AnvilNode::~AnvilNode() {
  if (pid_ == 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

}  // namespace zkr::app

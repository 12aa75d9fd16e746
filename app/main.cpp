// zkrouter: the interop message router. This file dispatches the subcommands.

#include <cstdio>
#include <cstring>
#include <string_view>

#include "app/version.hpp"

namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
  bool available;
};

constexpr Command kCommands[] = {
    {"devnet", "run the router, the Gateway, an embedded L1 and simulated chains in one process",
     false},
    {"serve", "run the router from a config file (--config FILE)", false},
    {"send", "send a message on a devnet chain and print its id", false},
    {"status", "print a message's timeline", false},
    {"proof", "print a message's proof in the ZKsync JSON shape", false},
    {"verify", "check a proof offline, as the on-chain verifier does", false},
    {"watch", "subscribe to a stream and print it, resumable with --from-cursor", false},
    {"version", "print the version", true},
};

void print_usage(std::FILE* out) {
  std::fprintf(out, "zkrouter %s — interop message router for ZK chains settling on a Gateway\n\n",
               zkr::app::kVersion);
  std::fprintf(out,
               "usage: zkrouter <command> [options]   (zkrouter <command> --help)\n\ncommands:\n");
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-8.*s %.*s%s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data(),
                 c.available ? "" : " (not in this build yet)");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "help") == 0) {
    print_usage(stdout);
    return 0;
  }
  const std::string_view command = argv[1];
  if (command == "version" || command == "--version") {
    std::printf("zkrouter %s\n", zkr::app::kVersion);
    return 0;
  }
  for (const Command& c : kCommands) {
    if (c.name == command) {
      std::fprintf(stderr, "zkrouter: '%s' is not in this build yet\n\n", argv[1]);
      print_usage(stderr);
      return 0;
    }
  }
  std::fprintf(stderr, "zkrouter: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return 2;
}

// zkrouter: the interop message router. This file parses the command line and dispatches.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "app/client_commands.hpp"
#include "app/deploy_command.hpp"
#include "app/devnet.hpp"
#include "app/serve.hpp"
#include "app/verify_command.hpp"
#include "app/version.hpp"

ABSL_FLAG(std::string, data_dir, "data/devnet", "devnet: directory for the database and secrets");
ABSL_FLAG(bool, fresh, false, "devnet: start from an empty database");
ABSL_FLAG(std::string, listen, "127.0.0.1", "devnet: address the API listens on");
ABSL_FLAG(int, port, 8545, "devnet: port of the API (0 picks a free one)");
ABSL_FLAG(int, chains, 3, "devnet: chains settling on the Gateway (ids 270, 271, ...)");
ABSL_FLAG(int, migrate_every, 8,
          "devnet: batches chain 280 settles on L1 (through its own contract) or on the Gateway "
          "before it migrates to the other");
ABSL_FLAG(double, rate, 200, "devnet: messages per second over all chains");
ABSL_FLAG(int, batch_ms, 1000, "devnet: milliseconds between the batches of each chain");
ABSL_FLAG(int, block_ms, 500, "devnet: milliseconds between Gateway blocks");
ABSL_FLAG(int, blocks_per_batch, 4, "devnet: Gateway blocks per Gateway batch");
ABSL_FLAG(int, l1_block_ms, 1000, "devnet: milliseconds between blocks of the embedded L1");
ABSL_FLAG(int, l1_finality, 4, "devnet: blocks behind the L1 head that count as final");
ABSL_FLAG(int, run_for, 0, "devnet: stop after this many seconds (0 = until Ctrl-C)");
ABSL_FLAG(bool, plain, false, "devnet: log lines instead of the live view");
ABSL_FLAG(bool, destination, true,
          "devnet: run a destination chain (anvil with contracts/) importing the interop roots");
ABSL_FLAG(std::string, anvil, "",
          "devnet: the anvil binary (default: $ZKR_ANVIL, else node_modules/.bin/anvil of the "
          "checkout)");
ABSL_FLAG(std::string, contracts_dir, "",
          "devnet: the compiled contracts (default: contracts/ beside the build's app/ folder)");
ABSL_FLAG(std::string, config, "", "serve: the JSON config file (docs/config.md)");
ABSL_FLAG(std::string, host, "127.0.0.1",
          "status/proof/send/watch: the router's host (with --port)");
ABSL_FLAG(std::string, target, "gateway",
          "proof: gateway (shape C) or l1 (shape B, or A for L1 chains)");
ABSL_FLAG(int64_t, gateway_block, -1,
          "proof: a later sealed Gateway block to prove against (shape C)");
ABSL_FLAG(uint64_t, chain, 270, "send: the devnet chain to send on");
ABSL_FLAG(std::string, sender, "0x000000000000000000000000000000000000c0de",
          "send: the sender address");
ABSL_FLAG(std::string, data, "0x68656c6c6f", "send: the message bytes, 0x hex");
ABSL_FLAG(std::string, topic, "messages", "watch: messages, finality, interopRoots or batches");
ABSL_FLAG(int64_t, source, -1, "watch: only this source chain");
ABSL_FLAG(int64_t, from_cursor, -1, "watch: replay events after this cursor first");
ABSL_FLAG(uint64_t, count, 0, "watch: stop after this many notifications (0: never)");
ABSL_FLAG(std::string, l1, "",
          "devnet: the L1, embedded (default) or anvil (a real EVM running "
          "contracts/L1Settlement.sol); deploy-settlement: the Ethereum node's JSON-RPC URL");
ABSL_FLAG(std::string, key_env, "ZKR_DEPLOYER_KEY",
          "deploy-settlement: the environment variable holding the deployer's key");
ABSL_FLAG(uint64_t, settling_chain, 506, "deploy-settlement: the chain that settles there");
ABSL_FLAG(std::string, signer, "",
          "deploy-settlement: the address of the key that signs the chain's aggregated proofs");

namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
};

constexpr Command kCommands[] = {
    {"devnet", "run the router, the Gateway and simulated chains in one process"},
    {"serve", "run the router from a config file (--config FILE)"},
    {"send", "send a message on a devnet chain and print its id"},
    {"status", "print a message's timeline"},
    {"proof", "print a message's proof in the ZKsync JSON shape"},
    {"verify", "check a proof offline, as the on-chain verifier does (FILE or - for stdin)"},
    {"watch", "subscribe to a stream and print it, resumable with --from_cursor"},
    {"deploy-settlement", "deploy the L1 settlement contract (contracts/L1Settlement.sol)"},
    {"version", "print the version"},
};

void print_usage(std::FILE* out) {
  std::fprintf(out, "zkrouter %s — interop message router for ZK chains settling on a Gateway\n\n",
               zkr::app::kVersion);
  std::fprintf(out,
               "usage: zkrouter <command> [--flags]   (zkrouter <command> --help)\n\ncommands:\n");
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-17.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
}

void use_app_flags_in_help(const char* usage) {
  absl::SetProgramUsageMessage(usage);
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "app/");
  };
  absl::SetFlagsUsageConfig(config);
}

std::optional<zkr::app::RouterAddress> router_address() {
  const int port = absl::GetFlag(FLAGS_port);
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "zkrouter: --port must be 1..65535, got %d\n", port);
    return std::nullopt;
  }
  return zkr::app::RouterAddress{absl::GetFlag(FLAGS_host), static_cast<std::uint16_t>(port)};
}

// status / proof / send / watch: commands that talk to a running router.
int client_command(std::string_view command, int argc, char** argv) {
  use_app_flags_in_help(
      "zkrouter status ID | proof ID [--target gateway|l1] [--gateway_block N] |\n"
      "zkrouter send [--chain C --data 0x..] | watch [--topic T] [--source C] [--from_cursor N]\n"
      "(all take --host and --port of the router)");
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  const auto router = router_address();
  if (!router) return 2;
  const bool needs_id = command == "status" || command == "proof";
  if (positional.size() != (needs_id ? 2U : 1U)) {
    std::fprintf(
        stderr, "zkrouter %.*s: %s\n", static_cast<int>(command.size()), command.data(),
        needs_id ? "give one message id (chain:batch:index)" : "takes no positional arguments");
    return 2;
  }
  if (command == "status") return zkr::app::status_command(*router, positional[1]);
  if (command == "proof") {
    const std::int64_t block = absl::GetFlag(FLAGS_gateway_block);
    return zkr::app::proof_command(*router, positional[1], absl::GetFlag(FLAGS_target),
                                   block >= 0 ? std::optional<std::uint64_t>(block) : std::nullopt);
  }
  if (command == "send") {
    return zkr::app::send_command(*router, absl::GetFlag(FLAGS_chain), absl::GetFlag(FLAGS_sender),
                                  absl::GetFlag(FLAGS_data));
  }
  const std::int64_t source = absl::GetFlag(FLAGS_source),
                     cursor = absl::GetFlag(FLAGS_from_cursor);
  return zkr::app::watch_command(*router, absl::GetFlag(FLAGS_topic),
                                 source >= 0 ? std::optional<std::uint64_t>(source) : std::nullopt,
                                 cursor >= 0 ? std::optional<std::int64_t>(cursor) : std::nullopt,
                                 absl::GetFlag(FLAGS_count));
}

int devnet(int argc, char** argv) {
  use_app_flags_in_help(
      "zkrouter devnet [--port N] [--data_dir DIR] [--fresh] [--rate R] [--run_for S] [--plain]\n"
      "Runs the router, its API, the Gateway and simulated chains in one process.");
  absl::ParseCommandLine(argc, argv);
  zkr::app::DevnetOptions o;
  o.data_dir = absl::GetFlag(FLAGS_data_dir);
  o.fresh = absl::GetFlag(FLAGS_fresh);
  o.listen_address = absl::GetFlag(FLAGS_listen);
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "zkrouter devnet: --port must be 0..65535, got %d\n", port);
    return 2;
  }
  o.port = static_cast<std::uint16_t>(port);
  o.gateway_chains = std::clamp(absl::GetFlag(FLAGS_chains), 1, 50);
  o.migrate_every = std::clamp(absl::GetFlag(FLAGS_migrate_every), 1, 1'000'000);
  o.messages_per_second = std::max(1.0, absl::GetFlag(FLAGS_rate));
  o.batch_interval = std::chrono::milliseconds(std::max(50, absl::GetFlag(FLAGS_batch_ms)));
  o.block_interval = std::chrono::milliseconds(std::max(50, absl::GetFlag(FLAGS_block_ms)));
  o.blocks_per_gateway_batch = std::max(1, absl::GetFlag(FLAGS_blocks_per_batch));
  o.l1_block_interval = std::chrono::milliseconds(std::max(50, absl::GetFlag(FLAGS_l1_block_ms)));
  o.l1_finality_depth =
      static_cast<std::uint64_t>(std::clamp(absl::GetFlag(FLAGS_l1_finality), 0, 1000));
  if (absl::GetFlag(FLAGS_run_for) > 0)
    o.run_for = std::chrono::seconds(absl::GetFlag(FLAGS_run_for));
  o.plain_output = absl::GetFlag(FLAGS_plain);
  o.destination = absl::GetFlag(FLAGS_destination);
  o.l1 = absl::GetFlag(FLAGS_l1).empty() ? "embedded" : absl::GetFlag(FLAGS_l1);
  if (o.l1 != "embedded" && o.l1 != "anvil") {
    std::fprintf(stderr, "zkrouter devnet: --l1 is embedded or anvil, not %s\n", o.l1.c_str());
    return 2;
  }
  // Defaults relative to the binary: build/app/zkrouter in a checkout.
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe");
  o.anvil = absl::GetFlag(FLAGS_anvil);
  if (o.anvil.empty()) {
    const char* env = std::getenv("ZKR_ANVIL");
    o.anvil =
        env != nullptr
            ? std::string(env)
            : (exe.parent_path().parent_path().parent_path() / "node_modules" / ".bin" / "anvil")
                  .string();
  }
  o.contracts_dir = absl::GetFlag(FLAGS_contracts_dir);
  if (o.contracts_dir.empty())
    o.contracts_dir = (exe.parent_path().parent_path() / "contracts").string();
  return zkr::app::run_devnet(o);
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
  // The subcommand's own flags follow it: parse argv without the command word.
  std::vector<char*> rest{argv[0]};
  for (int i = 2; i < argc; ++i) rest.push_back(argv[i]);
  if (command == "devnet") return devnet(static_cast<int>(rest.size()), rest.data());
  if (command == "serve") {
    use_app_flags_in_help(
        "zkrouter serve --config FILE\nRuns the router, its API, the Gateway and (if configured) "
        "L1 "
        "submission, as the config file says (docs/config.md).");
    const std::vector<char*> positional =
        absl::ParseCommandLine(static_cast<int>(rest.size()), rest.data());
    if (positional.size() != 1 || absl::GetFlag(FLAGS_config).empty()) {
      std::fprintf(stderr, "zkrouter serve: give the config file with --config FILE\n");
      return 2;
    }
    return zkr::app::run_serve(absl::GetFlag(FLAGS_config));
  }
  if (command == "status" || command == "proof" || command == "send" || command == "watch") {
    return client_command(command, static_cast<int>(rest.size()), rest.data());
  }
  if (command == "deploy-settlement") {
    use_app_flags_in_help(
        "zkrouter deploy-settlement --l1 URL --signer 0x… [--settling_chain 506] "
        "[--key_env ZKR_DEPLOYER_KEY]\nDeploys contracts/L1Settlement.sol (docs/settlement.md).");
    const std::vector<char*> positional =
        absl::ParseCommandLine(static_cast<int>(rest.size()), rest.data());
    if (positional.size() != 1) {
      std::fprintf(stderr, "zkrouter deploy-settlement: takes flags only\n");
      return 2;
    }
    zkr::app::DeployOptions d{.l1_url = absl::GetFlag(FLAGS_l1),
                              .key_env = absl::GetFlag(FLAGS_key_env),
                              .chain_id = absl::GetFlag(FLAGS_settling_chain),
                              .signer = absl::GetFlag(FLAGS_signer),
                              .contracts_dir = absl::GetFlag(FLAGS_contracts_dir)};
    if (d.contracts_dir.empty()) {
      d.contracts_dir =
          (std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() /
           "contracts")
              .string();
    }
    return zkr::app::deploy_settlement_command(d);
  }
  if (command == "verify") {
    if (argc != 3 || std::strcmp(argv[2], "--help") == 0) {
      std::fprintf(
          argc == 3 ? stdout : stderr,
          "usage: zkrouter verify FILE|-\n  FILE holds {chainId, batchNumber, index, message: "
          "{txNumberInBatch, sender, data} (or leaf), proof: [...], settledRoot: {chainId, number, "
          "root}}\n");
      return argc == 3 ? 0 : 2;
    }
    std::stringstream text;
    if (std::strcmp(argv[2], "-") == 0) {
      text << std::cin.rdbuf();
    } else {
      std::ifstream in(argv[2]);
      if (!in) {
        std::fprintf(stderr, "zkrouter verify: cannot read %s\n", argv[2]);
        return 2;
      }
      text << in.rdbuf();
    }
    return zkr::app::verify_command(text.str());
  }
  std::fprintf(stderr, "zkrouter: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return 2;
}

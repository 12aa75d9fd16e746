#pragma once
// `zkrouter serve --config FILE`: the router for a real deployment, configured by a JSON file
// (docs/config.md). Secrets (operator credentials, the Gateway key, the L1 key) come from files or
// environment variables named in the config, never from the command line.

#include <string>

namespace zkr::app {

/// Runs until SIGINT / SIGTERM. Returns the process exit code (2 for a bad configuration).
int run_serve(const std::string& config_path);

}  // namespace zkr::app

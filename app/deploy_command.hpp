#pragma once
// `zkrouter deploy-settlement`: deploys contracts/L1Settlement.sol to an Ethereum node for one
// settling chain (the Gateway), checked by the key whose address is given, and prints where.

#include <cstdint>
#include <string>

namespace zkr::app {

struct DeployOptions {
  std::string l1_url;          // the node's JSON-RPC URL
  std::string key_env;         // the environment variable holding the deployer's key (0x hex)
  std::uint64_t chain_id = 0;  // the settling chain
  std::string signer;          // the address whose key signs the chain's aggregated proofs
  std::string contracts_dir;   // contracts/compile.js's output
};

/// Returns 0 once deployed (and read back), 1 when the node or the deployment fails, 2 for bad
/// arguments; says why on stderr.
int deploy_settlement_command(const DeployOptions& options);

}  // namespace zkr::app

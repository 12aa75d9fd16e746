#include "app/deploy_command.hpp"

#include <cstdio>
#include <cstdlib>

#include "merkle/types.hpp"
#include "settlement/ethereum/settlement_contract.hpp"

namespace zkr::app {

int deploy_settlement_command(const DeployOptions& o) {
  const auto fail = [](int code, const std::string& why) {
    std::fprintf(stderr, "zkrouter deploy-settlement: %s\n", why.c_str());
    return code;
  };
  if (o.l1_url.empty()) return fail(2, "give the Ethereum node with --l1 http://host:port");
  if (o.chain_id == 0) return fail(2, "give the settling chain with --settling_chain ID");
  const absl::StatusOr<merkle::Address> signer = merkle::parse_address(o.signer);
  if (!signer.ok()) {
    return fail(2, "give the proof signer's address with --signer 0x… (" +
                       std::string(signer.status().message()) + ")");
  }
  const char* key_hex = std::getenv(o.key_env.c_str());
  if (key_hex == nullptr) {
    return fail(2, "the deployer's key is read from the environment variable " + o.key_env +
                       " (--key_env), which is not set");
  }
  const auto key = settlement::secp256k1::PrivateKey::from_hex(key_hex);
  if (!key.ok()) return fail(2, o.key_env + ": " + std::string(key.status().message()));
  const auto code = settlement::contract::creation_code(o.contracts_dir + "/L1Settlement.json",
                                                        o.chain_id, *signer);
  if (!code.ok()) return fail(1, std::string(code.status().message()));
  auto node = settlement::EthRpcClient::create(o.l1_url);
  if (!node.ok()) return fail(2, std::string(node.status().message()));
  std::printf("deploying L1Settlement for chain %llu (proof signer %s) from %s to %s …\n",
              static_cast<unsigned long long>(o.chain_id), merkle::to_hex(*signer).c_str(),
              merkle::to_hex(key->address()).c_str(), o.l1_url.c_str());
  std::fflush(stdout);
  const auto at = settlement::contract::deploy(**node, *key, *code);
  if (!at.ok()) return fail(1, std::string(at.status().message()));
  const auto state = settlement::contract::read_state(**node, *at);
  if (!state.ok()) return fail(1, std::string(state.status().message()));
  if (state->settling_chain_id != o.chain_id || state->proof_signer != *signer)
    return fail(1, "the deployed contract does not hold the chain and signer it was given");
  std::printf("deployed at %s: set l1.settlementAddress to it (docs/config.md)\n",
              merkle::to_hex(*at).c_str());
  return 0;
}

}  // namespace zkr::app

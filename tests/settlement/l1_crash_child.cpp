// Runs the L1 submitter against a node until every sealed Gateway batch is final on L1, mining a
// block after each round (the node's automine includes each transaction as it arrives; the extra
// blocks move `finalized` forward). The L1 crash test kills it with SIGKILL — from outside at a
// random moment, or from inside at a random write of the store — and starts it again.
// Usage: l1_crash_child DB NODE_URL SEED [KILL_AT_WRITE]
// Exit 0: everything final. 1: a round failed in a way a restart does not cure. 2: usage.

#include <cstdio>
#include <string>

#include "settlement/ethereum/eth_rpc_client.hpp"
#include "settlement/ethereum/l1_submitter.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/engine_fixtures.hpp"
#include "tests/support/fault_vfs.hpp"
#include "tests/support/l1_chain.hpp"

int main(int argc, char** argv) {
  namespace settlement = zkr::settlement;
  namespace testing = zkr::testing;  // not gtest's, which anvil.hpp brings in
  if (argc != 4 && argc != 5) return 2;
  testing::faults::install();
  auto engine = testing::open_engine(argv[1], 1);
  auto client = settlement::EthRpcClient::create(argv[2]);
  if (!client.ok()) return 2;
  settlement::L1Submitter submitter(
      {.settlement_address = testing::settlement_address(), .max_batches_per_tx = 2}, **client,
      *settlement::secp256k1::PrivateKey::from_hex(testing::kAnvilKey),
      [&](const auto& body) { return engine->settle(body); });
  if (argc == 5) testing::faults::arm(testing::faults::Fault::kKill, std::stoll(argv[4]));
  for (int round = 0; round < 2000; ++round) {
    const auto report = submitter.tick();
    if (!report.ok()) {
      std::printf("round %d: %s\n", round, std::string(report.status().message()).c_str());
      if (report.status().code() == absl::StatusCode::kFailedPrecondition) return 1;
    } else {
      std::printf("round %d: sent %d resent %d included %d final %d\n", round, report->sent,
                  report->resent, report->included, report->finalized);
    }
    std::fflush(stdout);
    bool all_final = engine->gateway_batch_count() > 0;
    for (std::uint64_t n = 1; n <= engine->gateway_batch_count(); ++n)
      all_final = all_final && engine->gateway_batch(n)->l1_stage == settlement::L1Stage::kFinal;
    if (all_final) return 0;
    (void)(*client)->call("evm_mine", {});
  }
  return 1;
}

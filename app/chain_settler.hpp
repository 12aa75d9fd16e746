#pragma once
// A chain operator settling its chain's batches on L1 itself, through its own L1Settlement
// (contracts/L1Settlement.sol, deployed with the chain's id and its prover's key as the proof
// signer): the devnet's operator of chain 280 in its L1 periods, and the tests'. Each step sends
// the batches the router has executed on L1 and the contract has not: commit, then prove (one
// aggregated proof per batch, covering that batch's commitment, signed by the chain's prover),
// then execute, each from where the contract's counters stand (so a step cut short, or undone by
// an L1 reorg, is completed by the next). Back from a stay on the Gateway, it first resumes the
// contract after the batches settled there. The router learns of the executions from L1
// (router/l1_watch.hpp), not from here.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "router/engine.hpp"
#include "settlement/ethereum/l1_client.hpp"
#include "settlement/ethereum/secp256k1.hpp"

namespace zkr::app {

class ChainSettler {
 public:
  struct Counters {
    std::uint64_t committed = 0;
    std::uint64_t proven = 0;
    std::uint64_t executed = 0;
  };
  struct Config {
    std::uint64_t chain_id = 0;
    merkle::Address contract{};
    /// The contract's counters (totalBatchesCommitted, …Verified, …Executed), read from the L1.
    std::function<absl::StatusOr<Counters>()> read_counters;
    int receipt_timeout_s = 60;
  };
  ChainSettler(Config config, router::Engine& engine, settlement::L1Client& l1,
               std::shared_ptr<const settlement::secp256k1::PrivateKey> operator_key,
               std::shared_ptr<const settlement::secp256k1::PrivateKey> prover_key);

  /// One step (at most the four transactions above, each waited for); what it did, in words,
  /// empty if there was nothing to do. An error names the call and the contract's reason.
  [[nodiscard]] absl::StatusOr<std::string> step();

 private:
  Config config_;
  router::Engine& engine_;
  settlement::L1Client& l1_;
  std::shared_ptr<const settlement::secp256k1::PrivateKey> operator_key_;
  std::shared_ptr<const settlement::secp256k1::PrivateKey> prover_key_;
};

}  // namespace zkr::app

#include "app/chain_settler.hpp"

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "settlement/ethereum/l1_calls.hpp"
#include "settlement/ethereum/settlement_contract.hpp"
#include "settlement/state/aggregation.hpp"

namespace zkr::app {

namespace l1calls = settlement::l1calls;
using settlement::SettlementLayer;

ChainSettler::ChainSettler(Config config, router::Engine& engine, settlement::L1Client& l1,
                           std::shared_ptr<const settlement::secp256k1::PrivateKey> operator_key,
                           std::shared_ptr<const settlement::secp256k1::PrivateKey> prover_key)
    : config_(std::move(config)),
      engine_(engine),
      l1_(l1),
      operator_key_(std::move(operator_key)),
      prover_key_(std::move(prover_key)) {}

absl::StatusOr<std::string> ChainSettler::step() {
  const auto chain = engine_.chain(config_.chain_id);
  if (!chain) return absl::NotFoundError(absl::StrCat("unknown chain ", config_.chain_id));
  ZKR_ASSIGN_OR_RETURN(Counters at, config_.read_counters());
  const auto send = [&](const merkle::Bytes& data, const std::string& what) -> absl::Status {
    const absl::StatusOr<settlement::L1Receipt> r = settlement::contract::transact(
        l1_, *operator_key_, config_.contract, data, config_.receipt_timeout_s);
    if (!r.ok()) {
      return absl::Status(r.status().code(), absl::StrCat("chain ", config_.chain_id, " ", what,
                                                          " on L1: ", r.status().message()));
    }
    return absl::OkStatus();
  };

  // The last batch of the run from `from` on that settles on L1 (or, with on_l1 false, does
  // not) and that the router has executed.
  const auto run_end = [&](std::uint64_t from, bool on_l1) {
    std::uint64_t end = from;
    while (end + 1 <= chain->last_executed &&
           (chain->layer_for(end + 1) == SettlementLayer::kL1) == on_l1)
      ++end;
    return end;
  };
  std::string done;
  const std::uint64_t next = at.executed + 1;
  if (next > chain->last_executed) return done;
  if (chain->layer_for(next) != SettlementLayer::kL1) {
    // Batches from `next` on settled on the Gateway: resume after them once the chain is back.
    if (at.committed != at.executed) {
      return absl::FailedPreconditionError(
          absl::StrCat("chain ", config_.chain_id, "'s contract has batches ", next, "..",
                       at.committed, " committed, but the router settled them on the Gateway"));
    }
    const std::uint64_t last_elsewhere = run_end(next, false);
    if (last_elsewhere == chain->last_executed) return done;  // still on the Gateway
    ZKR_RETURN_IF_ERROR(send(
        settlement::l1calls::with_words("resumeAfter(uint256)", {merkle::be32(last_elsewhere)}),
        absl::StrCat("resume after batch ", last_elsewhere)));
    done = absl::StrCat("resumed after batch ", last_elsewhere, "; ");
    at = {last_elsewhere, last_elsewhere, last_elsewhere};
  }
  const std::uint64_t last = run_end(at.executed + 1, true);

  // Each batch as the contract's payloads describe it: number, batch root, local root,
  // aggregation root (no L2 blocks are named), and its own aggregated proof.
  std::map<std::uint64_t, std::pair<settlement::GatewayBatch, merkle::Bytes>> entries;
  for (std::uint64_t n = at.executed + 1; n <= last; ++n) {
    const auto b = engine_.batch(config_.chain_id, n);
    const auto commitment = engine_.commitment(config_.chain_id, n);
    if (!b || !commitment) return absl::NotFoundError(absl::StrCat("batch ", n, " is gone"));
    const settlement::GatewayBatch entry{.number = n,
                                         .local_root = b->local_root,
                                         .shared_root = b->aggregated_root,
                                         .batch_root = b->chain_batch_root};
    ZKR_ASSIGN_OR_RETURN(
        const settlement::AggregatedProof proof,
        settlement::aggregate(config_.chain_id, entry, {*commitment}, *prover_key_));
    entries[n] = {entry, settlement::encode(proof)};
  }
  const auto run = [&](l1calls::Action action, std::uint64_t from) -> absl::Status {
    if (from > last) return absl::OkStatus();
    std::vector<settlement::GatewayBatch> batches;
    merkle::Bytes proofs;
    for (std::uint64_t n = from; n <= last; ++n) {
      batches.push_back(entries.at(n).first);
      proofs.insert(proofs.end(), entries.at(n).second.begin(), entries.at(n).second.end());
    }
    merkle::Bytes payload = action == l1calls::Action::kCommit  ? l1calls::commit_payload(batches)
                            : action == l1calls::Action::kProve ? std::move(proofs)
                                                                : l1calls::execute_payload(batches);
    return send(l1calls::encode({.action = action,
                                 .chain_id = config_.chain_id,
                                 .first = from,
                                 .last = last,
                                 .data = std::move(payload)}),
                absl::StrCat(l1calls::action_name(action), " batches ", from, "..", last));
  };
  ZKR_RETURN_IF_ERROR(run(l1calls::Action::kCommit, at.committed + 1));
  ZKR_RETURN_IF_ERROR(run(l1calls::Action::kProve, at.proven + 1));
  ZKR_RETURN_IF_ERROR(run(l1calls::Action::kExecute, at.executed + 1));
  return absl::StrCat(done, "settled batches ", at.executed + 1, "..", last);
}

}  // namespace zkr::app

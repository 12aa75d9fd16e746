#pragma once
// The Gateway inside one write transaction. Each step is computed by the Gateway (which it does
// not change), written to the transaction at once, and kept; once the transaction has committed,
// its owner applies changes() to the Gateway under its own lock (router::Engine does). If the
// transaction does not commit, the changes are dropped and the Gateway never saw them.
//
// Steps are computed against the Gateway as it was before the transaction, so a transaction makes
// at most one step, except L1 stage changes: set_l1_stage() sees the stages this transaction has
// already set (the L1 submitter moves several Gateway batches, or one through two stages, at once).

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "settlement/state/gateway.hpp"
#include "settlement/store/database.hpp"

namespace zkr::settlement {

class GatewayWriter {
 public:
  GatewayWriter(const Gateway& gateway, Database& db) : gateway_(gateway), db_(db) {}
  GatewayWriter(const GatewayWriter&) = delete;
  GatewayWriter& operator=(const GatewayWriter&) = delete;

  /// The Gateway as it was before this transaction.
  const Gateway& gateway() const noexcept { return gateway_; }
  /// The transaction's connection, for the caller's own rows.
  Database& db() const noexcept { return db_; }

  /// Writes a step's change (or its error) and keeps it; returns the event's seq.
  [[nodiscard]] absl::StatusOr<std::int64_t> write(absl::StatusOr<GatewayChange> change);

  /// A Gateway batch's L1 stage as this transaction has left it.
  [[nodiscard]] absl::StatusOr<L1Stage> l1_stage(std::uint64_t gw_batch) const;
  /// Moves a Gateway batch to `stage` on L1 (nothing if it is there already).
  [[nodiscard]] absl::Status set_l1_stage(std::uint64_t gw_batch, L1Stage stage,
                                          std::string_view detail);

  /// What the transaction changed, in order: apply each once it has committed.
  const std::vector<GatewayChange>& changes() const noexcept { return changes_; }

 private:
  const Gateway& gateway_;
  Database& db_;
  std::vector<GatewayChange> changes_;
  std::map<std::uint64_t, L1Stage> l1_stages_;  // set by this transaction
};

}  // namespace zkr::settlement

#pragma once
// How a read replica follows its writer: each committed event, in seq order, is turned back into
// the Gateway change the writer made. The replica's Gateway (the state just before the event)
// recomputes the step, with what the step needs from the rows stored with the event (a chain's
// keys, a batch's roots, a Gateway batch's aggregated proof); the step's own checks and a
// comparison with the stored event (kind, numbers and the roots in its detail) stop a replica
// from following a database that disagrees with itself.

#include <optional>

#include "absl/status/statusor.h"
#include "settlement/state/gateway.hpp"
#include "settlement/store/database.hpp"
#include "settlement/store/events.hpp"

namespace zkr::settlement {

/// The change `event` made, for a Gateway that has applied every event before it (none for an
/// event that changes no Gateway state: a message's record, which its batch's record carries, or
/// an L1 batch's finality, which only its event records). DataLoss if the database disagrees.
[[nodiscard]] absl::StatusOr<std::optional<GatewayChange>> stored_change(const Gateway& gateway,
                                                                         Database& db,
                                                                         const Event& event);

}  // namespace zkr::settlement

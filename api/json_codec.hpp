#pragma once
// JSON forms of the engine's types: what the API returns, and sealed batches as operators submit
// them. Decoding errors are InvalidArgument naming the field.

#include <boost/json.hpp>

#include "absl/status/statusor.h"
#include "router/batch.hpp"
#include "router/engine.hpp"
#include "settlement/store/events.hpp"

namespace zkr::api {

boost::json::value hex(merkle::ByteSpan bytes);
boost::json::value hex(const merkle::Word& w);

[[nodiscard]] absl::StatusOr<merkle::Word> word_field(const boost::json::object& o,
                                                      const char* name);
/// A cursor or a time (event seqs and milliseconds are signed 64-bit): InvalidArgument naming
/// `name` at or above 2^63, where it would wrap.
[[nodiscard]] absl::StatusOr<std::int64_t> as_cursor(std::uint64_t value, const char* name);
[[nodiscard]] absl::StatusOr<std::uint64_t> u64_field(const boost::json::object& o,
                                                      const char* name);

/// {chainId, batchNumber, protocolVersion, aggregatedRoot, localRoot, chainBatchRoot,
///  logs: [{l2ShardId?, isService, txNumberInBatch, sender, key, value, txHash, message?}]}
[[nodiscard]] absl::StatusOr<router::SealedBatch> batch_from_json(const boost::json::value& v);
boost::json::value batch_to_json(const router::SealedBatch& batch);
/// {chainId, batchNumber, duplicate, logCount, chainBatchRoot, committedAtUs}: what submitting a
/// batch answers (committedAtUs null for a duplicate).
boost::json::value ingest_result_to_json(std::uint64_t chain_id, std::uint64_t batch_number,
                                         const router::IngestResult& result);

/// A message row, written straight to text like the proofs below (the subscription hub formats
/// every recorded message); message_to_json is that text parsed.
std::string message_json_text(const router::LogRow& row);
boost::json::value message_to_json(const router::LogRow& row);
boost::json::value status_to_json(const router::MessageStatus& status);
/// The ZKsync shape {proof, id, root, batchNumber, gatewayBlockNumber}, written straight to text
/// (canonical JSON, as Boost.JSON serializes it): the hot path of the proof methods builds no
/// document.
std::string zks_proof_json_text(const router::BuiltProof& proof);
/// The native shape: the ZKsync fields plus shape, target and where the root must be settled.
std::string proof_json_text(const router::BuiltProof& proof);
/// The same, as documents (inside zkr_getProofs' array).
boost::json::value zks_proof_to_json(const router::BuiltProof& proof);
boost::json::value proof_to_json(const router::BuiltProof& proof);
boost::json::value batch_info_to_json(const settlement::BatchInfo& batch);
boost::json::value gateway_batch_to_json(const settlement::GatewayBatch& batch);
boost::json::value aggregated_proof_to_json(const settlement::AggregatedProof& proof);
boost::json::value l1_tx_to_json(const settlement::L1TxRecord& tx);
boost::json::value chain_cost_to_json(const settlement::ChainCost& cost);
boost::json::value cost_to_json(const settlement::GatewayBatchCost& cost);
/// An event as subscribers see it: {cursor, kind, at, chainId?, batchNumber?, index?,
/// gatewayBlockNumber?, gatewayBatchNumber?, detail?, message?}, with `message` the recorded
/// message's row when given. event_to_json is the text (without a message) parsed.
std::string event_json_text(const settlement::Event& event,
                            const router::LogRow* message = nullptr);
boost::json::value event_to_json(const settlement::Event& event);

}  // namespace zkr::api

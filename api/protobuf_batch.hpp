#pragma once
// The binary ingestion frame (docs/ingestion.proto): a SubmitBatch message carried in one binary
// WebSocket message, decoded with protozero. Malformed input is InvalidArgument, never a throw.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "router/batch.hpp"

namespace zkr::api {

struct BatchFrame {
  std::uint64_t request_id = 0;  // echoed as the JSON-RPC id of the response
  router::SealedBatch batch;
};

[[nodiscard]] absl::StatusOr<BatchFrame> decode_batch_frame(std::string_view bytes);
std::string encode_batch_frame(const BatchFrame& frame);

}  // namespace zkr::api

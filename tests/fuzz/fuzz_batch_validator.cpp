// The batch validator on decoded frames (the seeds are the scenario's real batches, so mutations
// stay close to valid ones). Checks: no crash; an accepted batch's roots recompute the same.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/protobuf_batch.hpp"
#include "router/batch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto frame =
      zkr::api::decode_batch_frame(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!frame.ok()) return 0;
  zkr::router::SealedBatch copy = frame->batch;
  const auto validated = zkr::router::validate_batch(std::move(frame->batch));
  if (!validated.ok()) return 0;
  // Accepted: sealing the same logs must give the roots the batch claimed.
  if (!zkr::router::seal_roots(copy).ok() || copy.chain_batch_root != validated->chain_batch_root) {
    std::abort();
  }
  return 0;
}

// The batch validator on decoded frames (the seeds are the scenario's real batches, so mutations
// stay close to valid ones). Checks: no crash; a batch it accepts claims exactly the roots its
// logs seal to.

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
  zkr::router::SealedBatch resealed = frame->batch;
  const auto validated = zkr::router::validate_batch(std::move(frame->batch));
  if (!validated.ok()) return 0;
  if (!zkr::router::seal_roots(resealed).ok() ||
      resealed.local_root != validated->batch.local_root ||
      resealed.chain_batch_root != validated->batch.chain_batch_root) {
    std::abort();
  }
  return 0;
}

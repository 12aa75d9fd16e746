// The protobuf batch-frame decoder. Checks: no crash; whatever decodes re-encodes to a frame that
// decodes to the same batch.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/protobuf_batch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto frame =
      zkr::api::decode_batch_frame(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!frame.ok()) return 0;
  const auto again = zkr::api::decode_batch_frame(zkr::api::encode_batch_frame(*frame));
  if (!again.ok() || again->request_id != frame->request_id ||
      again->batch.chain_id != frame->batch.chain_id ||
      again->batch.batch_number != frame->batch.batch_number ||
      again->batch.logs.size() != frame->batch.logs.size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < frame->batch.logs.size(); ++i) {
    if (!(again->batch.logs[i].log == frame->batch.logs[i].log) ||
        again->batch.logs[i].message != frame->batch.logs[i].message) {
      std::abort();
    }
  }
  return 0;
}

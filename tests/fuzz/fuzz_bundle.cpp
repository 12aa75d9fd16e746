// The InteropCenter bundle decoder. Checks: no crash; a decoded bundle re-encodes to a message
// that decodes to the same bundle.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "router/bundle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bundle = zkr::router::decode_bundle_message(zkr::merkle::ByteSpan(data, size));
  if (!bundle.ok()) return 0;
  const auto again =
      zkr::router::decode_bundle_message(zkr::router::encode_bundle_message(*bundle));
  if (!again.ok() || again->destination_chain_id != bundle->destination_chain_id ||
      again->source_chain_id != bundle->source_chain_id ||
      again->calls.size() != bundle->calls.size() || again->salt != bundle->salt) {
    std::abort();
  }
  return 0;
}

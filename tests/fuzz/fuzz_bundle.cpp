// The InteropCenter decoders: a bundle message, a sendBundle call (the input after the selector)
// and an ERC-7930 address. Checks: no crash; a decoded bundle re-encodes to a message that decodes
// to the same bundle; a decoded address re-encodes to the same bytes when its chain reference is
// minimal.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "merkle/keccak.hpp"
#include "router/bundle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace router = zkr::router;
  const zkr::merkle::ByteSpan input(data, size);

  static const zkr::merkle::Word selector =
      zkr::merkle::keccak256(std::string_view(router::kSendBundleSignature));
  zkr::merkle::Bytes call(selector.begin(), selector.begin() + 4);
  call.insert(call.end(), data, data + size);
  (void)router::decode_send_bundle(call);

  if (const auto address = router::decode_interoperable_address(input); address.ok()) {
    // A decoded address has its 6-byte header; a chain reference with a leading zero byte
    // re-encodes shorter.
    const bool minimal = data[4] <= 1 || data[5] != 0;
    if (minimal && router::encode_interoperable_address(*address) !=
                       zkr::merkle::Bytes(input.begin(), input.end())) {
      std::abort();
    }
  }

  const auto bundle = router::decode_bundle_message(input);
  if (!bundle.ok()) return 0;
  const auto again = router::decode_bundle_message(router::encode_bundle_message(*bundle));
  if (!again.ok() || again->destination_chain_id != bundle->destination_chain_id ||
      again->source_chain_id != bundle->source_chain_id ||
      again->calls.size() != bundle->calls.size() || again->salt != bundle->salt) {
    std::abort();
  }
  return 0;
}

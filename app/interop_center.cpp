#include "app/interop_center.hpp"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"

namespace zkr::app {
namespace {

using merkle::Bytes;
using merkle::ByteSpan;
using merkle::Word;

absl::Status revert(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("execution reverted: InteropCenter: ", why));
}

// The ERC-7786 attributes InteropCenter reads (IERC7786Attributes), each an ABI-encoded call.
struct Attribute {
  std::string_view signature;
  bool on_calls;  // a call attribute; otherwise a bundle attribute
};
constexpr Attribute kAttributes[] = {
    {"interopCallValue(uint256)", true}, {"indirectCall(uint256)", true},
    {"executionAddress(bytes)", false},  {"unbundlerAddress(bytes)", false},
    {"useFixedFee(bool)", false},
};

// The attribute an encoded call names, refusing an unknown one, one on the wrong level and
// one given twice.
absl::StatusOr<std::string_view> attribute_of(ByteSpan encoded, bool on_call,
                                              std::set<merkle::Selector>& seen) {
  if (encoded.size() < 4) return revert("an attribute is shorter than its 4-byte selector");
  for (const Attribute& a : kAttributes) {
    const merkle::Selector s = merkle::function_selector(a.signature);
    if (!merkle::calls(encoded, s)) continue;
    if (a.on_calls != on_call) {
      return revert(absl::StrCat(to_absl(a.signature), " is a ", a.on_calls ? "call" : "bundle",
                                 " attribute, given for the ", on_call ? "call" : "bundle"));
    }
    if (!seen.insert(s).second)
      return revert(absl::StrCat(to_absl(a.signature), " is given twice"));
    return a.signature;
  }
  return revert(absl::StrCat("unknown attribute selector ", merkle::to_hex(encoded.first(4))));
}

// The one static word argument of an attribute call.
absl::StatusOr<Word> word_argument(ByteSpan encoded, std::string_view signature) {
  if (encoded.size() != 36) {
    return revert(absl::StrCat(to_absl(signature), " takes one 32-byte argument; got ",
                               encoded.size() - 4, " bytes"));
  }
  Word w;
  std::copy_n(encoded.begin() + 4, 32, w.begin());
  return w;
}

absl::StatusOr<Bytes> interoperable_attribute(ByteSpan encoded, std::string_view signature) {
  absl::StatusOr<Bytes> arg = single_bytes_argument(encoded, signature);
  if (!arg.ok()) return revert(arg.status().message());
  if (absl::Status s = router::decode_interoperable_address(*arg).status(); !s.ok())
    return revert(absl::StrCat(to_absl(signature), ": ", s.message()));
  return *arg;
}

}  // namespace

Word ether_asset_id(std::uint64_t l1_chain_id) {
  Bytes encoded;
  for (const Word& w :
       {merkle::be32(l1_chain_id), merkle::address_to_word(merkle::kL2NativeTokenVaultAddress),
        merkle::be32(1)})
    encoded.insert(encoded.end(), w.begin(), w.end());
  return merkle::keccak256(ByteSpan(encoded));
}

absl::StatusOr<Bytes> single_bytes_argument(ByteSpan calldata, std::string_view signature) {
  const auto refuse = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("the call is not ", to_absl(signature), " with one bytes argument"));
  };
  if (calldata.size() < 68 || !merkle::calls(calldata, merkle::function_selector(signature)))
    return refuse();
  const Word offset = [&] {
    Word w;
    std::copy_n(calldata.begin() + 4, 32, w.begin());
    return w;
  }();
  Word length;
  std::copy_n(calldata.begin() + 36, 32, length.begin());
  const std::optional<std::uint64_t> n = merkle::to_u64(length);
  if (offset != merkle::be32(32) || !n || *n > calldata.size() ||
      calldata.size() != 68 + (*n + 31) / 32 * 32) {
    return refuse();
  }
  return Bytes(calldata.begin() + 68, calldata.begin() + 68 + static_cast<std::ptrdiff_t>(*n));
}

absl::StatusOr<router::InteropBundle> interop_center_send_bundle(
    ByteSpan calldata, const InteropCenterContext& context) {
  absl::StatusOr<router::SendBundleCall> call = router::decode_send_bundle(calldata);
  if (!call.ok()) return revert(call.status().message());

  router::InteropBundle bundle;
  bundle.source_chain_id = context.chain_id;
  absl::StatusOr<router::InteroperableAddress> destination =
      router::decode_interoperable_address(call->destination);
  if (!destination.ok()) {
    return revert(absl::StrCat("destinationChainId: ", destination.status().message()));
  }
  if (!destination->chain_id || destination->address) {
    return revert("destinationChainId must name a chain and no address");
  }
  if (*destination->chain_id == context.chain_id)
    return revert(absl::StrCat("a bundle goes to another chain, not to ", context.chain_id));
  if (!context.is_destination || !context.is_destination(*destination->chain_id)) {
    return revert(absl::StrCat("destination chain ", *destination->chain_id,
                               " is not a chain of this network"));
  }
  bundle.destination_chain_id = *destination->chain_id;
  bundle.destination_base_token_asset_id = ether_asset_id(context.l1_chain_id);
  if (call->calls.empty()) return revert("a bundle has at least one call");

  Bytes salt_preimage(context.sender.begin(), context.sender.end());
  const Word nonce = merkle::be32(context.sender_bundles);
  salt_preimage.insert(salt_preimage.end(), nonce.begin(), nonce.end());
  bundle.salt = merkle::keccak256(ByteSpan(salt_preimage));

  for (std::size_t i = 0; i < call->calls.size(); ++i) {
    const router::CallStarter& starter = call->calls[i];
    absl::StatusOr<router::InteroperableAddress> to =
        router::decode_interoperable_address(starter.to);
    if (!to.ok()) return revert(absl::StrCat("call ", i, " to: ", to.status().message()));
    if (!to->address) return revert(absl::StrCat("call ", i, " to names no address"));
    if (to->chain_id && *to->chain_id != bundle.destination_chain_id) {
      return revert(absl::StrCat("call ", i, " goes to chain ", *to->chain_id,
                                 ", not to the bundle's destination ",
                                 bundle.destination_chain_id));
    }
    std::set<merkle::Selector> seen;
    for (const Bytes& encoded : starter.attributes) {
      ZKR_ASSIGN_OR_RETURN(const std::string_view a, attribute_of(encoded, true, seen));
      if (a == "indirectCall(uint256)") {
        return revert(absl::StrCat("call ", i,
                                   ": indirect calls go through an asset router, which the "
                                   "devnet's chains do not run"));
      }
      ZKR_ASSIGN_OR_RETURN(const Word value, word_argument(encoded, a));
      if (value != Word{}) {
        return revert(absl::StrCat("call ", i,
                                   ": interopCallValue must be 0, the devnet's chains hold "
                                   "no balances"));
      }
    }
    bundle.calls.push_back({.shadow_account = false,
                            .to = *to->address,
                            .from = context.sender,
                            .value = Word{},
                            .data = starter.data});
  }

  std::set<merkle::Selector> seen;
  bool unbundler_given = false;
  for (const Bytes& encoded : call->attributes) {
    ZKR_ASSIGN_OR_RETURN(const std::string_view a, attribute_of(encoded, false, seen));
    if (a == "useFixedFee(bool)") {
      ZKR_ASSIGN_OR_RETURN(const Word flag, word_argument(encoded, a));
      const std::optional<std::uint64_t> v = merkle::to_u64(flag);
      if (!v || *v > 1) return revert("useFixedFee takes a bool");
      bundle.attributes.use_fixed_fee = *v == 1;
    } else if (a == "executionAddress(bytes)") {
      ZKR_ASSIGN_OR_RETURN(bundle.attributes.execution_address,
                           interoperable_attribute(encoded, a));
    } else {
      ZKR_ASSIGN_OR_RETURN(bundle.attributes.unbundler_address,
                           interoperable_attribute(encoded, a));
      unbundler_given = true;
    }
  }
  if (!unbundler_given) {
    bundle.attributes.unbundler_address = router::encode_interoperable_address(
        {.chain_id = context.chain_id, .address = context.sender});
  }
  return bundle;
}

}  // namespace zkr::app

#include "router/bundle.hpp"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"

namespace zkr::router {
namespace {

using merkle::Bytes;
using merkle::ByteSpan;
using merkle::Word;

constexpr std::size_t kMaxCalls = 1024;
constexpr std::size_t kMaxAttributes = 16;

// ---- encoding ----

void put_word(Bytes& out, const Word& w) {
  out.insert(out.end(), w.begin(), w.end());
}
void put_u64(Bytes& out, std::uint64_t v) {
  put_word(out, merkle::be32(v));
}
void put_address(Bytes& out, const merkle::Address& a) {
  put_word(out, merkle::address_to_word(a));
}
void put_bytes1(Bytes& out, std::uint8_t b) {
  Word w{};
  w[0] = b;
  put_word(out, w);
}
// Length word, then the bytes padded to a multiple of 32.
void put_dynamic_bytes(Bytes& out, ByteSpan data) {
  put_u64(out, data.size());
  out.insert(out.end(), data.begin(), data.end());
  out.resize(out.size() + (32 - data.size() % 32) % 32, 0);
}

Bytes encode_call(const InteropCall& c) {
  Bytes out;
  put_bytes1(out, 0x01);
  put_u64(out, c.shadow_account ? 1 : 0);
  put_address(out, c.to);
  put_address(out, c.from);
  put_word(out, c.value);
  put_u64(out, 6 * 32);  // offset of data from the tuple's start
  put_dynamic_bytes(out, c.data);
  return out;
}

Bytes encode_attributes(const BundleAttributes& a) {
  Bytes exec, unbundler;
  put_dynamic_bytes(exec, a.execution_address);
  put_dynamic_bytes(unbundler, a.unbundler_address);
  Bytes out;
  put_u64(out, 3 * 32);
  put_u64(out, 3 * 32 + exec.size());
  put_u64(out, a.use_fixed_fee ? 1 : 0);
  out.insert(out.end(), exec.begin(), exec.end());
  out.insert(out.end(), unbundler.begin(), unbundler.end());
  return out;
}

// ---- decoding: every read is bounds-checked against the whole buffer ----

class Reader {
 public:
  // `subject` starts every error: "bundle", "sendBundle".
  Reader(ByteSpan data, const char* subject = "bundle") : data_(data), subject_(subject) {}

  absl::StatusOr<Word> word(std::size_t pos, const char* what) const {
    if (pos > data_.size() || data_.size() - pos < 32) {
      return absl::InvalidArgumentError(absl::StrCat(subject_, " ", what, ": word at byte ", pos,
                                                     " is past the end (", data_.size(),
                                                     " bytes)"));
    }
    Word w;
    std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(pos), 32, w.begin());
    return w;
  }
  absl::StatusOr<std::uint64_t> u64(std::size_t pos, const char* what) const {
    ZKR_ASSIGN_OR_RETURN(const Word w, word(pos, what));
    const auto v = merkle::to_u64(w);
    if (!v)
      return absl::InvalidArgumentError(absl::StrCat(subject_, " ", what, " does not fit 64 bits"));
    return *v;
  }
  // A head slot holding an offset relative to `base`; returns the absolute position.
  absl::StatusOr<std::size_t> offset(std::size_t base, std::size_t slot_pos,
                                     const char* what) const {
    ZKR_ASSIGN_OR_RETURN(const std::uint64_t rel, u64(slot_pos, what));
    if (rel > data_.size() || base > data_.size() - rel) {
      return absl::InvalidArgumentError(
          absl::StrCat(subject_, " ", what, " offset ", rel, " points past the end"));
    }
    return base + static_cast<std::size_t>(rel);
  }
  absl::StatusOr<bool> boolean(std::size_t pos, const char* what) const {
    ZKR_ASSIGN_OR_RETURN(const std::uint64_t v, u64(pos, what));
    if (v > 1)
      return absl::InvalidArgumentError(absl::StrCat(subject_, " ", what, " is not a bool"));
    return v == 1;
  }
  absl::StatusOr<merkle::Address> address(std::size_t pos, const char* what) const {
    ZKR_ASSIGN_OR_RETURN(const Word w, word(pos, what));
    if (!std::all_of(w.begin(), w.begin() + 12, [](std::uint8_t b) { return b == 0; })) {
      return absl::InvalidArgumentError(absl::StrCat(subject_, " ", what, " is not an address"));
    }
    merkle::Address a;
    std::copy(w.begin() + 12, w.end(), a.begin());
    return a;
  }
  absl::Status bytes1(std::size_t pos, std::uint8_t expected, const char* what) const {
    ZKR_ASSIGN_OR_RETURN(const Word w, word(pos, what));
    if (w[0] != expected ||
        !std::all_of(w.begin() + 1, w.end(), [](std::uint8_t b) { return b == 0; })) {
      return absl::InvalidArgumentError(
          absl::StrCat(subject_, " ", what, " must be bytes1(0x0", int{expected}, ")"));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<Bytes> dynamic_bytes(std::size_t pos, const char* what) const {
    ZKR_ASSIGN_OR_RETURN(const std::uint64_t len, u64(pos, what));
    const std::size_t start = pos + 32;
    if (len > data_.size() || start > data_.size() - len) {
      return absl::InvalidArgumentError(
          absl::StrCat(subject_, " ", what, " of ", len, " bytes runs past the end"));
    }
    return Bytes(data_.begin() + static_cast<std::ptrdiff_t>(start),
                 data_.begin() + static_cast<std::ptrdiff_t>(start + len));
  }
  // A bytes[] whose length word is at `pos`: element offsets count from the first offset slot.
  absl::StatusOr<std::vector<Bytes>> bytes_array(std::size_t pos, std::size_t max,
                                                 const char* what) const {
    ZKR_ASSIGN_OR_RETURN(const std::uint64_t count, u64(pos, what));
    if (count > max) {
      return absl::InvalidArgumentError(
          absl::StrCat(subject_, " ", what, " has ", count, " elements; at most ", max));
    }
    std::vector<Bytes> out;
    for (std::uint64_t i = 0; i < count; ++i) {
      ZKR_ASSIGN_OR_RETURN(const std::size_t at, offset(pos + 32, pos + 32 + 32 * i, what));
      ZKR_ASSIGN_OR_RETURN(Bytes element, dynamic_bytes(at, what));
      out.push_back(std::move(element));
    }
    return out;
  }

 private:
  ByteSpan data_;
  const char* subject_;
};

absl::StatusOr<InteropCall> decode_call(const Reader& r, std::size_t base) {
  InteropCall c;
  ZKR_RETURN_IF_ERROR(r.bytes1(base, 0x01, "call version"));
  ZKR_ASSIGN_OR_RETURN(c.shadow_account, r.boolean(base + 32, "call shadowAccount"));
  ZKR_ASSIGN_OR_RETURN(c.to, r.address(base + 64, "call to"));
  ZKR_ASSIGN_OR_RETURN(c.from, r.address(base + 96, "call from"));
  ZKR_ASSIGN_OR_RETURN(c.value, r.word(base + 128, "call value"));
  ZKR_ASSIGN_OR_RETURN(const std::size_t data_pos, r.offset(base, base + 160, "call data"));
  ZKR_ASSIGN_OR_RETURN(c.data, r.dynamic_bytes(data_pos, "call data"));
  return c;
}

}  // namespace

Bytes encode_bundle(const InteropBundle& b) {
  // Calls array: length, then one offset per call (relative to the first offset slot), then calls.
  std::vector<Bytes> calls;
  for (const InteropCall& c : b.calls) calls.push_back(encode_call(c));
  Bytes calls_enc;
  put_u64(calls_enc, calls.size());
  std::size_t offset = 32 * calls.size();
  for (const Bytes& c : calls) {
    put_u64(calls_enc, offset);
    offset += c.size();
  }
  for (const Bytes& c : calls) calls_enc.insert(calls_enc.end(), c.begin(), c.end());
  const Bytes attrs = encode_attributes(b.attributes);

  Bytes out;
  put_u64(out, 32);  // offset of the tuple
  put_bytes1(out, 0x01);
  put_u64(out, b.source_chain_id);
  put_u64(out, b.destination_chain_id);
  put_word(out, b.destination_base_token_asset_id);
  put_word(out, b.salt);
  put_u64(out, 7 * 32);
  put_u64(out, 7 * 32 + calls_enc.size());
  out.insert(out.end(), calls_enc.begin(), calls_enc.end());
  out.insert(out.end(), attrs.begin(), attrs.end());
  return out;
}

absl::StatusOr<InteropBundle> decode_bundle(ByteSpan abi) {
  const Reader r(abi);
  ZKR_ASSIGN_OR_RETURN(const std::size_t t, r.offset(0, 0, "tuple"));
  InteropBundle b;
  ZKR_RETURN_IF_ERROR(r.bytes1(t, 0x01, "version"));
  ZKR_ASSIGN_OR_RETURN(b.source_chain_id, r.u64(t + 32, "sourceChainId"));
  ZKR_ASSIGN_OR_RETURN(b.destination_chain_id, r.u64(t + 64, "destinationChainId"));
  ZKR_ASSIGN_OR_RETURN(b.destination_base_token_asset_id,
                       r.word(t + 96, "destinationBaseTokenAssetId"));
  ZKR_ASSIGN_OR_RETURN(b.salt, r.word(t + 128, "interopBundleSalt"));
  ZKR_ASSIGN_OR_RETURN(const std::size_t calls_pos, r.offset(t, t + 160, "calls"));
  ZKR_ASSIGN_OR_RETURN(const std::size_t attrs_pos, r.offset(t, t + 192, "attributes"));

  ZKR_ASSIGN_OR_RETURN(const std::uint64_t count, r.u64(calls_pos, "calls length"));
  if (count > kMaxCalls)
    return absl::InvalidArgumentError(absl::StrCat("bundle has ", count, " calls; at most 1024"));
  const std::size_t first_slot = calls_pos + 32;
  for (std::uint64_t i = 0; i < count; ++i) {
    ZKR_ASSIGN_OR_RETURN(const std::size_t call_pos,
                         r.offset(first_slot, first_slot + 32 * i, "call"));
    ZKR_ASSIGN_OR_RETURN(InteropCall call, decode_call(r, call_pos));
    b.calls.push_back(std::move(call));
  }
  ZKR_ASSIGN_OR_RETURN(const std::size_t exec_pos,
                       r.offset(attrs_pos, attrs_pos, "executionAddress"));
  ZKR_ASSIGN_OR_RETURN(const std::size_t unb_pos,
                       r.offset(attrs_pos, attrs_pos + 32, "unbundlerAddress"));
  ZKR_ASSIGN_OR_RETURN(b.attributes.use_fixed_fee, r.boolean(attrs_pos + 64, "useFixedFee"));
  ZKR_ASSIGN_OR_RETURN(b.attributes.execution_address,
                       r.dynamic_bytes(exec_pos, "executionAddress"));
  ZKR_ASSIGN_OR_RETURN(b.attributes.unbundler_address,
                       r.dynamic_bytes(unb_pos, "unbundlerAddress"));
  return b;
}

absl::StatusOr<InteropBundle> decode_bundle_message(ByteSpan message) {
  if (message.empty() || message[0] != kBundleIdentifier) {
    return absl::InvalidArgumentError("an interop bundle message starts with 0x01");
  }
  return decode_bundle(message.subspan(1));
}

Bytes encode_bundle_message(const InteropBundle& bundle) {
  Bytes out{kBundleIdentifier};
  const Bytes abi = encode_bundle(bundle);
  out.insert(out.end(), abi.begin(), abi.end());
  return out;
}

Word bundle_hash(std::uint64_t source_chain_id, ByteSpan bundle_abi) {
  Bytes encoded;
  put_u64(encoded, source_chain_id);
  put_u64(encoded, 64);
  put_dynamic_bytes(encoded, bundle_abi);
  return merkle::keccak256(ByteSpan(encoded));
}

const Word& interop_bundle_sent_topic() {
  static const Word topic = merkle::keccak256(
      std::string_view("InteropBundleSent(bytes32,bytes32,(bytes1,uint256,uint256,bytes32,bytes32,"
                       "(bytes1,bool,address,address,uint256,bytes)[],(bytes,bytes,bool)))"));
  return topic;
}

Bytes interop_bundle_sent_data(const Word& message_hash, const Word& hash, ByteSpan bundle_abi) {
  Bytes out;
  put_word(out, message_hash);
  put_word(out, hash);
  put_u64(out, 3 * 32);  // the bundle's tuple follows the three head words
  // abi.encode(InteropBundle) is the tuple's offset word, then the tuple.
  if (bundle_abi.size() > 32) out.insert(out.end(), bundle_abi.begin() + 32, bundle_abi.end());
  return out;
}

// ---- ERC-7930 ----

Bytes encode_interoperable_address(const InteroperableAddress& a) {
  Bytes out{0x00, 0x01, 0x00, 0x00};  // version 1, chain type 0x0000 (EVM)
  if (a.chain_id) {
    const Word w = merkle::be32(*a.chain_id);
    std::size_t first = 24;
    while (first < 31 && w[first] == 0) ++first;
    out.push_back(static_cast<std::uint8_t>(32 - first));
    out.insert(out.end(), w.begin() + static_cast<std::ptrdiff_t>(first), w.end());
  } else {
    out.push_back(0);
  }
  if (a.address) {
    out.push_back(20);
    out.insert(out.end(), a.address->begin(), a.address->end());
  } else {
    out.push_back(0);
  }
  return out;
}

absl::StatusOr<InteroperableAddress> decode_interoperable_address(ByteSpan bytes) {
  const auto refuse = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not an ERC-7930 EVM address (",
        merkle::to_hex(bytes.first(std::min<std::size_t>(bytes.size(), 64))), "): ", why));
  };
  if (bytes.size() < 6) return refuse("shorter than its 6-byte header");
  if (bytes[0] != 0x00 || bytes[1] != 0x01) return refuse("version is not 1");
  if (bytes[2] != 0x00 || bytes[3] != 0x00) return refuse("chain type is not EVM (0x0000)");
  const std::size_t chain_len = bytes[4];
  if (chain_len > 8) return refuse("chain reference longer than 8 bytes");
  if (bytes.size() < 6 + chain_len) return refuse("chain reference runs past the end");
  const std::size_t address_len = bytes[5 + chain_len];
  if (address_len != 0 && address_len != 20) return refuse("address is neither empty nor 20 bytes");
  if (bytes.size() != 6 + chain_len + address_len)
    return refuse("length does not match its header");
  InteroperableAddress a;
  if (chain_len > 0) {
    std::uint64_t id = 0;
    for (std::size_t i = 0; i < chain_len; ++i) id = (id << 8) | bytes[5 + i];
    a.chain_id = id;
  }
  if (address_len == 20) {
    merkle::Address address;
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(6 + chain_len), 20, address.begin());
    a.address = address;
  }
  return a;
}

// ---- InteropCenter.sendBundle ----

absl::StatusOr<SendBundleCall> decode_send_bundle(ByteSpan calldata) {
  if (!merkle::calls(calldata, merkle::function_selector(kSendBundleSignature))) {
    return absl::InvalidArgumentError(
        absl::StrCat("the call is not InteropCenter.", to_absl(kSendBundleSignature)));
  }
  const Reader r(calldata.subspan(4), "sendBundle");
  SendBundleCall call;
  ZKR_ASSIGN_OR_RETURN(const std::size_t dest_pos, r.offset(0, 0, "destinationChainId"));
  ZKR_ASSIGN_OR_RETURN(call.destination, r.dynamic_bytes(dest_pos, "destinationChainId"));
  ZKR_ASSIGN_OR_RETURN(const std::size_t starters_pos, r.offset(0, 32, "callStarters"));
  ZKR_ASSIGN_OR_RETURN(const std::size_t attrs_pos, r.offset(0, 64, "bundleAttributes"));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t count, r.u64(starters_pos, "callStarters length"));
  if (count > kMaxCalls) {
    return absl::InvalidArgumentError(
        absl::StrCat("sendBundle has ", count, " call starters; at most ", kMaxCalls));
  }
  const std::size_t first_slot = starters_pos + 32;
  for (std::uint64_t i = 0; i < count; ++i) {
    ZKR_ASSIGN_OR_RETURN(const std::size_t at,
                         r.offset(first_slot, first_slot + 32 * i, "callStarter"));
    CallStarter starter;
    ZKR_ASSIGN_OR_RETURN(const std::size_t to_pos, r.offset(at, at, "callStarter to"));
    ZKR_ASSIGN_OR_RETURN(starter.to, r.dynamic_bytes(to_pos, "callStarter to"));
    ZKR_ASSIGN_OR_RETURN(const std::size_t data_pos, r.offset(at, at + 32, "callStarter data"));
    ZKR_ASSIGN_OR_RETURN(starter.data, r.dynamic_bytes(data_pos, "callStarter data"));
    ZKR_ASSIGN_OR_RETURN(const std::size_t ca_pos,
                         r.offset(at, at + 64, "callStarter callAttributes"));
    ZKR_ASSIGN_OR_RETURN(starter.attributes,
                         r.bytes_array(ca_pos, kMaxAttributes, "callStarter callAttributes"));
    call.calls.push_back(std::move(starter));
  }
  ZKR_ASSIGN_OR_RETURN(call.attributes,
                       r.bytes_array(attrs_pos, kMaxAttributes, "bundleAttributes"));
  return call;
}

}  // namespace zkr::router

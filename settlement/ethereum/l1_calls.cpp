#include "settlement/ethereum/l1_calls.hpp"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"

namespace zkr::settlement::l1calls {
namespace {

constexpr std::size_t kHead = 4 + 4 * 32;  // selector, three integers, the offset of `data`

void put_word(merkle::Bytes& out, const merkle::Word& w) {
  out.insert(out.end(), w.begin(), w.end());
}
void put_u64(merkle::Bytes& out, std::uint64_t v) {
  put_word(out, merkle::be32(v));
}

absl::StatusOr<std::uint64_t> read_u64(merkle::ByteSpan data, std::size_t at, const char* what) {
  merkle::Word w{};
  std::copy_n(data.begin() + static_cast<long>(at), 32, w.begin());
  const auto v = merkle::to_u64(w);
  if (!v) return absl::InvalidArgumentError(absl::StrCat("calldata ", what, " exceeds 64 bits"));
  return *v;
}

// Indexed by Action; computed at compile time.
constexpr std::array<merkle::Selector, 3> kSelectors{
    merkle::function_selector("commitBatchesSharedBridge(uint256,uint256,uint256,bytes)"),
    merkle::function_selector("proveBatchesSharedBridge(uint256,uint256,uint256,bytes)"),
    merkle::function_selector("executeBatchesSharedBridge(uint256,uint256,uint256,bytes)")};

}  // namespace

const char* action_name(Action a) noexcept {
  switch (a) {
    case Action::kCommit:
      return "commit";
    case Action::kProve:
      return "prove";
    case Action::kExecute:
      return "execute";
  }
  return "?";
}

merkle::Selector selector(Action a) {
  return kSelectors[static_cast<std::size_t>(a)];
}

merkle::Bytes encode(const Call& call) {
  const auto sel = selector(call.action);
  merkle::Bytes out(sel.begin(), sel.end());
  put_u64(out, call.chain_id);
  put_u64(out, call.first);
  put_u64(out, call.last);
  put_u64(out, 4 * 32);  // offset of the dynamic `bytes`, from the start of the arguments
  put_u64(out, call.data.size());
  out.insert(out.end(), call.data.begin(), call.data.end());
  out.resize(out.size() + (32 - call.data.size() % 32) % 32, 0);
  return out;
}

absl::StatusOr<Call> decode(merkle::ByteSpan calldata) {
  if (calldata.size() < kHead + 32)
    return absl::InvalidArgumentError(absl::StrCat("settlement calldata is ", calldata.size(),
                                                   " bytes; at least ", kHead + 32, " are needed"));
  Call call;
  bool known = false;
  for (Action a : {Action::kCommit, Action::kProve, Action::kExecute}) {
    const auto sel = selector(a);
    if (std::equal(sel.begin(), sel.end(), calldata.begin())) {
      call.action = a;
      known = true;
    }
  }
  if (!known)
    return absl::InvalidArgumentError("calldata does not start with a settlement selector");
  ZKR_ASSIGN_OR_RETURN(call.chain_id, read_u64(calldata, 4, "chainId"));
  ZKR_ASSIGN_OR_RETURN(call.first, read_u64(calldata, 36, "processFrom"));
  ZKR_ASSIGN_OR_RETURN(call.last, read_u64(calldata, 68, "processTo"));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t offset, read_u64(calldata, 100, "offset"));
  if (offset != 4 * 32) return absl::InvalidArgumentError("calldata `bytes` offset is not 128");
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t len, read_u64(calldata, kHead, "length"));
  const std::size_t padded = (len + 31) / 32 * 32;
  if (len > calldata.size() || kHead + 32 + padded != calldata.size())
    return absl::InvalidArgumentError("calldata length does not match its `bytes` argument");
  const auto body = calldata.subspan(kHead + 32);
  if (std::any_of(body.begin() + static_cast<long>(len), body.end(),
                  [](std::uint8_t b) { return b != 0; }))
    return absl::InvalidArgumentError("calldata padding is not zero");
  call.data.assign(body.begin(), body.begin() + static_cast<long>(len));
  return call;
}

merkle::Bytes commit_payload(std::span<const GatewayBatch> batches) {
  merkle::Bytes out;
  for (const GatewayBatch& g : batches) {
    put_u64(out, g.number);
    put_word(out, g.batch_root);
    put_word(out, g.local_root);
    put_word(out, g.shared_root);
    put_u64(out, g.first_block);
    put_u64(out, g.last_block);
  }
  return out;
}

merkle::Bytes execute_payload(std::span<const GatewayBatch> batches) {
  merkle::Bytes out;
  for (const GatewayBatch& g : batches) {
    put_u64(out, g.number);
    put_word(out, g.batch_root);
  }
  return out;
}

std::uint64_t calldata_gas(merkle::ByteSpan data) noexcept {
  std::uint64_t gas = 0;
  for (std::uint8_t b : data) gas += b == 0 ? 4 : 16;
  return gas;
}

namespace {

// The contract's errors, with how each argument prints: 'u' a number, 'w' a word, 'a' an
// address.
struct ErrorShape {
  std::string_view signature;
  std::string_view args;
};
constexpr ErrorShape kErrors[] = {
    {"WrongChain(uint256,uint256)", "uu"},
    {"NumberTooLarge(uint256)", "w"},
    {"EmptyRange(uint256,uint256)", "uu"},
    {"OutOfOrder(uint256,uint256)", "uu"},
    {"NotCommitted(uint256)", "u"},
    {"NotProven(uint256)", "u"},
    {"PayloadLength(uint256,uint256)", "uu"},
    {"BatchNumberMismatch(uint256,uint256)", "uu"},
    {"BatchRootMismatch(uint256,bytes32,bytes32)", "uww"},
    {"MalformedProof(uint256)", "u"},
    {"CommitmentsRootMismatch(uint256,bytes32,bytes32)", "uww"},
    {"BadSignature(uint256)", "u"},
    {"TrailingProofData(uint256)", "u"},
    {"NotAdmin(address)", "a"},
    {"BatchesInFlight(uint256,uint256)", "uu"},
    {"NotAfter(uint256,uint256)", "uw"},
    {"Panic(uint256)", "u"},
};

// Error(string): the text, if the data is a well-formed one.
std::optional<std::string> error_string(merkle::ByteSpan data) {
  if (data.size() < 4 + 64 || !merkle::calls(data, merkle::function_selector("Error(string)")))
    return std::nullopt;
  const auto length = read_u64(data, 4 + 32, "length");
  if (!length.ok() || *length > data.size() - 4 - 64) return std::nullopt;
  return std::string(data.begin() + 4 + 64, data.begin() + 4 + 64 + static_cast<long>(*length));
}

}  // namespace

merkle::Bytes with_words(std::string_view signature, std::initializer_list<merkle::Word> args) {
  const merkle::Selector selector = merkle::function_selector(signature);
  merkle::Bytes out(selector.begin(), selector.end());
  for (const merkle::Word& w : args) put_word(out, w);
  return out;
}

std::string describe_revert(merkle::ByteSpan data) {
  if (const std::optional<std::string> text = error_string(data)) return *text;
  if (data.size() >= 4) {
    for (const ErrorShape& e : kErrors) {
      if (!merkle::calls(data, merkle::function_selector(e.signature))) continue;
      if (data.size() != 4 + 32 * e.args.size()) break;
      std::string out(e.signature.substr(0, e.signature.find('(') + 1));
      for (std::size_t i = 0; i < e.args.size(); ++i) {
        merkle::Word w;
        std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(4 + 32 * i), 32, w.begin());
        const std::optional<std::uint64_t> v = merkle::to_u64(w);
        std::string arg = e.args[i] == 'u' && v ? std::to_string(*v) : merkle::to_hex(w);
        if (e.args[i] == 'a') arg = "0x" + arg.substr(2 + 24);  // the low 20 bytes
        absl::StrAppend(&out, i > 0 ? ", " : "", arg);
      }
      return out + ")";
    }
  }
  return data.empty() ? "a revert without data" : merkle::to_hex(data);
}

}  // namespace zkr::settlement::l1calls

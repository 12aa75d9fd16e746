// The devnet's InteropCenter model (app/interop_center.hpp) on sendBundle calls encoded here by the
// Solidity ABI's rules, word by word: the bundle it makes, and each revert with its reason.
// (tests/sdk/send_bundle.js sends the same calls encoded by ethers, through a wallet.)

#include "app/interop_center.hpp"

#include <gtest/gtest.h>

#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"

namespace zkr::app {
namespace {

using merkle::Bytes;

void word(Bytes& out, std::uint64_t v) {
  const merkle::Word w = merkle::be32(v);
  out.insert(out.end(), w.begin(), w.end());
}

// The tail of a `bytes`: length, then the bytes padded to 32.
Bytes tail(const Bytes& b) {
  Bytes out;
  word(out, b.size());
  out.insert(out.end(), b.begin(), b.end());
  out.resize(out.size() + (32 - b.size() % 32) % 32, 0);
  return out;
}

// Heads of offsets (counted from the first head), then the tails.
Bytes heads_then_tails(const std::vector<Bytes>& tails) {
  Bytes out;
  std::size_t offset = 32 * tails.size();
  for (const Bytes& t : tails) {
    word(out, offset);
    offset += t.size();
  }
  for (const Bytes& t : tails) out.insert(out.end(), t.begin(), t.end());
  return out;
}

// A dynamic array: its length, then its elements' heads and tails.
Bytes array(const std::vector<Bytes>& element_tails) {
  Bytes out;
  word(out, element_tails.size());
  const Bytes rest = heads_then_tails(element_tails);
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

Bytes bytes_array(const std::vector<Bytes>& items) {
  std::vector<Bytes> tails;
  for (const Bytes& b : items) tails.push_back(tail(b));
  return array(tails);
}

struct Starter {
  Bytes to;
  Bytes data;
  std::vector<Bytes> attributes;
};

Bytes selector(std::string_view signature) {
  const merkle::Word h = merkle::keccak256(signature);
  return Bytes(h.begin(), h.begin() + 4);
}

Bytes send_bundle(const Bytes& destination, const std::vector<Starter>& starters,
                  const std::vector<Bytes>& attributes) {
  std::vector<Bytes> starter_tails;
  for (const Starter& s : starters)
    starter_tails.push_back(
        heads_then_tails({tail(s.to), tail(s.data), bytes_array(s.attributes)}));
  Bytes out = selector("sendBundle(bytes,(bytes,bytes,bytes[])[],bytes[])");
  const Bytes args =
      heads_then_tails({tail(destination), array(starter_tails), bytes_array(attributes)});
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

// An attribute call: the selector, then its one argument (a word, or bytes).
Bytes attribute(std::string_view signature, std::uint64_t v) {
  Bytes out = selector(signature);
  word(out, v);
  return out;
}
Bytes attribute(std::string_view signature, const Bytes& b) {
  Bytes out = selector(signature);
  word(out, 32);
  const Bytes t = tail(b);
  out.insert(out.end(), t.begin(), t.end());
  return out;
}

const merkle::Address kSender =
    *merkle::parse_address("0x00000000000000000000000000000000000000aa");
const merkle::Address kTarget =
    *merkle::parse_address("0x00000000000000000000000000000000000000bb");

Bytes chain(std::uint64_t id) {
  return router::encode_interoperable_address({.chain_id = id});
}
Bytes at(const merkle::Address& a) {
  return router::encode_interoperable_address({.address = a});
}

InteropCenterContext context(std::uint64_t sent = 0) {
  return {.chain_id = 270,
          .sender = kSender,
          .sender_bundles = sent,
          .l1_chain_id = 1337,
          .is_destination = [](std::uint64_t c) { return c == 271 || c == 31338; }};
}

std::string reverted(const Bytes& call) {
  const auto b = interop_center_send_bundle(call, context());
  EXPECT_FALSE(b.ok());
  if (b.ok()) return "";
  const std::string text(b.status().message());
  EXPECT_EQ(text.rfind("execution reverted: InteropCenter: ", 0), 0u) << text;
  return text;
}

TEST(InteropCenter, MakesTheBundleInteropCenterMakes) {
  const Bytes call = send_bundle(chain(31338), {{at(kTarget), {0xde, 0xad}, {}}},
                                 {attribute("useFixedFee(bool)", 1)});
  const auto b = interop_center_send_bundle(call, context(7));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->source_chain_id, 270u);
  EXPECT_EQ(b->destination_chain_id, 31338u);
  ASSERT_EQ(b->calls.size(), 1u);
  EXPECT_EQ(b->calls[0].to, kTarget);
  EXPECT_EQ(b->calls[0].from, kSender);
  EXPECT_EQ(b->calls[0].data, (Bytes{0xde, 0xad}));
  EXPECT_EQ(b->calls[0].value, merkle::Word{});
  EXPECT_FALSE(b->calls[0].shadow_account);
  // keccak256(abi.encodePacked(address sender, uint256 7)).
  Bytes salt(kSender.begin(), kSender.end());
  word(salt, 7);
  EXPECT_EQ(b->salt, merkle::keccak256(merkle::ByteSpan(salt)));
  EXPECT_TRUE(b->attributes.use_fixed_fee);
  EXPECT_TRUE(b->attributes.execution_address.empty());
  // The unbundler by default: the sender on its chain, 0x0001 0000 01 0e 14 ‖ sender.
  EXPECT_EQ(merkle::to_hex(b->attributes.unbundler_address),
            "0x00010000020"
            "10e14"
            "00000000000000000000000000000000000000aa");
  EXPECT_EQ(b->destination_base_token_asset_id, ether_asset_id(1337));
}

TEST(InteropCenter, TakesTheExecutionAndUnbundlerAddressesGiven) {
  const Bytes executor =
      router::encode_interoperable_address({.chain_id = 31338, .address = kTarget});
  const Bytes call =
      send_bundle(chain(271), {{at(kTarget), {}, {attribute("interopCallValue(uint256)", 0)}}},
                  {attribute("executionAddress(bytes)", executor),
                   attribute("unbundlerAddress(bytes)", at(kTarget))});
  const auto b = interop_center_send_bundle(call, context());
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->attributes.execution_address, executor);
  EXPECT_EQ(b->attributes.unbundler_address, at(kTarget));
  EXPECT_FALSE(b->attributes.use_fixed_fee);
}

TEST(InteropCenter, RevertsWithTheReason) {
  const Starter plain{at(kTarget), {0x01}, {}};
  EXPECT_NE(reverted(send_bundle(chain(5), {plain}, {})).find("destination chain 5 is not"),
            std::string::npos);
  EXPECT_NE(reverted(send_bundle(chain(270), {plain}, {})).find("another chain"),
            std::string::npos);
  EXPECT_NE(reverted(send_bundle(at(kTarget), {plain}, {})).find("must name a chain"),
            std::string::npos);
  EXPECT_NE(reverted(send_bundle(chain(271), {}, {})).find("at least one call"), std::string::npos);
  EXPECT_NE(reverted(send_bundle(chain(271), {{chain(271), {}, {}}}, {})).find("names no address"),
            std::string::npos);
  EXPECT_NE(
      reverted(
          send_bundle(chain(271),
                      {{router::encode_interoperable_address({.chain_id = 272, .address = kTarget}),
                        {},
                        {}}},
                      {}))
          .find("goes to chain 272"),
      std::string::npos);
  EXPECT_NE(reverted(send_bundle(chain(271), {{Bytes{0x00, 0x02}, {}, {}}}, {})).find("call 0 to"),
            std::string::npos);
  const Bytes twice = attribute("useFixedFee(bool)", 0);
  EXPECT_NE(reverted(send_bundle(chain(271), {plain}, {twice, twice})).find("given twice"),
            std::string::npos);
  EXPECT_NE(reverted(send_bundle(chain(271), {plain}, {attribute("interopCallValue(uint256)", 0)}))
                .find("is a call attribute"),
            std::string::npos);
  EXPECT_NE(reverted(send_bundle(chain(271), {plain}, {attribute("nonsense(uint256)", 0)}))
                .find("unknown attribute selector"),
            std::string::npos);
  EXPECT_NE(reverted(send_bundle(chain(271), {plain}, {attribute("useFixedFee(bool)", 2)}))
                .find("takes a bool"),
            std::string::npos);
  EXPECT_NE(reverted(send_bundle(chain(271), {plain},
                                 {attribute("executionAddress(bytes)", Bytes{1, 2, 3})}))
                .find("executionAddress(bytes): not an ERC-7930"),
            std::string::npos);
  EXPECT_NE(
      reverted(send_bundle(chain(271),
                           {{at(kTarget), {}, {attribute("interopCallValue(uint256)", 9)}}}, {}))
          .find("must be 0"),
      std::string::npos);
  EXPECT_NE(reverted(send_bundle(chain(271),
                                 {{at(kTarget), {}, {attribute("indirectCall(uint256)", 0)}}}, {}))
                .find("indirect calls"),
            std::string::npos);
  // Calldata that does not decode.
  Bytes cut = send_bundle(chain(271), {plain}, {});
  cut.resize(cut.size() - 40);
  EXPECT_NE(reverted(cut).find("sendBundle"), std::string::npos);
}

}  // namespace
}  // namespace zkr::app

#include "router/bundle.hpp"

#include <gtest/gtest.h>

#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "router/batch.hpp"
#include "tests/support/engine_fixtures.hpp"

namespace zkr::router {
namespace {

std::string u(std::uint64_t v) {
  char buf[65];
  std::snprintf(buf, sizeof buf, "%064llx", static_cast<unsigned long long>(v));
  return buf;
}
std::string fill(char c) {
  return std::string(64, c);
}
std::string left(std::string_view bytes_hex) {  // bytes left-aligned in a word
  std::string s(bytes_hex);
  s.resize(64, '0');
  return s;
}
std::string addr(char c) {
  return std::string(24, '0') + std::string(40, c);
}

// abi.encode(InteropBundle) assembled by hand from the Solidity ABI rules, word by word.
const std::string kExpectedHex = "0x" + u(0x20) +  // offset of the tuple
                                 left("01") + u(270) + u(271) + fill('1') +
                                 fill('2') +           // version, source, destination, asset, salt
                                 u(0xe0) + u(0x220) +  // offsets of calls and attributes
                                 u(1) + u(0x20) +      // calls: length, offset of call 0
                                 left("01") + u(0) + addr('a') + addr('b') + u(5) +
                                 u(0xc0) +                   // call 0 head
                                 u(2) + left("cafe") +       // call 0 data
                                 u(0x60) + u(0xa0) + u(1) +  // attributes head
                                 u(2) + left("0102") +       // executionAddress
                                 u(0);                       // unbundlerAddress (empty)

InteropBundle example() {
  InteropBundle b;
  b.source_chain_id = 270;
  b.destination_chain_id = 271;
  b.destination_base_token_asset_id = *merkle::parse_word("0x" + fill('1'));
  b.salt = *merkle::parse_word("0x" + fill('2'));
  InteropCall call;
  call.to = *merkle::parse_address("0x" + std::string(40, 'a'));
  call.from = *merkle::parse_address("0x" + std::string(40, 'b'));
  call.value = merkle::be32(5);
  call.data = {0xca, 0xfe};
  b.calls.push_back(call);
  b.attributes.execution_address = {0x01, 0x02};
  b.attributes.use_fixed_fee = true;
  return b;
}

TEST(Bundle, EncodesExactlyAsTheAbiSays) {
  EXPECT_EQ(merkle::to_hex(encode_bundle(example())), kExpectedHex);
}

TEST(Bundle, DecodesTheHandAssembledEncoding) {
  const auto bytes = *merkle::parse_hex(kExpectedHex);
  const auto b = decode_bundle(bytes);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->source_chain_id, 270U);
  EXPECT_EQ(b->destination_chain_id, 271U);
  ASSERT_EQ(b->calls.size(), 1U);
  EXPECT_EQ(b->calls[0].data, (merkle::Bytes{0xca, 0xfe}));
  EXPECT_EQ(b->calls[0].to, example().calls[0].to);
  EXPECT_EQ(b->calls[0].value, merkle::be32(5));
  EXPECT_EQ(b->attributes.execution_address, (merkle::Bytes{0x01, 0x02}));
  EXPECT_TRUE(b->attributes.unbundler_address.empty());
  EXPECT_TRUE(b->attributes.use_fixed_fee);
}

TEST(Bundle, EveryTruncationAndBadOffsetIsAnErrorNotACrash) {
  const auto bytes = *merkle::parse_hex(kExpectedHex);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const auto b = decode_bundle(merkle::ByteSpan(bytes.data(), n));
    // A prefix can only decode if it keeps every referenced byte; this encoding uses all of them.
    EXPECT_FALSE(b.ok()) << "prefix of " << n << " bytes decoded";
  }
  for (std::size_t word = 0; word < bytes.size() / 32; ++word) {
    merkle::Bytes bad = bytes;
    bad[32 * word + 1] = 0xff;  // a huge value in the word's high bytes
    (void)decode_bundle(bad);   // must return, whatever it says
  }
  merkle::Bytes bad_version = bytes;
  bad_version[32] = 0x02;
  EXPECT_NE(decode_bundle(bad_version).status().message().find("version"), std::string::npos);
}

TEST(Bundle, MessagesFromTheInteropCenterAreIndexedByDestination) {
  SealedBatch batch = testing::generated_batch(270, 1, 2);
  merkle::L2Message m;
  m.tx_number_in_batch = 5;
  m.sender = merkle::kInteropCenterAddress;
  m.data = encode_bundle_message(example());
  batch.logs.push_back(
      {.log = merkle::message_to_log(m), .tx_hash = merkle::be32(77), .message = m.data});
  testing::reseal(batch);
  const auto v = validate_batch(batch);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->facts[2].kind, LogKind::kBundle);
  EXPECT_EQ(v->facts[2].destination_chain_id, 271U);
  EXPECT_EQ(v->facts[0].kind, LogKind::kMessage);
  EXPECT_FALSE(v->facts[0].destination_chain_id.has_value());
}

TEST(InteroperableAddress, ReadsAndWritesErc7930sExample) {
  // ERC-7930's own example: 0xD8dA…6045 on Ethereum mainnet (chain 1).
  const merkle::Bytes example =
      *merkle::parse_hex("0x00010000010114d8da6bf26964af9d7eed9e03e53415d37aa96045");
  const auto a = decode_interoperable_address(example);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->chain_id, 1u);
  ASSERT_TRUE(a->address.has_value());
  EXPECT_EQ(merkle::to_hex(*a->address), "0xd8da6bf26964af9d7eed9e03e53415d37aa96045");
  EXPECT_EQ(encode_interoperable_address(*a), example);
  // A chain alone, an address alone.
  EXPECT_EQ(merkle::to_hex(encode_interoperable_address({.chain_id = 31338})),
            "0x00010000027a6a00");
  EXPECT_EQ(merkle::to_hex(encode_interoperable_address({.address = a->address})),
            "0x000100000014d8da6bf26964af9d7eed9e03e53415d37aa96045");
}

TEST(InteroperableAddress, RefusesWhatIsNotAnEvmAddressSayingWhy) {
  const auto refused = [](std::string_view hex) {
    const auto a = decode_interoperable_address(*merkle::parse_hex(hex));
    EXPECT_FALSE(a.ok()) << hex;
    return a.ok() ? std::string() : std::string(a.status().message());
  };
  EXPECT_NE(refused("0x0001000001").find("shorter"), std::string::npos);
  EXPECT_NE(refused("0x00020000010100").find("version"), std::string::npos);
  EXPECT_NE(refused("0x00010001010100").find("chain type"), std::string::npos);
  EXPECT_NE(refused("0x0001000001010301020300").find("neither empty nor 20"), std::string::npos);
  EXPECT_NE(refused("0x000100000101000000").find("length"), std::string::npos);
  EXPECT_NE(refused("0x0001000009010203040506070809").find("longer than 8"), std::string::npos);
}

TEST(SendBundle, RefusesCalldataThatIsNotACompleteSendBundleCall) {
  const auto refused = [](const merkle::Bytes& calldata) {
    const auto c = decode_send_bundle(calldata);
    EXPECT_FALSE(c.ok());
    return c.ok() ? std::string() : std::string(c.status().message());
  };
  EXPECT_NE(refused(*merkle::parse_hex("0x12345678")).find("not InteropCenter.sendBundle"),
            std::string::npos);
  // The right selector, then heads pointing past the end.
  const merkle::Word s = merkle::keccak256(std::string_view(kSendBundleSignature));
  merkle::Bytes call(s.begin(), s.begin() + 4);
  EXPECT_NE(refused(call).find("past the end"), std::string::npos);
  for (const std::uint64_t v : {0x60, 0x1000, 0x60}) {
    const merkle::Word w = merkle::be32(v);
    call.insert(call.end(), w.begin(), w.end());
  }
  EXPECT_FALSE(refused(call).empty());
}

}  // namespace
}  // namespace zkr::router

// RLP, secp256k1 and Ethereum transaction signing, checked against published vectors: the RLP
// examples of the Ethereum wiki, the EIP-155 example transaction, and anvil's well-known first
// development account.

#include <gtest/gtest.h>

#include <string>

#include "merkle/keccak.hpp"
#include "settlement/ethereum/eth_tx.hpp"
#include "settlement/ethereum/rlp.hpp"
#include "settlement/ethereum/secp256k1.hpp"

namespace zkr::settlement {
namespace {

using rlp::Item;

merkle::Bytes bytes(const std::string& hex) {
  return *merkle::parse_hex(hex);
}
merkle::Bytes text(std::string_view s) {
  return merkle::Bytes(s.begin(), s.end());
}
std::string hex(const merkle::Bytes& b) {
  return merkle::to_hex(merkle::ByteSpan(b));
}

merkle::Word decimal_word(const std::string& digits) {
  // A 256-bit decimal number as a big-endian word (schoolbook multiply-add).
  merkle::Word w{};
  for (char c : digits) {
    unsigned carry = static_cast<unsigned>(c - '0');
    for (int i = 31; i >= 0; --i) {
      const unsigned v = w[static_cast<std::size_t>(i)] * 10U + carry;
      w[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v & 0xff);
      carry = v >> 8;
    }
  }
  return w;
}

TEST(Rlp, EncodesThePublishedExamples) {
  EXPECT_EQ(hex(rlp::encode(Item::string(text("dog")))), "0x83646f67");
  EXPECT_EQ(hex(rlp::encode(Item::list({Item::string(text("cat")), Item::string(text("dog"))}))),
            "0xc88363617483646f67");
  EXPECT_EQ(hex(rlp::encode(Item::string({}))), "0x80");
  EXPECT_EQ(hex(rlp::encode(Item::list({}))), "0xc0");
  EXPECT_EQ(hex(rlp::encode(Item::uint(std::uint64_t{0}))), "0x80");
  EXPECT_EQ(hex(rlp::encode(Item::string(bytes("0x00")))), "0x00");
  EXPECT_EQ(hex(rlp::encode(Item::uint(std::uint64_t{15}))), "0x0f");
  EXPECT_EQ(hex(rlp::encode(Item::uint(std::uint64_t{1024}))), "0x820400");
  // The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ]
  const Item empty = Item::list({});
  const Item one = Item::list({empty});
  EXPECT_EQ(hex(rlp::encode(Item::list({empty, one, Item::list({empty, one})}))),
            "0xc7c0c1c0c3c0c1c0");
  const std::string lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
  EXPECT_EQ(hex(rlp::encode(Item::string(text(lorem)))), "0xb838" + hex(text(lorem)).substr(2));
}

TEST(Rlp, DecodesWhatItEncodesAndRejectsNonCanonicalInput) {
  const Item nested = Item::list({Item::uint(std::uint64_t{1}), Item::string(text("dog")),
                                  Item::list({Item::string(merkle::Bytes(60, 0xab))})});
  const auto back = rlp::decode(rlp::encode(nested));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(rlp::encode(*back), rlp::encode(nested));

  for (const char* bad : {"0x8100",        // a single byte < 0x80 with a prefix
                          "0xb80100",      // a long length for a 1-byte string
                          "0x83646f",      // truncated
                          "0x83646f6767",  // trailing byte
                          "0xc3646f"}) {   // list runs past the input
    EXPECT_FALSE(rlp::decode(bytes(bad)).ok()) << bad;
  }
  EXPECT_FALSE(rlp::to_u64(Item::string(bytes("0x0001"))).ok());  // leading zero
  EXPECT_FALSE(rlp::to_u64(Item::string(merkle::Bytes(9, 1))).ok());
}

TEST(Secp256k1, DerivesAnvilsFirstDevelopmentAccount) {
  const auto key = secp256k1::PrivateKey::from_hex(
      "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(merkle::to_hex(key->address()), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
}

TEST(Secp256k1, RejectsKeysOutsideTheGroup) {
  EXPECT_FALSE(secp256k1::PrivateKey::from_bytes(merkle::Word{}).ok());
  merkle::Word all_ones;
  all_ones.fill(0xff);  // above the group order
  EXPECT_FALSE(secp256k1::PrivateKey::from_bytes(all_ones).ok());
  EXPECT_FALSE(secp256k1::PrivateKey::from_bytes(merkle::Bytes(31, 1)).ok());
  const auto key = secp256k1::PrivateKey::from_bytes(merkle::keccak256(std::string_view("k")));
  ASSERT_TRUE(key.ok());
  merkle::Bytes point(key->public_key().xy.begin(), key->public_key().xy.end());
  EXPECT_TRUE(secp256k1::parse_public_key(point).ok());
  point.back() ^= 1;  // y no longer matches x
  EXPECT_FALSE(secp256k1::parse_public_key(point).ok());
  EXPECT_FALSE(secp256k1::parse_public_key(merkle::Bytes(20, 1)).ok());
}

class Signatures : public ::testing::Test {
 protected:
  secp256k1::PrivateKey key_ = *secp256k1::PrivateKey::from_bytes(
      merkle::keccak256(std::string_view("zkrouter crypto test key")));
  secp256k1::PrivateKey other_ = *secp256k1::PrivateKey::from_bytes(
      merkle::keccak256(std::string_view("zkrouter crypto test other key")));
  merkle::Word digest_ = merkle::keccak256(std::string_view("a message"));
};

TEST_F(Signatures, VerifyAndRecover) {
  for (int i = 0; i < 16; ++i) {
    const merkle::Word digest = merkle::keccak256(merkle::ByteSpan(merkle::be32(i)));
    const auto sig = key_.sign(digest);
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(secp256k1::verify(key_.public_key(), digest, sig->r, sig->s).ok());
    const auto recovered = secp256k1::recover(digest, *sig);
    ASSERT_TRUE(recovered.ok());
    EXPECT_EQ(*recovered, key_.public_key());
    // Every key encoding round-trips.
    EXPECT_EQ(*secp256k1::parse_public_key(secp256k1::compressed(key_.public_key())),
              key_.public_key());
  }
}

TEST_F(Signatures, RejectWrongKeyWrongMessageAndTheMalleableTwin) {
  const auto sig = key_.sign(digest_);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(secp256k1::verify(other_.public_key(), digest_, sig->r, sig->s).code(),
            absl::StatusCode::kPermissionDenied);
  const merkle::Word other_digest = merkle::keccak256(std::string_view("another message"));
  EXPECT_EQ(secp256k1::verify(key_.public_key(), other_digest, sig->r, sig->s).code(),
            absl::StatusCode::kPermissionDenied);
  // (r, n − s) is mathematically valid too; it must be refused as a high-s signature.
  const merkle::Word n =
      *merkle::parse_word("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  merkle::Word high{};
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    const auto idx = static_cast<std::size_t>(i);
    int v = n[idx] - sig->s[idx] - borrow;
    borrow = v < 0 ? 1 : 0;
    high[idx] = static_cast<std::uint8_t>(v + (borrow ? 256 : 0));
  }
  const absl::Status s = secp256k1::verify(key_.public_key(), digest_, sig->r, high);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("malleable"), std::string::npos) << s;
  EXPECT_FALSE(secp256k1::verify(key_.public_key(), digest_, merkle::Word{}, sig->s).ok());
}

TEST(EthTx, Eip155ExampleTransaction) {
  // EIP-155's example: nonce 9, gas price 20 gwei, gas 21000, to 0x3535…35, value 1 ether, no
  // data, chain id 1, signed with key 0x4646…46.
  eth::LegacyTx tx{.nonce = 9,
                   .gas_price = 20'000'000'000,
                   .gas_limit = 21'000,
                   .to = *merkle::parse_address("0x3535353535353535353535353535353535353535"),
                   .value = 1'000'000'000'000'000'000};
  const merkle::Bytes payload = eth::eip155_signing_payload(tx, 1);
  EXPECT_EQ(hex(payload),
            "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000"
            "80018080");
  const merkle::Word hash = merkle::keccak256(merkle::ByteSpan(payload));
  EXPECT_EQ(merkle::to_hex(hash),
            "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");

  // The published signature (v = 37: chain id 1, recovery id 0) recovers to the key's address
  // and verifies; the signed encoding is the published one.
  secp256k1::Signature sig{
      .r = decimal_word(
          "18515461264373351373200002665853028612451056578545711640558177340181847433846"),
      .s = decimal_word(
          "46948507304638947509940763649030358759909902576025900602547168820602576006531"),
      .recovery_id = 0};
  const auto key = secp256k1::PrivateKey::from_hex(
      "0x4646464646464646464646464646464646464646464646464646464646464646");
  ASSERT_TRUE(key.ok());
  const auto recovered = secp256k1::recover(hash, sig);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(*recovered, key->public_key());
  EXPECT_EQ(merkle::to_hex(secp256k1::address_of(*recovered)),
            "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f");
  EXPECT_TRUE(secp256k1::verify(key->public_key(), hash, sig.r, sig.s).ok());
  EXPECT_EQ(hex(eth::encode_eip155_signed(tx, 1, sig)),
            "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000"
            "8025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f"
            "761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");
  // Our own signature of the same hash verifies and recovers to the same key (OpenSSL picks a
  // random nonce, so r and s differ from the published ones).
  const auto ours = key->sign(hash);
  ASSERT_TRUE(ours.ok());
  EXPECT_EQ(*secp256k1::recover(hash, *ours), key->public_key());
}

TEST(EthTx, Eip1559SignDecodeRoundTrip) {
  const auto key = secp256k1::PrivateKey::from_hex(
      "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  ASSERT_TRUE(key.ok());
  eth::Eip1559Tx tx{.chain_id = 31337,
                    .nonce = 7,
                    .max_priority_fee_per_gas = 1'000'000'000,
                    .max_fee_per_gas = 3'000'000'000,
                    .gas_limit = 120'000,
                    .to = *merkle::parse_address("0x00000000000000000000000000000000000a11ce"),
                    .value = 0,
                    .data = bytes("0xdeadbeef")};
  const auto signed_tx = eth::sign(tx, *key);
  ASSERT_TRUE(signed_tx.ok());
  EXPECT_EQ(signed_tx->raw[0], 0x02);
  const auto decoded = eth::decode_signed(signed_tx->raw);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->tx, tx);
  EXPECT_EQ(decoded->from, key->address());
  EXPECT_EQ(decoded->hash, signed_tx->hash);
  // A flipped bit in the payload changes the recovered sender or breaks the encoding.
  merkle::Bytes tampered = signed_tx->raw;
  tampered[10] ^= 1;
  const auto bad = eth::decode_signed(tampered);
  EXPECT_TRUE(!bad.ok() || bad->from != key->address());
  EXPECT_FALSE(eth::decode_signed(bytes("0x01c0")).ok());
}

}  // namespace
}  // namespace zkr::settlement

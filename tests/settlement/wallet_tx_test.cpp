// Signed transactions as wallets send them, decoded: every vector of tests/data/signed_txs.json
// was signed and hashed by ethers and zksync-ethers (tests/sdk/make_tx_vectors.js); the decoder
// must recover the same sender and compute the same hash, and refuse every damaged variant.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include <boost/json.hpp>

#include "settlement/ethereum/wallet_tx.hpp"

namespace zkr::settlement::eth {
namespace {

namespace json = boost::json;

json::value signed_txs() {
  const char* path = std::getenv("ZKR_SIGNED_TXS");
  if (path == nullptr) {
    ADD_FAILURE() << "ZKR_SIGNED_TXS must name tests/data/signed_txs.json (ctest sets it)";
    return json::object{{"vectors", json::array{}}};
  }
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
}

merkle::Bytes bytes_of(const json::value& v) {
  std::string text(v.as_string());
  if (text.size() % 2 == 1) text.insert(2, "0");  // a quantity such as 0x0
  const absl::StatusOr<merkle::Bytes> bytes = merkle::parse_hex(text);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? *bytes : merkle::Bytes{};
}

TEST(WalletTx, RecoversTheSenderAndHashOfEveryKindAWalletSends) {
  const json::value all = signed_txs();
  const json::array& vectors = all.at("vectors").as_array();
  ASSERT_EQ(vectors.size(), 36u);
  int kinds[3] = {0, 0, 0};
  for (const json::value& v : vectors) {
    SCOPED_TRACE(json::serialize(v.at("raw")));
    const absl::StatusOr<WalletTx> tx = decode_wallet_tx(bytes_of(v.at("raw")));
    ASSERT_TRUE(tx.ok()) << tx.status();
    EXPECT_EQ(wallet_tx_type_name(tx->type), v.at("kind").as_string());
    ++kinds[static_cast<int>(tx->type)];
    EXPECT_EQ(merkle::to_hex(tx->from), v.at("from").as_string());
    EXPECT_EQ(merkle::to_hex(tx->hash), v.at("hash").as_string());
    EXPECT_EQ(tx->chain_id, v.at("chainId").to_number<std::uint64_t>());
    EXPECT_EQ(tx->nonce, v.at("nonce").to_number<std::uint64_t>());
    ASSERT_TRUE(tx->to.has_value());
    EXPECT_EQ(merkle::to_hex(*tx->to), v.at("to").as_string());
    EXPECT_EQ(merkle::to_hex(tx->data), v.at("data").as_string());
    const merkle::Bytes value = bytes_of(v.at("value"));
    EXPECT_TRUE(std::equal(value.rbegin(), value.rend(), tx->value.rbegin()));
  }
  EXPECT_EQ(kinds[0], 12);
  EXPECT_EQ(kinds[1], 12);
  EXPECT_EQ(kinds[2], 12);
}

TEST(WalletTx, ADamagedTransactionIsRefusedOrNamesAnotherSender) {
  const json::value all = signed_txs();
  for (const json::value& v : all.at("vectors").as_array()) {
    const merkle::Bytes raw = bytes_of(v.at("raw"));
    // Every single-byte change either fails to decode or no longer comes from the same sender
    // with the same hash: nothing of the original is accepted in another form.
    for (std::size_t i = 0; i < raw.size(); i += 7) {
      merkle::Bytes bad = raw;
      bad[i] ^= 0x01;
      const absl::StatusOr<WalletTx> tx = decode_wallet_tx(bad);
      if (tx.ok()) {
        EXPECT_FALSE(merkle::to_hex(tx->from) == v.at("from").as_string() &&
                     merkle::to_hex(tx->hash) == v.at("hash").as_string())
            << "byte " << i << " of " << v.at("raw");
      }
    }
    // Truncated anywhere: refused.
    for (const std::size_t cut : {std::size_t{0}, std::size_t{1}, raw.size() / 2, raw.size() - 1}) {
      EXPECT_FALSE(decode_wallet_tx(merkle::ByteSpan(raw.data(), cut)).ok()) << cut;
    }
  }
  // Types that are not accepted are named.
  const absl::StatusOr<WalletTx> type1 = decode_wallet_tx(merkle::Bytes{0x01, 0xc0});
  ASSERT_FALSE(type1.ok());
  EXPECT_NE(type1.status().message().find("0x01"), std::string::npos) << type1.status();
}

}  // namespace
}  // namespace zkr::settlement::eth

#include "merkle/keccak.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "merkle/constants.hpp"
#include "tests/support/vectors.hpp"

namespace zkr::merkle {
namespace {

using testing::vectors;

TEST(Keccak, MatchesEveryPublishedVector) {
  const auto& cases = vectors().at("keccak256").as_array();
  ASSERT_GE(cases.size(), 10U);
  for (const auto& c : cases) {
    const auto& o = c.as_object();
    const Word expected = testing::word(o.at("hash"));
    if (o.contains("input")) {
      const Bytes input = testing::bytes(o.at("input"));
      EXPECT_EQ(to_hex(keccak256(ByteSpan(input))), to_hex(expected))
          << "input of " << input.size() << " bytes";
    } else {
      const std::string text(o.at("input_utf8").as_string());
      EXPECT_EQ(to_hex(keccak256(std::string_view(text))), to_hex(expected)) << text;
    }
  }
}

// Fed in two or three pieces, split anywhere (within a block, on a block's edge, empty pieces),
// the stream gives each published vector's digest.
TEST(Keccak, AStreamFedInPiecesMatchesEveryPublishedVector) {
  std::size_t longest = 0;
  for (const auto& c : vectors().at("keccak256").as_array()) {
    const auto& o = c.as_object();
    const Word expected = testing::word(o.at("hash"));
    const Bytes input = o.contains("input") ? testing::bytes(o.at("input"))
                                            : Bytes(o.at("input_utf8").as_string().begin(),
                                                    o.at("input_utf8").as_string().end());
    longest = std::max(longest, input.size());
    for (std::size_t a = 0; a <= input.size(); ++a) {
      for (const std::size_t b :
           {a, std::min(input.size(), a + 1), std::min(input.size(), a + 136), input.size()}) {
        Keccak256Stream h;
        h.update(input.data(), a);
        h.update(input.data() + a, b - a);
        h.update(input.data() + b, input.size() - b);
        ASSERT_EQ(to_hex(h.finish()), to_hex(expected))
            << input.size() << " bytes split at " << a << " and " << b;
      }
    }
  }
  EXPECT_GT(longest, 2 * detail::kKeccakRate);  // some vector spans several blocks
}

TEST(Keccak, IsNotSha3_256) {
  // SHA3-256 pads with 0x06 instead of Keccak's 0x01; an implementation that mixed them up would
  // agree with OpenSSL's SHA3-256 here.
  unsigned char sha3[32];
  unsigned int len = 0;
  ASSERT_EQ(EVP_Digest("", 0, sha3, &len, EVP_sha3_256(), nullptr), 1);
  ASSERT_EQ(len, 32U);
  const Word empty_keccak = keccak256(ByteSpan());
  EXPECT_NE(to_hex(empty_keccak), to_hex(ByteSpan(sha3, 32)));
  EXPECT_EQ(to_hex(empty_keccak),
            std::string(vectors().at("keccak256").as_array()[0].at("hash").as_string()));
}

TEST(Keccak, SpecialisedNodeHashesEqualGenericHash) {
  Word a{}, b{}, c{};
  for (int i = 0; i < 32; ++i) {
    a[i] = static_cast<std::uint8_t>(i);
    b[i] = static_cast<std::uint8_t>(0xff - i);
    c[i] = static_cast<std::uint8_t>(3 * i + 1);
  }
  Bytes ab(a.begin(), a.end());
  ab.insert(ab.end(), b.begin(), b.end());
  EXPECT_EQ(hash_pair(a, b), keccak256(ByteSpan(ab)));
  Bytes abc = ab;
  abc.insert(abc.end(), c.begin(), c.end());
  EXPECT_EQ(hash_triple(a, b, c), keccak256(ByteSpan(abc)));
}

TEST(Keccak, HashPairsHashesEveryPair) {
  std::vector<Word> in(10);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = be32(i * 7919);
  std::vector<Word> out(5);
  hash_pairs(in, out);
  for (std::size_t i = 0; i < out.size(); ++i)
    EXPECT_EQ(out[i], hash_pair(in[2 * i], in[2 * i + 1]));
}

// Every multi-message path this CPU has, against the one-message hash (itself checked against the
// published vectors above): all strides a one-block message can have, and counts that leave every
// possible remainder after the 4- and 8-message groups.
class KeccakBackends : public ::testing::TestWithParam<KeccakBackend> {
 protected:
  void SetUp() override {
    previous_ = keccak_backend();
    if (!set_keccak_backend(GetParam()))
      GTEST_SKIP() << "this CPU has no " << keccak_backend_name(GetParam());
  }
  void TearDown() override { set_keccak_backend(previous_); }

 private:
  KeccakBackend previous_ = KeccakBackend::kPortable;
};

TEST_P(KeccakBackends, ManyMessagesEqualOneAtATime) {
  std::mt19937_64 rng(GetParam() == KeccakBackend::kAvx512 ? 8 : 4);
  for (std::size_t stride = 0; stride <= kKeccakMaxShortMessage; ++stride) {
    for (std::size_t count : {0U, 1U, 3U, 4U, 5U, 7U, 8U, 9U, 15U, 17U}) {
      Bytes in(stride * count);
      for (auto& b : in) b = static_cast<std::uint8_t>(rng());
      std::vector<Word> out(count);
      keccak256_many(ByteSpan(in), stride, out);
      for (std::size_t i = 0; i < count; ++i) {
        ASSERT_EQ(to_hex(out[i]), to_hex(keccak256(ByteSpan(in).subspan(i * stride, stride))))
            << "stride " << stride << ", message " << i << " of " << count;
      }
    }
  }
}

TEST_P(KeccakBackends, MessagesOfMixedLengthsEqualOneAtATime) {
  // Every length a one-block message can have, the lengths just past it (two and more blocks),
  // shuffled so that every SIMD group mixes lengths, and more than one chunk of waiting messages.
  std::mt19937_64 rng(GetParam() == KeccakBackend::kAvx512 ? 16 : 12);
  std::vector<Bytes> messages;
  for (std::size_t size = 0; size <= kKeccakMaxShortMessage + 3; ++size) {
    Bytes m(size);
    for (auto& b : m) b = static_cast<std::uint8_t>(rng());
    messages.push_back(std::move(m));
  }
  messages.push_back(Bytes(1000, 0xab));
  std::shuffle(messages.begin(), messages.end(), rng);
  for (std::size_t count : {0UL, 1UL, 7UL, 9UL, 64UL, 65UL, messages.size()}) {
    std::vector<ByteSpan> spans(messages.begin(), messages.begin() + count);
    std::vector<Word> out(count);
    keccak256_each(spans, out);
    for (std::size_t i = 0; i < count; ++i) {
      ASSERT_EQ(to_hex(out[i]), to_hex(keccak256(spans[i])))
          << "message " << i << " of " << count << ", " << spans[i].size() << " bytes";
    }
  }
}

TEST_P(KeccakBackends, ReproducesThePublishedVectors) {
  for (const auto& c : vectors().at("keccak256").as_array()) {
    const auto& o = c.as_object();
    if (!o.contains("input")) continue;
    const Bytes input = testing::bytes(o.at("input"));
    const std::string expected = to_hex(testing::word(o.at("hash")));
    // Every published input (long ones too) among messages of another length.
    const Bytes other(33, 0x5a);
    std::vector<ByteSpan> mixed;
    for (int i = 0; i < 8; ++i) {
      mixed.emplace_back(input);
      mixed.emplace_back(other);
    }
    std::vector<Word> each(mixed.size());
    keccak256_each(mixed, each);
    for (std::size_t i = 0; i < mixed.size(); i += 2) EXPECT_EQ(to_hex(each[i]), expected);
    // Each short one eight times over, so the SIMD groups are full.
    if (input.size() > kKeccakMaxShortMessage) continue;
    Bytes in;
    for (int i = 0; i < 8; ++i) in.insert(in.end(), input.begin(), input.end());
    std::vector<Word> out(8);
    keccak256_many(ByteSpan(in), input.size(), out);
    for (const Word& w : out) EXPECT_EQ(to_hex(w), expected);
  }
}

TEST_P(KeccakBackends, HashPairsAndLeavesEqualOneAtATime) {
  std::vector<Word> in(2 * 37);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = keccak256(ByteSpan(be32(i)));
  std::vector<Word> out(37);
  hash_pairs(in, out);
  for (std::size_t i = 0; i < out.size(); ++i)
    EXPECT_EQ(out[i], hash_pair(in[2 * i], in[2 * i + 1])) << i;
}

INSTANTIATE_TEST_SUITE_P(Keccak, KeccakBackends,
                         ::testing::Values(KeccakBackend::kPortable, KeccakBackend::kAvx2,
                                           KeccakBackend::kAvx512),
                         [](const auto& param_info) {
                           return std::string(keccak_backend_name(param_info.param));
                         });

TEST(Keccak, BackendFollowsTheEnvironment) {
  const char* env = std::getenv("ZKR_KECCAK");
  if (env == nullptr) {
    // Unset: the best one the CPU has.
    const KeccakBackend best =
        keccak_backend_supported(KeccakBackend::kAvx512) ? KeccakBackend::kAvx512
        : keccak_backend_supported(KeccakBackend::kAvx2) ? KeccakBackend::kAvx2
                                                         : KeccakBackend::kPortable;
    EXPECT_EQ(keccak_backend(), best);
  } else if (std::string_view(env) == "portable") {
    EXPECT_EQ(keccak_backend(), KeccakBackend::kPortable);
  }
}

TEST(Constants, EqualTheSpecValues) {
  const auto& c = vectors().at("constants").as_object();
  EXPECT_EQ(to_hex(kDefaultLogLeaf), c.at("L2_L1_LOGS_TREE_DEFAULT_LEAF_HASH").as_string());
  EXPECT_EQ(to_hex(kMessageRootEmptyLeaf), c.at("MESSAGE_ROOT_EMPTY_LEAF").as_string());
  EXPECT_EQ(to_hex(kBatchLeafPadding), c.at("BATCH_LEAF_PADDING").as_string());
  EXPECT_EQ(to_hex(kChainIdLeafPadding), c.at("CHAIN_ID_LEAF_PADDING").as_string());
  EXPECT_EQ(to_hex(kL1MessengerAddress), c.at("L1_MESSENGER").as_string());
  EXPECT_EQ(to_hex(kL2MessageRootAddress), c.at("L2_MESSAGE_ROOT").as_string());
  EXPECT_EQ(to_hex(kL2InteropRootStorageAddress), c.at("L2_INTEROP_ROOT_STORAGE").as_string());
  EXPECT_EQ(to_hex(kL2MessageVerificationAddress), c.at("L2_MESSAGE_VERIFICATION").as_string());
  EXPECT_EQ(to_hex(kInteropCenterAddress), c.at("INTEROP_CENTER_V31").as_string());
  EXPECT_EQ(testing::number(c.at("L2_TO_L1_LOG_SERIALIZE_SIZE")), kLogSerializeSize);
  EXPECT_EQ(testing::number(c.at("L2_TO_L1_LOGS_MERKLE_TREE_LEAVES")), kLogTreeLeaves);
  EXPECT_EQ(testing::number(c.at("LOG_TREE_DEPTH")), kLogTreeDepth);
  EXPECT_EQ(testing::number(c.at("PROOF_METADATA_VERSION")), kProofMetadataVersion);
}

TEST(Constants, EmptySubtreesEqualTheSpecValues) {
  const auto& e = vectors().at("empty_subtrees").as_object();
  const auto log_zeros = testing::words(e.at("log_tree"));
  ASSERT_EQ(log_zeros.size(), kLogTreeZeros.size());
  for (std::size_t k = 0; k < log_zeros.size(); ++k) EXPECT_EQ(kLogTreeZeros[k], log_zeros[k]) << k;
  const auto mr_zeros = testing::words(e.at("message_root"));
  ASSERT_GT(mr_zeros.size(), 1U);
  for (std::size_t k = 0; k < mr_zeros.size(); ++k)
    EXPECT_EQ(kMessageRootZeros[k], mr_zeros[k]) << k;
}

}  // namespace
}  // namespace zkr::merkle

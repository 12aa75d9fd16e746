#include "merkle/log.hpp"

#include <gtest/gtest.h>

#include "merkle/constants.hpp"
#include "merkle/status.hpp"
#include "tests/support/vectors.hpp"

namespace zkr::merkle {
namespace {

using testing::vectors;

TEST(LogEncoding, SerializesAndHashesEveryVector) {
  const auto& cases = vectors().at("log_serialization").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const L2ToL1Log log = testing::log(c.at("log"));
    const PackedLog packed = serialize(log);
    EXPECT_EQ(to_hex(ByteSpan(packed)), c.at("packed").as_string());
    EXPECT_EQ(to_hex(log_leaf_hash(log)), c.at("leaf").as_string());
    const absl::StatusOr<L2ToL1Log> back = deserialize_log(ByteSpan(packed));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, log);
  }
}

TEST(LogEncoding, MessageBecomesTheMessengerLog) {
  const auto& v = vectors().at("message_to_log").as_object();
  const L2Message message = testing::message(v.at("message"));
  const L2ToL1Log expected = testing::log(v.at("log"));
  const L2ToL1Log got = message_to_log(message);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(got.sender, kL1MessengerAddress);
  EXPECT_EQ(to_hex(log_leaf_hash(got)), v.at("leaf").as_string());
}

TEST(LogEncoding, RejectsMalformedPackedLogs) {
  const Bytes short_log(87, 0);
  EXPECT_EQ(deserialize_log(ByteSpan(short_log)).status().code(),
            absl::StatusCode::kInvalidArgument);
  Bytes bad_flag(88, 0);
  bad_flag[1] = 2;
  const auto status = deserialize_log(ByteSpan(bad_flag)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("isService"), std::string::npos);
}

TEST(Hex, ParsesAndRejectsWithSpecificErrors) {
  EXPECT_EQ(*parse_hex("0xAbCd"), (Bytes{0xab, 0xcd}));
  EXPECT_TRUE(parse_hex("0x")->empty());
  EXPECT_NE(parse_hex("abcd").status().message().find("0x"), std::string::npos);
  EXPECT_NE(parse_hex("0xabc").status().message().find("odd"), std::string::npos);
  EXPECT_NE(parse_hex("0xzz").status().message().find("invalid hex digit 'z'"), std::string::npos);
  // A non-ASCII character is named by its bytes' values, never echoed half (found by fuzz_rpc).
  EXPECT_EQ(parse_hex("0x12\xce\x94").status().message(),
            "invalid hex digit byte 0xce at position 4");
  // Echoed names are cut before a character, not inside one (found by fuzz_rpc).
  EXPECT_EQ(zkr::utf8_prefix("ab\xce\x94", 3), "ab");
  EXPECT_EQ(zkr::utf8_prefix("ab\xce\x94", 4), "ab\xce\x94");
  EXPECT_EQ(zkr::utf8_prefix("abc", 2), "ab");
  EXPECT_NE(parse_word("0x1234").status().message().find("32 bytes"), std::string::npos);
  EXPECT_NE(parse_address("0x" + std::string(42, '0')).status().message().find("20 bytes"),
            std::string::npos);
  EXPECT_EQ(to_hex(*parse_word("0x" + std::string(63, '0') + "F")),
            "0x" + std::string(63, '0') + "f");
}

}  // namespace
}  // namespace zkr::merkle

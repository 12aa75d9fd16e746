#include "tests/support/vectors.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace zkr::testing {
namespace {

template <typename T>
T unwrap(absl::StatusOr<T> v, std::string_view what) {
  if (!v.ok())
    throw std::runtime_error(std::string(what) + ": " + std::string(v.status().message()));
  return *std::move(v);
}

}  // namespace

const boost::json::object& vectors() {
  static const boost::json::object doc = [] {
    std::ifstream in(ZKR_TEST_VECTORS);
    if (!in) throw std::runtime_error("cannot open " ZKR_TEST_VECTORS);
    std::stringstream text;
    text << in.rdbuf();
    return boost::json::parse(text.str()).as_object();
  }();
  return doc;
}

merkle::Word word(const boost::json::value& v) {
  return unwrap(merkle::parse_word(std::string(v.as_string())), "word");
}

merkle::Address address(const boost::json::value& v) {
  return unwrap(merkle::parse_address(std::string(v.as_string())), "address");
}

merkle::Bytes bytes(const boost::json::value& v) {
  return unwrap(merkle::parse_hex(std::string(v.as_string())), "bytes");
}

std::vector<merkle::Word> words(const boost::json::value& v) {
  std::vector<merkle::Word> out;
  for (const auto& w : v.as_array()) out.push_back(word(w));
  return out;
}

std::uint64_t number(const boost::json::value& v) {
  if (v.is_int64()) return static_cast<std::uint64_t>(v.as_int64());
  if (v.is_uint64()) return v.as_uint64();
  const auto& s = v.as_string();
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    throw std::runtime_error("not a decimal number: " + std::string(s));
  }
  return n;
}

merkle::L2ToL1Log log(const boost::json::value& v) {
  const auto& o = v.as_object();
  return merkle::L2ToL1Log{
      .l2_shard_id = static_cast<std::uint8_t>(number(o.at("l2ShardId"))),
      .is_service = o.at("isService").as_bool(),
      .tx_number_in_batch = static_cast<std::uint16_t>(number(o.at("txNumberInBatch"))),
      .sender = address(o.at("sender")),
      .key = word(o.at("key")),
      .value = word(o.at("value"))};
}

merkle::L2Message message(const boost::json::value& v) {
  const auto& o = v.as_object();
  return merkle::L2Message{
      .tx_number_in_batch = static_cast<std::uint16_t>(number(o.at("txNumberInBatch"))),
      .sender = address(o.at("sender")),
      .data = bytes(o.at("data"))};
}

}  // namespace zkr::testing

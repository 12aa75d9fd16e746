#pragma once
// Access to the spec's vectors (tests/data/vectors.json, a verbatim copy of spec/vectors.json).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include "merkle/log.hpp"
#include "merkle/types.hpp"

namespace zkr::testing {

/// The whole vectors document, parsed once.
const boost::json::object& vectors();

/// Field access that fails the running test (via an exception gtest reports) on a missing field.
merkle::Word word(const boost::json::value& v);
merkle::Address address(const boost::json::value& v);
merkle::Bytes bytes(const boost::json::value& v);
std::vector<merkle::Word> words(const boost::json::value& v);
/// Decimal strings ("270") or JSON numbers.
std::uint64_t number(const boost::json::value& v);
merkle::L2ToL1Log log(const boost::json::value& v);
merkle::L2Message message(const boost::json::value& v);

}  // namespace zkr::testing

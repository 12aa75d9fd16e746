#pragma once
// Checking a proof served over the API the way a destination chain's L2MessageVerification does:
// from the message itself (sender and bytes, fetched with zkr_getMessage), not from the log.

#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "merkle/verifier.hpp"
#include "tests/support/rpc_client.hpp"

namespace zkr::testing {

/// Verifies `proof` (a zkr_getProof result) of message `chain`:`batch`:`index` against `root`,
/// the root that (settled_chain, settled_number) has on the verifying side.
inline absl::Status verify_served_proof(std::uint16_t port, std::uint64_t chain,
                                        std::uint64_t batch, std::uint64_t index,
                                        const boost::json::value& proof,
                                        std::uint64_t settled_chain, std::uint64_t settled_number,
                                        const merkle::Word& root) {
  const std::string id =
      std::to_string(chain) + ":" + std::to_string(batch) + ":" + std::to_string(index);
  const auto msg = rpc_http(port, "zkr_getMessage", boost::json::array{id}).at("result");
  merkle::L2Message message;
  message.tx_number_in_batch =
      static_cast<std::uint16_t>(msg.at("txNumberInBatch").to_number<std::uint64_t>());
  message.sender = *merkle::parse_address(std::string(msg.at("sender").as_string()));
  message.data = *merkle::parse_hex(std::string(msg.at("data").as_string()));
  std::vector<merkle::Word> words;
  for (const auto& w : proof.at("proof").as_array())
    words.push_back(*merkle::parse_word(std::string(w.as_string())));
  return merkle::verify_message(
      chain, batch, index, message, words,
      [&](const merkle::Word& c, const merkle::Word& n) -> std::optional<merkle::Word> {
        if (c == merkle::be32(settled_chain) && n == merkle::be32(settled_number)) return root;
        return std::nullopt;
      });
}

}  // namespace zkr::testing

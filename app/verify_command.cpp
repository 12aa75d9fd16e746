#include "app/verify_command.hpp"

#include <cstdio>

#include <boost/json.hpp>

#include "absl/strings/str_cat.h"
#include "api/json_codec.hpp"
#include "merkle/status.hpp"
#include "merkle/verifier.hpp"

namespace zkr::app {
namespace {

namespace json = boost::json;

struct Request {
  std::uint64_t chain_id = 0, batch_number = 0, index = 0;
  merkle::Word leaf{};
  std::vector<merkle::Word> proof;
  std::uint64_t settled_chain = 0, settled_number = 0;
  merkle::Word settled_root{};
};

absl::StatusOr<std::string> text_field(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string())
    return absl::InvalidArgumentError(absl::StrCat("field ", name, " must be a string"));
  return std::string(v->get_string());
}

absl::StatusOr<Request> parse(const std::string& text) {
  json::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return absl::InvalidArgumentError("the input must be a JSON object");
  const json::object& o = doc.get_object();
  Request r;
  ZKR_ASSIGN_OR_RETURN(r.chain_id, api::u64_field(o, "chainId"));
  ZKR_ASSIGN_OR_RETURN(r.batch_number, api::u64_field(o, "batchNumber"));
  ZKR_ASSIGN_OR_RETURN(r.index, api::u64_field(o, "index"));
  if (const json::value* m = o.if_contains("message"); m != nullptr && m->is_object()) {
    merkle::L2Message message;
    ZKR_ASSIGN_OR_RETURN(const std::uint64_t tx,
                         api::u64_field(m->get_object(), "txNumberInBatch"));
    if (tx > 0xffff) return absl::InvalidArgumentError("message.txNumberInBatch must fit 16 bits");
    message.tx_number_in_batch = static_cast<std::uint16_t>(tx);
    ZKR_ASSIGN_OR_RETURN(const std::string sender, text_field(m->get_object(), "sender"));
    ZKR_ASSIGN_OR_RETURN(message.sender, merkle::parse_address(sender));
    ZKR_ASSIGN_OR_RETURN(const std::string data, text_field(m->get_object(), "data"));
    ZKR_ASSIGN_OR_RETURN(message.data, merkle::parse_hex(data));
    r.leaf = merkle::log_leaf_hash(merkle::message_to_log(message));
  } else if (o.contains("leaf")) {
    ZKR_ASSIGN_OR_RETURN(r.leaf, api::word_field(o, "leaf"));
  } else {
    return absl::InvalidArgumentError(
        "give the message ({txNumberInBatch, sender, data}) or the leaf hash");
  }
  const json::value* proof = o.if_contains("proof");
  if (proof == nullptr || !proof->is_array())
    return absl::InvalidArgumentError("field proof must be an array");
  for (const json::value& w : proof->get_array()) {
    if (!w.is_string()) return absl::InvalidArgumentError("proof words must be hex strings");
    ZKR_ASSIGN_OR_RETURN(merkle::Word word, merkle::parse_word(std::string_view(w.get_string())));
    r.proof.push_back(word);
  }
  const json::value* settled = o.if_contains("settledRoot");
  if (settled == nullptr || !settled->is_object()) {
    return absl::InvalidArgumentError("field settledRoot ({chainId, number, root}) is required");
  }
  ZKR_ASSIGN_OR_RETURN(r.settled_chain, api::u64_field(settled->get_object(), "chainId"));
  ZKR_ASSIGN_OR_RETURN(r.settled_number, api::u64_field(settled->get_object(), "number"));
  ZKR_ASSIGN_OR_RETURN(r.settled_root, api::word_field(settled->get_object(), "root"));
  return r;
}

std::string number(const merkle::Word& w) {
  const auto n = merkle::to_u64(w);
  return n ? absl::StrCat(*n) : merkle::to_hex(w);
}

}  // namespace

int verify_command(const std::string& json_text) {
  const absl::StatusOr<Request> r = parse(json_text);
  if (!r.ok()) {
    std::fprintf(stderr, "zkrouter verify: %s\n", std::string(r.status().message()).c_str());
    return 2;
  }
  const absl::StatusOr<merkle::RootClaim> claim =
      merkle::compute_root_claim(merkle::be32(r->chain_id), merkle::be32(r->batch_number),
                                 merkle::be32(r->index), r->leaf, r->proof);
  if (!claim.ok()) {
    std::printf("FAIL: %s\n", std::string(claim.status().message()).c_str());
    return 1;
  }
  for (std::size_t i = 0; i < claim->nodes.size(); ++i) {
    const merkle::ProofNode& n = claim->nodes[i];
    std::printf("node %zu: chain %s number %s index %s -> root %s%s\n", i,
                number(n.chain_id).c_str(), number(n.number).c_str(), number(n.mask).c_str(),
                merkle::to_hex(n.batch_root).c_str(), n.final ? " (final)" : "");
    if (!n.final)
      std::printf("        chain tree -> chain root %s\n", merkle::to_hex(n.chain_root).c_str());
  }
  const absl::Status verified = merkle::verify_leaf(
      merkle::be32(r->chain_id), merkle::be32(r->batch_number), merkle::be32(r->index), r->leaf,
      r->proof,
      [&](const merkle::Word& chain, const merkle::Word& n) -> std::optional<merkle::Word> {
        if (chain == merkle::be32(r->settled_chain) && n == merkle::be32(r->settled_number))
          return r->settled_root;
        return std::nullopt;
      });
  if (!verified.ok()) {
    std::printf("FAIL: %s\n", std::string(verified.message()).c_str());
    return 1;
  }
  std::printf("OK: the proof verifies against the root settled for chain %lu number %lu\n",
              static_cast<unsigned long>(r->settled_chain),
              static_cast<unsigned long>(r->settled_number));
  return 0;
}

}  // namespace zkr::app

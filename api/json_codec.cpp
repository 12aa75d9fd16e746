#include "api/json_codec.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"

namespace zkr::api {
namespace json = boost::json;

json::value hex(merkle::ByteSpan bytes) {
  return json::value(merkle::to_hex(bytes));
}
json::value hex(const merkle::Word& w) {
  return json::value(merkle::to_hex(w));
}

namespace {

absl::Status field_error(const char* name, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("field ", name, ": ", what));
}

absl::StatusOr<std::string_view> string_field(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return field_error(name, "is required");
  if (!v->is_string()) return field_error(name, "must be a string");
  return std::string_view(v->get_string().data(), v->get_string().size());
}

template <typename T>
absl::StatusOr<T> parsed(absl::StatusOr<T> v, const char* name) {
  if (!v.ok()) return field_error(name, v.status().message());
  return v;
}

json::value opt(const std::optional<std::uint64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

absl::StatusOr<router::BatchLog> log_from_json(const json::value& v, std::size_t index) {
  const json::object* o = v.if_object();
  if (o == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("logs[", index, "] must be an object"));
  router::BatchLog l;
  const auto fail = [index](const absl::Status& s) {
    return absl::InvalidArgumentError(absl::StrCat("logs[", index, "]: ", s.message()));
  };
  if (o->contains("l2ShardId")) {
    absl::StatusOr<std::uint64_t> shard = u64_field(*o, "l2ShardId");
    if (!shard.ok() || *shard > 255) return fail(field_error("l2ShardId", "must be 0..255"));
    l.log.l2_shard_id = static_cast<std::uint8_t>(*shard);
  }
  const json::value* service = o->if_contains("isService");
  if (service == nullptr || !service->is_bool())
    return fail(field_error("isService", "must be true or false"));
  l.log.is_service = service->get_bool();
  absl::StatusOr<std::uint64_t> tx_number = u64_field(*o, "txNumberInBatch");
  if (!tx_number.ok()) return fail(tx_number.status());
  if (*tx_number > 0xffff) return fail(field_error("txNumberInBatch", "must fit 16 bits"));
  l.log.tx_number_in_batch = static_cast<std::uint16_t>(*tx_number);
  absl::StatusOr<std::string_view> sender = string_field(*o, "sender");
  if (!sender.ok()) return fail(sender.status());
  absl::StatusOr<merkle::Address> sender_addr = parsed(merkle::parse_address(*sender), "sender");
  if (!sender_addr.ok()) return fail(sender_addr.status());
  l.log.sender = *sender_addr;
  for (const auto& [name, target] : {std::pair{"key", &l.log.key}, std::pair{"value", &l.log.value},
                                     std::pair{"txHash", &l.tx_hash}}) {
    absl::StatusOr<merkle::Word> w = word_field(*o, name);
    if (!w.ok()) return fail(w.status());
    *target = *w;
  }
  if (const json::value* m = o->if_contains("message"); m != nullptr && !m->is_null()) {
    if (!m->is_string()) return fail(field_error("message", "must be 0x hex"));
    absl::StatusOr<merkle::Bytes> body =
        parsed(merkle::parse_hex(std::string_view(m->get_string())), "message");
    if (!body.ok()) return fail(body.status());
    l.message = std::move(*body);
  }
  return l;
}

absl::StatusOr<router::TxFacts> tx_facts_from_json(const json::value& v, std::size_t index) {
  const json::object* o = v.if_object();
  const auto fail = [index](const absl::Status& s) {
    return absl::InvalidArgumentError(absl::StrCat("transactions[", index, "]: ", s.message()));
  };
  if (o == nullptr) return fail(absl::InvalidArgumentError("must be an object"));
  router::TxFacts t;
  for (const auto& [key, value] : *o) {
    const std::string_view k(key);
    if (k != "hash" && k != "blockNumber" && k != "blockHash" && k != "from" && k != "to") {
      return fail(
          absl::InvalidArgumentError(absl::StrCat("unknown field \"", to_absl(utf8_prefix(k, 32)),
                                                  "\" (hash, blockNumber, blockHash, from, to)")));
    }
  }
  absl::StatusOr<merkle::Word> hash = word_field(*o, "hash");
  if (!hash.ok()) return fail(hash.status());
  t.tx_hash = *hash;
  const auto present = [o](const char* name) {
    const json::value* f = o->if_contains(name);
    return f != nullptr && !f->is_null();
  };
  if (present("blockNumber")) {
    absl::StatusOr<std::uint64_t> n = u64_field(*o, "blockNumber");
    if (!n.ok()) return fail(n.status());
    t.block_number = *n;
  }
  if (present("blockHash")) {
    absl::StatusOr<merkle::Word> w = word_field(*o, "blockHash");
    if (!w.ok()) return fail(w.status());
    t.block_hash = *w;
  }
  for (const auto& [name, target] : {std::pair{"from", &t.from}, std::pair{"to", &t.to}}) {
    if (!present(name)) continue;
    absl::StatusOr<std::string_view> text = string_field(*o, name);
    if (!text.ok()) return fail(text.status());
    absl::StatusOr<merkle::Address> a = parsed(merkle::parse_address(*text), name);
    if (!a.ok()) return fail(a.status());
    *target = *a;
  }
  return t;
}

}  // namespace

absl::StatusOr<merkle::Word> word_field(const json::object& o, const char* name) {
  ZKR_ASSIGN_OR_RETURN(const std::string_view text, string_field(o, name));
  return parsed(merkle::parse_word(text), name);
}

absl::StatusOr<std::int64_t> as_cursor(std::uint64_t value, const char* name) {
  if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return field_error(name, "is out of range: at most 2^63 - 1");
  return static_cast<std::int64_t>(value);
}

absl::StatusOr<std::uint64_t> u64_field(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return field_error(name, "is required");
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  if (v->is_string()) {
    std::uint64_t n = 0;
    const auto& s = v->get_string();
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return n;
  }
  return field_error(name, "must be a non-negative integer below 2^64");
}

absl::StatusOr<router::SealedBatch> batch_from_json(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr) return absl::InvalidArgumentError("a batch must be a JSON object");
  router::SealedBatch b;
  ZKR_ASSIGN_OR_RETURN(b.chain_id, u64_field(*o, "chainId"));
  ZKR_ASSIGN_OR_RETURN(b.batch_number, u64_field(*o, "batchNumber"));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t version, u64_field(*o, "protocolVersion"));
  if (version > 0xffffffff) return field_error("protocolVersion", "is too large");
  b.protocol_version = static_cast<std::uint32_t>(version);
  ZKR_ASSIGN_OR_RETURN(b.aggregated_root, word_field(*o, "aggregatedRoot"));
  ZKR_ASSIGN_OR_RETURN(b.local_root, word_field(*o, "localRoot"));
  ZKR_ASSIGN_OR_RETURN(b.chain_batch_root, word_field(*o, "chainBatchRoot"));
  const json::value* logs = o->if_contains("logs");
  if (logs == nullptr || !logs->is_array()) return field_error("logs", "must be an array");
  if (logs->get_array().size() > merkle::kLogTreeLeaves) {
    return absl::InvalidArgumentError(absl::StrCat("a batch holds at most ", merkle::kLogTreeLeaves,
                                                   " L2->L1 logs, got ", logs->get_array().size()));
  }
  b.logs.reserve(logs->get_array().size());
  for (std::size_t i = 0; i < logs->get_array().size(); ++i) {
    ZKR_ASSIGN_OR_RETURN(router::BatchLog l, log_from_json(logs->get_array()[i], i));
    b.logs.push_back(std::move(l));
  }
  if (const json::value* txs = o->if_contains("transactions"); txs != nullptr && !txs->is_null()) {
    if (!txs->is_array()) return field_error("transactions", "must be an array");
    if (txs->get_array().size() > b.logs.size()) {
      return field_error("transactions", "lists more transactions than the batch has logs");
    }
    for (std::size_t i = 0; i < txs->get_array().size(); ++i) {
      ZKR_ASSIGN_OR_RETURN(router::TxFacts t, tx_facts_from_json(txs->get_array()[i], i));
      b.transactions.push_back(t);
    }
  }
  return b;
}

json::value batch_to_json(const router::SealedBatch& b) {
  json::array logs;
  for (const router::BatchLog& l : b.logs) {
    json::object o{{"l2ShardId", l.log.l2_shard_id},
                   {"isService", l.log.is_service},
                   {"txNumberInBatch", l.log.tx_number_in_batch},
                   {"sender", hex(merkle::ByteSpan(l.log.sender))},
                   {"key", hex(l.log.key)},
                   {"value", hex(l.log.value)},
                   {"txHash", hex(l.tx_hash)}};
    if (l.message) o["message"] = hex(merkle::ByteSpan(*l.message));
    logs.push_back(std::move(o));
  }
  json::object out{{"chainId", b.chain_id},
                   {"batchNumber", b.batch_number},
                   {"protocolVersion", b.protocol_version},
                   {"aggregatedRoot", hex(b.aggregated_root)},
                   {"localRoot", hex(b.local_root)},
                   {"chainBatchRoot", hex(b.chain_batch_root)},
                   {"logs", std::move(logs)}};
  if (!b.transactions.empty()) {
    json::array txs;
    for (const router::TxFacts& t : b.transactions) {
      json::object o{{"hash", hex(t.tx_hash)}};
      if (t.block_number) o["blockNumber"] = *t.block_number;
      if (t.block_hash) o["blockHash"] = hex(*t.block_hash);
      if (t.from) o["from"] = hex(merkle::ByteSpan(*t.from));
      if (t.to) o["to"] = hex(merkle::ByteSpan(*t.to));
      txs.push_back(std::move(o));
    }
    out["transactions"] = std::move(txs);
  }
  return out;
}

json::value ingest_result_to_json(std::uint64_t chain_id, std::uint64_t batch_number,
                                  const router::IngestResult& r) {
  return json::object{{"chainId", chain_id},
                      {"batchNumber", batch_number},
                      {"duplicate", r.duplicate},
                      {"logCount", r.log_count},
                      {"chainBatchRoot", hex(r.chain_batch_root)},
                      {"committedAtUs",
                       r.committed_at_us ? json::value(*r.committed_at_us) : json::value(nullptr)}};
}

json::value status_to_json(const router::MessageStatus& s) {
  json::array timeline;
  for (const router::TimelineEntry& t : s.timeline) {
    json::object e{{"stage", t.stage}, {"cursor", t.seq}, {"at", t.at_ms}};
    if (t.gateway_block) e["gatewayBlock"] = *t.gateway_block;
    if (t.gateway_batch) e["gatewayBatch"] = *t.gateway_batch;
    if (t.reaches) e["reaches"] = router::message_stage_name(*t.reaches);
    timeline.push_back(std::move(e));
  }
  return json::object{
      {"message", message_to_json(s.row)},
      {"settlementLayer", settlement::layer_name(s.layer)},
      {"status", s.status},
      {"waitingFor", s.waiting_for.empty() ? json::value(nullptr) : json::value(s.waiting_for)},
      {"gatewayBlockNumber", opt(s.gateway_block)},
      {"gatewayBatchNumber", opt(s.gateway_batch)},
      {"timeline", std::move(timeline)}};
}

namespace {

/// Two hex digits per byte value, so a word is 32 table lookups and one append.
constexpr std::array<std::array<char, 2>, 256> kHexPairs = [] {
  constexpr char kDigits[] = "0123456789abcdef";
  std::array<std::array<char, 2>, 256> t{};
  for (std::size_t i = 0; i < 256; ++i) t[i] = {kDigits[i >> 4], kDigits[i & 0xf]};
  return t;
}();

/// `bytes` as a quoted 0x-prefixed hex string.
void append_hex(std::string& out, merkle::ByteSpan bytes) {
  const std::size_t at = out.size();
  out.resize(at + 4 + 2 * bytes.size());
  char* p = out.data() + at;
  *p++ = '"';
  *p++ = '0';
  *p++ = 'x';
  for (const std::uint8_t b : bytes) {
    std::memcpy(p, kHexPairs[b].data(), 2);
    p += 2;
  }
  *p = '"';
}

void append_opt(std::string& out, const std::optional<std::uint64_t>& v) {
  if (v) {
    absl::StrAppend(&out, *v);
  } else {
    out += "null";
  }
}

template <typename T>
void append_opt_hex(std::string& out, const std::optional<T>& bytes) {
  if (bytes) {
    append_hex(out, merkle::ByteSpan(*bytes));
  } else {
    out += "null";
  }
}

/// Room for a message's text: its fixed fields and the body in hex.
std::size_t message_text_size(const router::LogRow& r) {
  return 1024 + (r.body ? 2 * r.body->size() : 0);
}

void append_message(std::string& out, const router::LogRow& r) {
  const std::string id = r.id.to_string();
  absl::StrAppend(&out, "{\"id\":\"", id, "\",\"chainId\":", r.id.chain_id,
                  ",\"batchNumber\":", r.id.batch_number, ",\"index\":", r.id.log_index,
                  ",\"txHash\":");
  append_hex(out, r.tx_hash);
  absl::StrAppend(&out, ",\"txNumberInBatch\":", r.log.tx_number_in_batch, ",\"kind\":\"",
                  router::log_kind_name(r.kind), "\",\"cursor\":", r.recorded_seq,
                  ",\"log\":{\"l2ShardId\":", r.log.l2_shard_id,
                  ",\"isService\":", r.log.is_service ? "true" : "false",
                  ",\"txNumberInBatch\":", r.log.tx_number_in_batch, ",\"sender\":");
  append_hex(out, merkle::ByteSpan(r.log.sender));
  out += ",\"key\":";
  append_hex(out, r.log.key);
  out += ",\"value\":";
  append_hex(out, r.log.value);
  out += "},\"sender\":";
  append_opt_hex(out, r.sender);
  out += ",\"data\":";
  append_opt_hex(out, r.body);
  out += ",\"destinationChainId\":";
  append_opt(out, r.destination_chain_id);
  out += '}';
}

/// The fields zks_getL2ToL1LogProof returns, without the closing brace.
void append_zks_fields(std::string& out, const router::BuiltProof& p) {
  out.reserve(out.size() + 68 * p.proof.size() + 400);
  out += "{\"proof\":[";
  for (std::size_t i = 0; i < p.proof.size(); ++i) {
    if (i > 0) out += ',';
    append_hex(out, p.proof[i]);
  }
  absl::StrAppend(&out, "],\"id\":", p.leaf_index, ",\"root\":");
  append_hex(out, p.chain_batch_root);
  absl::StrAppend(&out, ",\"batchNumber\":", p.batch_number, ",\"gatewayBlockNumber\":");
  append_opt(out, p.gateway_block);
}

}  // namespace

std::string zks_proof_json_text(const router::BuiltProof& p) {
  std::string out;
  append_zks_fields(out, p);
  out += '}';
  return out;
}

std::string proof_json_text(const router::BuiltProof& p) {
  std::string out;
  append_zks_fields(out, p);
  absl::StrAppend(&out, ",\"shape\":\"", router::shape_name(p.shape), "\",\"gatewayBatchNumber\":");
  append_opt(out, p.gateway_batch);
  absl::StrAppend(&out, ",\"settledRoot\":{\"chainId\":", p.settled_chain_id,
                  ",\"number\":", p.settled_number, ",\"root\":");
  append_hex(out, p.settled_root);
  out += "}}";
  return out;
}

std::string message_json_text(const router::LogRow& row) {
  std::string out;
  out.reserve(message_text_size(row));
  append_message(out, row);
  return out;
}

std::string event_json_text(const settlement::Event& e, const router::LogRow* message) {
  std::string out;
  out.reserve(256 + (message ? message_text_size(*message) : 0));
  absl::StrAppend(&out, "{\"cursor\":", e.seq, ",\"kind\":\"", settlement::event_kind_name(e.kind),
                  "\",\"at\":", e.created_at_ms);
  const auto field = [&out](const char* name, const std::optional<std::uint64_t>& v) {
    if (v) absl::StrAppend(&out, ",\"", name, "\":", *v);
  };
  field("chainId", e.chain_id);
  field("batchNumber", e.batch_number);
  field("index", e.log_index);
  field("gatewayBlockNumber", e.block_number);
  field("gatewayBatchNumber", e.gw_batch);
  if (!e.detail.empty()) {
    // Written by the engine; re-serialized so that only well-formed JSON is ever embedded.
    json::error_code ec;
    const json::value detail = json::parse(e.detail, ec);
    if (!ec) absl::StrAppend(&out, ",\"detail\":", json::serialize(detail));
  }
  if (message != nullptr) {
    out += ",\"message\":";
    append_message(out, *message);
  }
  out += '}';
  return out;
}

// The documents are the texts parsed: one writer of each format.
json::value message_to_json(const router::LogRow& row) {
  return json::parse(message_json_text(row));
}

json::value event_to_json(const settlement::Event& e) {
  return json::parse(event_json_text(e));
}

json::value zks_proof_to_json(const router::BuiltProof& p) {
  return json::parse(zks_proof_json_text(p));
}

json::value proof_to_json(const router::BuiltProof& p) {
  return json::parse(proof_json_text(p));
}

json::value batch_info_to_json(const settlement::BatchInfo& b) {
  return json::object{{"chainId", b.chain_id},
                      {"batchNumber", b.batch_number},
                      {"protocolVersion", b.protocol_version},
                      {"settlementLayer", settlement::layer_name(b.layer)},
                      {"stage", settlement::stage_name(b.stage)},
                      {"logCount", b.log_count},
                      {"localRoot", hex(b.local_root)},
                      {"aggregatedRoot", hex(b.aggregated_root)},
                      {"chainBatchRoot", hex(b.chain_batch_root)},
                      {"gatewayBlockNumber", opt(b.executed_block)},
                      {"chainTreeIndex", opt(b.chain_tree_index)}};
}

json::value gateway_batch_to_json(const settlement::GatewayBatch& g) {
  return json::object{{"number", g.number},
                      {"firstBlock", g.first_block},
                      {"lastBlock", g.last_block},
                      {"localRoot", hex(g.local_root)},
                      {"sharedRoot", hex(g.shared_root)},
                      {"batchRoot", hex(g.batch_root)},
                      {"l1Stage", settlement::l1_stage_name(g.l1_stage)}};
}

json::value aggregated_proof_to_json(const settlement::AggregatedProof& p) {
  json::array covered;
  for (const settlement::BatchCommitment& c : p.covered) {
    covered.push_back(json::object{{"chainId", c.chain_id},
                                   {"batchNumber", c.batch_number},
                                   {"chainBatchRoot", hex(c.chain_batch_root)},
                                   {"previousBatchRoot", hex(c.previous_batch_root)}});
  }
  return json::object{{"commitmentsRoot", hex(p.commitments_root)},
                      {"covered", std::move(covered)},
                      {"gatewaySignature", merkle::to_hex(merkle::ByteSpan(p.signature.rsv()))}};
}

json::value l1_tx_to_json(const settlement::L1TxRecord& r) {
  json::object o{{"action", settlement::l1calls::action_name(r.action)},
                 {"firstBatch", r.first_batch},
                 {"lastBatch", r.last_batch},
                 {"txHash", hex(r.tx_hash)},
                 {"nonce", r.nonce},
                 {"attempt", r.attempt},
                 {"maxFeePerGas", r.max_fee_per_gas},
                 {"maxPriorityFeePerGas", r.max_priority_fee_per_gas},
                 {"state", settlement::l1_tx_state_name(r.state)}};
  if (r.block_number) o["l1Block"] = *r.block_number;
  if (r.gas_used) o["gasUsed"] = *r.gas_used;
  if (r.revert_reason) o["revertReason"] = *r.revert_reason;
  return o;
}

json::value chain_cost_to_json(const settlement::ChainCost& c) {
  return json::object{{"chainId", c.chain_id},
                      {"batches", c.batches},
                      {"directGas", c.direct_gas},
                      {"shareGas", c.share_gas},
                      {"shareZk", c.share_zk}};
}

json::value cost_to_json(const settlement::GatewayBatchCost& c) {
  json::array chains;
  for (const settlement::ChainCost& cc : c.chains) chains.push_back(chain_cost_to_json(cc));
  return json::object{{"gatewayBatch", c.gw_batch}, {"coveredBatches", c.covered},
                      {"directGas", c.direct_gas},  {"aggregatedGas", c.aggregated_gas},
                      {"ratio", c.ratio},           {"feeWei", std::to_string(c.fee_wei)},
                      {"feeZk", c.fee_zk},          {"chains", std::move(chains)}};
}

}  // namespace zkr::api

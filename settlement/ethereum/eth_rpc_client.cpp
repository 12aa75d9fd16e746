#include "settlement/ethereum/eth_rpc_client.hpp"

#include <charconv>

#include <boost/json.hpp>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "settlement/ethereum/http_client.hpp"
#include "settlement/ethereum/l1_calls.hpp"

namespace zkr::settlement {

namespace json = boost::json;

absl::StatusOr<std::uint64_t> parse_quantity(const json::value& v) {
  const json::string* s = v.if_string();
  if (s == nullptr || s->size() < 3 || s->size() > 18 || (*s)[0] != '0' || (*s)[1] != 'x')
    return absl::InvalidArgumentError(absl::StrCat("not a hex quantity: ", json::serialize(v)));
  std::uint64_t out = 0;
  const auto [end, ec] = std::from_chars(s->data() + 2, s->data() + s->size(), out, 16);
  if (ec != std::errc() || end != s->data() + s->size())
    return absl::InvalidArgumentError(absl::StrCat("not a hex quantity: ", json::serialize(v)));
  return out;
}

std::string to_quantity(std::uint64_t v) {
  char buf[24] = "0x";
  const auto [end, ec] = std::to_chars(buf + 2, buf + sizeof buf, v, 16);
  return std::string(buf, end);
}

namespace {

absl::StatusOr<merkle::Word> word_field(const json::value& v, std::string_view name) {
  const json::object* o = v.if_object();
  const json::value* f = o == nullptr ? nullptr : o->if_contains(name);
  if (f == nullptr || !f->is_string())
    return absl::InternalError(absl::StrCat("node reply lacks ", to_absl(name)));
  return merkle::parse_word(std::string_view(f->as_string()));
}

absl::StatusOr<std::uint64_t> quantity_field(const json::value& v, std::string_view name) {
  const json::object* o = v.if_object();
  const json::value* f = o == nullptr ? nullptr : o->if_contains(name);
  if (f == nullptr) return absl::InternalError(absl::StrCat("node reply lacks ", to_absl(name)));
  return parse_quantity(*f);
}

}  // namespace

absl::StatusOr<std::unique_ptr<EthRpcClient>> EthRpcClient::create(std::string_view url) {
  absl::StatusOr<http::Url> parsed = http::parse_url(url);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ethereum node URL: ", parsed.status().message()));
  }
  return std::unique_ptr<EthRpcClient>(
      new EthRpcClient(std::move(parsed->host), parsed->port, std::move(parsed->target)));
}

absl::StatusOr<json::object> EthRpcClient::exchange(std::string_view method, json::array params) {
  const json::object request{
      {"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", method}, {"params", std::move(params)}};
  absl::StatusOr<http::Reply> sent = http::exchange(
      {.host = host_, .port = port_, .target = target_, .body = json::serialize(request)});
  if (!sent.ok())
    return absl::UnavailableError(
        absl::StrCat("the Ethereum node is unreachable: ", sent.status().message()));
  const http::Reply& reply = *sent;
  if (reply.status != 200)
    return absl::UnavailableError(
        absl::StrCat("the Ethereum node answered HTTP ", reply.status, " to ", to_absl(method)));
  json::error_code ec;
  json::value parsed = json::parse(reply.body, ec);
  json::object* o = parsed.if_object();
  if (ec || o == nullptr)
    return absl::InternalError(
        absl::StrCat("the Ethereum node sent unparsable JSON for ", to_absl(method)));
  return std::move(*o);
}

namespace {

// The revert data of a node's error, if it carries any (`error.data` as hex).
std::optional<merkle::Bytes> revert_data_of(const json::value& error) {
  const json::object* eo = error.if_object();
  const json::value* data = eo == nullptr ? nullptr : eo->if_contains("data");
  if (data == nullptr || !data->is_string()) return std::nullopt;
  absl::StatusOr<merkle::Bytes> bytes = merkle::parse_hex(std::string_view(data->as_string()));
  if (!bytes.ok()) return std::nullopt;
  return *std::move(bytes);
}

}  // namespace

absl::StatusOr<json::value> EthRpcClient::call(std::string_view method, json::array params) {
  ZKR_ASSIGN_OR_RETURN(json::object o, exchange(method, std::move(params)));
  if (const json::value* err = o.if_contains("error")) {
    std::string message = json::serialize(*err);
    if (const json::object* eo = err->if_object())
      if (const json::value* m = eo->if_contains("message"); m != nullptr && m->is_string())
        message = std::string(m->as_string());
    // A revert's data, in the settlement contract's words.
    if (const std::optional<merkle::Bytes> data = revert_data_of(*err); data && !data->empty())
      absl::StrAppend(&message, " [", l1calls::describe_revert(*data), "]");
    return absl::FailedPreconditionError(absl::StrCat(to_absl(method), ": ", message));
  }
  json::value* result = o.if_contains("result");
  if (result == nullptr)
    return absl::InternalError(absl::StrCat("L1 reply to ", to_absl(method), " has no result"));
  return std::move(*result);
}

absl::StatusOr<std::string> EthRpcClient::revert_reason(const eth::SignedTx& tx,
                                                        std::uint64_t block) {
  // The node's trace of the transaction where it ran (after those before it in its block).
  ZKR_ASSIGN_OR_RETURN(
      const json::object traced,
      exchange("debug_traceTransaction",
               json::array{merkle::to_hex(tx.hash), json::object{{"tracer", "callTracer"}}}));
  if (const json::value* result = traced.if_contains("result")) {
    const json::object* r = result->if_object();
    const json::value* output = r == nullptr ? nullptr : r->if_contains("output");
    const json::value* error = r == nullptr ? nullptr : r->if_contains("error");
    if (error == nullptr) return std::string("the node's trace shows no revert");
    merkle::Bytes data;
    if (output != nullptr && output->is_string()) {
      if (absl::StatusOr<merkle::Bytes> parsed = merkle::parse_hex(output->as_string());
          parsed.ok())
        data = *std::move(parsed);
    }
    // A revert, with the contract's data or none (a call the ABI decoder refused).
    if (!data.empty() || *error == "execution reverted") return l1calls::describe_revert(data);
    return json::serialize(*error);  // "out of gas", …
  }
  // A node without the debug API: the call again on the state before its block.
  json::object call{{"from", merkle::to_hex(tx.from)},
                    {"data", merkle::to_hex(tx.tx.data)},
                    {"gas", to_quantity(tx.tx.gas_limit)}};
  if (tx.tx.to) call["to"] = merkle::to_hex(*tx.tx.to);
  ZKR_ASSIGN_OR_RETURN(
      const json::object o,
      exchange("eth_call", json::array{std::move(call), to_quantity(block > 0 ? block - 1 : 0)}));
  const json::value* err = o.if_contains("error");
  if (err == nullptr) {
    return std::string(
        "unknown: the node has no debug_traceTransaction, and the call succeeds on the state "
        "before its block (a transaction before it in the block changed the state, or it ran "
        "out of gas)");
  }
  if (const std::optional<merkle::Bytes> data = revert_data_of(*err))
    return l1calls::describe_revert(*data);
  return json::serialize(*err);
}

absl::StatusOr<std::uint64_t> EthRpcClient::chain_id() {
  ZKR_ASSIGN_OR_RETURN(const json::value v, call("eth_chainId", {}));
  return parse_quantity(v);
}

absl::StatusOr<std::uint64_t> EthRpcClient::head() {
  ZKR_ASSIGN_OR_RETURN(const json::value v, call("eth_blockNumber", {}));
  return parse_quantity(v);
}

absl::StatusOr<std::uint64_t> EthRpcClient::finalized() {
  ZKR_ASSIGN_OR_RETURN(const json::value v, call("eth_getBlockByNumber", {"finalized", false}));
  if (v.is_null()) return 0;
  return quantity_field(v, "number");
}

absl::StatusOr<L1Fees> EthRpcClient::fees() {
  ZKR_ASSIGN_OR_RETURN(const json::value v,
                       call("eth_feeHistory", {"0x5", "latest", json::array{50}}));
  const json::object* o = v.if_object();
  const json::value* base = o == nullptr ? nullptr : o->if_contains("baseFeePerGas");
  if (base == nullptr || !base->is_array() || base->as_array().empty())
    return absl::InternalError("eth_feeHistory reply lacks baseFeePerGas");
  L1Fees fees;
  // The last entry is the base fee of the next block.
  ZKR_ASSIGN_OR_RETURN(fees.base_fee_per_gas, parse_quantity(base->as_array().back()));
  std::uint64_t tip = 0;
  if (const json::value* reward = o->if_contains("reward");
      reward != nullptr && reward->is_array()) {
    for (const json::value& r : reward->as_array()) {
      if (!r.is_array() || r.as_array().empty()) continue;
      if (auto t = parse_quantity(r.as_array()[0]); t.ok()) tip = std::max(tip, *t);
    }
  }
  fees.max_priority_fee_per_gas = std::max<std::uint64_t>(tip, 1'000'000'000);
  return fees;
}

absl::StatusOr<std::uint64_t> EthRpcClient::nonce(const merkle::Address& sender) {
  ZKR_ASSIGN_OR_RETURN(const json::value v,
                       call("eth_getTransactionCount", {merkle::to_hex(sender), "latest"}));
  return parse_quantity(v);
}

absl::StatusOr<std::uint64_t> EthRpcClient::estimate_gas(const merkle::Address& from,
                                                         const std::optional<merkle::Address>& to,
                                                         merkle::ByteSpan data) {
  json::object tx{{"from", merkle::to_hex(from)}, {"data", merkle::to_hex(data)}};
  if (to) tx["to"] = merkle::to_hex(*to);
  ZKR_ASSIGN_OR_RETURN(const json::value v, call("eth_estimateGas", {std::move(tx)}));
  return parse_quantity(v);
}

absl::StatusOr<merkle::Word> EthRpcClient::send_raw(merkle::ByteSpan raw) {
  const merkle::Word hash = merkle::keccak256(raw);
  auto v = call("eth_sendRawTransaction", {merkle::to_hex(raw)});
  if (!v.ok()) {
    // A node that has the transaction already says so in its own words.
    const std::string_view m = to_std(v.status().message());
    if (m.find("already known") != std::string_view::npos ||
        m.find("already imported") != std::string_view::npos ||
        m.find("AlreadyKnown") != std::string_view::npos)
      return hash;
    return v.status();
  }
  return hash;
}

absl::StatusOr<std::optional<L1Receipt>> EthRpcClient::receipt(const merkle::Word& tx_hash) {
  ZKR_ASSIGN_OR_RETURN(const json::value v,
                       call("eth_getTransactionReceipt", {merkle::to_hex(tx_hash)}));
  if (v.is_null()) return std::optional<L1Receipt>{};
  L1Receipt r;
  r.tx_hash = tx_hash;
  ZKR_ASSIGN_OR_RETURN(r.block_number, quantity_field(v, "blockNumber"));
  ZKR_ASSIGN_OR_RETURN(r.block_hash, word_field(v, "blockHash"));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t status, quantity_field(v, "status"));
  r.success = status == 1;
  ZKR_ASSIGN_OR_RETURN(r.gas_used, quantity_field(v, "gasUsed"));
  if (auto price = quantity_field(v, "effectiveGasPrice"); price.ok())
    r.effective_gas_price = *price;
  return std::optional<L1Receipt>{r};
}

absl::StatusOr<bool> EthRpcClient::knows(const merkle::Word& tx_hash) {
  ZKR_ASSIGN_OR_RETURN(const json::value v,
                       call("eth_getTransactionByHash", {merkle::to_hex(tx_hash)}));
  return !v.is_null();
}

absl::StatusOr<std::optional<merkle::Word>> EthRpcClient::block_hash(std::uint64_t number) {
  ZKR_ASSIGN_OR_RETURN(const json::value v,
                       call("eth_getBlockByNumber", {to_quantity(number), false}));
  if (v.is_null()) return std::optional<merkle::Word>{};
  ZKR_ASSIGN_OR_RETURN(const merkle::Word h, word_field(v, "hash"));
  return std::optional<merkle::Word>{h};
}

absl::StatusOr<std::vector<L1Log>> EthRpcClient::logs(const LogFilter& filter) {
  json::array topics;
  for (const auto& t : filter.topics)
    topics.push_back(t ? json::value(merkle::to_hex(*t)) : json::value(nullptr));
  ZKR_ASSIGN_OR_RETURN(
      const json::value v,
      call("eth_getLogs", {json::object{{"address", merkle::to_hex(filter.address)},
                                        {"fromBlock", to_quantity(filter.from_block)},
                                        {"toBlock", to_quantity(filter.to_block)},
                                        {"topics", std::move(topics)}}}));
  if (!v.is_array()) return absl::DataLossError("eth_getLogs: the node's answer is not an array");
  std::vector<L1Log> out;
  for (const json::value& entry : v.as_array()) {
    L1Log log;
    const json::object* o = entry.if_object();
    const json::value* address = o ? o->if_contains("address") : nullptr;
    const json::value* topic_list = o ? o->if_contains("topics") : nullptr;
    const json::value* data = o ? o->if_contains("data") : nullptr;
    if (!address || !address->is_string() || !topic_list || !topic_list->is_array() || !data ||
        !data->is_string())
      return absl::DataLossError("eth_getLogs: a log without address, topics or data");
    ZKR_ASSIGN_OR_RETURN(log.address,
                         merkle::parse_address(std::string_view(address->as_string())));
    for (const json::value& t : topic_list->as_array()) {
      if (!t.is_string()) return absl::DataLossError("eth_getLogs: a topic is not a string");
      ZKR_ASSIGN_OR_RETURN(const merkle::Word w,
                           merkle::parse_word(std::string_view(t.as_string())));
      log.topics.push_back(w);
    }
    ZKR_ASSIGN_OR_RETURN(log.data, merkle::parse_hex(std::string_view(data->as_string())));
    ZKR_ASSIGN_OR_RETURN(log.block_number, quantity_field(entry, "blockNumber"));
    ZKR_ASSIGN_OR_RETURN(log.block_hash, word_field(entry, "blockHash"));
    ZKR_ASSIGN_OR_RETURN(log.tx_hash, word_field(entry, "transactionHash"));
    out.push_back(std::move(log));
  }
  return out;
}

}  // namespace zkr::settlement

// The chain endpoints (/chains/{id}): what a ZKsync node answers for its chain, from the router's
// state, with Ethereum's JSON-RPC conventions (quantities as 0x-hex without leading zeros, data as
// 0x-hex, null for what does not exist). The Gateway's endpoint answers for the Gateway's blocks
// and its chain-batch settlement transactions (router/settlement_tx.hpp). What the router does not
// hold goes to the chain's own node when the config names one (api/upstream.hpp).

#include <ctime>

#include "absl/strings/str_cat.h"
#include "api/json_codec.hpp"
#include "api/methods.hpp"
#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "router/bundle.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"

namespace zkr::api {
namespace json = boost::json;

namespace {

using router::SettlementAction;
using router::SettlementTx;

/// An Ethereum JSON-RPC quantity: 0x-hex, no leading zeros ("0x0" for zero).
json::value quantity(std::uint64_t v) {
  return json::value(absl::StrCat("0x", absl::Hex(v)));
}

json::value address(const merkle::Address& a) {
  return json::value(merkle::to_hex(a));
}

/// ISO 8601 / RFC 3339 in UTC with milliseconds, as ZKsync's node writes its times.
json::value utc_time(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[80];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return json::value(text);
}

std::uint64_t endpoint_chain(const CallContext& c) {
  // The server sets it for every call that reaches this table.
  return c.endpoint_chain.value_or(0);
}

bool on_gateway(const router::Engine& e, const CallContext& c) {
  return endpoint_chain(c) == e.gateway_chain_id();
}

/// The L1Messenger's event for a message: L1MessageSent(address indexed sender, bytes32 indexed
/// hash, bytes message).
const merkle::Word& l1_message_sent_topic() {
  static const merkle::Word topic = [] {
    constexpr std::string_view kSignature = "L1MessageSent(address,bytes32,bytes)";
    return merkle::keccak256(merkle::ByteSpan(
        reinterpret_cast<const std::uint8_t*>(kSignature.data()), kSignature.size()));
  }();
  return topic;
}

/// abi.encode(bytes): offset, length, the bytes padded to a multiple of 32.
merkle::Bytes abi_encode_bytes(const merkle::Bytes& data) {
  merkle::Bytes out;
  const merkle::Word offset = merkle::be32(32);
  const merkle::Word length = merkle::be32(data.size());
  out.insert(out.end(), offset.begin(), offset.end());
  out.insert(out.end(), length.begin(), length.end());
  out.insert(out.end(), data.begin(), data.end());
  out.resize(64 + (data.size() + 31) / 32 * 32, 0);
  return out;
}

/// Ethereum's 2048-bit log bloom: three bits per address and topic, from their keccak.
class Bloom {
 public:
  void add(merkle::ByteSpan item) {
    const merkle::Word h = merkle::keccak256(item);
    for (int i = 0; i < 6; i += 2) {
      const unsigned bit = ((static_cast<unsigned>(h[i]) << 8) | h[i + 1]) & 2047u;
      bits_[255 - bit / 8] |= static_cast<std::uint8_t>(1u << (bit % 8));
    }
  }
  json::value to_json() const { return hex(merkle::ByteSpan(bits_)); }

 private:
  std::array<std::uint8_t, 256> bits_{};
};

absl::Status not_served(const router::Engine& e, const CallContext& c) {
  const std::uint64_t chain = endpoint_chain(c);
  const std::string_view method = c.method;
  if (chain == e.gateway_chain_id()) {
    return with_reason(absl::UnimplementedError(absl::StrCat(
                           to_absl(utf8_prefix(method, 64)),
                           " is not served on the Gateway's endpoint: it answers eth_chainId, "
                           "eth_blockNumber, eth_getBlockByNumber and the Gateway's settlement "
                           "transactions (docs/api.md, \"Chain endpoints\")")),
                       "method_not_found");
  }
  return with_reason(
      absl::UnimplementedError(absl::StrCat(
          to_absl(utf8_prefix(method, 64)), " is not served for chain ", chain,
          ": zkrouter answers the interop methods from its own state and sends the rest to the "
          "chain's node, and no rpcUrl is configured for chain ",
          chain, " (docs/api.md, \"Chain endpoints\")")),
      "method_not_found");
}

/// Sends the call to the endpoint chain's node, or says why it cannot.
absl::StatusOr<json::value> forward(const router::Engine& e, const Upstreams& upstreams,
                                    const json::value& params, const CallContext& c) {
  const auto it = upstreams.find(endpoint_chain(c));
  if (it == upstreams.end() || on_gateway(e, c)) return not_served(e, c);
  return it->second.call(c.method, params);
}

const Upstream* upstream_of(const Upstreams& upstreams, const CallContext& c) {
  const auto it = upstreams.find(endpoint_chain(c));
  return it == upstreams.end() ? nullptr : &it->second;
}

// ---- a source chain's transactions ----

/// What a receipt and a transaction object share: where the transaction is.
struct TxPlace {
  merkle::Word hash{};
  std::uint64_t batch = 0;
  std::uint64_t tx_number_in_batch = 0;
  std::uint64_t block = 0;
  merkle::Word block_hash{};
  merkle::Address from{};
  std::optional<merkle::Address> to;
};

TxPlace place_of(const router::TransactionRecord& r) {
  const router::LogRow& first = r.logs.front();
  TxPlace p;
  p.hash = first.tx_hash;
  p.batch = first.id.batch_number;
  p.tx_number_in_batch = first.log.tx_number_in_batch;
  // Without the chain's facts: the batch number stands in for the block, the zero hash for its
  // hash, the first message's sender for `from` (docs/api.md, "Chain endpoints").
  p.block = p.batch;
  for (const router::LogRow& l : r.logs) {
    if (l.sender) {
      p.from = *l.sender;
      break;
    }
  }
  if (r.facts) {
    if (r.facts->block_number) p.block = *r.facts->block_number;
    if (r.facts->block_hash) p.block_hash = *r.facts->block_hash;
    if (r.facts->from) p.from = *r.facts->from;
    p.to = r.facts->to;
  }
  return p;
}

json::value transaction_object(const router::TransactionRecord& r, std::uint64_t chain) {
  const TxPlace p = place_of(r);
  return json::object{{"hash", hex(p.hash)},
                      {"blockHash", hex(p.block_hash)},
                      {"blockNumber", quantity(p.block)},
                      {"transactionIndex", quantity(p.tx_number_in_batch)},
                      {"from", address(p.from)},
                      {"to", p.to ? address(*p.to) : json::value(nullptr)},
                      {"nonce", quantity(0)},
                      {"value", quantity(0)},
                      {"gas", quantity(0)},
                      {"gasPrice", quantity(0)},
                      {"input", "0x"},
                      {"type", quantity(0)},
                      {"chainId", quantity(chain)},
                      {"l1BatchNumber", quantity(p.batch)},
                      {"l1BatchTxIndex", quantity(p.tx_number_in_batch)}};
}

json::value receipt_object(const router::TransactionRecord& r) {
  const TxPlace p = place_of(r);
  json::array logs;
  json::array l2_to_l1;
  Bloom bloom;
  for (std::size_t i = 0; i < r.logs.size(); ++i) {
    const router::LogRow& l = r.logs[i];
    l2_to_l1.push_back(json::object{{"blockNumber", quantity(p.block)},
                                    {"blockHash", hex(p.block_hash)},
                                    {"l1BatchNumber", quantity(p.batch)},
                                    {"transactionIndex", quantity(p.tx_number_in_batch)},
                                    {"transactionHash", hex(p.hash)},
                                    {"transactionLogIndex", quantity(i)},
                                    {"txIndexInL1Batch", quantity(l.log.tx_number_in_batch)},
                                    {"shardId", quantity(l.log.l2_shard_id)},
                                    {"isService", l.log.is_service},
                                    {"sender", address(l.log.sender)},
                                    {"key", hex(l.log.key)},
                                    {"value", hex(l.log.value)},
                                    {"logIndex", quantity(i)}});
    if (!l.sender || !l.body) continue;           // only L1Messenger messages emit L1MessageSent
    const merkle::Word sender_topic = l.log.key;  // the sender, left-padded
    bloom.add(merkle::ByteSpan(merkle::kL1MessengerAddress));
    for (const merkle::Word* t : {&l1_message_sent_topic(), &sender_topic, &l.log.value}) {
      bloom.add(merkle::ByteSpan(*t));
    }
    const auto add_event = [&](const merkle::Address& emitter, json::array topics,
                               const merkle::Bytes& data) {
      const std::uint64_t index = logs.size();
      logs.push_back(json::object{{"address", address(emitter)},
                                  {"topics", std::move(topics)},
                                  {"data", hex(merkle::ByteSpan(data))},
                                  {"blockHash", hex(p.block_hash)},
                                  {"blockNumber", quantity(p.block)},
                                  {"l1BatchNumber", quantity(p.batch)},
                                  {"transactionHash", hex(p.hash)},
                                  {"transactionIndex", quantity(p.tx_number_in_batch)},
                                  {"logIndex", quantity(index)},
                                  {"transactionLogIndex", quantity(index)},
                                  {"logType", nullptr},
                                  {"removed", false}});
    };
    add_event(merkle::kL1MessengerAddress,
              json::array{hex(l1_message_sent_topic()), hex(sender_topic), hex(l.log.value)},
              abi_encode_bytes(*l.body));
    // A bundle's message was sent by the InteropCenter, which then emits InteropBundleSent.
    if (l.kind == router::LogKind::kBundle && *l.sender == merkle::kInteropCenterAddress) {
      const merkle::ByteSpan bundle_abi = merkle::ByteSpan(*l.body).subspan(1);
      const merkle::Word& topic = router::interop_bundle_sent_topic();
      bloom.add(merkle::ByteSpan(merkle::kInteropCenterAddress));
      bloom.add(merkle::ByteSpan(topic));
      add_event(merkle::kInteropCenterAddress, json::array{hex(topic)},
                router::interop_bundle_sent_data(
                    l.log.value, router::bundle_hash(l.id.chain_id, bundle_abi), bundle_abi));
    }
  }
  return json::object{{"transactionHash", hex(p.hash)},
                      {"transactionIndex", quantity(p.tx_number_in_batch)},
                      {"blockHash", hex(p.block_hash)},
                      {"blockNumber", quantity(p.block)},
                      {"l1BatchNumber", quantity(p.batch)},
                      {"l1BatchTxIndex", quantity(p.tx_number_in_batch)},
                      {"from", address(p.from)},
                      {"to", p.to ? address(*p.to) : json::value(nullptr)},
                      {"cumulativeGasUsed", quantity(0)},
                      {"gasUsed", quantity(0)},
                      {"effectiveGasPrice", quantity(0)},
                      {"contractAddress", nullptr},
                      {"logs", std::move(logs)},
                      {"l2ToL1Logs", std::move(l2_to_l1)},
                      {"logsBloom", bloom.to_json()},
                      {"status", quantity(1)},
                      {"type", quantity(0)},
                      {"root", nullptr}};
}

/// A node's answer with the ZKsync fields it lacks (a plain EVM node's) filled in from `ours`.
json::value with_zksync_fields(json::value theirs, const json::value& ours) {
  json::object* t = theirs.if_object();
  if (t == nullptr) return ours;
  for (const char* field : {"l1BatchNumber", "l1BatchTxIndex", "l2ToL1Logs"}) {
    const json::value* have = t->if_contains(field);
    const json::value* give = ours.get_object().if_contains(field);
    if ((have == nullptr || have->is_null()) && give != nullptr) (*t)[field] = *give;
  }
  return theirs;
}

/// eth_getTransactionByHash / eth_getTransactionReceipt on a source chain: the chain's node when
/// one is configured (it has the nonce, gas and signature), with the router's ZKsync fields where
/// it lacks them; the router's own answer otherwise; a node's answer for what the router does not
/// hold.
absl::StatusOr<json::value> source_transaction(const router::Engine& e, const Upstreams& upstreams,
                                               const json::value& params, CallContext& c,
                                               bool receipt) {
  const Params p(params, {"txHash"});
  ZKR_RETURN_IF_ERROR(p.no_extra());
  ZKR_ASSIGN_OR_RETURN(const merkle::Word tx, p.word(0));
  ZKR_ASSIGN_OR_RETURN(const std::optional<router::TransactionRecord> record,
                       e.transaction(tx, endpoint_chain(c)));
  std::optional<json::value> ours;
  if (record) {
    ours = receipt ? receipt_object(*record) : transaction_object(*record, endpoint_chain(c));
  }
  if (const Upstream* u = upstream_of(upstreams, c)) {
    absl::StatusOr<json::value> theirs = u->call(c.method, params);
    // A node that fails does not hide what the router holds.
    if (!theirs.ok() && !ours) return theirs.status();
    if (theirs.ok() && !theirs->is_null()) {
      return ours ? with_zksync_fields(std::move(*theirs), *ours) : std::move(*theirs);
    }
  }
  return ours ? std::move(*ours) : json::value(nullptr);
}

json::value settlement_hash(const router::BatchSettlement& s, SettlementAction action) {
  const SettlementTx* t = s.step(action);
  return t ? hex(t->hash) : json::value(nullptr);
}

json::value settlement_time(const router::BatchSettlement& s, SettlementAction action) {
  const SettlementTx* t = s.step(action);
  return t ? utc_time(t->at_ms) : json::value(nullptr);
}

json::value settlement_chain(const router::BatchSettlement& s, SettlementAction action) {
  const SettlementTx* t = s.step(action);
  if (t == nullptr || t->id.settlement_chain_id == 0) return nullptr;
  return t->id.settlement_chain_id;
}

// ---- the Gateway ----

json::value gateway_tx_object(const router::GatewayBlockView& b, std::size_t index,
                              std::uint64_t gateway_chain, bool receipt) {
  const SettlementTx& t = b.transactions[index];
  json::object o{{receipt ? "transactionHash" : "hash", hex(t.hash)},
                 {"transactionIndex", quantity(index)},
                 {"blockHash", hex(b.hash)},
                 {"blockNumber", quantity(b.number)},
                 {"from", address(merkle::Address{})},
                 {"to", nullptr},
                 {"type", quantity(0)}};
  if (receipt) {
    o["cumulativeGasUsed"] = quantity(0);
    o["gasUsed"] = quantity(0);
    o["effectiveGasPrice"] = quantity(0);
    o["contractAddress"] = nullptr;
    o["logs"] = json::array{};
    o["l2ToL1Logs"] = json::array{};
    o["logsBloom"] = Bloom().to_json();
    o["status"] = quantity(1);
    o["root"] = nullptr;
  } else {
    o["nonce"] = quantity(0);
    o["value"] = quantity(0);
    o["gas"] = quantity(0);
    o["gasPrice"] = quantity(0);
    o["input"] = "0x";
    o["chainId"] = quantity(gateway_chain);
  }
  // Which step of which chain batch it is: not in an Ethereum node's answer, there for people.
  o["zkrouter"] = json::object{{"chainId", t.id.chain_id},
                               {"batchNumber", t.id.batch_number},
                               {"action", router::action_name(t.id.action)}};
  return o;
}

json::value block_object(const router::GatewayBlockView& b, std::uint64_t gateway_chain,
                         bool full) {
  json::array txs;
  for (std::size_t i = 0; i < b.transactions.size(); ++i) {
    txs.push_back(full ? gateway_tx_object(b, i, gateway_chain, false)
                       : hex(b.transactions[i].hash));
  }
  json::object block =
      block_json(b.number, b.hash, b.parent_hash, static_cast<std::uint64_t>(b.sealed_at_ms / 1000),
                 std::move(txs));
  block["interopRoot"] = hex(b.interop_root);
  return block;
}

}  // namespace

absl::StatusOr<BlockRequest> block_request(const json::value& params, std::uint64_t first,
                                           std::optional<std::uint64_t> last) {
  const Params p(params, {"block", "fullTransactions"});
  ZKR_RETURN_IF_ERROR(p.no_extra());
  BlockRequest r;
  if (p.has(1)) {
    ZKR_ASSIGN_OR_RETURN(const json::value* full, p.value(1));
    if (!full->is_bool())
      return absl::InvalidArgumentError("parameter 1 (fullTransactions) must be a boolean");
    r.full = full->get_bool();
  }
  ZKR_ASSIGN_OR_RETURN(const std::string tag, p.string(0));
  if (tag == "latest" || tag == "safe" || tag == "finalized") {
    r.number = last;
  } else if (tag == "earliest") {
    if (last) r.number = first;
  } else if (tag != "pending") {
    ZKR_ASSIGN_OR_RETURN(r.number, settlement::parse_quantity(json::value(tag)));
  }
  return r;
}

json::value quantity_json(std::uint64_t value) {
  return quantity(value);
}

json::object block_json(std::uint64_t number, const merkle::Word& hash,
                        const merkle::Word& parent_hash, std::uint64_t timestamp,
                        json::array transactions) {
  static const merkle::Word kEmptyListHash = merkle::keccak256(
      merkle::ByteSpan(std::array<std::uint8_t, 1>{0xc0}));  // keccak(rlp([])): no uncles
  const merkle::Word zero{};
  return json::object{{"number", quantity(number)},
                      {"hash", hex(hash)},
                      {"parentHash", hex(parent_hash)},
                      {"timestamp", quantity(timestamp)},
                      {"nonce", "0x0000000000000000"},
                      {"sha3Uncles", hex(kEmptyListHash)},
                      {"logsBloom", Bloom().to_json()},
                      {"transactionsRoot", hex(zero)},
                      {"stateRoot", hex(zero)},
                      {"receiptsRoot", hex(zero)},
                      {"miner", address(merkle::Address{})},
                      {"difficulty", quantity(0)},
                      {"totalDifficulty", quantity(0)},
                      {"extraData", "0x"},
                      {"size", quantity(0)},
                      {"gasLimit", quantity(0)},
                      {"gasUsed", quantity(0)},
                      {"baseFeePerGas", quantity(0)},
                      {"mixHash", hex(zero)},
                      {"uncles", json::array{}},
                      {"transactions", std::move(transactions)}};
}

void add_chain_methods(Dispatcher& d, const router::Engine& e, const Upstreams& upstreams) {
  d.add(
      "eth_chainId",
      [](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
        ZKR_RETURN_IF_ERROR(Params(params, {}).no_extra());
        return quantity(endpoint_chain(c));
      },
      Cost::kInline);
  d.add(
      "net_version",
      [](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
        ZKR_RETURN_IF_ERROR(Params(params, {}).no_extra());
        return json::value(absl::StrCat(endpoint_chain(c)));
      },
      Cost::kInline);
  d.add_raw(
      "zks_getL2ToL1LogProof",
      [&e](const json::value& params, CallContext& c) {
        return zks_log_proof(e, params, endpoint_chain(c));
      },
      Cost::kInline);

  d.add("zks_getL1BatchDetails",
        [&e, &upstreams](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
          if (on_gateway(e, c)) return not_served(e, c);
          const Params p(params, {"batchNumber"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const std::uint64_t n, p.u64(0));
          ZKR_ASSIGN_OR_RETURN(const std::optional<router::BatchSettlement> s,
                               e.batch_settlement(endpoint_chain(c), n));
          if (!s) {
            // A batch the router has not recorded: the chain's node may know it.
            if (upstream_of(upstreams, c) != nullptr) return forward(e, upstreams, params, c);
            return nullptr;
          }
          const bool verified = s->step(SettlementAction::kExecute) != nullptr;
          const merkle::Word zero{};
          return json::object{{"number", n},
                              {"timestamp", s->recorded_at_ms / 1000},
                              {"l1TxCount", 0},
                              {"l2TxCount", 0},
                              {"rootHash", nullptr},
                              {"status", verified ? "verified" : "sealed"},
                              {"commitTxHash", settlement_hash(*s, SettlementAction::kCommit)},
                              {"committedAt", settlement_time(*s, SettlementAction::kCommit)},
                              {"commitChainId", settlement_chain(*s, SettlementAction::kCommit)},
                              {"proveTxHash", settlement_hash(*s, SettlementAction::kProve)},
                              {"provenAt", settlement_time(*s, SettlementAction::kProve)},
                              {"proveChainId", settlement_chain(*s, SettlementAction::kProve)},
                              {"executeTxHash", settlement_hash(*s, SettlementAction::kExecute)},
                              {"executedAt", settlement_time(*s, SettlementAction::kExecute)},
                              {"executeChainId", settlement_chain(*s, SettlementAction::kExecute)},
                              {"l1GasPrice", 0},
                              {"l2FairGasPrice", 0},
                              {"fairPubdataPrice", nullptr},
                              {"baseSystemContractsHashes",
                               json::object{{"bootloader", hex(zero)}, {"default_aa", hex(zero)}}}};
        });

  d.add("zks_getTransactionDetails",
        [&e, &upstreams](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
          if (on_gateway(e, c)) return not_served(e, c);
          const Params p(params, {"txHash"});
          ZKR_RETURN_IF_ERROR(p.no_extra());
          ZKR_ASSIGN_OR_RETURN(const merkle::Word tx, p.word(0));
          ZKR_ASSIGN_OR_RETURN(const std::optional<router::TransactionRecord> record,
                               e.transaction(tx, endpoint_chain(c)));
          if (!record) {
            if (upstream_of(upstreams, c) != nullptr) return forward(e, upstreams, params, c);
            return nullptr;
          }
          const TxPlace place = place_of(*record);
          ZKR_ASSIGN_OR_RETURN(const std::optional<router::BatchSettlement> s,
                               e.batch_settlement(endpoint_chain(c), place.batch));
          if (!s) return absl::NotFoundError(absl::StrCat("batch ", place.batch, " is missing"));
          const bool verified = s->step(SettlementAction::kExecute) != nullptr;
          return json::object{
              {"isL1Originated", false},
              {"status", verified ? "verified" : "included"},
              {"fee", quantity(0)},
              {"gasPerPubdata", quantity(0)},
              {"initiatorAddress", address(place.from)},
              {"receivedAt", utc_time(s->recorded_at_ms)},
              {"ethCommitTxHash", settlement_hash(*s, SettlementAction::kCommit)},
              {"ethProveTxHash", settlement_hash(*s, SettlementAction::kProve)},
              {"ethExecuteTxHash", settlement_hash(*s, SettlementAction::kExecute)}};
        });

  for (const bool receipt : {false, true}) {
    d.add(receipt ? "eth_getTransactionReceipt" : "eth_getTransactionByHash",
          [&e, &upstreams, receipt](const json::value& params,
                                    CallContext& c) -> absl::StatusOr<json::value> {
            if (!on_gateway(e, c)) return source_transaction(e, upstreams, params, c, receipt);
            const Params p(params, {"txHash"});
            ZKR_RETURN_IF_ERROR(p.no_extra());
            ZKR_ASSIGN_OR_RETURN(const merkle::Word tx, p.word(0));
            ZKR_ASSIGN_OR_RETURN(const auto found, e.gateway_transaction(tx));
            if (!found) return nullptr;
            return gateway_tx_object(found->first, found->second, e.gateway_chain_id(), receipt);
          });
  }

  d.add(
      "eth_blockNumber",
      [&e, &upstreams](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
        if (!on_gateway(e, c)) return forward(e, upstreams, params, c);
        ZKR_RETURN_IF_ERROR(Params(params, {}).no_extra());
        const std::optional<std::uint64_t> last = e.last_sealed_block();
        return quantity(last ? *last : e.gateway_first_block() - 1);
      },
      Cost::kInline);

  d.add("eth_getBlockByNumber",
        [&e, &upstreams](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
          if (!on_gateway(e, c)) return forward(e, upstreams, params, c);
          ZKR_ASSIGN_OR_RETURN(const BlockRequest r, block_request(params, e.gateway_first_block(),
                                                                   e.last_sealed_block()));
          if (!r.number) return nullptr;
          ZKR_ASSIGN_OR_RETURN(const std::optional<router::GatewayBlockView> block,
                               e.gateway_block_view(*r.number));
          if (!block) return nullptr;
          return block_object(*block, e.gateway_chain_id(), r.full);
        });

  // Everything else: the chain's own node, or an error naming the method.
  d.set_fallback(
      [&e, &upstreams](const json::value& params, CallContext& c) -> absl::StatusOr<json::value> {
        return forward(e, upstreams, params, c);
      });
}

}  // namespace zkr::api

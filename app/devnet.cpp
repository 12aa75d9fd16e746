#include "app/devnet.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/json_codec.hpp"
#include "api/methods.hpp"
#include "api/rpc.hpp"
#include "api/server.hpp"
#include "app/anvil_node.hpp"
#include "app/chain_settler.hpp"
#include "app/destination.hpp"
#include "app/interop_center.hpp"
#include "app/loops.hpp"
#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/message_root.hpp"
#include "merkle/status.hpp"
#include "router/bundle.hpp"
#include "router/engine.hpp"
#include "settlement/ethereum/embedded_l1.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"
#include "settlement/ethereum/l1_submitter.hpp"
#include "settlement/ethereum/settlement_contract.hpp"
#include "settlement/ethereum/wallet_tx.hpp"

namespace zkr::app {
namespace {

using Clock = std::chrono::steady_clock;
using settlement::BatchStage;
using settlement::SettlementLayer;

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

constexpr std::uint64_t kMigratingChain = 280;

// A simulated chain's block `number` (one per batch, numbered as the batch): keccak(chain id ‖
// number), each a 32-byte word.
merkle::Word simulated_block_hash(std::uint64_t chain, std::uint64_t number) {
  merkle::Bytes seed;
  for (const auto v : {chain, number}) {
    const auto w = merkle::be32(v);
    seed.insert(seed.end(), w.begin(), w.end());
  }
  return merkle::keccak256(merkle::ByteSpan(seed));
}

// A simulated chain's sequencer: builds sealed batches of messages with every root computed.
class SimulatedChain {
 public:
  SimulatedChain(const router::Engine& engine, std::uint64_t id, std::vector<std::uint64_t> peers,
                 std::uint64_t seed)
      : engine_(engine), id_(id), peers_(std::move(peers)), rng_(seed) {
    for (auto& a : senders_)
      for (auto& b : a) b = static_cast<std::uint8_t>(rng_());
  }

  std::uint64_t id() const { return id_; }

  /// A transaction a wallet sent, accepted and waiting for the chain's next batch.
  struct PendingTx {
    merkle::Word hash{};
    merkle::Address from{};
    merkle::Address to{};
    std::uint64_t nonce = 0;
    merkle::Bytes input;  // the call's data
    std::uint64_t type = 0;
    std::uint64_t gas_limit = 0;
  };

  /// The next nonce of `account` on this chain.
  absl::StatusOr<std::uint64_t> next_nonce(const merkle::Address& account) {
    std::lock_guard lock(mutex_);
    ZKR_ASSIGN_OR_RETURN(std::uint64_t * next, counter(nonces_, account, std::nullopt));
    return *next;
  }

  /// How many bundles `account` sent through the InteropCenter (its bundle nonce).
  absl::StatusOr<std::uint64_t> bundles_sent(const merkle::Address& account) {
    std::lock_guard lock(mutex_);
    ZKR_ASSIGN_OR_RETURN(std::uint64_t * sent,
                         counter(bundles_, account, merkle::kInteropCenterAddress));
    return *sent;
  }

  /// zkr_devnetSend: `sender` calls L1Messenger.sendToL1(data) in the chain's next batch, with the
  /// sender's next nonce. The transaction hash is keccak256 of the chain, the sender, the nonce
  /// and the message: of the content, so no two sends share it.
  absl::StatusOr<merkle::Word> enqueue(const merkle::Address& sender, merkle::Bytes data) {
    std::lock_guard lock(mutex_);
    ZKR_ASSIGN_OR_RETURN(std::uint64_t * next, counter(nonces_, sender, std::nullopt));
    const std::uint64_t nonce = (*next)++;
    merkle::Bytes content;
    for (const merkle::Word& w : {merkle::be32(id_), merkle::be32(nonce)})
      content.insert(content.end(), w.begin(), w.end());
    content.insert(content.end(), sender.begin(), sender.end());
    content.insert(content.end(), data.begin(), data.end());
    PendingTx tx{.hash = merkle::keccak256(content),
                 .from = sender,
                 .to = merkle::kL1MessengerAddress,
                 .nonce = nonce};
    const merkle::Word hash = tx.hash;
    queued_.push_back({sender, std::move(data), std::move(tx)});
    return hash;
  }

  /// A signed transaction a wallet sent: accepted if its nonce is the sender's next one (the
  /// caller checked everything else), then included in the next batch, where it sends `message`
  /// from `message_sender` (the wallet, or the InteropCenter for a bundle). The error a node
  /// gives otherwise.
  absl::Status accept(PendingTx tx, const merkle::Address& message_sender, merkle::Bytes message) {
    std::lock_guard lock(mutex_);
    ZKR_ASSIGN_OR_RETURN(std::uint64_t * next, counter(nonces_, tx.from, std::nullopt));
    if (tx.nonce != *next) {
      return absl::FailedPreconditionError(
          absl::StrCat(tx.nonce < *next ? "nonce too low" : "nonce too high", ": next nonce ",
                       *next, ", tx nonce ", tx.nonce));
    }
    if (tx.to == merkle::kInteropCenterAddress) {
      ZKR_ASSIGN_OR_RETURN(std::uint64_t * bundles,
                           counter(bundles_, tx.from, merkle::kInteropCenterAddress));
      ++*bundles;
    }
    ++*next;
    queued_.push_back({message_sender, std::move(message), std::move(tx)});
    return absl::OkStatus();
  }

  /// A transaction accepted but not yet recorded by the router (queued, or in the batch being
  /// handed to it).
  std::optional<PendingTx> pending(const merkle::Word& hash) {
    std::lock_guard lock(mutex_);
    for (const std::vector<Queued>* list : {&queued_, &last_drained_}) {
      for (const Queued& q : *list)
        if (q.tx.hash == hash) return q.tx;
    }
    return std::nullopt;
  }

  router::SealedBatch next_batch(std::uint64_t number, std::size_t messages, bool bundles_allowed) {
    router::SealedBatch b;
    b.chain_id = id_;
    b.batch_number = number;
    b.protocol_version = 29;
    // Each simulated batch is one L2 block, numbered as the batch, whose hash is keccak(chain id ‖
    // number); each message is a transaction of its own, from `from` to `to`.
    const merkle::Word block_hash = simulated_block_hash(id_, number);
    const auto add = [&](const merkle::L2Message& m, const merkle::Word& tx_hash,
                         const merkle::Address& from, const merkle::Address& to) {
      b.logs.push_back({.log = merkle::message_to_log(m), .tx_hash = tx_hash, .message = m.data});
      b.transactions.push_back({.tx_hash = tx_hash,
                                .block_number = number,
                                .block_hash = block_hash,
                                .from = from,
                                .to = to});
    };
    {
      std::lock_guard lock(mutex_);
      for (Queued& q : queued_) {
        add({.tx_number_in_batch = static_cast<std::uint16_t>(b.logs.size()),
             .sender = q.sender,
             .data = q.data},
            q.tx.hash, q.tx.from, q.tx.to);
      }
      last_drained_ = std::move(queued_);
      queued_.clear();
    }
    const std::size_t first = b.logs.size();
    for (std::size_t i = first; i < first + messages; ++i) {
      merkle::L2Message m;
      m.tx_number_in_batch = static_cast<std::uint16_t>(i);
      merkle::Address from{};  // the user who sent the transaction
      if (bundles_allowed && !peers_.empty() && rng_() % 4 == 0) {
        router::InteropBundle bundle;
        bundle.source_chain_id = id_;
        bundle.destination_chain_id = peers_[rng_() % peers_.size()];
        bundle.salt = merkle::be32(rng_());
        router::InteropCall call;
        call.to = senders_[rng_() % senders_.size()];
        call.from = senders_[rng_() % senders_.size()];
        call.data = {0xca, 0xfe, static_cast<std::uint8_t>(i)};
        bundle.calls.push_back(call);
        m.sender = merkle::kInteropCenterAddress;  // the InteropCenter sends the bundle's message
        m.data = router::encode_bundle_message(bundle);
        from = call.from;
      } else {
        m.sender = senders_[rng_() % senders_.size()];
        const std::string text = absl::StrCat("hello from chain ", id_, " batch ", number, " #", i);
        m.data.assign(text.begin(), text.end());
        from = m.sender;
      }
      merkle::Bytes tx_seed;
      for (const auto v : {id_, number, static_cast<std::uint64_t>(i)}) {
        const auto w = merkle::be32(v);
        tx_seed.insert(tx_seed.end(), w.begin(), w.end());
      }
      add(m, merkle::keccak256(merkle::ByteSpan(tx_seed)), from,
          m.sender == merkle::kInteropCenterAddress ? merkle::kInteropCenterAddress
                                                    : merkle::kL1MessengerAddress);
    }
    b.aggregated_root = merkle::chain_id_leaf(merkle::kZeroWord, id_);
    (void)router::seal_roots(b);  // cannot fail: batches are capped at 16384 messages below
    return b;
  }

 private:
  using Counters = std::map<merkle::Address, std::uint64_t>;

  // An account's counter (mutex_ held). Counters live in memory; after a restart an account's
  // starts at what the router recorded: its transactions (to `to`, when given) on this chain.
  absl::StatusOr<std::uint64_t*> counter(Counters& counters, const merkle::Address& account,
                                         std::optional<merkle::Address> to) {
    if (const auto it = counters.find(account); it != counters.end()) return &it->second;
    ZKR_ASSIGN_OR_RETURN(const std::uint64_t recorded, engine_.transactions_sent(id_, account, to));
    return &counters.emplace(account, recorded).first->second;
  }

  const router::Engine& engine_;
  std::uint64_t id_;
  std::vector<std::uint64_t> peers_;
  std::mt19937_64 rng_;
  std::array<merkle::Address, 4> senders_{};
  struct Queued {
    merkle::Address sender;  // the message's sender
    merkle::Bytes data;      // the message
    PendingTx tx;
  };
  std::mutex mutex_;
  std::vector<Queued> queued_;
  std::vector<Queued> last_drained_;  // the batch being handed to the router
  Counters nonces_;
  Counters bundles_;  // the InteropCenter's per-sender bundle nonces
};

// A simulated chain as its own node behind its chain endpoint. It takes signed transactions that
// call L1Messenger.sendToL1(bytes) or InteropCenter.sendBundle (eth_sendRawTransaction: legacy,
// EIP-1559 and ZKsync's 0x71, the sender recovered from the signature) and includes them in its
// next batch; it answers for its blocks (one per batch) and for the transactions it has accepted
// but the router has not recorded yet; the router answers for the rest from what the chain sent
// it. It holds no balances and charges no fees (gas price 0). Errors are a node's: code -32000
// and its words.
class SimulatedNode {
 public:
  /// What a chain knows of the network around it.
  struct Network {
    std::uint64_t l1_chain_id = 1;
    std::set<std::uint64_t> destinations;  // chains a bundle may go to
  };

  SimulatedNode(const router::Engine& engine, SimulatedChain& chain, Network network)
      : engine_(engine), chain_(chain), network_(std::move(network)) {}

  absl::StatusOr<boost::json::value> answer(std::string_view method,
                                            const boost::json::value& params) {
    const std::uint64_t id = chain_.id();
    if (method == "eth_blockNumber") return api::quantity_json(last_block());
    if (method == "eth_getBlockByNumber") return block(params);
    if (method == "eth_sendRawTransaction") return send_raw(params);
    if (method == "eth_getTransactionCount") {
      const api::Params p(params, {"address", "block"});
      ZKR_ASSIGN_OR_RETURN(const std::string text, p.string(0));
      ZKR_ASSIGN_OR_RETURN(const merkle::Address account, merkle::parse_address(text));
      ZKR_ASSIGN_OR_RETURN(const std::uint64_t nonce, chain_.next_nonce(account));
      return api::quantity_json(nonce);
    }
    if (method == "eth_getTransactionByHash") {
      const api::Params p(params, {"txHash"});
      ZKR_ASSIGN_OR_RETURN(const merkle::Word hash, p.word(0));
      // Once recorded, the router answers (with the block and batch); until then, this node.
      ZKR_ASSIGN_OR_RETURN(const auto recorded, engine_.transaction(hash, id));
      if (recorded) return nullptr;
      const std::optional<SimulatedChain::PendingTx> tx = chain_.pending(hash);
      if (!tx) return nullptr;
      return boost::json::object{{"hash", api::hex(tx->hash)},
                                 {"blockHash", nullptr},
                                 {"blockNumber", nullptr},
                                 {"transactionIndex", nullptr},
                                 {"from", merkle::to_hex(tx->from)},
                                 {"to", merkle::to_hex(tx->to)},
                                 {"nonce", api::quantity_json(tx->nonce)},
                                 {"value", api::quantity_json(0)},
                                 {"gas", api::quantity_json(tx->gas_limit)},
                                 {"gasPrice", api::quantity_json(0)},
                                 {"maxFeePerGas", api::quantity_json(0)},
                                 {"maxPriorityFeePerGas", api::quantity_json(0)},
                                 {"input", api::hex(merkle::ByteSpan(tx->input))},
                                 {"type", api::quantity_json(tx->type)},
                                 {"chainId", api::quantity_json(id)}};
    }
    // A receipt exists once the router has recorded the transaction's batch: it answers then.
    if (method == "eth_getTransactionReceipt") return nullptr;
    if (method == "eth_gasPrice" || method == "eth_maxPriorityFeePerGas") {
      return api::quantity_json(0);
    }
    if (method == "eth_estimateGas") return api::quantity_json(kGasPerCall);
    if (method == "zks_gasPerPubdata") return api::quantity_json(kGasPerPubdata);
    if (method == "eth_getBalance") return api::quantity_json(0);
    return api::with_reason(
        absl::UnimplementedError(absl::StrCat(
            to_absl(utf8_prefix(method, 64)), " is not answered by the devnet's simulated chain ",
            id,
            ": it takes signed sendToL1 and sendBundle transactions and has blocks, no other "
            "contracts or balances")),
        "method_not_found");
  }

 private:
  static constexpr std::uint64_t kGasPerCall = 500'000;
  static constexpr std::uint64_t kGasPerPubdata = 50'000;  // ZKsync's default limit

  /// A node's error: code -32000 and its words.
  static absl::Status node_error(absl::string_view message) {
    return api::relayed_error(
        boost::json::object{{"code", -32000}, {"message", std::string(message)}});
  }

  std::uint64_t last_block() const {
    const std::optional<settlement::ChainInfo> info = engine_.chain(chain_.id());
    return info ? info->last_recorded : 0;
  }

  absl::StatusOr<boost::json::value> send_raw(const boost::json::value& params) {
    const api::Params p(params, {"data"});
    ZKR_RETURN_IF_ERROR(p.no_extra());
    ZKR_ASSIGN_OR_RETURN(const std::string text, p.string(0));
    const absl::StatusOr<merkle::Bytes> raw = merkle::parse_hex(text);
    if (!raw.ok())
      return node_error(absl::StrCat("invalid raw transaction: ", raw.status().message()));
    const absl::StatusOr<settlement::eth::WalletTx> tx = settlement::eth::decode_wallet_tx(*raw);
    if (!tx.ok()) return node_error(absl::StrCat("invalid transaction: ", tx.status().message()));
    if (tx->chain_id != chain_.id()) {
      return node_error(
          absl::StrCat("invalid chain id for signer: have ", tx->chain_id, " want ", chain_.id()));
    }
    if (tx->value != merkle::Word{}) {
      return node_error("insufficient funds for transfer: the devnet's chains hold no balances");
    }
    // What the call sends to L1: a message of the wallet's, or a bundle the InteropCenter makes.
    merkle::Address message_sender = tx->from;
    absl::StatusOr<merkle::Bytes> message;
    if (tx->to == merkle::kL1MessengerAddress) {
      message = single_bytes_argument(tx->data, "sendToL1(bytes)");
      if (!message.ok()) {
        message = absl::InvalidArgumentError(
            absl::StrCat("execution reverted: ", message.status().message()));
      }
    } else if (tx->to == merkle::kInteropCenterAddress) {
      ZKR_ASSIGN_OR_RETURN(const std::uint64_t sent, chain_.bundles_sent(tx->from));
      const absl::StatusOr<router::InteropBundle> bundle =
          interop_center_send_bundle(tx->data, {.chain_id = chain_.id(),
                                                .sender = tx->from,
                                                .sender_bundles = sent,
                                                .l1_chain_id = network_.l1_chain_id,
                                                .is_destination = [this](std::uint64_t c) {
                                                  return network_.destinations.contains(c);
                                                }});
      if (bundle.ok()) {
        message = router::encode_bundle_message(*bundle);
        message_sender = merkle::kInteropCenterAddress;
      } else {
        message = bundle.status();
      }
    } else {
      return node_error(
          "the devnet's simulated chains run two contracts: L1Messenger.sendToL1(bytes) at "
          "0x0000000000000000000000000000000000008008 and InteropCenter.sendBundle at "
          "0x000000000000000000000000000000000001000d");
    }
    if (!message.ok()) return node_error(message.status().message());
    if (message->size() > 64 * 1024) return node_error("a message is at most 64 KiB here");
    if (tx->gas_limit < kGasPerCall) {
      return node_error(
          absl::StrCat("intrinsic gas too low: have ", tx->gas_limit, ", want ", kGasPerCall));
    }
    SimulatedChain::PendingTx pending{.hash = tx->hash,
                                      .from = tx->from,
                                      .to = *tx->to,
                                      .nonce = tx->nonce,
                                      .input = tx->data,
                                      .gas_limit = tx->gas_limit};
    pending.type = tx->type == settlement::eth::WalletTxType::kLegacy    ? 0
                   : tx->type == settlement::eth::WalletTxType::kEip1559 ? 2
                                                                         : 0x71;
    ZKR_ASSIGN_OR_RETURN(const auto recorded, engine_.transaction(tx->hash, chain_.id()));
    if (recorded || chain_.pending(tx->hash)) return node_error("already known");
    if (absl::Status s = chain_.accept(std::move(pending), message_sender, std::move(*message));
        !s.ok()) {
      return node_error(s.message());
    }
    return api::hex(tx->hash);
  }

  absl::StatusOr<boost::json::value> block(const boost::json::value& params) {
    const std::uint64_t chain = chain_.id();
    const std::optional<settlement::ChainInfo> info = engine_.chain(chain);
    const std::uint64_t last = info ? info->last_recorded : 0;
    ZKR_ASSIGN_OR_RETURN(
        const api::BlockRequest r,
        api::block_request(params, info ? info->first_batch : 1,
                           last > 0 ? std::optional<std::uint64_t>(last) : std::nullopt));
    if (!r.number) return nullptr;
    const std::uint64_t number = *r.number;
    const std::optional<settlement::BatchInfo> batch = engine_.batch(chain, number);
    if (!batch) return nullptr;
    ZKR_ASSIGN_OR_RETURN(const std::optional<router::BatchSettlement> settled,
                         engine_.batch_settlement(chain, number));
    boost::json::array txs;
    merkle::Word previous{};
    for (std::uint64_t i = 0; i < batch->log_count; ++i) {
      ZKR_ASSIGN_OR_RETURN(const router::LogRow row, engine_.message({chain, number, i}));
      if (i > 0 && row.tx_hash == previous) continue;
      previous = row.tx_hash;
      txs.push_back(api::hex(row.tx_hash));
    }
    const merkle::Word parent =
        number > 1 ? simulated_block_hash(chain, number - 1) : merkle::Word{};
    return api::block_json(number, simulated_block_hash(chain, number), parent,
                           static_cast<std::uint64_t>(settled ? settled->recorded_at_ms / 1000 : 0),
                           std::move(txs));
  }

  const router::Engine& engine_;
  SimulatedChain& chain_;
  const Network network_;
};

// Latencies from a batch's sealing at its chain to Gateway finality of its messages.
class Latencies {
 public:
  void sealed(std::uint64_t chain, std::uint64_t batch) {
    std::lock_guard lock(mutex_);
    pending_[{chain, batch}] = Clock::now();
  }
  void final_at(std::uint64_t chain, std::uint64_t batch) {
    std::lock_guard lock(mutex_);
    const auto it = pending_.find({chain, batch});
    if (it == pending_.end()) return;
    samples_.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - it->second).count());
    if (samples_.size() > 1000) samples_.erase(samples_.begin());
    pending_.erase(it);
  }
  std::pair<double, double> p50_p95() const {
    std::lock_guard lock(mutex_);
    if (samples_.empty()) return {0, 0};
    std::vector<double> v = samples_;
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 95 / 100)]};
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, Clock::time_point> pending_;
  std::vector<double> samples_;
};

// The devnet's secrets, one "name hex" per line in <data_dir>/secrets (mode 600): each chain's
// operator credential and prover key, the Gateway's signing key and the L1 submitter's key.
// Missing ones are generated from the system's random source.
std::map<std::string, std::string> load_or_make_secrets(const std::filesystem::path& path,
                                                        const std::vector<std::string>& names) {
  std::map<std::string, std::string> secrets;
  std::ifstream in(path);
  std::string name, value, line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    if (fields >> name >> value) secrets[name] = value;
  }
  std::random_device rd;
  bool changed = false;
  for (const std::string& n : names) {
    if (secrets.contains(n)) continue;
    for (;;) {
      merkle::Word secret;
      for (auto& b : secret) b = static_cast<std::uint8_t>(rd());
      // Every secret doubles as a valid secp256k1 key (a random word almost always is).
      if (!settlement::secp256k1::PrivateKey::from_bytes(secret).ok()) continue;
      secrets[n] = merkle::to_hex(secret).substr(2);
      break;
    }
    changed = true;
  }
  if (changed) {
    std::ofstream out(path, std::ios::trunc);
    out << "# secrets of this devnet: operator credentials and signing keys (keep private)\n";
    for (const auto& [n, v] : secrets) out << n << " " << v << "\n";
    out.close();
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  return secrets;
}

std::shared_ptr<const settlement::secp256k1::PrivateKey> key_from(const std::string& hex) {
  auto key = settlement::secp256k1::PrivateKey::from_hex(absl::StrCat("0x", hex));
  ZKR_CHECK(key.ok());
  return std::make_shared<const settlement::secp256k1::PrivateKey>(*key);
}

/// The devnet's L1 forgets nothing across restarts: it is rebuilt from the transactions the
/// router recorded as included, each mined again in order, then buried under the finality depth.
absl::Status rebuild_l1(router::Engine& engine, settlement::EmbeddedL1& l1,
                        std::uint64_t finality_depth) {
  ZKR_ASSIGN_OR_RETURN(const auto txs,
                       engine.l1_transactions(1, std::numeric_limits<std::int64_t>::max()));
  std::size_t replayed = 0;
  for (const settlement::L1TxRecord& r : txs) {
    if (r.state != settlement::L1TxState::kIncluded && r.state != settlement::L1TxState::kFinal)
      continue;
    ZKR_RETURN_IF_ERROR(l1.send_raw(r.raw).status());
    l1.mine();
    ++replayed;
  }
  if (replayed > 0)
    for (std::uint64_t i = 0; i < finality_depth; ++i) l1.mine();
  return absl::OkStatus();
}

/// The port `offset` above the API's, or 0 (a free one) when the API's is itself free or too high.
std::uint16_t port_beside(std::uint16_t api_port, std::uint16_t offset) {
  return api_port == 0 || api_port > 65535 - offset ? 0
                                                    : static_cast<std::uint16_t>(api_port + offset);
}

/// The L1Settlement of `chain_id` (proofs signed by `signer`) on anvil, deployed by `deployer`'s
/// first transaction (its account funded first), so that a restart finds it at the same
/// address: created_address(deployer, 0). Checked against what it must be.
absl::StatusOr<merkle::Address> deploy_settlement_on_anvil(
    const DevnetOptions& o, AnvilNode& node, const settlement::secp256k1::PrivateKey& deployer,
    std::uint64_t chain_id, const merkle::Address& signer) {
  namespace fs = std::filesystem;
  settlement::EthRpcClient& rpc = node.rpc();
  const merkle::Address from = deployer.address();
  ZKR_RETURN_IF_ERROR(
      rpc.call("anvil_setBalance",
               boost::json::array{merkle::to_hex(from), "0x3635c9adc5dea00000"})  // 1000 ETH
          .status());
  const merkle::Address at = settlement::contract::created_address(from, 0);
  ZKR_ASSIGN_OR_RETURN(const boost::json::value code,
                       rpc.call("eth_getCode", boost::json::array{merkle::to_hex(at), "latest"}));
  if (code == "0x") {
    ZKR_ASSIGN_OR_RETURN(const std::uint64_t nonce, rpc.nonce(from));
    if (nonce != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the L1 in ", (fs::path(o.data_dir) / "l1-anvil.json").string(), " has transactions of ",
          merkle::to_hex(from), " but no settlement contract ", "of chain ", chain_id,
          "; start with --fresh"));
    }
    ZKR_ASSIGN_OR_RETURN(
        const merkle::Bytes creation,
        settlement::contract::creation_code(
            (fs::path(o.contracts_dir) / "L1Settlement.json").string(), chain_id, signer));
    ZKR_ASSIGN_OR_RETURN(const merkle::Address deployed,
                         settlement::contract::deploy(rpc, deployer, creation));
    if (deployed != at) return absl::InternalError("the contract was not deployed where expected");
  }
  ZKR_ASSIGN_OR_RETURN(const settlement::contract::SettledState state,
                       settlement::contract::read_state(rpc, at));
  if (state.settling_chain_id != chain_id || state.proof_signer != signer) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the L1's settlement contract at ", merkle::to_hex(at), " belongs to another chain or key ",
        "than chain ", chain_id, "'s; start with --fresh"));
  }
  return at;
}

/// --l1 anvil: anvil as the L1 (beside the API: port + 2, or free), its chain kept in
/// <data_dir>/l1-anvil.json, the submitter's account funded, and the settlement contract deployed
/// by the submitter's first transaction (so a restart finds it at the same address).
absl::StatusOr<std::pair<std::unique_ptr<AnvilNode>, merkle::Address>> start_anvil_l1(
    const DevnetOptions& o, const settlement::secp256k1::PrivateKey& submitter,
    const settlement::secp256k1::PrivateKey& gateway_signer) {
  namespace fs = std::filesystem;
  const double block_s = std::chrono::duration<double>(o.l1_block_interval).count();
  ZKR_ASSIGN_OR_RETURN(
      std::unique_ptr<AnvilNode> node,
      AnvilNode::start(
          {.binary = o.anvil,
           .port = port_beside(o.port, 2),
           .chain_id = o.l1_chain_id,
           .log_file = (fs::path(o.data_dir) / "l1-anvil.log").string(),
           .extra_args = {"--block-time", absl::StrCat(block_s), "--slots-in-an-epoch", "1",
                          "--state", (fs::path(o.data_dir) / "l1-anvil.json").string()},
           .role = "the L1"}));
  ZKR_ASSIGN_OR_RETURN(const merkle::Address at,
                       deploy_settlement_on_anvil(o, *node, submitter, o.gateway_chain_id,
                                                  gateway_signer.address()));
  return std::pair{std::move(node), at};
}

}  // namespace

int run_devnet(const DevnetOptions& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(o.data_dir, ec);
  if (ec) {
    std::fprintf(stderr, "zkrouter devnet: cannot create %s: %s\n", o.data_dir.c_str(),
                 ec.message().c_str());
    return 1;
  }
  const fs::path db = fs::path(o.data_dir) / "zkrouter.db";
  if (o.fresh) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix, ec);
    fs::remove(fs::path(o.data_dir) / "l1-anvil.json", ec);
  }
  std::vector<std::uint64_t> gateway_ids;
  for (int i = 0; i < o.gateway_chains; ++i)
    gateway_ids.push_back(270 + static_cast<std::uint64_t>(i));
  std::vector<std::uint64_t> all_ids = gateway_ids;
  if (o.migrating_chain) all_ids.push_back(kMigratingChain);
  std::vector<std::string> secret_names{"gateway-signer", "l1-submitter"};
  for (const std::uint64_t id : all_ids) {
    secret_names.push_back(absl::StrCat("operator-", id));
    secret_names.push_back(absl::StrCat("prover-", id));
  }
  // Chain 280's operator settles its L1 periods from this L1 account, through the L1Settlement
  // that account's first transaction created (with either L1).
  if (o.migrating_chain) secret_names.push_back(absl::StrCat("l1-operator-", kMigratingChain));
  const auto secrets = load_or_make_secrets(fs::path(o.data_dir) / "secrets", secret_names);
  std::shared_ptr<const settlement::secp256k1::PrivateKey> chain_operator;
  merkle::Address chain_contract{};
  if (o.migrating_chain) {
    chain_operator = key_from(secrets.at(absl::StrCat("l1-operator-", kMigratingChain)));
    chain_contract = settlement::contract::created_address(chain_operator->address(), 0);
  }

  router::EngineConfig config;
  config.database_path = db.string();
  config.gateway = {.chain_id = o.gateway_chain_id,
                    .first_block = 1,
                    .signing_key = key_from(secrets.at("gateway-signer"))};
  auto opened = router::Engine::open(config);
  if (!opened.ok()) {
    std::fprintf(stderr, "zkrouter devnet: %s\n", std::string(opened.status().message()).c_str());
    return 1;
  }
  router::Engine& engine = **opened;

  std::map<std::uint64_t, std::shared_ptr<const settlement::secp256k1::PrivateKey>> provers;
  for (const std::uint64_t id : all_ids) {
    provers[id] = key_from(secrets.at(absl::StrCat("prover-", id)));
    if (engine.chain(id)) continue;
    // Every chain launches on L1; 270, 271, … migrate to the Gateway at once, before their first
    // batch, and 280 starts its L1 period.
    absl::Status s = engine.register_chain(
        {.chain_id = id,
         .credential = secrets.at(absl::StrCat("operator-", id)),
         .prover_key = settlement::secp256k1::compressed(provers[id]->public_key()),
         .l1_contract = id == kMigratingChain ? std::optional(chain_contract) : std::nullopt});
    if (s.ok() && id != kMigratingChain) s = engine.migrate_chain(id, SettlementLayer::kGateway);
    if (!s.ok()) {
      std::fprintf(stderr, "zkrouter devnet: %s\n", std::string(s.message()).c_str());
      return 1;
    }
  }

  std::vector<std::unique_ptr<SimulatedChain>> chains;
  std::vector<std::unique_ptr<SimulatedNode>> nodes;
  api::ServerOptions server_options;
  server_options.address = o.listen_address;
  server_options.port = o.port;
  for (const std::uint64_t id : all_ids) {
    std::vector<std::uint64_t> peers;
    for (const std::uint64_t p : gateway_ids)
      if (p != id) peers.push_back(p);
    chains.push_back(std::make_unique<SimulatedChain>(engine, id, peers, id * 7919));
    SimulatedNode::Network network{.l1_chain_id = o.l1_chain_id};
    network.destinations.insert(all_ids.begin(), all_ids.end());
    if (o.destination) network.destinations.insert(o.destination_chain_id);
    nodes.push_back(std::make_unique<SimulatedNode>(engine, *chains.back(), std::move(network)));
    SimulatedNode* node = nodes.back().get();
    server_options.upstreams.emplace(
        id, api::Upstream::in_process(
                id, absl::StrCat("the devnet's simulated chain ", id),
                [node](std::string_view method, const boost::json::value& params) {
                  return node->answer(method, params);
                }));
  }
  api::Server server(engine, server_options);
  // zkr_devnetSend(chainId, sender, data): sendToL1 on a simulated chain, in its next batch.
  server.add_method(
      "zkr_devnetSend",
      [&chains](const boost::json::value& params,
                api::CallContext&) -> absl::StatusOr<boost::json::value> {
        const api::Params p(params, {"chainId", "sender", "data"});
        ZKR_RETURN_IF_ERROR(p.no_extra());
        ZKR_ASSIGN_OR_RETURN(const std::uint64_t chain_id, p.u64(0));
        ZKR_ASSIGN_OR_RETURN(const std::string sender_hex, p.string(1));
        ZKR_ASSIGN_OR_RETURN(const std::string data_hex, p.string(2));
        ZKR_ASSIGN_OR_RETURN(const merkle::Address sender, merkle::parse_address(sender_hex));
        ZKR_ASSIGN_OR_RETURN(merkle::Bytes data, merkle::parse_hex(data_hex));
        if (data.size() > 64 * 1024)
          return absl::InvalidArgumentError("a message is at most 64 KiB here");
        for (const auto& c : chains) {
          if (c->id() != chain_id) continue;
          ZKR_ASSIGN_OR_RETURN(const merkle::Word tx, c->enqueue(sender, std::move(data)));
          return boost::json::object{{"chainId", chain_id}, {"txHash", merkle::to_hex(tx)}};
        }
        return absl::NotFoundError(absl::StrCat("no simulated chain ", chain_id));
      });
  const auto port = server.start();
  if (!port.ok()) {
    std::fprintf(stderr, "zkrouter devnet: %s\n", std::string(port.status().message()).c_str());
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::printf("zkrouter devnet: API on http://%s:%u and ws://%s:%u (data in %s)\n",
              o.listen_address.c_str(), *port, o.listen_address.c_str(), *port, o.data_dir.c_str());
  std::printf(
      "  see messages flow:  curl -s -X POST http://%s:%u -H 'content-type: application/json' -d "
      "'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"zkr_listMessages\",\"params\":[{\"limit\":3}]}'"
      "\n",
      o.listen_address.c_str(), *port);
  std::printf("  explorer (open in a browser): http://%s:%u/\n", o.listen_address.c_str(), *port);
  std::printf("  operator credentials and keys: %s\n", (fs::path(o.data_dir) / "secrets").c_str());
  std::printf("  chain endpoints (ZKsync SDK): http://%s:%u/chains/{270,...,506}\n",
              o.listen_address.c_str(), *port);
  // The destination chain: a real EVM importing every interop root.
  std::unique_ptr<DestinationChain> destination;
  if (o.destination) {
    auto started_destination =
        DestinationChain::start({.anvil = o.anvil,
                                 .contracts_dir = o.contracts_dir,
                                 .log_file = (fs::path(o.data_dir) / "destination.log").string(),
                                 .chain_id = o.destination_chain_id,
                                 .port = port_beside(o.port, 1)});  // 8546 beside 8545
    if (started_destination.ok()) {
      destination = std::move(*started_destination);
      std::printf(
          "  destination chain %lu (anvil): http://127.0.0.1:%u, InteropRootStorage "
          "0x…10008, L2MessageVerification 0x…10009\n",
          static_cast<unsigned long>(destination->chain_id()), destination->port());
    } else {
      std::printf("  destination chain off: %s\n",
                  std::string(started_destination.status().message()).c_str());
    }
  }
  std::printf("\n");
  std::fflush(stdout);

  // The L1 (in process, or anvil running the settlement contract) and the submitter that
  // settles Gateway batches on it.
  merkle::Address settlement_address{};
  const auto submitter_key = key_from(secrets.at("l1-submitter"));
  std::unique_ptr<settlement::EmbeddedL1> embedded;
  std::unique_ptr<AnvilNode> l1_node;
  settlement::L1Client* l1 = nullptr;
  if (o.l1 == "anvil") {
    auto started = start_anvil_l1(o, *submitter_key, *config.gateway.signing_key);
    if (!started.ok()) {
      std::fprintf(stderr, "zkrouter devnet: --l1 anvil: %s\n",
                   std::string(started.status().message()).c_str());
      return 1;
    }
    l1_node = std::move(started->first);
    settlement_address = started->second;
    l1 = &l1_node->rpc();
    if (chain_operator) {
      const auto deployed = deploy_settlement_on_anvil(
          o, *l1_node, *chain_operator, kMigratingChain, provers.at(kMigratingChain)->address());
      if (!deployed.ok()) {
        std::fprintf(stderr, "zkrouter devnet: --l1 anvil: chain %lu: %s\n",
                     static_cast<unsigned long>(kMigratingChain),
                     std::string(deployed.status().message()).c_str());
        return 1;
      }
    }
    std::printf("  L1 %lu (anvil): %s, L1Settlement %s\n",
                static_cast<unsigned long>(o.l1_chain_id), l1_node->url().c_str(),
                merkle::to_hex(settlement_address).c_str());
  } else {
    // The embedded L1 runs its contract model at an address of its own.
    const merkle::Word seed = merkle::keccak256(std::string_view("zkrouter devnet settlement"));
    std::copy(seed.begin() + 12, seed.end(), settlement_address.begin());
    embedded = std::make_unique<settlement::EmbeddedL1>(
        settlement::EmbeddedL1Config{.chain_id = o.l1_chain_id,
                                     .block_time = o.l1_block_interval,
                                     .finality_depth = o.l1_finality_depth,
                                     .settlement_address = settlement_address,
                                     .gateway_chain_id = o.gateway_chain_id,
                                     .gateway_key = config.gateway.signing_key->public_key(),
                                     .gas = config.gas_model});
    if (chain_operator) {
      // What the operator's first transaction would have deployed.
      const absl::Status added = embedded->add_settlement(chain_contract, kMigratingChain,
                                                          provers.at(kMigratingChain)->public_key(),
                                                          chain_operator->address());
      if (!added.ok()) {
        std::fprintf(stderr, "zkrouter devnet: %s\n", std::string(added.message()).c_str());
        return 1;
      }
    }
    if (absl::Status s = rebuild_l1(engine, *embedded, o.l1_finality_depth); !s.ok()) {
      std::fprintf(stderr, "zkrouter devnet: rebuilding the embedded L1: %s\n",
                   std::string(s.message()).c_str());
      return 1;
    }
    embedded->start_mining();
    l1 = embedded.get();
  }
  // Chain 280's operator, settling its L1 periods on its own contract (a data directory from
  // before chains had L1 contracts has none: its L1 batches then stop at batch_executed).
  std::unique_ptr<ChainSettler> chain_settler;
  if (chain_operator) {
    const auto registered = engine.chain(kMigratingChain);
    if (registered && registered->l1_contract == chain_contract) {
      chain_settler = std::make_unique<ChainSettler>(
          ChainSettler::Config{.chain_id = kMigratingChain,
                               .contract = chain_contract,
                               .read_counters = [&]() -> absl::StatusOr<ChainSettler::Counters> {
                                 if (embedded) {
                                   const auto s = embedded->contract(chain_contract);
                                   return ChainSettler::Counters{s.committed, s.proven, s.executed};
                                 }
                                 ZKR_ASSIGN_OR_RETURN(const auto s,
                                                      settlement::contract::read_state(
                                                          l1_node->rpc(), chain_contract));
                                 return ChainSettler::Counters{s.committed, s.verified, s.executed};
                               }},
          engine, *l1, chain_operator, provers.at(kMigratingChain));
      std::printf("  chain %lu settles its L1 periods through L1Settlement %s\n",
                  static_cast<unsigned long>(kMigratingChain),
                  merkle::to_hex(chain_contract).c_str());
    } else {
      std::printf(
          "  chain %lu has no L1 contract in %s (made by an older zkrouter): its L1 "
          "batches stop at batch_executed; --fresh starts anew\n",
          static_cast<unsigned long>(kMigratingChain), db.c_str());
    }
  }
  std::fflush(stdout);
  settlement::L1Submitter submitter(
      {.settlement_address = settlement_address, .stuck_after = std::chrono::seconds(10)}, *l1,
      *submitter_key, [&engine](const auto& body) { return engine.settle(body); });

  Latencies latencies, l1_latencies;
  std::atomic<std::uint64_t> messages_sent{0};
  std::atomic<bool> failed{false};
  const auto report = [&failed](const absl::Status& s, const char* what) {
    if (s.ok()) return true;
    std::fprintf(stderr, "zkrouter devnet: %s: %s\n", what, std::string(s.message()).c_str());
    failed = true;
    g_stop = true;
    return false;
  };

  // Sequencers: every interval each chain seals a batch and moves its oldest open batch one stage.
  std::thread sequencers([&] {
    const std::size_t per_batch = std::clamp<std::size_t>(
        static_cast<std::size_t>(o.messages_per_second *
                                 std::chrono::duration<double>(o.batch_interval).count() /
                                 static_cast<double>(chains.size())),
        1, merkle::kLogTreeLeaves);
    auto next = Clock::now();
    while (!g_stop) {
      for (const auto& chain_ptr : chains) {
        SimulatedChain& chain = *chain_ptr;
        const settlement::ChainInfo info = *engine.chain(chain.id());
        // Lifecycle, pipelined: every open batch advances one stage per tick, oldest first (the
        // Gateway requires each stage in batch order, which the loop keeps).
        for (std::uint64_t b = info.last_executed + 1; b <= info.last_recorded && !g_stop; ++b) {
          const auto batch = *engine.batch(chain.id(), b);
          if (batch.stage == BatchStage::kRecorded) {
            report(engine.commit_batch(chain.id(), b), "commit");
          } else if (batch.stage == BatchStage::kCommitted) {
            // The chain's prover signs the batch commitment (see
            // settlement/state/proof_verifier.hpp).
            const auto proof = settlement::sign_commitment(*engine.commitment(chain.id(), b),
                                                           *provers.at(chain.id()));
            if (report(proof.status(), "sign proof"))
              report(engine.prove_batch(chain.id(), b, *proof), "prove");
          } else if (batch.stage == BatchStage::kProven) {
            const auto block = engine.execute_batch(chain.id(), b);
            if (report(block.status(), "execute") && !block->has_value())
              latencies.final_at(chain.id(), b);
          }
        }
        const settlement::ChainInfo after = *engine.chain(chain.id());
        // Chain 280 alternates between L1 and the Gateway every few batches. A migration happens
        // at a batch boundary: the chain stops sealing until its last batch is executed.
        const bool migration_due =
            chain.id() == kMigratingChain && after.last_recorded > 0 &&
            after.last_recorded % static_cast<std::uint64_t>(o.migrate_every) == 0 &&
            after.history.back().first <= after.last_recorded;
        if (migration_due) {
          if (after.last_executed == after.last_recorded) {
            const SettlementLayer to = after.layer == SettlementLayer::kL1
                                           ? SettlementLayer::kGateway
                                           : SettlementLayer::kL1;
            report(engine.migrate_chain(chain.id(), to), "migrate");
          }
          continue;
        }
        const std::uint64_t number = engine.chain(chain.id())->last_recorded + 1;
        const bool on_gateway = engine.chain(chain.id())->layer == SettlementLayer::kGateway;
        if (report(engine.ingest(chain.next_batch(number, per_batch, on_gateway)).status(),
                   "ingest")) {
          messages_sent += per_batch;
          latencies.sealed(chain.id(), number);
          l1_latencies.sealed(chain.id(), number);
        }
      }
      next += o.batch_interval;
      std::this_thread::sleep_until(next);
    }
  });

  // The Gateway: seals a block every interval, a Gateway batch every few blocks.
  std::thread gateway([&] {
    auto next = Clock::now();
    while (!g_stop) {
      const auto sealed = seal_gateway_step(engine, o.blocks_per_gateway_batch);
      if (report(sealed.status(), "seal Gateway block or batch")) {
        for (const std::uint64_t id : all_ids) {
          const auto info = engine.chain(id);
          for (std::uint64_t b = info->last_executed; b > 0; --b) {
            const auto batch = engine.batch(id, b);
            if (!batch || batch->executed_block != *sealed) break;
            latencies.final_at(id, b);
          }
        }
      }
      next += o.block_interval;
      std::this_thread::sleep_until(next);
    }
  });

  // L1 submission: commit, prove (aggregated), execute, then follow to finality.
  std::thread l1_sender([&] {
    L1Step step(submitter, "zkrouter devnet");
    L1WatchStep watch(engine, *l1, "zkrouter devnet");
    std::uint64_t final_seen = 0;
    while (!g_stop) {
      step();
      // Batches chain 280 executed on L1 itself, final there.
      for (const auto& [chain, batch] : watch()) l1_latencies.final_at(chain, batch);
      for (std::uint64_t n = final_seen + 1; n <= engine.gateway_batch_count(); ++n) {
        const auto g = engine.gateway_batch(n);
        if (!g || g->l1_stage != settlement::L1Stage::kFinal) break;
        if (const auto proof = engine.aggregated_proof(n))
          for (const auto& c : proof->covered) l1_latencies.final_at(c.chain_id, c.batch_number);
        final_seen = n;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });

  // Chain 280's operator: its L1 periods' batches to its own contract.
  std::thread chain_operator_thread([&] {
    std::string last_error;
    while (!g_stop && chain_settler) {
      const auto did = chain_settler->step();
      const std::string error = did.ok() ? std::string() : std::string(did.status().message());
      if (!error.empty() && error != last_error)
        std::fprintf(stderr, "zkrouter devnet: chain operator: %s\n", error.c_str());
      last_error = error;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });

  // Interop roots into the destination chain, one transaction per sealed Gateway block.
  std::thread importer([&] {
    bool warned = false;
    while (!g_stop && destination) {
      if (absl::Status s = destination->import_roots(engine); !s.ok() && !warned) {
        std::fprintf(stderr, "zkrouter devnet: importing interop roots: %s\n",
                     std::string(s.message()).c_str());
        warned = true;
      }
      std::this_thread::sleep_for(o.block_interval / 2);
    }
  });

  // The view: refreshed in place on a terminal, plain lines otherwise.
  const bool tty = !o.plain_output && ::isatty(STDOUT_FILENO);
  const auto started = Clock::now();
  std::uint64_t last_sent = messages_sent;
  auto last_time = Clock::now();
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    if (o.run_for && Clock::now() - started >= *o.run_for) g_stop = true;
    const auto now = Clock::now();
    const double rate = static_cast<double>(messages_sent - last_sent) /
                        std::max(1e-3, std::chrono::duration<double>(now - last_time).count());
    last_sent = messages_sent;
    last_time = now;
    const auto [p50, p95] = latencies.p50_p95();
    const auto [l1_p50, l1_p95] = l1_latencies.p50_p95();
    std::array<std::size_t, 5> at_stage{};
    for (std::uint64_t n = 1; n <= engine.gateway_batch_count(); ++n)
      if (const auto g = engine.gateway_batch(n)) ++at_stage[static_cast<std::size_t>(g->l1_stage)];
    std::string view;
    if (tty) view += "\x1b[H\x1b[J";
    absl::StrAppend(&view, "zkrouter devnet  ·  API :", *port, "  ·  ", static_cast<int>(rate),
                    " msg/s  ·  to gateway_final p50 ", static_cast<int>(p50), " ms p95 ",
                    static_cast<int>(p95), " ms  ·  to l1_final p50 ", static_cast<int>(l1_p50),
                    " ms p95 ", static_cast<int>(l1_p95), " ms\n");
    if (tty) {
      absl::StrAppend(&view, "explorer http://", o.listen_address, ":", *port, "/  ·  ws://",
                      o.listen_address, ":", *port, "  ·  Ctrl-C stops  ·  docs/api.md\n\n");
      absl::StrAppend(&view, "chain  layer    recorded committed proven executed\n");
      for (const std::uint64_t id : all_ids) {
        const auto c = engine.chain(id);
        char row[160];
        std::snprintf(row, sizeof row, "%-6lu %-8s %8lu %9lu %6lu %8lu\n",
                      static_cast<unsigned long>(id), settlement::layer_name(c->layer),
                      static_cast<unsigned long>(c->last_recorded),
                      static_cast<unsigned long>(c->last_committed),
                      static_cast<unsigned long>(c->last_proven),
                      static_cast<unsigned long>(c->last_executed));
        view += row;
      }
    }
    const auto sealed = engine.last_sealed_block();
    absl::StrAppend(&view, tty ? "" : "  ", "gateway ", o.gateway_chain_id, ": block ",
                    sealed ? *sealed : 0, ", gateway batches ", engine.gateway_batch_count(),
                    ", events ", engine.last_event_seq(), ", proof calls ", server.proofs_served(),
                    ", subscriptions ", server.subscriptions(), "\n");
    absl::StrAppend(&view, tty ? "" : "  ", "L1 ", o.l1_chain_id,
                    l1_node ? absl::StrCat(" (anvil :", l1_node->port(), ")") : std::string(),
                    ": block ", l1->head().value_or(0), ", finalized ", l1->finalized().value_or(0),
                    ", Gateway batches sealed ", at_stage[0], " committed ", at_stage[1],
                    " proven ", at_stage[2], " executed ", at_stage[3], " final ", at_stage[4],
                    "\n");
    if (destination) {
      const auto imported = destination->last_imported();
      absl::StrAppend(&view, tty ? "" : "  ", "destination ", destination->chain_id(),
                      " (anvil :", destination->port(), "): interop roots imported to block ",
                      imported ? absl::StrCat(*imported) : std::string("none"), "\n");
    }
    std::fputs(view.c_str(), stdout);
    std::fflush(stdout);
  }
  sequencers.join();
  gateway.join();
  l1_sender.join();
  chain_operator_thread.join();
  importer.join();
  destination.reset();
  if (embedded) embedded->stop_mining();
  l1_node.reset();  // anvil writes its chain to <data_dir>/l1-anvil.json
  server.stop();
  std::printf("zkrouter devnet: stopped cleanly; restart to resume from %s\n", db.c_str());
  return failed ? 1 : 0;
}

}  // namespace zkr::app

#include "app/serve.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "absl/strings/str_cat.h"
#include "api/server.hpp"
#include "app/loops.hpp"
#include "merkle/status.hpp"
#include "router/engine.hpp"
#include "settlement/ethereum/eth_rpc_client.hpp"
#include "settlement/ethereum/l1_submitter.hpp"
#include "settlement/log.hpp"

namespace zkr::app {
namespace {

namespace json = boost::json;

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

/// Reads a JSON object's members with a path for errors, and rejects members nobody read.
class ConfigObject {
 public:
  ConfigObject(const json::value* v, std::string path) : path_(std::move(path)) {
    if (v != nullptr) object_ = v->if_object();
    if (v != nullptr && object_ == nullptr) error_ = absl::StrCat(path_, " must be an object");
  }
  bool present() const { return object_ != nullptr; }
  const json::value* get(std::string_view key) {
    read_.push_back(std::string(key));
    return object_ == nullptr ? nullptr : object_->if_contains(key);
  }
  std::string name(std::string_view key) const { return absl::StrCat(path_, ".", to_absl(key)); }

  absl::StatusOr<std::string> string(std::string_view key, std::string fallback) {
    const json::value* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->is_string())
      return absl::InvalidArgumentError(absl::StrCat(name(key), " must be a string"));
    return std::string(v->as_string());
  }
  absl::StatusOr<bool> boolean(std::string_view key, bool fallback) {
    const json::value* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->is_bool())
      return absl::InvalidArgumentError(absl::StrCat(name(key), " must be true or false"));
    return v->get_bool();
  }
  absl::StatusOr<std::uint64_t> u64(std::string_view key, std::uint64_t fallback,
                                    std::uint64_t max = UINT64_MAX) {
    const json::value* v = get(key);
    if (v == nullptr) return fallback;
    std::uint64_t out = 0;
    if (v->is_uint64())
      out = v->get_uint64();
    else if (v->is_int64() && v->get_int64() >= 0)
      out = static_cast<std::uint64_t>(v->get_int64());
    else
      return absl::InvalidArgumentError(absl::StrCat(name(key), " must be a non-negative integer"));
    if (out > max)
      return absl::InvalidArgumentError(absl::StrCat(name(key), " must be at most ", max));
    return out;
  }
  absl::Status finish() const {
    if (!error_.empty()) return absl::InvalidArgumentError(error_);
    if (object_ == nullptr) return absl::OkStatus();
    for (const auto& member : *object_) {
      if (std::find(read_.begin(), read_.end(), std::string(member.key())) == read_.end())
        return absl::InvalidArgumentError(
            absl::StrCat("unknown setting ", name(std::string_view(member.key()))));
    }
    return absl::OkStatus();
  }

 private:
  std::string path_;
  const json::object* object_ = nullptr;
  std::vector<std::string> read_;
  std::string error_;
};

/// A secret named by `<key>File` (a file holding it) or `<key>Env` (an environment variable).
absl::StatusOr<std::string> secret(ConfigObject& o, std::string_view key) {
  ZKR_ASSIGN_OR_RETURN(const std::string file, o.string(absl::StrCat(to_absl(key), "File"), ""));
  ZKR_ASSIGN_OR_RETURN(const std::string env, o.string(absl::StrCat(to_absl(key), "Env"), ""));
  if (file.empty() == env.empty())
    return absl::InvalidArgumentError(
        absl::StrCat("give exactly one of ", o.name(key), "File or ", o.name(key), "Env"));
  std::string value;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", o.name(key), "File ", file));
    std::getline(in, value);
  } else {
    const char* v = std::getenv(env.c_str());
    if (v == nullptr)
      return absl::NotFoundError(
          absl::StrCat("environment variable ", env, " (", o.name(key), "Env) is not set"));
    value = v;
  }
  while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(o.name(key), " is empty"));
  return value;
}

absl::StatusOr<std::shared_ptr<const settlement::secp256k1::PrivateKey>> key_secret(
    ConfigObject& o, std::string_view key) {
  absl::StatusOr<std::string> text = secret(o, key);
  if (!text.ok()) return text.status();
  std::string& hex = *text;
  auto parsed = settlement::secp256k1::PrivateKey::from_hex(
      hex.compare(0, 2, "0x") == 0 ? hex : absl::StrCat("0x", hex));
  std::fill(hex.begin(), hex.end(), '\0');
  if (!parsed.ok())
    return absl::InvalidArgumentError(
        absl::StrCat(o.name(key), " is not a secp256k1 private key (64 hex digits)"));
  return std::make_shared<const settlement::secp256k1::PrivateKey>(*parsed);
}

enum class ServeRole { kWriter, kStandby, kReplica };

struct ServeConfig {
  log::Level log_level = log::Level::kInfo;
  ServeRole role = ServeRole::kWriter;
  bool background_asked = false;  // writerPriority "background" written in the config
  std::string advertise;          // where the writer takes writes (replicas name it)
  api::ServerOptions server;
  router::EngineConfig engine;
  struct Chain {
    router::ChainRegistration registration;
    /// Where it settles once registered: it launches on L1, and "gateway" migrates it there.
    settlement::SettlementLayer layer = settlement::SettlementLayer::kGateway;
  };
  std::vector<Chain> chains;
  std::chrono::milliseconds block_interval{500};
  int blocks_per_batch = 4;
  std::unique_ptr<settlement::EthRpcClient> l1;
  std::optional<settlement::SubmitterConfig> submitter;
  std::optional<settlement::secp256k1::PrivateKey> l1_key;
};

absl::StatusOr<ServeConfig> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the config file ", path));
  std::stringstream text;
  text << in.rdbuf();
  json::error_code ec;
  const json::value root = json::parse(text.str(), ec);
  if (ec)
    return absl::InvalidArgumentError(absl::StrCat(path, " is not valid JSON: ", ec.message()));
  ServeConfig c;
  ConfigObject top(&root, "config");

  ConfigObject listen(top.get("listen"), "listen");
  ZKR_ASSIGN_OR_RETURN(c.server.address, listen.string("address", "127.0.0.1"));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t port, listen.u64("port", 8545, 65535));
  c.server.port = static_cast<std::uint16_t>(port);
  ConfigObject tls(listen.get("tls"), "listen.tls");
  if (tls.present()) {
    ZKR_ASSIGN_OR_RETURN(c.server.tls_certificate_file, tls.string("certificateFile", ""));
    ZKR_ASSIGN_OR_RETURN(c.server.tls_private_key_file, tls.string("privateKeyFile", ""));
    if (c.server.tls_certificate_file.empty() || c.server.tls_private_key_file.empty())
      return absl::InvalidArgumentError(
          "listen.tls needs certificateFile and privateKeyFile (PEM files)");
  }
  ZKR_RETURN_IF_ERROR(tls.finish());
  ZKR_RETURN_IF_ERROR(listen.finish());

  ConfigObject limits(top.get("limits"), "limits");
  ZKR_ASSIGN_OR_RETURN(c.server.max_body_bytes,
                       limits.u64("maxBodyBytes", c.server.max_body_bytes));
  ZKR_ASSIGN_OR_RETURN(c.server.max_connections,
                       limits.u64("maxConnections", c.server.max_connections));
  ZKR_ASSIGN_OR_RETURN(
      c.server.max_connections_per_address,
      limits.u64("maxConnectionsPerAddress", c.server.max_connections_per_address));
  ZKR_ASSIGN_OR_RETURN(c.server.reserved_connections,
                       limits.u64("reservedConnections", c.server.reserved_connections));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t handshake,
                       limits.u64("handshakeTimeoutSeconds", 5, 3600));
  c.server.handshake_timeout = std::chrono::seconds(handshake);
  ZKR_ASSIGN_OR_RETURN(c.server.max_queued_bytes,
                       limits.u64("maxQueuedBytes", c.server.max_queued_bytes));
  ZKR_ASSIGN_OR_RETURN(c.server.max_outgoing_bytes,
                       limits.u64("maxOutgoingBytes", c.server.max_outgoing_bytes));
  ZKR_ASSIGN_OR_RETURN(c.server.max_pending_body_bytes,
                       limits.u64("maxPendingBodyBytes", c.server.max_pending_body_bytes));
  ZKR_ASSIGN_OR_RETURN(c.server.rpc.max_response_bytes,
                       limits.u64("maxResponseBytes", c.server.rpc.max_response_bytes));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t slow,
                       limits.u64("slowConsumerTimeoutSeconds", 10, 3600));
  c.server.slow_consumer_timeout = std::chrono::seconds(slow);
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t idle, limits.u64("idleTimeoutSeconds", 60, 86400));
  c.server.idle_timeout = std::chrono::seconds(idle);
  ZKR_ASSIGN_OR_RETURN(
      c.server.max_subscriptions_per_connection,
      limits.u64("subscriptionsPerConnection", c.server.max_subscriptions_per_connection));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t rps, limits.u64("requestsPerSecond", 2000));
  c.server.requests_per_second = static_cast<double>(rps);
  c.server.request_burst = static_cast<double>(2 * rps);
  ZKR_ASSIGN_OR_RETURN(c.server.rpc.max_batch,
                       limits.u64("maxBatchLength", c.server.rpc.max_batch));
  ZKR_ASSIGN_OR_RETURN(c.server.io_threads, limits.u64("ioThreads", c.server.io_threads, 64));
  ZKR_ASSIGN_OR_RETURN(c.server.workers, limits.u64("workerThreads", c.server.workers, 64));
  if (c.server.io_threads == 0 || c.server.workers == 0)
    return absl::InvalidArgumentError(
        "limits.ioThreads and limits.workerThreads must be at least 1");
  ZKR_RETURN_IF_ERROR(limits.finish());

  ZKR_ASSIGN_OR_RETURN(const std::string role, top.string("role", "writer"));
  if (role == "writer")
    c.role = ServeRole::kWriter;
  else if (role == "standby")
    c.role = ServeRole::kStandby;
  else if (role == "replica")
    c.role = ServeRole::kReplica;
  else
    return absl::InvalidArgumentError("config.role must be \"writer\", \"standby\" or \"replica\"");
  if (c.role == ServeRole::kReplica) c.engine.role = router::Role::kReplica;
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t follow_ms, top.u64("followIntervalMs", 20, 60'000));
  c.engine.follow_interval = std::chrono::milliseconds(std::max<std::uint64_t>(follow_ms, 1));
  // Default: the address it listens on, with the port it gets (filled in once it listens).
  ZKR_ASSIGN_OR_RETURN(c.advertise, top.string("advertiseAddress", ""));
  ZKR_ASSIGN_OR_RETURN(c.engine.database_path, top.string("database", "data/zkrouter.db"));
  if (c.role == ServeRole::kStandby && !settlement::is_postgres_location(c.engine.database_path))
    return absl::InvalidArgumentError(
        "config.role \"standby\" needs a PostgreSQL database (its writer lock is what a standby "
        "waits on)");
  ZKR_ASSIGN_OR_RETURN(const std::string durability, top.string("durability", "full"));
  if (durability != "full" && durability != "normal")
    return absl::InvalidArgumentError("config.durability must be \"full\" or \"normal\"");
  c.engine.durability =
      durability == "full" ? settlement::Durability::kFull : settlement::Durability::kNormal;
  ZKR_ASSIGN_OR_RETURN(const bool gives_way, top.boolean("writerGivesWay", true));
  c.engine.give_way = gives_way ? router::GiveWay::to_waiting_threads() : router::GiveWay();
  ZKR_ASSIGN_OR_RETURN(const std::string priority, top.string("writerPriority", "background"));
  if (priority != "background" && priority != "normal")
    return absl::InvalidArgumentError("config.writerPriority must be \"background\" or \"normal\"");
  c.background_asked = priority == "background" && top.get("writerPriority") != nullptr;
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t budget, top.u64("writerBackgroundBudgetMs", 25, 60'000));
  if (budget == 0)
    return absl::InvalidArgumentError("config.writerBackgroundBudgetMs must be at least 1");
  // A replica ingests nothing.
  if (priority == "background" && c.role != ServeRole::kReplica)
    c.engine.background_budget = std::chrono::milliseconds(budget);
  ZKR_ASSIGN_OR_RETURN(const std::string log_level, top.string("logLevel", "info"));
  if (!log::level_from_name(log_level, c.log_level))
    return absl::InvalidArgumentError("config.logLevel must be debug, info, warning or error");

  ConfigObject gw(top.get("gateway"), "gateway");
  if (!gw.present()) return absl::InvalidArgumentError("config.gateway is required");
  ZKR_ASSIGN_OR_RETURN(c.engine.gateway.chain_id, gw.u64("chainId", 506));
  ZKR_ASSIGN_OR_RETURN(c.engine.gateway.first_block, gw.u64("firstBlock", 1));
  // A replica signs nothing: it checks proofs against the key stored by its writer.
  if (c.role != ServeRole::kReplica || gw.get("signingKeyFile") != nullptr ||
      gw.get("signingKeyEnv") != nullptr) {
    ZKR_ASSIGN_OR_RETURN(c.engine.gateway.signing_key, key_secret(gw, "signingKey"));
  }
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t block_ms, gw.u64("blockMs", 500, 3'600'000));
  c.block_interval = std::chrono::milliseconds(std::max<std::uint64_t>(block_ms, 10));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t per_batch, gw.u64("blocksPerBatch", 4, 10'000));
  c.blocks_per_batch = static_cast<int>(std::max<std::uint64_t>(per_batch, 1));
  ZKR_RETURN_IF_ERROR(gw.finish());

  if (const json::value* chains = top.get("chains"); chains != nullptr) {
    if (!chains->is_array()) return absl::InvalidArgumentError("config.chains must be an array");
    std::size_t i = 0;
    for (const json::value& entry : chains->as_array()) {
      ConfigObject ch(&entry, absl::StrCat("chains[", i++, "]"));
      ServeConfig::Chain chain;
      router::ChainRegistration& r = chain.registration;
      ZKR_ASSIGN_OR_RETURN(r.chain_id, ch.u64("chainId", 0));
      if (r.chain_id == 0) return absl::InvalidArgumentError(ch.name("chainId") + " is required");
      ZKR_ASSIGN_OR_RETURN(const std::string layer, ch.string("settlementLayer", "gateway"));
      const auto l = settlement::layer_from_name(layer);
      if (!l)
        return absl::InvalidArgumentError(ch.name("settlementLayer") + " must be gateway or l1");
      chain.layer = *l;
      ZKR_ASSIGN_OR_RETURN(const std::string contract, ch.string("l1Contract", ""));
      if (!contract.empty()) {
        const auto address = merkle::parse_address(contract);
        if (!address.ok())
          return absl::InvalidArgumentError(ch.name("l1Contract") + " must be a 20-byte address");
        r.l1_contract = *address;
      }
      ZKR_ASSIGN_OR_RETURN(r.credential, secret(ch, "credential"));
      ZKR_ASSIGN_OR_RETURN(const std::string prover, ch.string("proverKey", ""));
      auto prover_key = merkle::parse_hex(prover);
      if (prover_key.ok()) r.prover_key = std::move(*prover_key);
      if (!prover_key.ok() || !settlement::secp256k1::parse_public_key(r.prover_key).ok())
        return absl::InvalidArgumentError(
            ch.name("proverKey") + " must be the chain prover's secp256k1 public key (0x hex)");
      ZKR_ASSIGN_OR_RETURN(const std::string rpc_url, ch.string("rpcUrl", ""));
      if (!rpc_url.empty()) {
        absl::StatusOr<api::Upstream> upstream = api::Upstream::create(r.chain_id, rpc_url);
        if (!upstream.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(ch.name("rpcUrl"), ": ", upstream.status().message()));
        }
        c.server.upstreams.emplace(r.chain_id, std::move(*upstream));
      }
      ZKR_RETURN_IF_ERROR(ch.finish());
      c.chains.push_back(std::move(chain));
    }
  }

  ConfigObject l1(top.get("l1"), "l1");
  if (l1.present()) {
    ZKR_ASSIGN_OR_RETURN(const std::string endpoint, l1.string("endpoint", ""));
    ZKR_ASSIGN_OR_RETURN(c.l1, settlement::EthRpcClient::create(endpoint));
    ZKR_ASSIGN_OR_RETURN(auto key, key_secret(l1, "key"));
    c.l1_key = *key;
    settlement::SubmitterConfig s;
    ZKR_ASSIGN_OR_RETURN(const std::string address, l1.string("settlementAddress", ""));
    ZKR_ASSIGN_OR_RETURN(s.settlement_address, merkle::parse_address(address));
    ZKR_ASSIGN_OR_RETURN(s.confirmations, l1.u64("confirmations", 1, 1000));
    ZKR_ASSIGN_OR_RETURN(s.max_batches_per_tx, l1.u64("maxBatchesPerTx", 16, 1024));
    ZKR_ASSIGN_OR_RETURN(const std::uint64_t stuck, l1.u64("stuckAfterSeconds", 60, 86400));
    s.stuck_after = std::chrono::seconds(stuck);
    ZKR_ASSIGN_OR_RETURN(const std::uint64_t bump, l1.u64("feeBumpPercent", 25, 1000));
    s.fee_bump_percent = static_cast<std::uint32_t>(std::max<std::uint64_t>(bump, 10));
    c.submitter = s;
  }
  ZKR_RETURN_IF_ERROR(l1.finish());

  ConfigObject gas(top.get("gasModel"), "gasModel");
  settlement::GasModel& m = c.engine.gas_model;
  ZKR_ASSIGN_OR_RETURN(m.tx_base_gas, gas.u64("txBaseGas", m.tx_base_gas));
  ZKR_ASSIGN_OR_RETURN(m.proof_verification_gas,
                       gas.u64("proofVerificationGas", m.proof_verification_gas));
  ZKR_ASSIGN_OR_RETURN(m.batch_state_gas, gas.u64("batchStateGas", m.batch_state_gas));
  ZKR_ASSIGN_OR_RETURN(m.per_commitment_gas, gas.u64("perCommitmentGas", m.per_commitment_gas));
  ZKR_ASSIGN_OR_RETURN(m.gas_price_wei, gas.u64("gasPriceWei", m.gas_price_wei));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t zk, gas.u64("zkPerEth", 20000));
  m.zk_per_eth = static_cast<double>(zk);
  ZKR_RETURN_IF_ERROR(gas.finish());
  ZKR_RETURN_IF_ERROR(top.finish());
  return c;
}

}  // namespace

int run_serve(const std::string& config_path) {
  auto loaded = load_config(config_path);
  if (!loaded.ok()) {
    log::error("zkrouter serve: ", loaded.status().message());
    return 2;
  }
  ServeConfig& c = *loaded;
  log::set_level(c.log_level);
  log::debug("zkrouter serve: config ", config_path, " read; opening ",
             settlement::display_location(c.engine.database_path));
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const bool replica = c.role == ServeRole::kReplica;
  if (c.engine.background_budget.count() > 0 && !router::BackgroundWriter::permitted()) {
    if (c.background_asked) {
      log::error("zkrouter serve: config.writerPriority \"background\": ",
                 router::BackgroundWriter::kNeeds, "; grant one or set it to \"normal\"");
      return 2;
    }
    log::warning("zkrouter serve: the writer runs at normal priority: ",
                 router::BackgroundWriter::kNeeds);
    c.engine.background_budget = std::chrono::milliseconds(0);
  }
  auto opened = router::Engine::open(c.engine);
  // A standby waits for the writer's lock: it becomes the writer when the one holding it is gone.
  for (auto last_said = std::chrono::steady_clock::time_point{};
       c.role == ServeRole::kStandby && !opened.ok() &&
       settlement::writer_lock_held(opened.status());
       opened = router::Engine::open(c.engine)) {
    if (std::chrono::steady_clock::now() - last_said > std::chrono::minutes(1)) {
      log::info("zkrouter serve: standby: waiting to become the writer (",
                opened.status().message(), ")");
      last_said = std::chrono::steady_clock::now();
    }
    for (int i = 0; i < 5 && !g_stop; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (g_stop) {
      log::info("zkrouter serve: standby: stopped before becoming the writer");
      return 0;
    }
  }
  if (!opened.ok()) {
    log::error("zkrouter serve: ", opened.status().message());
    return 1;
  }
  router::Engine& engine = **opened;
  if (c.role == ServeRole::kStandby)
    log::info("zkrouter serve: standby: now the writer, from event ", engine.last_event_seq());
  // A configured chain is registered once: it launches on L1, and one on the Gateway migrates
  // there before its first batch (both recorded in its history). A replica only reads.
  for (const ServeConfig::Chain& chain : c.chains) {
    const router::ChainRegistration& r = chain.registration;
    if (replica || engine.chain(r.chain_id)) continue;
    if (absl::Status s = engine.register_chain(r); !s.ok()) {
      log::error("zkrouter serve: registering chain ", r.chain_id, ": ", s.message());
      return 1;
    }
    log::info("zkrouter serve: chain ", r.chain_id, " registered on L1");
    if (chain.layer == settlement::SettlementLayer::kL1) continue;
    if (absl::Status s = engine.migrate_chain(r.chain_id, chain.layer); !s.ok()) {
      log::error("zkrouter serve: migrating chain ", r.chain_id, " to the Gateway: ", s.message());
      return 1;
    }
    log::info("zkrouter serve: chain ", r.chain_id, " migrated to the Gateway from batch 1");
  }
  api::Server server(engine, c.server);
  const auto port = server.start();
  if (!port.ok()) {
    log::error("zkrouter serve: ", port.status().message());
    return 1;
  }
  const bool tls = !c.server.tls_certificate_file.empty();
  if (!replica) {
    // Where replicas send writers: told to every replica through the database.
    const std::string address = c.advertise.empty() ? absl::StrCat(tls ? "https://" : "http://",
                                                                   c.server.address, ":", *port)
                                                    : c.advertise;
    if (absl::Status s = engine.advertise_writer(address); !s.ok()) {
      log::error("zkrouter serve: recording the writer's address: ", s.message());
      return 1;
    }
  }
  std::printf("zkrouter serve: API on %s://%s:%u and %s://%s:%u (database %s, %s)\n",
              tls ? "https" : "http", c.server.address.c_str(), *port, tls ? "wss" : "ws",
              c.server.address.c_str(), *port,
              settlement::display_location(c.engine.database_path).c_str(),
              replica ? "read replica" : "writer");
  std::fflush(stdout);
  if (replica) {
    // It follows the writer's events (router/engine.hpp) and serves; nothing else runs here.
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server.stop();
    log::info("zkrouter serve: stopped");
    return 0;
  }

  PeriodicTask sealer(c.block_interval, [&] {
    if (auto s = seal_gateway_step(engine, c.blocks_per_batch); !s.ok())
      log::error("zkrouter serve: Gateway: ", s.status().message());
    else
      log::debug("zkrouter serve: Gateway block ", *s, " sealed");
  });
  std::unique_ptr<settlement::L1Submitter> submitter;
  std::unique_ptr<PeriodicTask> l1_task, watch_task;
  std::unique_ptr<L1WatchStep> watch;
  if (c.l1) {
    // Chains settling on L1 themselves (with an l1Contract) reach l1_final from its logs.
    watch = std::make_unique<L1WatchStep>(engine, *c.l1, "zkrouter serve");
    watch_task =
        std::make_unique<PeriodicTask>(std::chrono::milliseconds(1000), [&watch] { (*watch)(); });
  }
  if (c.submitter) {
    submitter = std::make_unique<settlement::L1Submitter>(
        *c.submitter, *c.l1, *c.l1_key,
        [&engine](const auto& body) { return engine.settle(body); });
    l1_task = std::make_unique<PeriodicTask>(std::chrono::milliseconds(1000),
                                             L1Step(*submitter, "zkrouter serve"));
  }
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  l1_task.reset();
  watch_task.reset();
  sealer.stop();
  server.stop();
  log::info("zkrouter serve: stopped");
  return 0;
}

}  // namespace zkr::app

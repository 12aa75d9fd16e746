#include "settlement/ethereum/embedded_l1.hpp"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "settlement/ethereum/l1_calls.hpp"

namespace zkr::settlement {
namespace {

constexpr std::size_t kCommitEntryBytes = 6 * 32;
constexpr std::size_t kExecuteEntryBytes = 2 * 32;
constexpr std::size_t kProofHeaderBytes = 8 * 32;
constexpr std::size_t kCommitmentBytes = 4 * 32;
constexpr std::uint64_t kMaxCovered = 1 << 16;

merkle::Word entry_word(merkle::ByteSpan data, std::size_t entry, std::size_t entry_bytes,
                        std::size_t word) {
  merkle::Word w{};
  std::copy_n(data.begin() + static_cast<long>(entry * entry_bytes + 32 * word), 32, w.begin());
  return w;
}

/// An event of the contract with every argument indexed: topic 0 and one topic per argument.
L1Log event_log(const merkle::Address& at, std::string_view signature,
                std::initializer_list<merkle::Word> args) {
  L1Log log{.address = at, .topics = {merkle::keccak256(signature)}};
  log.topics.insert(log.topics.end(), args.begin(), args.end());
  return log;
}

}  // namespace

EmbeddedL1::EmbeddedL1(EmbeddedL1Config config) : config_(std::move(config)) {
  instances_[config_.settlement_address] = {.chain_id = config_.gateway_chain_id,
                                            .signer = config_.gateway_key,
                                            .admin = config_.settlement_admin};
  Block genesis;
  genesis.hash = merkle::keccak256(std::string_view("zkrouter embedded L1 genesis"));
  blocks_.push_back(std::move(genesis));
}

EmbeddedL1::~EmbeddedL1() {
  stop_mining();
}

absl::StatusOr<std::uint64_t> EmbeddedL1::chain_id() {
  return config_.chain_id;
}

absl::StatusOr<std::uint64_t> EmbeddedL1::head() {
  std::lock_guard lock(mutex_);
  return blocks_.back().number;
}

absl::StatusOr<std::uint64_t> EmbeddedL1::finalized() {
  std::lock_guard lock(mutex_);
  const std::uint64_t h = blocks_.back().number;
  return h > config_.finality_depth ? h - config_.finality_depth : 0;
}

absl::StatusOr<L1Fees> EmbeddedL1::fees() {
  std::lock_guard lock(mutex_);
  return L1Fees{.base_fee_per_gas = config_.base_fee_per_gas,
                .max_priority_fee_per_gas = 1'000'000'000};
}

std::uint64_t EmbeddedL1::account_nonce_locked(const merkle::Address& a) const {
  const auto it = nonces_.find(a);
  return it == nonces_.end() ? 0 : it->second;
}

absl::StatusOr<std::uint64_t> EmbeddedL1::nonce(const merkle::Address& sender) {
  std::lock_guard lock(mutex_);
  return account_nonce_locked(sender);
}

std::uint64_t EmbeddedL1::intrinsic_gas(merkle::ByteSpan data) const {
  return config_.gas.tx_base_gas + l1calls::calldata_gas(data);
}

absl::StatusOr<std::uint64_t> EmbeddedL1::estimate_gas(const merkle::Address& from,
                                                       const std::optional<merkle::Address>& to,
                                                       merkle::ByteSpan data) {
  std::lock_guard lock(mutex_);
  eth::SignedTx probe;
  probe.from = from;
  probe.tx.to = to;
  probe.tx.data.assign(data.begin(), data.end());
  probe.tx.gas_limit = config_.block_gas_limit;
  Instances scratch = instances_;
  const Execution run = execute(probe, scratch);
  if (!run.ok) {
    return absl::FailedPreconditionError(absl::StrCat("eth_estimateGas: execution reverted [",
                                                      l1calls::describe_revert(run.revert), "]"));
  }
  return run.gas;
}

EmbeddedL1::Execution EmbeddedL1::execute(const eth::SignedTx& stx, Instances& instances) const {
  const eth::Eip1559Tx& tx = stx.tx;
  const std::uint64_t intrinsic = intrinsic_gas(tx.data);
  if (tx.gas_limit < intrinsic) return {false, tx.gas_limit, {}, {}};
  const auto instance = tx.to ? instances.find(*tx.to) : instances.end();
  if (instance == instances.end()) return {true, intrinsic, {}, {}};
  const merkle::Address& contract_at = instance->first;
  const std::uint64_t chain_id = instance->second.chain_id;
  SettlementContractState& st = instance->second.state;
  std::vector<L1Log> logs;
  // The contract's checks in its order, with its errors (contracts/L1Settlement.sol).
  const auto revert = [&](std::string_view error, std::initializer_list<merkle::Word> args) {
    return Execution{
        false, std::min(tx.gas_limit, intrinsic), l1calls::with_words(error, args), {}};
  };
  const auto u = [](std::uint64_t v) { return merkle::be32(v); };
  static const merkle::Selector kResume = merkle::function_selector("resumeAfter(uint256)");
  if (merkle::calls(tx.data, kResume)) {
    if (tx.data.size() < 4 + 32) return {false, std::min(tx.gas_limit, intrinsic), {}, {}};
    merkle::Word last{};
    std::copy_n(tx.data.begin() + 4, 32, last.begin());
    if (stx.from != instance->second.admin)
      return revert("NotAdmin(address)", {merkle::address_to_word(stx.from)});
    const std::optional<std::uint64_t> n = merkle::to_u64(last);
    if (!n) return revert("NumberTooLarge(uint256)", {last});
    if (st.committed != st.executed)
      return revert("BatchesInFlight(uint256,uint256)", {u(st.committed), u(st.executed)});
    if (*n <= st.executed) return revert("NotAfter(uint256,uint256)", {u(st.executed), last});
    const std::uint64_t used = intrinsic + config_.gas.batch_state_gas;
    if (used > tx.gas_limit) return {false, tx.gas_limit, {}, {}};
    st.committed = st.proven = st.executed = *n;
    return {true, used, {}, {event_log(contract_at, "ChainResumed(uint256)", {last})}};
  }
  const auto call = l1calls::decode(tx.data);
  if (!call.ok()) return {false, std::min(tx.gas_limit, intrinsic), {}, {}};  // no such function
  const std::uint64_t reached = call->action == l1calls::Action::kCommit  ? st.committed
                                : call->action == l1calls::Action::kProve ? st.proven
                                                                          : st.executed;
  if (call->chain_id != chain_id)
    return revert("WrongChain(uint256,uint256)", {u(chain_id), u(call->chain_id)});
  if (call->last < call->first)
    return revert("EmptyRange(uint256,uint256)", {u(call->first), u(call->last)});
  if (call->first != reached + 1)
    return revert("OutOfOrder(uint256,uint256)", {u(reached + 1), u(call->first)});
  const std::uint64_t count = call->last - call->first + 1;
  const merkle::ByteSpan data(call->data);
  const GasModel& gas = config_.gas;
  SettlementContractState next = st;
  std::uint64_t used = intrinsic;
  switch (call->action) {
    case l1calls::Action::kCommit: {
      if (data.size() != count * kCommitEntryBytes) {
        return revert("PayloadLength(uint256,uint256)",
                      {u(count * kCommitEntryBytes), u(data.size())});
      }
      for (std::uint64_t i = 0; i < count; ++i) {
        const merkle::Word number = entry_word(data, i, kCommitEntryBytes, 0);
        if (number != u(call->first + i))
          return revert("BatchNumberMismatch(uint256,uint256)", {u(call->first + i), number});
        next.roots[call->first + i] = entry_word(data, i, kCommitEntryBytes, 1);
        logs.push_back(event_log(contract_at, "BlockCommit(uint256,bytes32)",
                                 {u(call->first + i), next.roots[call->first + i]}));
      }
      next.committed = call->last;
      used += count * gas.batch_state_gas / 2;
      break;
    }
    case l1calls::Action::kProve: {
      if (call->last > st.committed) return revert("NotCommitted(uint256)", {u(call->last)});
      std::size_t at = 0;
      for (std::uint64_t n = call->first; n <= call->last; ++n) {
        const auto word = [&](std::size_t i) { return entry_word(data.subspan(at), 0, 0, i); };
        if (data.size() < at + kProofHeaderBytes) return revert("MalformedProof(uint256)", {u(n)});
        for (const std::size_t i : {0, 1, 4}) {
          if (!merkle::to_u64(word(i))) return revert("NumberTooLarge(uint256)", {word(i)});
        }
        const std::uint64_t covered = *merkle::to_u64(word(4));
        const std::optional<std::uint64_t> v = merkle::to_u64(word(7));
        if (!v || *v > 1 || covered > kMaxCovered) return revert("MalformedProof(uint256)", {u(n)});
        const std::size_t end = at + kProofHeaderBytes + covered * kCommitmentBytes;
        if (data.size() < end) return revert("MalformedProof(uint256)", {u(n)});
        if (word(0) != u(chain_id))
          return revert("WrongChain(uint256,uint256)", {u(chain_id), word(0)});
        if (word(1) != u(n)) return revert("BatchNumberMismatch(uint256,uint256)", {u(n), word(1)});
        if (word(2) != st.roots.at(n)) {
          return revert("BatchRootMismatch(uint256,bytes32,bytes32)",
                        {u(n), st.roots.at(n), word(2)});
        }
        for (std::uint64_t c = 0; c < covered; ++c) {
          for (const std::size_t i : {0, 1}) {
            const merkle::Word w =
                entry_word(data.subspan(at + kProofHeaderBytes), c, kCommitmentBytes, i);
            if (!merkle::to_u64(w)) return revert("NumberTooLarge(uint256)", {w});
          }
        }
        const auto proof = decode_aggregated(data.subspan(at, end - at), nullptr);
        if (!proof.ok()) return revert("MalformedProof(uint256)", {u(n)});
        const merkle::Word computed = commitments_root(proof->covered);
        if (computed != proof->commitments_root) {
          return revert("CommitmentsRootMismatch(uint256,bytes32,bytes32)",
                        {u(n), proof->commitments_root, computed});
        }
        if (!verify_aggregated(*proof, instance->second.signer).ok())
          return revert("BadSignature(uint256)", {u(n)});
        used += gas.proof_verification_gas + gas.per_commitment_gas * covered;
        at = end;
      }
      if (at != data.size()) return revert("TrailingProofData(uint256)", {u(data.size() - at)});
      logs.push_back(event_log(contract_at, "BlocksVerification(uint256,uint256)",
                               {u(st.proven), u(call->last)}));
      next.proven = call->last;
      break;
    }
    case l1calls::Action::kExecute: {
      if (call->last > st.proven) return revert("NotProven(uint256)", {u(call->last)});
      if (data.size() != count * kExecuteEntryBytes) {
        return revert("PayloadLength(uint256,uint256)",
                      {u(count * kExecuteEntryBytes), u(data.size())});
      }
      for (std::uint64_t i = 0; i < count; ++i) {
        const std::uint64_t n = call->first + i;
        const merkle::Word number = entry_word(data, i, kExecuteEntryBytes, 0);
        if (number != u(n)) return revert("BatchNumberMismatch(uint256,uint256)", {u(n), number});
        const merkle::Word root = entry_word(data, i, kExecuteEntryBytes, 1);
        if (root != st.roots.at(n)) {
          return revert("BatchRootMismatch(uint256,bytes32,bytes32)", {u(n), st.roots.at(n), root});
        }
        logs.push_back(event_log(contract_at, "BlockExecution(uint256,bytes32)", {u(n), root}));
      }
      next.executed = call->last;
      used += count * gas.batch_state_gas / 2;
      break;
    }
  }
  if (used > tx.gas_limit) return {false, tx.gas_limit, {}, {}};  // out of gas: no data
  st = std::move(next);
  return {true, used, {}, std::move(logs)};
}

absl::StatusOr<merkle::Word> EmbeddedL1::send_raw(merkle::ByteSpan raw) {
  ZKR_ASSIGN_OR_RETURN(eth::SignedTx stx, eth::decode_signed(raw));
  std::lock_guard lock(mutex_);
  if (stx.tx.chain_id != config_.chain_id)
    return absl::InvalidArgumentError(absl::StrCat("transaction is for chain ", stx.tx.chain_id,
                                                   "; this L1 is chain ", config_.chain_id));
  if (tx_index_.contains(stx.hash)) return stx.hash;  // already included
  if (stx.tx.nonce < account_nonce_locked(stx.from))
    return absl::FailedPreconditionError(absl::StrCat("nonce too low: ", stx.tx.nonce));
  if (stx.tx.max_priority_fee_per_gas > stx.tx.max_fee_per_gas)
    return absl::InvalidArgumentError("max priority fee per gas exceeds max fee per gas");
  const auto key = std::pair{stx.from, stx.tx.nonce};
  if (const auto it = pool_.find(key); it != pool_.end()) {
    if (it->second.hash == stx.hash) return stx.hash;  // already known
    const auto& old = it->second.tx;
    // Replacement needs at least 10% more on both fee fields, as geth and anvil require.
    if (stx.tx.max_fee_per_gas * 10 < old.max_fee_per_gas * 11 ||
        stx.tx.max_priority_fee_per_gas * 10 < old.max_priority_fee_per_gas * 11)
      return absl::FailedPreconditionError("replacement transaction underpriced");
  }
  pool_[key] = stx;
  return stx.hash;
}

absl::StatusOr<std::optional<L1Receipt>> EmbeddedL1::receipt(const merkle::Word& tx_hash) {
  std::lock_guard lock(mutex_);
  const auto it = tx_index_.find(tx_hash);
  if (it == tx_index_.end()) return std::optional<L1Receipt>{};
  return std::optional<L1Receipt>{blocks_[it->second.first].receipts[it->second.second]};
}

absl::StatusOr<bool> EmbeddedL1::knows(const merkle::Word& tx_hash) {
  std::lock_guard lock(mutex_);
  if (tx_index_.contains(tx_hash)) return true;
  return std::any_of(pool_.begin(), pool_.end(),
                     [&](const auto& entry) { return entry.second.hash == tx_hash; });
}

absl::StatusOr<std::optional<merkle::Word>> EmbeddedL1::block_hash(std::uint64_t number) {
  std::lock_guard lock(mutex_);
  if (number >= blocks_.size()) return std::optional<merkle::Word>{};
  return std::optional<merkle::Word>{blocks_[number].hash};
}

absl::StatusOr<std::string> EmbeddedL1::revert_reason(const eth::SignedTx& tx, std::uint64_t) {
  std::lock_guard lock(mutex_);
  const auto it = tx_index_.find(tx.hash);
  if (it == tx_index_.end())
    return absl::NotFoundError(absl::StrCat("no transaction ", merkle::to_hex(tx.hash)));
  const auto [block, i] = it->second;
  if (blocks_[block].receipts[i].success)
    return absl::FailedPreconditionError("the transaction did not revert");
  return l1calls::describe_revert(blocks_[block].reverts[i]);
}

void EmbeddedL1::append_block_locked(std::vector<eth::SignedTx> txs) {
  Block b;
  b.number = blocks_.size();
  merkle::Bytes preimage(blocks_.back().hash.begin(), blocks_.back().hash.end());
  const merkle::Word number = merkle::be32(b.number), fork = merkle::be32(forks_);
  preimage.insert(preimage.end(), number.begin(), number.end());
  preimage.insert(preimage.end(), fork.begin(), fork.end());
  for (const auto& tx : txs) preimage.insert(preimage.end(), tx.hash.begin(), tx.hash.end());
  b.hash = merkle::keccak256(merkle::ByteSpan(preimage));
  for (std::size_t i = 0; i < txs.size(); ++i) {
    Execution run = execute(txs[i], instances_);
    for (L1Log& log : run.logs) {
      log.block_number = b.number;
      log.block_hash = b.hash;
      log.tx_hash = txs[i].hash;
      b.logs.push_back(std::move(log));
    }
    nonces_[txs[i].from] = txs[i].tx.nonce + 1;
    const std::uint64_t tip = std::min(txs[i].tx.max_priority_fee_per_gas,
                                       txs[i].tx.max_fee_per_gas - config_.base_fee_per_gas);
    b.receipts.push_back({.tx_hash = txs[i].hash,
                          .block_number = b.number,
                          .block_hash = b.hash,
                          .success = run.ok,
                          .gas_used = run.gas,
                          .effective_gas_price = config_.base_fee_per_gas + tip});
    b.reverts.push_back(run.revert);
    tx_index_[txs[i].hash] = {b.number, i};
  }
  b.txs = std::move(txs);
  blocks_.push_back(std::move(b));
}

std::uint64_t EmbeddedL1::mine() {
  std::lock_guard lock(mutex_);
  std::vector<eth::SignedTx> chosen;
  std::uint64_t gas_left = config_.block_gas_limit;
  std::map<merkle::Address, std::uint64_t> next;
  // The pool is ordered by (sender, nonce): take each sender's run of consecutive nonces that
  // pays the base fee and fits the block.
  for (auto it = pool_.begin(); it != pool_.end();) {
    const eth::SignedTx& stx = it->second;
    auto [pos, fresh] = next.try_emplace(stx.from, account_nonce_locked(stx.from));
    if (stx.tx.nonce != pos->second || stx.tx.max_fee_per_gas < config_.base_fee_per_gas ||
        stx.tx.gas_limit > gas_left) {
      ++it;
      continue;
    }
    gas_left -= stx.tx.gas_limit;
    pos->second += 1;
    chosen.push_back(stx);
    it = pool_.erase(it);
  }
  append_block_locked(std::move(chosen));
  // Transactions whose nonce is now used are gone for good.
  std::erase_if(
      pool_, [&](const auto& e) { return e.first.second < account_nonce_locked(e.first.first); });
  return blocks_.back().number;
}

void EmbeddedL1::start_mining() {
  std::lock_guard lock(mutex_);
  if (mining_) return;
  mining_ = true;
  miner_ = std::thread([this] {
    std::unique_lock guard(mutex_);
    while (mining_) {
      if (stop_cv_.wait_for(guard, config_.block_time, [this] { return !mining_; })) break;
      guard.unlock();
      mine();
      guard.lock();
    }
  });
}

void EmbeddedL1::stop_mining() {
  {
    std::lock_guard lock(mutex_);
    mining_ = false;
  }
  stop_cv_.notify_all();
  if (miner_.joinable()) miner_.join();
}

absl::Status EmbeddedL1::reorg(std::uint64_t depth) {
  std::lock_guard lock(mutex_);
  const std::uint64_t h = blocks_.back().number;
  if (depth == 0 || depth > config_.finality_depth || depth > h)
    return absl::FailedPreconditionError(
        absl::StrCat("a reorg of ", depth, " blocks would undo a finalized block (finality depth ",
                     config_.finality_depth, ", head ", h, ")"));
  blocks_.resize(blocks_.size() - depth);
  ++forks_;
  // Rebuild the account and contract state from the surviving blocks.
  nonces_.clear();
  tx_index_.clear();
  for (auto& [address, instance] : instances_) instance.state = {};
  for (Block& b : blocks_) {
    for (std::size_t i = 0; i < b.txs.size(); ++i) {
      b.reverts[i] = execute(b.txs[i], instances_).revert;
      nonces_[b.txs[i].from] = b.txs[i].tx.nonce + 1;
      tx_index_[b.txs[i].hash] = {b.number, i};
    }
  }
  for (std::uint64_t i = 0; i <= depth; ++i) append_block_locked({});
  return absl::OkStatus();
}

void EmbeddedL1::set_base_fee(std::uint64_t wei) {
  std::lock_guard lock(mutex_);
  config_.base_fee_per_gas = wei;
}

void EmbeddedL1::drop_pending(const merkle::Word& tx_hash) {
  std::lock_guard lock(mutex_);
  std::erase_if(pool_, [&](const auto& e) { return e.second.hash == tx_hash; });
}

SettlementContractState EmbeddedL1::contract() const {
  return contract(config_.settlement_address);
}

SettlementContractState EmbeddedL1::contract(const merkle::Address& address) const {
  std::lock_guard lock(mutex_);
  const auto it = instances_.find(address);
  return it == instances_.end() ? SettlementContractState{} : it->second.state;
}

absl::Status EmbeddedL1::add_settlement(const merkle::Address& address, std::uint64_t chain_id,
                                        const secp256k1::PublicKey& signer,
                                        const merkle::Address& admin) {
  std::lock_guard lock(mutex_);
  if (!instances_
           .try_emplace(address,
                        SettlementInstance{.chain_id = chain_id, .signer = signer, .admin = admin})
           .second) {
    return absl::AlreadyExistsError(
        absl::StrCat("the embedded L1 has a settlement contract at ", merkle::to_hex(address)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<L1Log>> EmbeddedL1::logs(const LogFilter& filter) {
  std::lock_guard lock(mutex_);
  std::vector<L1Log> out;
  const std::uint64_t last = std::min<std::uint64_t>(filter.to_block, blocks_.size() - 1);
  for (std::uint64_t n = filter.from_block; n <= last; ++n) {
    for (const L1Log& log : blocks_[n].logs) {
      if (log.address != filter.address) continue;
      bool match = true;
      for (std::size_t i = 0; i < filter.topics.size() && match; ++i)
        match = !filter.topics[i] || (i < log.topics.size() && log.topics[i] == *filter.topics[i]);
      if (match) out.push_back(log);
    }
  }
  return out;
}

std::vector<eth::SignedTx> EmbeddedL1::included() const {
  std::lock_guard lock(mutex_);
  std::vector<eth::SignedTx> out;
  for (const Block& b : blocks_) out.insert(out.end(), b.txs.begin(), b.txs.end());
  return out;
}

}  // namespace zkr::settlement

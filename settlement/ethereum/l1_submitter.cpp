#include "settlement/ethereum/l1_submitter.hpp"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"
#include "settlement/ethereum/eth_tx.hpp"
#include "settlement/ethereum/l1_calls.hpp"
#include "settlement/store/events.hpp"

namespace zkr::settlement {
namespace {

constexpr std::string_view kColumns =
    "id, action, first_batch, last_batch, nonce, attempt, tx_hash, raw, max_fee_per_gas, "
    "max_priority_fee_per_gas, gas_limit, state, block_number, block_hash, gas_used, sent_at, "
    "revert_reason";

absl::StatusOr<l1calls::Action> read_action(const Statement& row, int i) {
  const std::string text = row.column_text(i);
  for (const auto a :
       {l1calls::Action::kCommit, l1calls::Action::kProve, l1calls::Action::kExecute})
    if (text == l1calls::action_name(a)) return a;
  return absl::DataLossError(absl::StrCat("unknown L1 action '", text, "' in l1_transactions"));
}

absl::StatusOr<L1TxState> read_state(const Statement& row, int i) {
  const std::string text = row.column_text(i);
  const auto state = l1_tx_state_from_name(text);
  if (!state) return absl::DataLossError(absl::StrCat("unknown L1 transaction state '", text, "'"));
  return *state;
}

absl::StatusOr<std::vector<L1TxRecord>> collect(Statement* s) {
  std::vector<L1TxRecord> out;
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    L1TxRecord r;
    r.id = row.column_int64(0);
    ZKR_ASSIGN_OR_RETURN(r.action, read_action(row, 1));
    r.first_batch = static_cast<std::uint64_t>(row.column_int64(2));
    r.last_batch = static_cast<std::uint64_t>(row.column_int64(3));
    r.nonce = static_cast<std::uint64_t>(row.column_int64(4));
    r.attempt = static_cast<std::uint64_t>(row.column_int64(5));
    ZKR_ASSIGN_OR_RETURN(r.tx_hash, row.column_word(6));
    const auto raw = row.column_blob(7);
    r.raw.assign(raw.begin(), raw.end());
    r.max_fee_per_gas = static_cast<std::uint64_t>(row.column_int64(8));
    r.max_priority_fee_per_gas = static_cast<std::uint64_t>(row.column_int64(9));
    r.gas_limit = static_cast<std::uint64_t>(row.column_int64(10));
    ZKR_ASSIGN_OR_RETURN(r.state, read_state(row, 11));
    if (!row.column_is_null(12)) r.block_number = static_cast<std::uint64_t>(row.column_int64(12));
    if (!row.column_is_null(13)) {
      ZKR_ASSIGN_OR_RETURN(r.block_hash, row.column_word(13));
    }
    if (!row.column_is_null(14)) r.gas_used = static_cast<std::uint64_t>(row.column_int64(14));
    r.sent_at_ms = row.column_int64(15);
    if (!row.column_is_null(16)) r.revert_reason = row.column_text(16);
    out.push_back(std::move(r));
    return absl::OkStatus();
  }));
  return out;
}

/// The rows of every nonce that still has a pending or included transaction.
absl::StatusOr<std::vector<L1TxRecord>> load_open(Database& db) {
  ZKR_ASSIGN_OR_RETURN(Statement * s, db.prepare(absl::StrCat(
                                          "SELECT ", to_absl(kColumns),
                                          " FROM l1_transactions WHERE nonce IN (SELECT nonce FROM "
                                          "l1_transactions WHERE state IN ('pending', 'included')) "
                                          "ORDER BY nonce, attempt")));
  return collect(s);
}

absl::Status insert(Database& db, L1TxRecord& r) {
  ZKR_ASSIGN_OR_RETURN(
      Statement * s,
      db.prepare("INSERT INTO l1_transactions (id, action, first_batch, last_batch, nonce, "
                 "attempt, tx_hash, raw, max_fee_per_gas, max_priority_fee_per_gas, gas_limit, "
                 "state, sent_at) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM l1_transactions), "
                 "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', ?11) RETURNING id"));
  s->bind(1, l1calls::action_name(r.action))
      .bind(2, r.first_batch)
      .bind(3, r.last_batch)
      .bind(4, r.nonce)
      .bind(5, r.attempt)
      .bind(6, r.tx_hash)
      .bind(7, merkle::ByteSpan(r.raw))
      .bind(8, r.max_fee_per_gas)
      .bind(9, r.max_priority_fee_per_gas)
      .bind(10, r.gas_limit)
      .bind(11, r.sent_at_ms);
  ZKR_ASSIGN_OR_RETURN(r.id, inserted_key(s));
  r.state = L1TxState::kPending;
  return absl::OkStatus();
}

absl::Status update(Database& db, const L1TxRecord& r) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("UPDATE l1_transactions SET state = ?2, block_number = ?3, "
                                  "block_hash = ?4, gas_used = ?5, sent_at = ?6, revert_reason = "
                                  "?7 WHERE id = ?1"));
  return s->bind(1, r.id)
      .bind(2, l1_tx_state_name(r.state))
      .bind(3, r.block_number)
      .bind(4, r.block_hash)
      .bind(5, r.gas_used)
      .bind(6, r.sent_at_ms)
      .bind(7, r.revert_reason)
      .run();
}

L1Stage stage_after(l1calls::Action action) {
  switch (action) {
    case l1calls::Action::kCommit:
      return L1Stage::kCommitted;
    case l1calls::Action::kProve:
      return L1Stage::kProven;
    case l1calls::Action::kExecute:
      break;
  }
  return L1Stage::kExecuted;
}

/// The stage a call's Gateway batches are at before it (the stages are consecutive).
L1Stage stage_before(l1calls::Action action) {
  return static_cast<L1Stage>(static_cast<int>(stage_after(action)) - 1);
}

std::string describe(const L1TxRecord& r) {
  return absl::StrCat(l1calls::action_name(r.action), " of Gateway batches ", r.first_batch, "..",
                      r.last_batch, " (nonce ", r.nonce, ", tx ", merkle::to_hex(r.tx_hash), ")");
}

std::string tx_detail(const L1TxRecord& r) {
  std::string out = absl::StrCat(R"("action":")", l1calls::action_name(r.action), R"(","tx":")",
                                 merkle::to_hex(r.tx_hash), R"(")");
  if (r.block_number) absl::StrAppend(&out, R"(,"l1Block":)", *r.block_number);
  if (r.gas_used) absl::StrAppend(&out, R"(,"gasUsed":)", *r.gas_used);
  return out;
}

/// Moves each batch of the range to `target`, but only in the direction `raise` says.
absl::Status move_range(GatewayWriter& w, const L1TxRecord& r, L1Stage target, bool raise,
                        std::string_view detail) {
  for (std::uint64_t n = r.first_batch; n <= r.last_batch; ++n) {
    const absl::StatusOr<L1Stage> stage = w.l1_stage(n);
    if (!stage.ok())
      return absl::DataLossError(absl::StrCat("L1 transaction ", r.id, " names Gateway batch ", n,
                                              ", which is not sealed"));
    if (raise ? *stage < target : *stage > target)
      ZKR_RETURN_IF_ERROR(w.set_l1_stage(n, target, detail));
  }
  return absl::OkStatus();
}

}  // namespace

const char* l1_tx_state_name(L1TxState state) noexcept {
  switch (state) {
    case L1TxState::kPending:
      return "pending";
    case L1TxState::kIncluded:
      return "included";
    case L1TxState::kFinal:
      return "final";
    case L1TxState::kReplaced:
      return "replaced";
    case L1TxState::kReverted:
      return "reverted";
  }
  return "?";
}

std::optional<L1TxState> l1_tx_state_from_name(std::string_view name) noexcept {
  for (const L1TxState s : {L1TxState::kPending, L1TxState::kIncluded, L1TxState::kFinal,
                            L1TxState::kReplaced, L1TxState::kReverted})
    if (name == l1_tx_state_name(s)) return s;
  return std::nullopt;
}

absl::StatusOr<std::vector<L1TxRecord>> load_l1_transactions(Database& db, std::uint64_t first,
                                                             std::uint64_t last) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare(absl::StrCat("SELECT ", to_absl(kColumns),
                                               " FROM l1_transactions WHERE last_batch >= ?1 AND "
                                               "first_batch <= ?2 ORDER BY id")));
  s->bind(1, first).bind(2, last);
  return collect(s);
}

L1Submitter::L1Submitter(SubmitterConfig config, L1Client& client, secp256k1::PrivateKey key,
                         SettleFn settle)
    : config_(config),
      client_(client),
      key_(std::move(key)),
      address_(key_.address()),
      settle_(std::move(settle)) {}

absl::StatusOr<TickReport> L1Submitter::tick() {
  TickReport report;
  if (chain_id_ == 0) {
    ZKR_ASSIGN_OR_RETURN(chain_id_, client_.chain_id());
  }
  std::vector<L1TxRecord> open;
  ZKR_RETURN_IF_ERROR(settle_([&](GatewayWriter& w) -> absl::Status {
    Database& db = w.db();
    ZKR_ASSIGN_OR_RETURN(open, load_open(db));
    return absl::OkStatus();
  }));
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t head, client_.head());
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t finalized, client_.finalized());

  std::map<std::uint64_t, std::vector<L1TxRecord>> by_nonce;
  for (L1TxRecord& r : open) by_nonce[r.nonce].push_back(std::move(r));
  bool waiting = false;
  for (auto& [nonce, group] : by_nonce) {
    ZKR_ASSIGN_OR_RETURN(const bool pending, track(std::move(group), head, finalized, report));
    waiting = waiting || pending;
  }
  // Send the next step only when nothing sent is still short of its confirmations.
  if (!waiting) ZKR_RETURN_IF_ERROR(send_next(report));
  return report;
}

absl::StatusOr<bool> L1Submitter::track(std::vector<L1TxRecord> group, std::uint64_t head,
                                        std::uint64_t finalized, TickReport& report) {
  // The live attempt is the one not replaced; an older attempt may still be the one mined.
  auto live = std::find_if(group.begin(), group.end(), [](const L1TxRecord& r) {
    return r.state == L1TxState::kPending || r.state == L1TxState::kIncluded;
  });
  if (live == group.end()) return false;
  std::optional<L1Receipt> receipt;
  L1TxRecord* mined = nullptr;
  for (auto it = group.rbegin(); it != group.rend() && !receipt; ++it) {
    ZKR_ASSIGN_OR_RETURN(receipt, client_.receipt(it->tx_hash));
    if (receipt) {
      ZKR_ASSIGN_OR_RETURN(const auto canonical, client_.block_hash(receipt->block_number));
      if (!canonical || *canonical != receipt->block_hash)
        receipt.reset();  // a stale fork
      else
        mined = &*it;
    }
  }
  if (!receipt) {
    if (live->state == L1TxState::kIncluded) {
      // It was in a block that is no longer canonical: roll the stage back and send it again.
      L1TxRecord r = *live;
      r.state = L1TxState::kPending;
      r.block_number.reset();
      r.block_hash.reset();
      r.sent_at_ms = now_ms();
      ZKR_RETURN_IF_ERROR(settle_([&](GatewayWriter& w) -> absl::Status {
        Database& db = w.db();
        ZKR_RETURN_IF_ERROR(update(db, r));
        return move_range(
            w, r, stage_before(r.action), /*raise=*/false,
            absl::StrCat(tx_detail(*live),
                         R"(,"reason":"the L1 transaction left the canonical chain")"));
      }));
      ++report.rolled_back;
      if (client_.send_raw(r.raw).ok()) ++report.resent;
      return true;
    }
    ZKR_ASSIGN_OR_RETURN(const bool known, client_.knows(live->tx_hash));
    if (!known) {
      // Persisted but never sent (a crash in between), or evicted: the same bytes again.
      const auto sent = client_.send_raw(live->raw);
      if (sent.ok()) {
        ++report.resent;
        return true;
      }
      if (sent.status().code() == absl::StatusCode::kUnavailable) return sent.status();
      // The node refuses the old bytes (the base fee has risen past them): replace them now.
    } else if (now_ms() - live->sent_at_ms < config_.stuck_after.count()) {
      return true;
    }
    // Stuck: replace it with the same nonce and higher fees.
    ZKR_ASSIGN_OR_RETURN(const L1Fees fees, client_.fees());
    const std::uint64_t bump = 100 + std::max<std::uint32_t>(config_.fee_bump_percent, 10);
    const std::uint64_t priority =
        std::max(live->max_priority_fee_per_gas * bump / 100 + 1, fees.max_priority_fee_per_gas);
    const std::uint64_t max_fee =
        std::max(live->max_fee_per_gas * bump / 100 + 1, 2 * fees.base_fee_per_gas + priority);
    ZKR_ASSIGN_OR_RETURN(eth::SignedTx previous, eth::decode_signed(live->raw));
    ZKR_ASSIGN_OR_RETURN(L1TxRecord next,
                         sign_record(live->action, live->first_batch, live->last_batch, live->nonce,
                                     group.back().attempt + 1, std::move(previous.tx.data), max_fee,
                                     priority, live->gas_limit));
    L1TxRecord old = *live;
    old.state = L1TxState::kReplaced;
    ZKR_RETURN_IF_ERROR(settle_([&](GatewayWriter& w) -> absl::Status {
      Database& db = w.db();
      ZKR_RETURN_IF_ERROR(update(db, old));
      return insert(db, next);
    }));
    ZKR_RETURN_IF_ERROR(client_.send_raw(next.raw).status());
    ++report.bumped;
    return true;
  }

  // Mined. If an earlier attempt won, it becomes the live row.
  L1TxRecord winner = *mined;
  std::vector<L1TxRecord> superseded;
  for (const L1TxRecord& r : group)
    if (r.id != winner.id && r.state != L1TxState::kReplaced) superseded.push_back(r);
  for (L1TxRecord& r : superseded) r.state = L1TxState::kReplaced;
  if (!receipt->success) {
    winner.state = L1TxState::kReverted;
    winner.block_number = receipt->block_number;
    winner.block_hash = receipt->block_hash;
    winner.gas_used = receipt->gas_used;
    // The contract's reason, asked of the node (kept even if it cannot say).
    const absl::StatusOr<eth::SignedTx> signed_tx = eth::decode_signed(winner.raw);
    absl::StatusOr<std::string> reason =
        signed_tx.ok() ? client_.revert_reason(*signed_tx, receipt->block_number)
                       : absl::StatusOr<std::string>(signed_tx.status());
    winner.revert_reason =
        reason.ok() ? *reason : absl::StrCat("unknown: ", reason.status().message());
    ZKR_RETURN_IF_ERROR(settle_([&](GatewayWriter& w) -> absl::Status {
      Database& db = w.db();
      for (const L1TxRecord& r : superseded) ZKR_RETURN_IF_ERROR(update(db, r));
      return update(db, winner);
    }));
    return absl::FailedPreconditionError(
        absl::StrCat("L1 reverted the ", describe(winner), " in block ", receipt->block_number,
                     ": the settlement contract refused it with ", *winner.revert_reason));
  }
  const bool confirmed = head + 1 >= receipt->block_number + config_.confirmations;
  const bool final = receipt->block_number <= finalized;
  if (!confirmed && winner.state == L1TxState::kPending && superseded.empty()) return true;
  const bool newly_included = winner.state == L1TxState::kPending && confirmed;
  winner.block_number = receipt->block_number;
  winner.block_hash = receipt->block_hash;
  winner.gas_used = receipt->gas_used;
  if (newly_included) winner.state = L1TxState::kIncluded;
  const bool newly_final = final && winner.state == L1TxState::kIncluded;
  if (newly_final) winner.state = L1TxState::kFinal;
  ZKR_RETURN_IF_ERROR(settle_([&](GatewayWriter& w) -> absl::Status {
    Database& db = w.db();
    for (const L1TxRecord& r : superseded) ZKR_RETURN_IF_ERROR(update(db, r));
    ZKR_RETURN_IF_ERROR(update(db, winner));
    if (winner.state != L1TxState::kPending)
      ZKR_RETURN_IF_ERROR(
          move_range(w, winner, stage_after(winner.action), /*raise=*/true, tx_detail(winner)));
    if (newly_final && winner.action == l1calls::Action::kExecute)
      ZKR_RETURN_IF_ERROR(
          move_range(w, winner, L1Stage::kFinal, /*raise=*/true, tx_detail(winner)));
    return absl::OkStatus();
  }));
  if (newly_included) ++report.included;
  if (newly_final) ++report.finalized;
  return winner.state == L1TxState::kPending;
}

absl::StatusOr<L1TxRecord> L1Submitter::sign_record(l1calls::Action action, std::uint64_t first,
                                                    std::uint64_t last, std::uint64_t nonce,
                                                    std::uint64_t attempt, merkle::Bytes calldata,
                                                    std::uint64_t max_fee,
                                                    std::uint64_t priority_fee,
                                                    std::uint64_t gas_limit) {
  eth::Eip1559Tx tx{.chain_id = chain_id_,
                    .nonce = nonce,
                    .max_priority_fee_per_gas = priority_fee,
                    .max_fee_per_gas = max_fee,
                    .gas_limit = gas_limit,
                    .to = config_.settlement_address,
                    .value = 0,
                    .data = std::move(calldata)};
  ZKR_ASSIGN_OR_RETURN(eth::SignedTx signed_tx, eth::sign(tx, key_));
  L1TxRecord r;
  r.action = action;
  r.first_batch = first;
  r.last_batch = last;
  r.nonce = nonce;
  r.attempt = attempt;
  r.tx_hash = signed_tx.hash;
  r.raw = std::move(signed_tx.raw);
  r.max_fee_per_gas = max_fee;
  r.max_priority_fee_per_gas = priority_fee;
  r.gas_limit = gas_limit;
  r.sent_at_ms = now_ms();
  return r;
}

absl::Status L1Submitter::send_next(TickReport& report) {
  // Choose the oldest Gateway batch not yet executed on L1 and the run of batches at its stage.
  std::optional<l1calls::Action> action;
  std::uint64_t first = 0, last = 0;
  merkle::Bytes payload;
  std::uint64_t next_nonce = 0;
  std::uint64_t gateway_chain = 0;
  ZKR_RETURN_IF_ERROR(settle_([&](GatewayWriter& w) -> absl::Status {
    Database& db = w.db();
    const Gateway& gw = w.gateway();
    gateway_chain = gw.config().chain_id;
    ZKR_ASSIGN_OR_RETURN(const std::int64_t max_nonce,
                         db.scalar_int64("SELECT COALESCE(MAX(nonce) + 1, 0) FROM l1_transactions "
                                         "WHERE state <> 'replaced'"));
    next_nonce = static_cast<std::uint64_t>(max_nonce);
    const std::size_t count = gw.gateway_batch_count();
    std::uint64_t n = 1;
    while (n <= count && gw.gateway_batch(n)->l1_stage >= L1Stage::kExecuted) ++n;
    if (n > count) return absl::OkStatus();
    const L1Stage stage = gw.gateway_batch(n)->l1_stage;
    first = n;
    last = n;
    while (last + 1 <= count && last + 1 - first < config_.max_batches_per_tx &&
           gw.gateway_batch(last + 1)->l1_stage == stage)
      ++last;
    std::vector<GatewayBatch> run;
    for (std::uint64_t i = first; i <= last; ++i) run.push_back(*gw.gateway_batch(i));
    switch (stage) {
      case L1Stage::kSealed:
        action = l1calls::Action::kCommit;
        payload = l1calls::commit_payload(run);
        break;
      case L1Stage::kCommitted:
        action = l1calls::Action::kProve;
        for (std::uint64_t i = first; i <= last; ++i) {
          const merkle::Bytes proof = encode(*gw.aggregated_proof(i));
          payload.insert(payload.end(), proof.begin(), proof.end());
        }
        break;
      default:
        action = l1calls::Action::kExecute;
        payload = l1calls::execute_payload(run);
        break;
    }
    return absl::OkStatus();
  }));
  if (!action) return absl::OkStatus();

  const merkle::Bytes calldata = l1calls::encode({.action = *action,
                                                  .chain_id = gateway_chain,
                                                  .first = first,
                                                  .last = last,
                                                  .data = payload});
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t node_nonce, client_.nonce(address_));
  const std::uint64_t nonce = std::max(next_nonce, node_nonce);
  ZKR_ASSIGN_OR_RETURN(const L1Fees fees, client_.fees());
  ZKR_ASSIGN_OR_RETURN(const std::uint64_t estimate,
                       client_.estimate_gas(address_, config_.settlement_address, calldata));
  const std::uint64_t gas_limit = estimate * (100 + config_.gas_margin_percent) / 100;
  ZKR_ASSIGN_OR_RETURN(L1TxRecord r,
                       sign_record(*action, first, last, nonce, 0, calldata,
                                   2 * fees.base_fee_per_gas + fees.max_priority_fee_per_gas,
                                   fees.max_priority_fee_per_gas, gas_limit));
  // Written before it is sent: after a crash the same bytes are resent, never new ones.
  ZKR_RETURN_IF_ERROR(settle_([&](GatewayWriter& w) -> absl::Status { return insert(w.db(), r); }));
  ++report.sent;
  if (skip_next_send_) {
    skip_next_send_ = false;
    return absl::OkStatus();
  }
  return client_.send_raw(r.raw).status();
}

}  // namespace zkr::settlement

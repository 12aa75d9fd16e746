#include "settlement/l1_submitter.hpp"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "merkle/status.hpp"
#include "settlement/eth_tx.hpp"
#include "settlement/events.hpp"
#include "settlement/l1_calls.hpp"

namespace zkr::settlement {
namespace {

constexpr std::string_view kColumns =
    "id, action, first_batch, last_batch, nonce, attempt, tx_hash, raw, max_fee_per_gas, "
    "max_priority_fee_per_gas, gas_limit, state, block_number, block_hash, gas_used, sent_at";

absl::StatusOr<std::vector<L1TxRecord>> collect(Statement* s) {
  std::vector<L1TxRecord> out;
  ZKR_RETURN_IF_ERROR(for_each_row(s, [&](const Statement& row) -> absl::Status {
    L1TxRecord r;
    r.id = row.column_int64(0);
    r.action = row.column_text(1);
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
    r.state = row.column_text(11);
    if (!row.column_is_null(12)) r.block_number = static_cast<std::uint64_t>(row.column_int64(12));
    if (!row.column_is_null(13)) {
      ZKR_ASSIGN_OR_RETURN(r.block_hash, row.column_word(13));
    }
    if (!row.column_is_null(14)) r.gas_used = static_cast<std::uint64_t>(row.column_int64(14));
    r.sent_at_ms = row.column_int64(15);
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
      db.prepare("INSERT INTO l1_transactions (action, first_batch, last_batch, nonce, attempt, "
                 "tx_hash, raw, max_fee_per_gas, max_priority_fee_per_gas, gas_limit, state, "
                 "sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', ?11)"));
  ZKR_RETURN_IF_ERROR(s->bind(1, r.action)
                          .bind(2, r.first_batch)
                          .bind(3, r.last_batch)
                          .bind(4, r.nonce)
                          .bind(5, r.attempt)
                          .bind(6, r.tx_hash)
                          .bind(7, merkle::ByteSpan(r.raw))
                          .bind(8, r.max_fee_per_gas)
                          .bind(9, r.max_priority_fee_per_gas)
                          .bind(10, r.gas_limit)
                          .bind(11, r.sent_at_ms)
                          .run());
  r.id = db.last_insert_rowid();
  r.state = "pending";
  return absl::OkStatus();
}

absl::Status update(Database& db, const L1TxRecord& r) {
  ZKR_ASSIGN_OR_RETURN(Statement * s,
                       db.prepare("UPDATE l1_transactions SET state = ?2, block_number = ?3, "
                                  "block_hash = ?4, gas_used = ?5, sent_at = ?6 WHERE id = ?1"));
  return s->bind(1, r.id)
      .bind(2, r.state)
      .bind(3, r.block_number)
      .bind(4, r.block_hash)
      .bind(5, r.gas_used)
      .bind(6, r.sent_at_ms)
      .run();
}

L1Stage stage_after(std::string_view action) {
  if (action == "commit") return L1Stage::kCommitted;
  if (action == "prove") return L1Stage::kProven;
  return L1Stage::kExecuted;
}

L1Stage stage_before(std::string_view action) {
  if (action == "commit") return L1Stage::kSealed;
  if (action == "prove") return L1Stage::kCommitted;
  return L1Stage::kProven;
}

std::string describe(const L1TxRecord& r) {
  return absl::StrCat(r.action, " of Gateway batches ", r.first_batch, "..", r.last_batch,
                      " (nonce ", r.nonce, ", tx ", merkle::to_hex(r.tx_hash), ")");
}

std::string tx_detail(const L1TxRecord& r) {
  std::string out =
      absl::StrCat(R"("action":")", r.action, R"(","tx":")", merkle::to_hex(r.tx_hash), R"(")");
  if (r.block_number) absl::StrAppend(&out, R"(,"l1Block":)", *r.block_number);
  if (r.gas_used) absl::StrAppend(&out, R"(,"gasUsed":)", *r.gas_used);
  return out;
}

/// Moves each batch of the range to `target`, but only in the direction `raise` says.
absl::Status move_range(Database& db, Gateway& gw, const L1TxRecord& r, L1Stage target, bool raise,
                        std::string_view detail) {
  for (std::uint64_t n = r.first_batch; n <= r.last_batch; ++n) {
    const GatewayBatch* g = gw.gateway_batch(n);
    if (g == nullptr)
      return absl::DataLossError(absl::StrCat("L1 transaction ", r.id, " names Gateway batch ", n,
                                              ", which is not sealed"));
    if (raise ? g->l1_stage < target : g->l1_stage > target)
      ZKR_RETURN_IF_ERROR(gw.set_l1_stage(db, n, target, detail));
  }
  return absl::OkStatus();
}

}  // namespace

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
  ZKR_RETURN_IF_ERROR(settle_([&](Database& db, Gateway&) -> absl::Status {
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
    return r.state == "pending" || r.state == "included";
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
    if (live->state == "included") {
      // It was in a block that is no longer canonical: roll the stage back and send it again.
      L1TxRecord r = *live;
      r.state = "pending";
      r.block_number.reset();
      r.block_hash.reset();
      r.sent_at_ms = now_ms();
      ZKR_RETURN_IF_ERROR(settle_([&](Database& db, Gateway& gw) -> absl::Status {
        ZKR_RETURN_IF_ERROR(update(db, r));
        return move_range(
            db, gw, r, stage_before(r.action), /*raise=*/false,
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
    old.state = "replaced";
    ZKR_RETURN_IF_ERROR(settle_([&](Database& db, Gateway&) -> absl::Status {
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
    if (r.id != winner.id && r.state != "replaced") superseded.push_back(r);
  for (L1TxRecord& r : superseded) r.state = "replaced";
  if (!receipt->success) {
    winner.state = "reverted";
    winner.block_number = receipt->block_number;
    winner.block_hash = receipt->block_hash;
    winner.gas_used = receipt->gas_used;
    ZKR_RETURN_IF_ERROR(settle_([&](Database& db, Gateway&) -> absl::Status {
      for (const L1TxRecord& r : superseded) ZKR_RETURN_IF_ERROR(update(db, r));
      return update(db, winner);
    }));
    return absl::FailedPreconditionError(
        absl::StrCat("L1 reverted the ", describe(winner), " in block ", receipt->block_number,
                     "; the settlement contract does not accept it"));
  }
  const bool confirmed = head + 1 >= receipt->block_number + config_.confirmations;
  const bool final = receipt->block_number <= finalized;
  if (!confirmed && winner.state == "pending" && superseded.empty()) return true;
  const bool newly_included = winner.state == "pending" && confirmed;
  winner.block_number = receipt->block_number;
  winner.block_hash = receipt->block_hash;
  winner.gas_used = receipt->gas_used;
  if (newly_included) winner.state = "included";
  const bool newly_final = final && winner.state == "included";
  if (newly_final) winner.state = "final";
  ZKR_RETURN_IF_ERROR(settle_([&](Database& db, Gateway& gw) -> absl::Status {
    for (const L1TxRecord& r : superseded) ZKR_RETURN_IF_ERROR(update(db, r));
    ZKR_RETURN_IF_ERROR(update(db, winner));
    if (winner.state != "pending")
      ZKR_RETURN_IF_ERROR(move_range(db, gw, winner, stage_after(winner.action), /*raise=*/true,
                                     tx_detail(winner)));
    if (newly_final && winner.action == "execute")
      ZKR_RETURN_IF_ERROR(
          move_range(db, gw, winner, L1Stage::kFinal, /*raise=*/true, tx_detail(winner)));
    return absl::OkStatus();
  }));
  if (newly_included) ++report.included;
  if (newly_final) ++report.finalized;
  return winner.state == "pending";
}

absl::StatusOr<L1TxRecord> L1Submitter::sign_record(const std::string& action, std::uint64_t first,
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
  ZKR_RETURN_IF_ERROR(settle_([&](Database& db, Gateway& gw) -> absl::Status {
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
                       sign_record(l1calls::action_name(*action), first, last, nonce, 0, calldata,
                                   2 * fees.base_fee_per_gas + fees.max_priority_fee_per_gas,
                                   fees.max_priority_fee_per_gas, gas_limit));
  // Written before it is sent: after a crash the same bytes are resent, never new ones.
  ZKR_RETURN_IF_ERROR(
      settle_([&](Database& db, Gateway&) -> absl::Status { return insert(db, r); }));
  ++report.sent;
  if (skip_next_send_) {
    skip_next_send_ = false;
    return absl::OkStatus();
  }
  return client_.send_raw(r.raw).status();
}

}  // namespace zkr::settlement

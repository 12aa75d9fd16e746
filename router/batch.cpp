#include "router/batch.hpp"

#include <algorithm>
#include <array>
#include <span>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "merkle/constants.hpp"
#include "merkle/keccak.hpp"
#include "merkle/status.hpp"
#include "router/bundle.hpp"

namespace zkr::router {

using merkle::Word;

namespace {

absl::Status log_error(std::size_t index, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("log ", index, ": ", to_absl(what)));
}

/// `message_hash`: keccak256 of the log's message; null when it has none.
absl::StatusOr<LogFacts> check_log(std::uint64_t chain_id, std::size_t index, const BatchLog& l,
                                   const Word* message_hash) {
  LogFacts facts;
  if (l.log.l2_shard_id != 0)
    return log_error(index, absl::StrCat("l2ShardId must be 0, got ", l.log.l2_shard_id));
  if (!is_messenger_log(l.log)) {
    if (l.message)
      return log_error(index, "a message body is only allowed for L1Messenger (0x…8008) logs");
    return facts;
  }
  if (!l.message) return log_error(index, "an L1Messenger log needs its message body");
  if (*message_hash != l.log.value) {
    return log_error(index, absl::StrCat("keccak(message) is ", merkle::to_hex(*message_hash),
                                         " but the log's value is ", merkle::to_hex(l.log.value)));
  }
  if (!std::all_of(l.log.key.begin(), l.log.key.begin() + 12,
                   [](std::uint8_t b) { return b == 0; })) {
    return log_error(index, "an L1Messenger log's key must be a left-padded address");
  }
  merkle::Address sender;
  std::copy(l.log.key.begin() + 12, l.log.key.end(), sender.begin());
  facts.sender = sender;
  facts.kind = LogKind::kMessage;
  if (sender == merkle::kInteropCenterAddress && !l.message->empty() &&
      (*l.message)[0] == kBundleIdentifier) {
    // A bundle that does not decode stays a plain message: the chain did emit it.
    if (const auto bundle = decode_bundle_message(*l.message);
        bundle.ok() && bundle->source_chain_id == chain_id) {
      facts.kind = LogKind::kBundle;
      facts.destination_chain_id = bundle->destination_chain_id;
    }
  }
  return facts;
}

/// Each fact names a transaction of the batch's logs, once.
absl::Status check_transactions(const SealedBatch& batch) {
  if (batch.transactions.empty()) return absl::OkStatus();
  absl::flat_hash_set<Word> in_logs;
  for (const BatchLog& l : batch.logs) in_logs.insert(l.tx_hash);
  absl::flat_hash_set<Word> seen;
  for (std::size_t i = 0; i < batch.transactions.size(); ++i) {
    const Word& h = batch.transactions[i].tx_hash;
    if (!in_logs.contains(h)) {
      return absl::InvalidArgumentError(absl::StrCat("transactions[", i, "]: ", merkle::to_hex(h),
                                                     " has no L2->L1 log in this batch"));
    }
    if (!seen.insert(h).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("transactions[", i, "]: ", merkle::to_hex(h), " is listed twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status root_mismatch(std::string_view what, const Word& claimed, const Word& computed) {
  return absl::InvalidArgumentError(
      absl::StrCat(to_absl(what), " mismatch: claimed ", merkle::to_hex(claimed), ", computed ",
                   merkle::to_hex(computed), " from the batch's logs"));
}

}  // namespace

const char* log_kind_name(LogKind kind) noexcept {
  switch (kind) {
    case LogKind::kLog:
      return "log";
    case LogKind::kMessage:
      return "message";
    case LogKind::kBundle:
      return "bundle";
  }
  return "unknown";
}

bool is_messenger_log(const merkle::L2ToL1Log& log) noexcept {
  return log.is_service && log.sender == merkle::kL1MessengerAddress;
}

namespace {

/// The batch's log-tree leaves, hashed several at a time.
std::vector<Word> leaves_of(const std::vector<BatchLog>& logs) {
  std::vector<merkle::PackedLog> packed;
  packed.reserve(logs.size());
  for (const BatchLog& l : logs) packed.push_back(merkle::serialize(l.log));
  std::vector<Word> leaves(logs.size());
  merkle::log_leaf_hashes(packed, leaves);
  return leaves;
}

}  // namespace

absl::Status seal_roots(SealedBatch& batch) {
  const std::vector<Word> leaves = leaves_of(batch.logs);
  ZKR_ASSIGN_OR_RETURN(const merkle::LogTree tree, merkle::LogTree::build(leaves));
  batch.local_root = tree.root();
  batch.chain_batch_root = batch.protocol_version >= kGatewayProtocolVersion
                               ? merkle::hash_pair(batch.local_root, batch.aggregated_root)
                               : batch.local_root;
  return absl::OkStatus();
}

Word batch_content_hash(const SealedBatch& b, GiveWay give_way) {
  merkle::Keccak256Stream h;
  const auto put = [&h](merkle::ByteSpan bytes) { h.update(bytes.data(), bytes.size()); };
  for (const Word& w :
       {merkle::be32(b.chain_id), merkle::be32(b.batch_number), merkle::be32(b.protocol_version),
        b.aggregated_root, b.local_root, b.chain_batch_root})
    put(w);
  for (std::size_t i = 0; i < b.logs.size(); ++i) {
    put(merkle::serialize(b.logs[i].log));
    put(b.logs[i].tx_hash);
    // A message body is bound through the log's value, which validation checks is its keccak.
    if ((i + 1) % GiveWay::kLogsPerStep == 0) give_way();
  }
  // Appended only when present, so a batch without them hashes as it always has.
  if (!b.transactions.empty()) put(merkle::be32(b.transactions.size()));
  for (std::size_t i = 0; i < b.transactions.size(); ++i) {
    const TxFacts& t = b.transactions[i];
    put(t.tx_hash);
    const std::uint8_t present = static_cast<std::uint8_t>(
        (t.block_number ? 1 : 0) | (t.block_hash ? 2 : 0) | (t.from ? 4 : 0) | (t.to ? 8 : 0));
    put(merkle::ByteSpan(&present, 1));
    if (t.block_number) put(merkle::be32(*t.block_number));
    if (t.block_hash) put(*t.block_hash);
    if (t.from) put(*t.from);
    if (t.to) put(*t.to);
    if ((i + 1) % GiveWay::kLogsPerStep == 0) give_way();
  }
  return h.finish();
}

absl::StatusOr<ValidatedBatch> validate_batch(SealedBatch batch, GiveWay give_way) {
  if (batch.chain_id == 0) return absl::InvalidArgumentError("chainId must be non-zero");
  if (batch.batch_number == 0) return absl::InvalidArgumentError("batchNumber starts at 1");
  if (batch.protocol_version < kMinProtocolVersion ||
      batch.protocol_version > kMaxProtocolVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("protocol version ", batch.protocol_version, " is not supported (",
                     kMinProtocolVersion, "..", kMaxProtocolVersion, ": the 16384-leaf log tree)"));
  }
  if (batch.logs.size() > merkle::kLogTreeLeaves) {
    return absl::InvalidArgumentError(absl::StrCat("a batch holds at most ", merkle::kLogTreeLeaves,
                                                   " L2->L1 logs, got ", batch.logs.size()));
  }
  ValidatedBatch out;
  out.facts.reserve(batch.logs.size());
  // A step's messages are hashed together (several at a time on the SIMD path), then checked.
  std::array<merkle::ByteSpan, GiveWay::kLogsPerStep> messages;
  std::array<Word, GiveWay::kLogsPerStep> message_hashes;
  std::array<const Word*, GiveWay::kLogsPerStep> hash_of;  // each log's, null without a message
  for (std::size_t from = 0; from < batch.logs.size(); from += GiveWay::kLogsPerStep) {
    const std::size_t n = std::min<std::size_t>(GiveWay::kLogsPerStep, batch.logs.size() - from);
    std::size_t count = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::optional<merkle::Bytes>& m = batch.logs[from + k].message;
      hash_of[k] = m ? &message_hashes[count] : nullptr;
      if (m) messages[count++] = merkle::ByteSpan(*m);
    }
    merkle::keccak256_each(std::span(messages).first(count),
                           std::span(message_hashes).first(count));
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = from + k;
      const BatchLog& l = batch.logs[i];
      if (i > 0 && l.log.tx_number_in_batch < batch.logs[i - 1].log.tx_number_in_batch) {
        return log_error(
            i, absl::StrCat("txNumberInBatch ", l.log.tx_number_in_batch, " goes back from ",
                            batch.logs[i - 1].log.tx_number_in_batch,
                            ": logs must be in emission order"));
      }
      ZKR_ASSIGN_OR_RETURN(LogFacts facts, check_log(batch.chain_id, i, l, hash_of[k]));
      out.facts.push_back(facts);
    }
    if (n == GiveWay::kLogsPerStep) give_way();
  }
  ZKR_RETURN_IF_ERROR(check_transactions(batch));
  ZKR_ASSIGN_OR_RETURN(merkle::LogTree tree, merkle::LogTree::build(leaves_of(batch.logs)));
  give_way();
  if (tree.root() != batch.local_root)
    return root_mismatch("localRoot", batch.local_root, tree.root());
  if (batch.protocol_version >= kGatewayProtocolVersion) {
    out.chain_batch_root = merkle::hash_pair(tree.root(), batch.aggregated_root);
  } else {
    if (batch.aggregated_root != merkle::kZeroWord) {
      return absl::InvalidArgumentError(
          absl::StrCat("protocol version ", batch.protocol_version,
                       " predates the aggregated root; it must be zero"));
    }
    out.chain_batch_root = tree.root();
  }
  if (out.chain_batch_root != batch.chain_batch_root) {
    return root_mismatch("chainBatchRoot", batch.chain_batch_root, out.chain_batch_root);
  }
  out.content_hash = batch_content_hash(batch, give_way);
  out.tree = std::make_shared<const merkle::LogTree>(std::move(tree));
  out.batch = std::move(batch);
  return out;
}

}  // namespace zkr::router

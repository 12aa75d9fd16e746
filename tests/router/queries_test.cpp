// Message queries: by id, by transaction, and filtered lists with cursor paging.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "merkle/constants.hpp"
#include "router/bundle.hpp"
#include "router/message_index.hpp"
#include "tests/support/engine_fixtures.hpp"

namespace zkr::router {
namespace {

class Queries : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = testing::open_engine(dir_.database("zkrouter.db"), 1);
    for (const std::uint64_t chain : {270, 271}) {
      ASSERT_TRUE(testing::launch_chain(*engine_, chain).ok());
    }
    // Chain 270 batch 1: 4 messages from `alice` (two in one transaction), then a bundle to 271.
    SealedBatch b = testing::generated_batch(270, 1, 4);
    for (auto& l : b.logs) {
      l.log.key = merkle::address_to_word(alice_);
      l.log.tx_number_in_batch = 1;
    }
    b.logs[1].tx_hash = b.logs[0].tx_hash;  // logs 0 and 1 share a transaction
    InteropBundle bundle;
    bundle.source_chain_id = 270;
    bundle.destination_chain_id = 271;
    merkle::L2Message m{.tx_number_in_batch = 2,
                        .sender = merkle::kInteropCenterAddress,
                        .data = encode_bundle_message(bundle)};
    b.logs.push_back(
        {.log = merkle::message_to_log(m), .tx_hash = merkle::be32(99), .message = m.data});
    testing::reseal(b);
    ASSERT_TRUE(engine_->ingest(b).ok());
    ASSERT_TRUE(engine_->ingest(testing::generated_batch(271, 1, 3)).ok());
  }

  std::vector<std::string> ids(const MessageFilter& f) {
    const auto page = engine_->list_messages(f);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> out;
    for (const auto& r : page->rows) out.push_back(r.id.to_string());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
  merkle::Address alice_ = *merkle::parse_address("0x00000000000000000000000000000000000a11ce");
};

TEST_F(Queries, FiltersBySourceDestinationSenderAndKind) {
  EXPECT_EQ(ids({.source_chain_id = 271}),
            (std::vector<std::string>{"271:1:0", "271:1:1", "271:1:2"}));
  EXPECT_EQ(ids({.destination_chain_id = 271}), (std::vector<std::string>{"270:1:4"}));
  EXPECT_EQ(ids({.sender = alice_}),
            (std::vector<std::string>{"270:1:0", "270:1:1", "270:1:2", "270:1:3"}));
  EXPECT_EQ(ids({.sender = alice_, .limit = 2}), (std::vector<std::string>{"270:1:0", "270:1:1"}));
  EXPECT_EQ(ids({.kind = LogKind::kBundle}), (std::vector<std::string>{"270:1:4"}));
  EXPECT_TRUE(ids({.sender = merkle::kBootloaderAddress}).empty());
  EXPECT_EQ(ids({}).size(), 8U);
  ASSERT_TRUE(engine_->commit_batch(271, 1).ok());
  EXPECT_EQ(ids({.stage = settlement::BatchStage::kCommitted}),
            (std::vector<std::string>{"271:1:0", "271:1:1", "271:1:2"}));
  EXPECT_EQ(ids({.stage = settlement::BatchStage::kRecorded}).size(), 5U);
}

TEST_F(Queries, CursorPagingVisitsEveryMessageOnce) {
  for (const bool by_sender : {false, true}) {
    MessageFilter f{.limit = 3};
    if (by_sender) f.sender = alice_;
    std::vector<std::string> seen;
    for (int page = 0; page < 10; ++page) {
      const auto p = engine_->list_messages(f);
      ASSERT_TRUE(p.ok());
      if (p->rows.empty()) break;
      for (const auto& r : p->rows) seen.push_back(r.id.to_string());
      f.after_seq = p->next_cursor;
    }
    EXPECT_EQ(seen.size(), by_sender ? 4U : 8U);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
  }
}

TEST_F(Queries, ByTransactionReturnsItsLogsInOrder) {
  const auto first = engine_->message({270, 1, 0});
  ASSERT_TRUE(first.ok());
  const auto logs = engine_->logs_by_tx(first->tx_hash);
  ASSERT_TRUE(logs.ok());
  ASSERT_EQ(logs->size(), 2U);
  EXPECT_EQ((*logs)[1].id.to_string(), "270:1:1");
  EXPECT_TRUE(engine_->logs_by_tx(merkle::be32(12345))->empty());
  const auto bundle = engine_->logs_by_tx(merkle::be32(99));
  ASSERT_EQ(bundle->size(), 1U);
  EXPECT_EQ(bundle->front().kind, LogKind::kBundle);
  EXPECT_EQ(bundle->front().destination_chain_id, 271U);
}

// Transactions told apart by their whole hash, from memory: two whose hashes share their first 24
// bytes each give their own logs' proofs, and the count of a transaction's logs bounds `index`.
TEST_F(Queries, ProofsByTransactionHashComeFromTheWholeHash) {
  SealedBatch b = testing::generated_batch(271, 2, 3);
  merkle::Word a = merkle::be32(0xabcdef), c = a;
  c[31] ^= 1;  // the same but for the last byte
  b.logs[0].tx_hash = a;
  b.logs[1].tx_hash = c;
  b.logs[2].tx_hash = c;
  testing::reseal(b);
  ASSERT_TRUE(engine_->ingest(b).ok());
  for (const auto& [tx, index, expected] :
       std::vector<std::tuple<merkle::Word, std::size_t, std::string>>{
           {a, 0, "271:2:0"}, {c, 0, "271:2:1"}, {c, 1, "271:2:2"}}) {
    // Not executed yet: the proof waits, for the right message.
    const auto proof = engine_->proof_by_tx(tx, index, ProofTarget::kL1);
    EXPECT_TRUE(is_not_final(proof.status())) << proof.status();
    EXPECT_NE(std::string(proof.status().message()).find("batch 2 of chain 271"),
              std::string::npos);
    EXPECT_EQ(engine_->logs_by_tx(tx)->at(index).id.to_string(), expected);
  }
  EXPECT_EQ(engine_->proof_by_tx(a, 1, ProofTarget::kL1).status().code(),
            absl::StatusCode::kNotFound);  // a has one log
  EXPECT_EQ(engine_->proof_by_tx(c, 2, ProofTarget::kL1).status().code(),
            absl::StatusCode::kNotFound);
  // Executed and sealed: each hash's proof is its own message's.
  testing::settle_batch(*engine_, 271, 1);
  testing::settle_batch(*engine_, 271, 2);
  ASSERT_TRUE(engine_->seal_block().ok());
  for (const auto& [tx, index, id] : std::vector<std::tuple<merkle::Word, std::size_t, MessageId>>{
           {a, 0, {271, 2, 0}}, {c, 0, {271, 2, 1}}, {c, 1, {271, 2, 2}}}) {
    const auto by_tx = engine_->proof_by_tx(tx, index, ProofTarget::kGateway);
    const auto by_id = engine_->proof(id, ProofTarget::kGateway);
    ASSERT_TRUE(by_tx.ok() && by_id.ok()) << by_tx.status() << by_id.status();
    EXPECT_EQ(by_tx->proof, by_id->proof);
    EXPECT_EQ(by_tx->leaf_index, id.log_index);
  }
}

// The same hash recorded more than once (two chains' batches; twice in one batch with another
// transaction between): every recording is kept, oldest first, each with its own count.
TEST(MessageIndexTx, EveryRecordingOfAHashIsKeptInOrder) {
  MessageIndex index;
  const merkle::Word a = merkle::be32(1), b = merkle::be32(2);
  const std::vector<MessageIndex::Log> first{
      {a, std::nullopt, 1}, {a, std::nullopt, 2}, {b, std::nullopt, 3}, {a, std::nullopt, 4}};
  const std::vector<MessageIndex::Log> second{{a, std::nullopt, 5}, {a, std::nullopt, 6}};
  index.add_batch(270, 1, first);
  index.add_batch(271, 7, second);
  const auto got = index.tx_logs(a);
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0].first.to_string(), "270:1:0");
  EXPECT_EQ(got[0].count, 2U);
  EXPECT_EQ(got[1].first.to_string(), "270:1:3");
  EXPECT_EQ(got[1].count, 1U);
  EXPECT_EQ(got[2].first.to_string(), "271:7:0");
  EXPECT_EQ(got[2].count, 2U);
  ASSERT_EQ(index.tx_logs(b).size(), 1U);
  EXPECT_EQ(index.tx_logs(b)[0].first.to_string(), "270:1:2");
  EXPECT_TRUE(index.tx_logs(merkle::be32(3)).empty());
  EXPECT_EQ(index.transactions(), 2U);
}

// A table that grows is copied in steps: besides one give-way per hold, the writer gives way every
// 1024 entries it copies (absl's tables grow past 7/8 full, to twice the capacity, so the
// transactions copied into the grown tables come to at least 7/16 of those added).
std::atomic<std::size_t> g_index_give_ways{0};

TEST(MessageIndexTx, ATableIsGrownInSteps) {
  constexpr std::size_t kBatches = 40, kLogs = 1000;  // one transaction a log
  constexpr std::size_t kHolds =
      (kLogs + MessageIndex::kLogsPerHold - 1) / MessageIndex::kLogsPerHold;
  const GiveWay counting([] { g_index_give_ways++; });
  MessageIndex index;
  for (std::size_t batch = 1; batch <= kBatches; ++batch) {
    std::vector<MessageIndex::Log> logs;
    for (std::size_t i = 0; i < kLogs; ++i)
      logs.push_back({merkle::keccak256(merkle::ByteSpan(merkle::be32(batch * kLogs + i))),
                      std::nullopt, static_cast<std::int64_t>(batch * kLogs + i)});
    index.add_batch(270, batch, logs, counting);
  }
  ASSERT_EQ(index.transactions(), kBatches * kLogs);
  const std::size_t copying = g_index_give_ways.load() - kBatches * kHolds;
  EXPECT_GE(copying, kBatches * kLogs * 7 / 16 / 1024);
  EXPECT_LE(copying, 2 * kBatches * kLogs / 1024);  // each entry copied twice at most, on average
}

// Batches go in a few transactions at a time, and the tables grow (copied, then swapped in)
// many times, while readers look up every transaction of the batches: a reader finds a
// transaction with all of its logs or not at all, and a sender's messages in order.
TEST(MessageIndexTx, ReadersSeeWholeTransactionsWhileBatchesAreAdded) {
  constexpr std::uint64_t kBatches = 60;
  constexpr std::size_t kTxs = 300;   // per batch; transaction t has t % 7 + 1 logs ...
  constexpr std::size_t kLong = 150;  // ... but the first has 150: it spans several holds
  const auto tx_hash = [](std::uint64_t batch, std::size_t tx) {
    return merkle::keccak256(merkle::ByteSpan(merkle::be32(batch * 100000 + tx)));
  };
  const auto logs_of = [&](std::size_t tx) { return tx == 0 ? kLong : tx % 7 + 1; };
  const merkle::Address sender{0x51};
  MessageIndex index;
  std::atomic<std::uint64_t> added{0};  // batches wholly added
  std::atomic<bool> done{false};
  std::atomic<std::size_t> partial{0}, unordered{0}, looked{0};
  std::thread reader([&] {
    std::mt19937_64 rng(7);
    while (!done.load()) {
      const std::uint64_t batch = 1 + rng() % kBatches;
      const std::size_t tx = rng() % kTxs;
      const std::uint64_t whole = added.load();  // before the lookup
      const auto got = index.tx_logs(tx_hash(batch, tx));
      if (batch <= whole && got.empty()) partial++;  // a batch added wholly must be found
      for (const auto& r : got) {
        looked++;
        if (r.count != logs_of(tx)) partial++;
      }
      const std::vector<std::int64_t> seqs = index.sender_seqs(sender, 0, 1000000);
      if (!std::is_sorted(seqs.begin(), seqs.end())) unordered++;
    }
  });
  std::int64_t seq = 0;
  for (std::uint64_t batch = 1; batch <= kBatches; ++batch) {
    std::vector<MessageIndex::Log> logs;
    for (std::size_t tx = 0; tx < kTxs; ++tx)
      for (std::size_t l = 0; l < logs_of(tx); ++l)
        logs.push_back({tx_hash(batch, tx), l == 0 ? std::optional(sender) : std::nullopt, ++seq});
    index.add_batch(270, batch, logs);
    added = batch;
  }
  done = true;
  reader.join();
  EXPECT_EQ(partial.load(), 0U);
  EXPECT_EQ(unordered.load(), 0U);
  EXPECT_GT(looked.load(), 0U);
  EXPECT_EQ(index.transactions(), kBatches * kTxs);
  EXPECT_EQ(index.sender_seqs(sender, 0, 1000000).size(), kBatches * kTxs);
  const auto last = index.tx_logs(tx_hash(kBatches, 0));
  ASSERT_EQ(last.size(), 1U);
  EXPECT_EQ(last[0].first.to_string(), absl::StrCat("270:", kBatches, ":0"));
  EXPECT_EQ(last[0].count, kLong);
  // after_seq and max select a window of a sender's messages.
  const std::vector<std::int64_t> window = index.sender_seqs(sender, seq / 2, 3);
  ASSERT_EQ(window.size(), 3U);
  EXPECT_GT(window[0], seq / 2);
}

TEST_F(Queries, IndexesSurviveAReopen) {
  const auto tx = engine_->message({270, 1, 0})->tx_hash;
  engine_.reset();
  engine_ = testing::open_engine(dir_.database("zkrouter.db"), 1);
  EXPECT_EQ(engine_->logs_by_tx(tx)->size(), 2U);
  EXPECT_EQ(ids({.sender = alice_}).size(), 4U);
}

TEST(MessageIdText, ParsesAndRejects) {
  EXPECT_EQ(MessageId::parse("270:1:0")->to_string(), "270:1:0");
  for (const char* bad : {"", "270", "270:1", "270:1:x", "270:1:0:0", "-1:1:0", "270::0"}) {
    EXPECT_EQ(MessageId::parse(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace zkr::router

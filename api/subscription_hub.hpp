#pragma once
// Live streams. One thread follows the engine's event log and hands each subscription the events
// after its cursor that match its filter, in order, each exactly once: a subscription that starts
// from a cursor replays from the database and then continues live with no seam. Recent events are
// kept in a bounded in-memory window so subscribers at the head cost no database reads.
// Delivery goes through a callback that refuses when the subscriber's queue is full; such a
// subscriber is dropped with a reason naming the cursor to resume from.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "router/engine.hpp"

namespace zkr::api {

enum class Topic { kMessages, kFinality, kInteropRoots, kBatches };
std::optional<Topic> topic_from_name(std::string_view name) noexcept;

struct SubscriptionSpec {
  Topic topic = Topic::kMessages;
  std::optional<std::uint64_t> source_chain_id;
  std::optional<std::uint64_t> destination_chain_id;
  std::optional<merkle::Address> sender;
  std::optional<std::int64_t> from_cursor;  // replay events after this; none = live from now
};
/// Parses zkr_subscribe's parameters: (topic, filter?, fromCursor?).
[[nodiscard]] absl::StatusOr<SubscriptionSpec> parse_subscription(const boost::json::value& params);

struct HubOptions {
  std::size_t window = 65536;                   // recent events kept in memory, at most
  std::size_t window_bytes = 16 * 1024 * 1024;  // and at most this much of them (estimated)
  std::size_t replay_page = 1000;  // events read from the database per step of a replay
  // New events are read and served in steps of this many, so the first notifications of a large
  // batch leave while the rest of it is still being read.
  std::size_t live_step = 200;
};

class SubscriptionHub {
 public:
  /// Returns false if the subscriber cannot take the notification now (its queue is full).
  using Deliver = std::function<bool(std::string notification)>;
  /// Called once when a subscriber is dropped for falling behind, with the reason.
  using Dropped = std::function<void(std::string reason)>;

  SubscriptionHub(const router::Engine& engine, HubOptions options = {});
  ~SubscriptionHub();
  void start();
  void stop();

  /// Registers a subscription; events flow from the next pass of the hub's thread.
  std::string add(const SubscriptionSpec& spec, Deliver deliver, Dropped dropped);
  bool remove(const std::string& id);
  std::size_t size() const;
  std::uint64_t delivered() const noexcept { return delivered_.load(); }
  std::uint64_t dropped_subscribers() const noexcept { return dropped_count_.load(); }

 private:
  struct Item {
    settlement::Event event;
    std::optional<router::LogRow> message;  // for message_recorded
    std::string result_json;                // the notification's "result", serialized once
  };
  /// What a window entry holds, roughly: the item and its notification text (the message body
  /// is in the text as hex and once more as bytes, so about half the text again).
  static std::size_t item_bytes(const Item& item) {
    return sizeof(item) + item.result_json.size() * 3 / 2;
  }
  struct Sub {
    std::string id;
    SubscriptionSpec spec;
    std::int64_t cursor = 0;  // hub thread only, like the flags below
    Deliver deliver;
    Dropped dropped;
    bool in_pass = false;  // served from the window in this pass
    bool gone = false;     // dropped; leaves the snapshot at its next refresh
  };
  /// The subscriptions as the hub thread last saw them, indexed by sender; rebuilt only when one
  /// is added or removed.
  struct Snapshot {
    std::uint64_t generation = 0;
    std::vector<std::shared_ptr<Sub>> subs;
    absl::flat_hash_map<merkle::Address, std::vector<Sub*>> by_sender;
    std::vector<Sub*> others;  // any other filter: offered every event
  };

  void run();
  [[nodiscard]] absl::StatusOr<std::vector<std::shared_ptr<const Item>>> load(
      std::int64_t after, std::size_t limit) const;
  void refill_window(std::int64_t head);
  /// Serves one subscription up to the head. False if it was dropped.
  bool serve(Sub& sub, std::int64_t head);
  /// Queues `item` to `sub` if it matches and advances its cursor; false if `sub` was dropped.
  bool offer(Sub& sub, const Item& item);
  void refresh_snapshot();
  /// Serves every subscription whose cursor is inside the window in one pass over the window's
  /// events (those following one sender are reached through the index by sender, the others are
  /// offered every event) and marks them in_pass; the others need a replay from the database.
  /// Returns the ids of those it dropped.
  std::vector<std::string> serve_from_window(std::int64_t head);
  bool matches(const SubscriptionSpec& spec, const Item& item) const;

  const router::Engine& engine_;
  HubOptions options_;
  std::atomic<bool> running_{false};
  std::thread thread_;
  mutable std::mutex mutex_;  // guards subs_, next_id_ and generation_
  std::map<std::string, std::shared_ptr<Sub>> subs_;
  std::uint64_t next_id_ = 1;
  std::uint64_t generation_ = 1;                    // changes with every add and remove
  Snapshot snapshot_;                               // hub thread only
  std::deque<std::shared_ptr<const Item>> window_;  // hub thread only
  std::int64_t window_end_ = 0;                     // seq of the last event in the window
  std::size_t window_bytes_ = 0;                    // estimated memory of the window
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> dropped_count_{0};
};

}  // namespace zkr::api

#pragma once
// Live streams. One thread follows the engine's event log and hands each subscription the events
// after its cursor that match its filter, in order, each exactly once: a subscription that starts
// from a cursor replays from the database and then continues live with no seam. Recent events are
// kept in a bounded in-memory window so subscribers at the head cost no database reads.
// Delivery goes through a callback that refuses when the subscriber's connection has no room; the
// subscription then waits where it is (its cursor does not move) until the connection has written
// enough to take more (kick()), so a replay is paced by what the socket takes and a client that
// keeps reading receives everything. Dropping a client that stops reading is the connection's
// decision, not the hub's.

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
  // A refused subscription is offered again at the latest after this long, kick or not.
  std::chrono::milliseconds retry{50};
};

class SubscriptionHub {
 public:
  /// Takes the notification of event `seq`, or returns false if the subscriber has no room for
  /// it now; the same event is offered again after the next kick().
  using Deliver = std::function<bool(std::int64_t seq, std::string notification)>;

  SubscriptionHub(const router::Engine& engine, HubOptions options = {});
  ~SubscriptionHub();
  void start();
  void stop();

  struct Added {
    std::string id;
    std::int64_t cursor;  // the subscription starts after this event
  };
  /// Registers a subscription; events flow from the next pass of the hub's thread.
  Added add(const SubscriptionSpec& spec, Deliver deliver);
  bool remove(const std::string& id);
  /// A subscriber has room again: subscriptions that were refused are served on the next pass.
  void kick();
  std::size_t size() const;
  std::uint64_t delivered() const noexcept { return delivered_.load(); }
  /// Notifications a subscriber had no room for (each offered again later).
  std::uint64_t deferred() const noexcept { return deferred_.load(); }

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
    bool in_pass = false;  // served from the window in this pass
    bool blocked = false;  // refused a notification; waits for a kick
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
  /// Serves one subscription up to the head, or until it refuses a notification.
  void serve(Sub& sub, std::int64_t head);
  /// Queues `item` to `sub` if it matches and advances its cursor; false (and `sub` blocked, its
  /// cursor where it was) if the subscriber has no room.
  bool offer(Sub& sub, const Item& item);
  void refresh_snapshot();
  /// Serves every subscription whose cursor is inside the window in one pass over the window's
  /// events (those following one sender are reached through the index by sender, the others are
  /// offered every event) and marks them in_pass; the others need a replay from the database.
  void serve_from_window(std::int64_t head);
  /// Unblocks every subscription after a kick, or after `retry` without one (a connection's room
  /// can also come from the server-wide budget, which sends no kick).
  void unblock_if_kicked();
  bool matches(const SubscriptionSpec& spec, const Item& item) const;

  const router::Engine& engine_;
  HubOptions options_;
  std::atomic<bool> running_{false};
  std::atomic<bool> kicked_{false};
  std::chrono::steady_clock::time_point last_unblock_;  // hub thread only
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
  std::atomic<std::uint64_t> deferred_{0};
};

}  // namespace zkr::api

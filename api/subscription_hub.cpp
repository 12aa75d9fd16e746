#include "api/subscription_hub.hpp"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "api/json_codec.hpp"
#include "api/rpc.hpp"
#include "merkle/status.hpp"
#include "router/lifecycle.hpp"

namespace zkr::api {
namespace json = boost::json;
using settlement::EventKind;

namespace {

bool is_chain_batch_event(EventKind k) {
  return k == EventKind::kBatchRecorded || k == EventKind::kBatchCommitted ||
         k == EventKind::kBatchProven || k == EventKind::kBatchExecuted ||
         k == EventKind::kL1BatchFinal;
}

bool is_gateway_batch_event(EventKind k) {
  return k == EventKind::kGatewayBatchSealed || k == EventKind::kGatewayBatchCommittedOnL1 ||
         k == EventKind::kGatewayBatchProvenOnL1 || k == EventKind::kGatewayBatchExecutedOnL1 ||
         k == EventKind::kGatewayBatchFinalOnL1 || k == EventKind::kL1Rollback;
}

}  // namespace

std::optional<Topic> topic_from_name(std::string_view name) noexcept {
  if (name == "messages") return Topic::kMessages;
  if (name == "finality") return Topic::kFinality;
  if (name == "interopRoots") return Topic::kInteropRoots;
  if (name == "batches") return Topic::kBatches;
  return std::nullopt;
}

absl::StatusOr<SubscriptionSpec> parse_subscription(const json::value& params) {
  const Params p(params, {"topic", "filter", "fromCursor"});
  ZKR_RETURN_IF_ERROR(p.no_extra());
  ZKR_ASSIGN_OR_RETURN(const std::string name, p.string(0));
  SubscriptionSpec spec;
  const auto topic = topic_from_name(name);
  if (!topic) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown topic \"", to_absl(utf8_prefix(name, 32)),
                     "\"; topics: messages, finality, interopRoots, batches"));
  }
  spec.topic = *topic;
  if (p.has(1)) {
    ZKR_ASSIGN_OR_RETURN(const json::value* fv, p.value(1));
    const json::object* f = fv->if_object();
    if (f == nullptr) return absl::InvalidArgumentError("parameter 1 (filter) must be an object");
    for (const auto& [key, value] : *f) {
      const std::string k(key);
      const bool message_only = k == "destinationChainId" || k == "sender";
      if (k != "sourceChainId" && !message_only) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown filter field \"", to_absl(utf8_prefix(k, 32)), "\""));
      }
      if (message_only && spec.topic != Topic::kMessages) {
        return absl::InvalidArgumentError(
            absl::StrCat("filter field \"", k, "\" applies to topic messages only"));
      }
    }
    if (f->contains("sourceChainId")) {
      ZKR_ASSIGN_OR_RETURN(spec.source_chain_id, u64_field(*f, "sourceChainId"));
    }
    if (f->contains("destinationChainId")) {
      ZKR_ASSIGN_OR_RETURN(spec.destination_chain_id, u64_field(*f, "destinationChainId"));
    }
    if (const json::value* s = f->if_contains("sender")) {
      if (!s->is_string()) return absl::InvalidArgumentError("filter sender must be an address");
      absl::StatusOr<merkle::Address> a = merkle::parse_address(std::string_view(s->get_string()));
      if (!a.ok())
        return absl::InvalidArgumentError(absl::StrCat("filter sender: ", a.status().message()));
      spec.sender = *a;
    }
  }
  if (p.has(2)) {
    ZKR_ASSIGN_OR_RETURN(const std::uint64_t c, p.u64(2));
    ZKR_ASSIGN_OR_RETURN(spec.from_cursor, as_cursor(c, "fromCursor"));
  }
  return spec;
}

SubscriptionHub::SubscriptionHub(const router::Engine& engine, HubOptions options)
    : engine_(engine), options_(options) {}

SubscriptionHub::~SubscriptionHub() {
  stop();
}

void SubscriptionHub::start() {
  if (running_.exchange(true)) return;
  window_end_ = engine_.last_event_seq();
  thread_ = std::thread([this] { run(); });
}

void SubscriptionHub::stop() {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
}

SubscriptionHub::Added SubscriptionHub::add(const SubscriptionSpec& spec, Deliver deliver) {
  auto sub = std::make_shared<Sub>();
  sub->spec = spec;
  sub->cursor = spec.from_cursor.value_or(engine_.last_event_seq());
  sub->deliver = std::move(deliver);
  std::lock_guard lock(mutex_);
  sub->id = absl::StrCat("0x", absl::Hex(next_id_++));
  subs_.emplace(sub->id, sub);
  ++generation_;
  return Added{.id = sub->id, .cursor = sub->cursor};
}

bool SubscriptionHub::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (subs_.erase(id) == 0) return false;
  ++generation_;
  return true;
}

void SubscriptionHub::kick() {
  kicked_.store(true);
  engine_.wake_event_waiters();
}

void SubscriptionHub::unblock_if_kicked() {
  const auto now = std::chrono::steady_clock::now();
  if (!kicked_.exchange(false) && now - last_unblock_ < options_.retry) return;
  last_unblock_ = now;
  for (const auto& sub : snapshot_.subs) sub->blocked = false;
}

std::size_t SubscriptionHub::size() const {
  std::lock_guard lock(mutex_);
  return subs_.size();
}

absl::StatusOr<std::vector<std::shared_ptr<const SubscriptionHub::Item>>> SubscriptionHub::load(
    std::int64_t after, std::size_t limit) const {
  ZKR_ASSIGN_OR_RETURN(const std::vector<settlement::Event> events,
                       engine_.events_after(after, limit));
  std::vector<router::LogRow> messages;
  if (std::any_of(events.begin(), events.end(),
                  [](const auto& e) { return e.kind == EventKind::kMessageRecorded; })) {
    router::MessageFilter f;
    f.after_seq = after;
    f.limit = limit;
    ZKR_ASSIGN_OR_RETURN(router::MessagePage page, engine_.list_messages(f));
    messages = std::move(page.rows);
  }
  std::vector<std::shared_ptr<const Item>> items;
  std::size_t m = 0;
  for (const settlement::Event& e : events) {
    auto item = std::make_shared<Item>();
    item->event = e;
    if (e.kind == EventKind::kMessageRecorded) {
      while (m < messages.size() && messages[m].recorded_seq < e.seq) ++m;
      if (m < messages.size() && messages[m].recorded_seq == e.seq)
        item->message = std::move(messages[m]);
    }
    item->result_json = event_json_text(e, item->message ? &*item->message : nullptr);
    items.push_back(std::move(item));
  }
  return items;
}

void SubscriptionHub::refill_window(std::int64_t head) {
  while (window_end_ < head) {
    const auto page =
        std::min<std::size_t>(options_.replay_page, static_cast<std::size_t>(head - window_end_));
    absl::StatusOr<std::vector<std::shared_ptr<const Item>>> items = load(window_end_, page);
    if (!items.ok() || items->empty()) return;  // retried on the next pass
    for (auto& item : *items) {
      window_end_ = item->event.seq;
      window_bytes_ += item_bytes(*item);
      window_.push_back(std::move(item));
    }
    // Oldest first out; a subscriber further behind replays from the database.
    while (window_.size() > 1 &&
           (window_.size() > options_.window || window_bytes_ > options_.window_bytes)) {
      window_bytes_ -= item_bytes(*window_.front());
      window_.pop_front();
    }
  }
}

bool SubscriptionHub::matches(const SubscriptionSpec& spec, const Item& item) const {
  const settlement::Event& e = item.event;
  const bool chain_ok = !spec.source_chain_id || !e.chain_id ||
                        *e.chain_id == *spec.source_chain_id ||
                        e.kind == EventKind::kGatewayBlockSealed || is_gateway_batch_event(e.kind);
  switch (spec.topic) {
    case Topic::kMessages:
      if (e.kind != EventKind::kMessageRecorded || !item.message) return false;
      if (spec.source_chain_id && item.message->id.chain_id != *spec.source_chain_id) return false;
      if (spec.destination_chain_id &&
          item.message->destination_chain_id != spec.destination_chain_id)
        return false;
      if (spec.sender && item.message->sender != spec.sender) return false;
      return true;
    case Topic::kInteropRoots:
      return e.kind == EventKind::kGatewayBlockSealed;
    case Topic::kBatches:
      return chain_ok && (is_chain_batch_event(e.kind) || is_gateway_batch_event(e.kind));
    case Topic::kFinality:
      return chain_ok && router::changes_finality(e.kind);
  }
  return false;
}

bool SubscriptionHub::offer(Sub& sub, const Item& item) {
  if (matches(sub.spec, item)) {
    std::string note =
        absl::StrCat(R"({"jsonrpc":"2.0","method":"zkr_subscription","params":{"subscription":")",
                     sub.id, R"(","result":)", item.result_json, "}}");
    if (!sub.deliver(item.event.seq, std::move(note))) {
      deferred_.fetch_add(1);
      sub.blocked = true;
      return false;
    }
    delivered_.fetch_add(1);
  }
  sub.cursor = item.event.seq;
  return true;
}

void SubscriptionHub::refresh_snapshot() {
  std::lock_guard lock(mutex_);
  if (snapshot_.generation == generation_) return;
  snapshot_ = Snapshot{.generation = generation_};
  for (const auto& [id, sub] : subs_) {
    snapshot_.subs.push_back(sub);
    if (sub->spec.topic == Topic::kMessages && sub->spec.sender) {
      snapshot_.by_sender[*sub->spec.sender].push_back(sub.get());
    } else {
      snapshot_.others.push_back(sub.get());
    }
  }
}

void SubscriptionHub::serve_from_window(std::int64_t head) {
  for (const auto& sub : snapshot_.subs) sub->in_pass = false;
  if (window_.empty()) return;
  const std::int64_t window_start = window_end_ - static_cast<std::int64_t>(window_.size()) + 1;
  std::int64_t from = head;
  for (const auto& sub : snapshot_.subs) {
    sub->in_pass = !sub->blocked && sub->cursor + 1 >= window_start && sub->cursor < head;
    if (sub->in_pass) from = std::min(from, sub->cursor);
  }
  const auto offer_to = [&](const std::vector<Sub*>& targets, const Item& item) {
    for (Sub* sub : targets) {
      if (!sub->in_pass || item.event.seq <= sub->cursor) continue;
      if (!offer(*sub, item)) sub->in_pass = false;  // blocked: waits where it is
    }
  };
  for (std::size_t i = static_cast<std::size_t>(from + 1 - window_start);
       i < window_.size() && window_[i]->event.seq <= head; ++i) {
    const Item& item = *window_[i];
    offer_to(snapshot_.others, item);
    if (item.message && item.message->sender) {
      if (const auto it = snapshot_.by_sender.find(*item.message->sender);
          it != snapshot_.by_sender.end())
        offer_to(it->second, item);
    }
  }
  // Every event up to head has been offered to them: they are caught up.
  for (const auto& sub : snapshot_.subs)
    if (sub->in_pass) sub->cursor = std::max(sub->cursor, head);
}

void SubscriptionHub::serve(Sub& sub, std::int64_t head) {
  const auto offer = [&](const Item& item) { return this->offer(sub, item); };
  std::size_t pages = 0;
  while (sub.cursor < head && pages++ < 8) {
    const std::int64_t window_start = window_end_ - static_cast<std::int64_t>(window_.size()) + 1;
    if (!window_.empty() && sub.cursor + 1 >= window_start) {
      for (std::size_t i = static_cast<std::size_t>(sub.cursor + 1 - window_start);
           i < window_.size() && window_[i]->event.seq <= head; ++i) {
        if (!offer(*window_[i])) return;
      }
      break;
    }
    absl::StatusOr<std::vector<std::shared_ptr<const Item>>> items =
        load(sub.cursor, options_.replay_page);
    if (!items.ok() || items->empty()) break;
    for (const auto& item : *items) {
      if (item->event.seq > head) break;
      if (!offer(*item)) return;
    }
  }
}

void SubscriptionHub::run() {
  bool behind = false;
  while (running_.load()) {
    const std::int64_t head = behind
                                  ? engine_.last_event_seq()
                                  : engine_.wait_for_events(window_end_, options_.retry, &kicked_);
    behind = false;
    do {
      refresh_snapshot();
      unblock_if_kicked();
      if (snapshot_.subs.empty()) {
        // Nobody to serve: the new events are not read. A subscriber that comes later starts at
        // the head, or replays from the database if it asks for older events.
        window_.clear();
        window_bytes_ = 0;
        window_end_ = std::max(window_end_, head);
        break;
      }
      const std::int64_t before = window_end_;
      refill_window(std::min(head, window_end_ + static_cast<std::int64_t>(options_.live_step)));
      const std::int64_t upto = std::min(head, window_end_);
      serve_from_window(upto);
      // The rest are behind the window (replaying from the database), already at the head, or
      // blocked until their connection has room.
      for (const auto& sub : snapshot_.subs) {
        if (sub->in_pass || sub->blocked) continue;
        serve(*sub, upto);
        behind = behind || (!sub->blocked && sub->cursor < upto);
      }
      if (window_end_ == before) break;  // nothing read (an error): retried on the next pass
    } while (window_end_ < head && running_.load());
  }
}

}  // namespace zkr::api

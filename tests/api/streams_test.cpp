// Streams that never lose an event: a replay is paced by what the connection writes, a client that
// keeps reading receives everything, and a client that stops reading is closed with the cursor it
// resumes from exactly. Real sockets, the public client, the event log as the reference.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "tests/api/api_fixture.hpp"

namespace zkr::api {
namespace {
namespace json = boost::json;

/// Every message_recorded event in the log, in order: what a full replay must deliver.
std::vector<std::int64_t> message_events(const router::Engine& engine) {
  std::vector<std::int64_t> out;
  std::int64_t after = 0;
  while (true) {
    const auto events = engine.events_after(after, 10000);
    if (!events.ok() || events->empty()) break;
    for (const auto& e : *events) {
      if (e.kind == settlement::EventKind::kMessageRecorded) out.push_back(e.seq);
      after = e.seq;
    }
  }
  return out;
}

/// A subscriber to `messages` that reads until it has seen `last`, pausing (not reading at all)
/// for the given durations along the way; when the server closes it for not reading it
/// resubscribes from the cursor named in the close reason.
struct Follower {
  std::uint16_t port;
  std::vector<std::int64_t> received;
  int closes = 0;

  static std::int64_t cursor_of(const json::value& note) {
    return note.at("params").at("result").at("cursor").to_number<std::int64_t>();
  }

  void follow(std::int64_t from, std::int64_t last, std::vector<std::chrono::seconds> pauses,
              std::size_t between_pauses) {
    std::int64_t cursor = from;
    std::size_t next_pause = 0, since_pause = 0;
    while (cursor < last) {
      testing::WsClient ws(port, std::chrono::seconds(30));
      const auto sub = ws.call("zkr_subscribe", json::array{"messages", json::object{}, cursor});
      ASSERT_TRUE(sub.at("result").is_string()) << json::serialize(sub);
      while (cursor < last) {
        if (next_pause < pauses.size() && since_pause >= between_pauses) {
          std::this_thread::sleep_for(pauses[next_pause++]);
          since_pause = 0;
        }
        const auto text = ws.read();
        if (!text) break;
        const json::value note = json::parse(*text);
        if (!note.as_object().contains("method")) continue;
        cursor = cursor_of(note);
        received.push_back(cursor);
        ++since_pause;
      }
      if (cursor >= last) break;
      ASSERT_TRUE(ws.closed()) << "neither closed nor finished at cursor " << cursor;
      ASSERT_EQ(ws.close_code(), 1008) << ws.close_reason();
      const std::string reason = ws.close_reason();
      const auto at = reason.find("fromCursor=");
      ASSERT_NE(at, std::string::npos) << reason;
      const std::int64_t resume = std::stoll(reason.substr(at + 11));
      // Everything written before the close was received: the cursor is the last one received.
      EXPECT_EQ(resume, cursor) << reason;
      cursor = resume;
      ++closes;
    }
  }
};

class Streams : public Api {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.slow_consumer_timeout = std::chrono::seconds(2);
    start(o);
  }
  void register_chain(std::uint64_t chain) {
    ASSERT_TRUE(testing::launch_chain(*engine_, chain).ok());
  }
  void ingest(std::uint64_t chain, std::uint64_t batches, std::size_t per_batch) {
    register_chain(chain);
    for (std::uint64_t b = 1; b <= batches; ++b) {
      const auto r = engine_->ingest(testing::generated_batch(chain, b, per_batch));
      ASSERT_TRUE(r.ok()) << r.status();
    }
  }
};

// The client stops reading for 1 s (under the 2 s slow-consumer timeout: nothing is dropped, the
// replay just waits), then 3 s and 10 s (closed each time, resuming from the cursor in the close
// reason). Every event arrives exactly once and in order.
TEST_F(Streams, ASlowConsumerResumesWithEveryEventExactlyOnceAfterPausesOf1And3And10Seconds) {
  ingest(3000, 60, 500);
  const std::vector<std::int64_t> expected = message_events(*engine_);
  ASSERT_GT(expected.size(), 30000U);
  Follower f{.port = port_};
  f.follow(0, expected.back(),
           {std::chrono::seconds(1), std::chrono::seconds(3), std::chrono::seconds(10)}, 5000);
  EXPECT_EQ(f.received, expected);
  // The 3 s and 10 s pauses outlast the timeout once the socket's buffers are full.
  EXPECT_GE(f.closes, 1);
  EXPECT_LE(f.closes, 2);
}

// A client that reads as fast as it can is never dropped, however long the replay: 100 000
// events, from the database, paced by what its socket takes.
TEST_F(Streams, AFastReaderReceives100000ReplayedEventsWithoutBeingDropped) {
  ingest(3001, 200, 500);
  const std::vector<std::int64_t> expected = message_events(*engine_);
  ASSERT_GE(expected.size(), 100000U);
  Follower f{.port = port_};
  f.follow(0, expected.back(), {}, 0);
  EXPECT_EQ(f.closes, 0);
  EXPECT_EQ(f.received, expected);
}

// A live subscriber keeps receiving while another, paused one falls behind and is closed.
TEST_F(Streams, APausedSubscriberDoesNotHoldUpALiveOne) {
  ingest(3002, 40, 500);
  testing::WsClient paused(port_, std::chrono::seconds(30));
  ASSERT_TRUE(paused.call("zkr_subscribe", json::array{"messages", json::object{}, 0})
                  .at("result")
                  .is_string());
  testing::WsClient live(port_, std::chrono::seconds(30));
  ASSERT_TRUE(live.call("zkr_subscribe", json::array{"messages"}).at("result").is_string());
  register_chain(3003);
  std::thread more([&] {
    for (std::uint64_t b = 1; b <= 20; ++b) {
      EXPECT_TRUE(engine_->ingest(testing::generated_batch(3003, b, 100)).ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  EXPECT_TRUE(live.wait_notifications(2000, std::chrono::seconds(30)));
  more.join();
  EXPECT_FALSE(live.closed());
}

}  // namespace
}  // namespace zkr::api

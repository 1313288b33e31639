// The event recorder's timing, on a FakeClock: timestamps are the clock's
// wall time, repeats within the hour bump the count on the same Event,
// Events not repeated for an hour are forgotten (and made anew), and a
// bounded flush gives up when its bound passes on the clock. Aggregation
// against a real API server is in test/integration/kube/leader_events_test.cc.
#include "kube/events.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "unimplemented_client.h"

namespace mb::kube {
namespace {

using namespace std::chrono_literals;

// Accepts every create and patch and remembers them; creates block while
// `hang` is set.
class EventSink : public test::UnimplementedClient {
 public:
  struct Call {
    std::string verb;  // "create" or "patch"
    document::Value body;
  };

  ApiResult<document::Value> create(const Resource&, const std::string&, const document::Value& object,
                                    const WriteOptions&) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !hang_; });
    calls_.push_back(Call{"create", object});
    return object;
  }
  ApiResult<document::Value> patch(const Resource&, const std::string&, const std::string&, PatchType,
                                   const document::Value& body, const WriteOptions&) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(Call{"patch", body});
    return body;
  }
  void setHang(bool h) {
    std::lock_guard<std::mutex> lock(mu_);
    hang_ = h;
    cv_.notify_all();
  }
  std::vector<Call> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool hang_ = false;
  std::vector<Call> calls_;
};

const ObjectRef kBooster{"modelbooster.io/v1alpha1", "ModelBooster", "ns", "llama", "uid-1"};

std::string field(const document::Value& v, const char* name) {
  const document::Value* f = v.find(name);
  return f != nullptr ? f->text() : std::string();
}

TEST(EventRecorder, RepeatsWithinTheHourBumpTheCountAtTheClocksWallTime) {
  base::FakeClock clock;
  EventSink sink;
  EventRecorder recorder(sink, clock, "test", "test-1");
  recorder.normal(kBooster, "Rendered", "children in step");
  ASSERT_TRUE(recorder.flush());
  clock.advance(30s);
  recorder.normal(kBooster, "Rendered", "children in step");
  ASSERT_TRUE(recorder.flush());

  std::vector<EventSink::Call> calls = sink.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].verb, "create");
  EXPECT_EQ(field(calls[0].body, "firstTimestamp"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(field(calls[0].body, "count"), "1");
  EXPECT_EQ(calls[1].verb, "patch");
  EXPECT_EQ(field(calls[1].body, "count"), "2");
  EXPECT_EQ(field(calls[1].body, "lastTimestamp"), "2026-01-01T00:00:30Z");
}

TEST(EventRecorder, ForgetsEventsNotRepeatedForAnHour) {
  base::FakeClock clock;
  EventSink sink;
  EventRecorder recorder(sink, clock, "test", "test-1");
  recorder.warning(kBooster, "Invalid", "spec.model is empty");
  ASSERT_TRUE(recorder.flush());
  clock.advance(61min);
  recorder.warning(kBooster, "Invalid", "spec.model is empty");
  ASSERT_TRUE(recorder.flush());

  std::vector<EventSink::Call> calls = sink.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].verb, "create");
  EXPECT_EQ(field(calls[1].body, "count"), "1");
  EXPECT_EQ(field(calls[1].body, "firstTimestamp"), "2026-01-01T01:01:00Z");
}

TEST(EventRecorder, ABoundedFlushGivesUpWhenTheBoundPassesOnTheClock) {
  base::FakeClock clock;
  EventSink sink;
  EventRecorder recorder(sink, clock, "test", "test-1");
  sink.setHang(true);
  recorder.normal(kBooster, "Rendered", "children in step");
  bool flushed = true;
  std::thread flusher([&] { flushed = recorder.flush(2s); });
  clock.awaitWaitersForTest(1);
  EXPECT_EQ(clock.nextDeadlineForTest(), clock.now() + 2s);
  clock.advance(2s);
  flusher.join();
  EXPECT_FALSE(flushed);

  sink.setHang(false);
  EXPECT_TRUE(recorder.flush());
  EXPECT_EQ(sink.calls().size(), 1u);
}

}  // namespace
}  // namespace mb::kube

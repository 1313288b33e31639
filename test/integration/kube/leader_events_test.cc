// Leader election and events against a real kube-apiserver.
#include <gmock/gmock.h>

#include <thread>

#include "fixture.h"
#include "kube/events.h"
#include "kube/leader_election.h"

namespace mb::kube::test {
namespace {

LeaderElectionConfig fast(const std::string& ns, const std::string& identity) {
  LeaderElectionConfig c;
  c.ns = ns;
  c.name = "it-lease";
  c.identity = identity;
  c.leaseDuration = std::chrono::seconds(3);
  c.renewDeadline = std::chrono::seconds(2);
  c.retryPeriod = std::chrono::milliseconds(300);
  return c;
}

struct Candidate {
  Candidate(Client& client, const std::string& ns, const std::string& id)
      : elector(client, base::RealClock::instance(), fast(ns, id),
                LeaderCallbacks{[this] { started++; }, [this] { stopped++; }, {}}),
        thread([this] { elector.run(); }) {}
  ~Candidate() {
    elector.stop();
    if (thread.joinable()) thread.join();
  }
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  LeaderElector elector;
  std::thread thread;
};

TEST_F(KubeTest, OneLeaderAndAHandoverOnRelease) {
  auto a = std::make_unique<Candidate>(*client_, ns_, "a");
  auto b = std::make_unique<Candidate>(*client_, ns_, "b");
  ASSERT_TRUE(eventually([&] { return a->elector.isLeader() || b->elector.isLeader(); }));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // several renew rounds
  EXPECT_NE(a->elector.isLeader(), b->elector.isLeader()) << "exactly one leads";
  Candidate* leader = a->elector.isLeader() ? a.get() : b.get();
  Candidate* other = leader == a.get() ? b.get() : a.get();
  EXPECT_EQ(other->started.load(), 0);

  // A clean stop releases the lease: the other takes over well within the
  // lease duration.
  auto stoppedAt = std::chrono::steady_clock::now();
  leader->elector.stop();
  leader->thread.join();
  EXPECT_EQ(leader->stopped.load(), 1);
  ASSERT_TRUE(eventually([&] { return other->elector.isLeader(); }, std::chrono::seconds(10)));
  EXPECT_LT(std::chrono::steady_clock::now() - stoppedAt, std::chrono::seconds(3));
}

TEST_F(KubeTest, ACrashedLeaderIsReplacedAfterTheLeaseExpires) {
  auto a = std::make_unique<Candidate>(*client_, ns_, "a");
  ASSERT_TRUE(eventually([&] { return a->elector.isLeader(); }));
  auto b = std::make_unique<Candidate>(*client_, ns_, "b");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_FALSE(b->elector.isLeader());
  auto crashedAt = std::chrono::steady_clock::now();
  a->elector.abandonForTest();
  a->thread.join();
  ASSERT_TRUE(eventually([&] { return b->elector.isLeader(); }, std::chrono::seconds(15)));
  auto took = std::chrono::steady_clock::now() - crashedAt;
  EXPECT_GE(took, std::chrono::milliseconds(2500)) << "must wait out the lease, not steal it";
  EXPECT_LE(took, std::chrono::seconds(6)) << "lease 3 s + retry period + slack";
  auto lease = client_->get(resources::leases(), ns_, "it-lease");
  ASSERT_TRUE(lease);
  EXPECT_EQ(str(*lease, {"spec", "holderIdentity"}), "b");
  EXPECT_EQ(str(*lease, {"spec", "leaseTransitions"}), "1");
}

TEST_F(KubeTest, RepeatedEventsAreAggregated) {
  auto cm = client_->create(resources::configMaps(), ns_,
                            json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"target"}})"));
  ASSERT_TRUE(cm) << cm.error().str();
  EventRecorder recorder(*client_, base::RealClock::instance(), "modelbooster-it", "it-1");
  ObjectRef ref = refTo(*cm);
  for (int i = 0; i < 3; ++i) recorder.warning(ref, "ApplyFailed", "the same message");
  recorder.normal(ref, "Created", "created ModelServing x");
  recorder.flush();
  auto events = client_->list(Resource{"", "v1", "events", true}, ns_, {});
  ASSERT_TRUE(events) << events.error().str();
  ASSERT_EQ(events->items.size(), 2u);
  std::map<std::string, std::string> counts;
  for (const auto& e : events->items) counts[str(e, {"reason"})] = str(e, {"count"});
  EXPECT_EQ(counts["ApplyFailed"], "3");
  EXPECT_EQ(counts["Created"], "1");
  EXPECT_EQ(str(events->items[0], {"involvedObject", "uid"}), str(*cm, {"metadata", "uid"}));
}

}  // namespace
}  // namespace mb::kube::test

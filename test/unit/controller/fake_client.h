// An in-process stand-in for the API server at the kube::Client seam, for
// unit tests of the reconciler's and the manager's decisions: it answers
// writes by echoing the object (with a uid and a bumped resourceVersion, and
// whatever `mutate` does to it, as defaulting, pruning and webhooks would),
// keeps what it was given, lists it, holds watches open without events,
// answers discovery from `discovery`, records every call, and fails the
// calls a test names. Thread-safe, so a whole manager can run against it;
// a test waits for what the manager does with awaitTrue (woken by every
// call, never polling). Integration tests use the real API server.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/serving_stack.h"
#include "kube/client.h"
#include "kube/resource.h"

namespace mb::controller::testing {

class FakeClient : public kube::Client {
 public:
  // A call is described as "<verb> <plural>[/<subresource>] <namespace>/<name>",
  // e.g. "update modelservings n/m-a" or "update modelboosters/status n/m";
  // discovery as "discover <group>/<version>". Read it only while no other
  // thread uses the client (or through callsStartingWith).
  std::vector<std::string> calls;
  // Answers a call with this error instead of succeeding.
  std::map<std::string, kube::ApiError> failures;
  // Objects `get` and `list` return, by "<plural> <namespace>/<name>".
  // Creates and updates are kept here too.
  std::map<std::string, document::Value> objects;
  // The last status written to each booster, by "<namespace>/<name>".
  std::map<std::string, document::Value> statuses;
  // What the server does to a child it stores (defaults, pruning, a
  // mutating webhook): called with the plural and the object, before it is
  // kept and returned. Not called for status writes.
  std::function<void(const std::string& plural, document::Value& object)> mutate;

  FakeClient() { serveAll(); }

  // Discovery answers: "<group>/<version>" -> its resources. A group/version
  // not here answers 404 (not served); its lists and watches do too.
  void serve(const std::string& group, const std::string& version, const std::string& plural) {
    std::lock_guard<std::mutex> lock(mu_);
    discovery_[group + "/" + version].insert(plural);
  }
  void unserve(const std::string& group, const std::string& version, const std::string& plural) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = discovery_.find(group + "/" + version);
    if (it == discovery_.end()) return;
    it->second.erase(plural);
    if (it->second.empty()) discovery_.erase(it);
  }
  void serve(api::ChildKind kind) {
    const api::KindInfo& k = api::kindInfo(kind);
    serve(std::string(k.group), std::string(k.version), std::string(k.plural));
  }
  void unserve(api::ChildKind kind) {
    const api::KindInfo& k = api::kindInfo(kind);
    unserve(std::string(k.group), std::string(k.version), std::string(k.plural));
  }
  // Every child kind and ModelBoosters: a Kthena v0.1 cluster.
  void serveAll() {
    for (const auto& k : api::kChildKinds) serve(k.kind);
    kube::Resource b = kube::resources::modelBoosters();
    serve(b.group, b.version, b.plural);
  }
  // A Kthena v1.0 cluster: no AutoscalingPolicyBinding.
  void serveV10() {
    serveAll();
    unserve(api::ChildKind::AutoscalingPolicyBinding);
  }

  std::vector<std::string> callsStartingWith(const std::string& prefix) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& c : calls) {
      if (c.rfind(prefix, 0) == 0) out.push_back(c);
    }
    return out;
  }
  std::optional<document::Value> statusOf(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = statuses.find(key);
    if (it == statuses.end()) return std::nullopt;
    return it->second;
  }
  std::optional<document::Value> objectAt(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects.find(key);
    if (it == objects.end()) return std::nullopt;
    return it->second;
  }
  // `failures`, for tests that change them while other threads call.
  void failCall(const std::string& call, kube::ApiError e) {
    std::lock_guard<std::mutex> lock(mu_);
    failures[call] = std::move(e);
  }
  void healCall(const std::string& call) {
    std::lock_guard<std::mutex> lock(mu_);
    failures.erase(call);
  }
  void putObject(const std::string& key, document::Value object) {
    std::lock_guard<std::mutex> lock(mu_);
    objects[key] = std::move(object);
  }
  void clearCalls() {
    std::lock_guard<std::mutex> lock(mu_);
    calls.clear();
  }

  // Blocks until `condition()` holds, looking again after every call the
  // client answers and every progressed(); false if it still does not hold
  // after `bound` (a failing test's safety net, not a wait anyone relies on).
  // `condition` may use this client's accessors: it runs without
  // progressMu_ held.
  template <class Condition>
  bool awaitTrue(Condition condition, std::chrono::milliseconds bound = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
      uint64_t seen = 0;
      {
        std::lock_guard<std::mutex> lock(progressMu_);
        seen = progress_;
      }
      if (condition()) return true;
      std::unique_lock<std::mutex> lock(progressMu_);
      if (!progressChanged_.wait_until(lock, deadline, [&] { return progress_ != seen; })) return condition();
    }
  }
  // Something a test's awaitTrue condition reads has changed outside the
  // client (e.g. the manager's run() returned).
  void progressed() {
    std::lock_guard<std::mutex> lock(progressMu_);
    ++progress_;
    progressChanged_.notify_all();
  }
  // Ends every open watch and fails later ones (503, so the watchers back
  // off on their clock until stopped): the fake's watches wait for events
  // only, never for the watcher's stop flag, so a test calls this before it
  // stops the manager.
  void closeWatches() {
    std::lock_guard<std::mutex> lock(mu_);
    watchesClosed_ = true;
    watchChanged_.notify_all();
  }

  kube::ApiResult<document::Value> get(const kube::Resource& r, const std::string& ns,
                                       const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = record("get", r.plural, ns, name)) return err(*e);
    auto it = objects.find(r.plural + " " + ns + "/" + name);
    if (it == objects.end()) return err(kube::errorFromResponse(404, ""));
    return it->second;
  }
  kube::ApiResult<kube::ListPage> list(const kube::Resource& r, const std::string& ns,
                                       const kube::ListOptions&) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = record("list", r.plural, ns, "")) return err(*e);
    if (!servedLocked(r)) return err(kube::errorFromResponse(404, ""));
    kube::ListPage page;
    const std::string prefix = r.plural + " " + ns + (ns.empty() ? "" : "/");
    for (const auto& [key, object] : objects) {
      if (key.rfind(prefix, 0) == 0) page.items.push_back(object);
    }
    page.resourceVersion = std::to_string(version_);
    return page;
  }
  kube::ApiResult<document::Value> create(const kube::Resource& r, const std::string& ns, const document::Value& object,
                                          const kube::WriteOptions&) override {
    gate("create " + r.plural + " " + ns + "/" + nameOf(object));
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = record("create", r.plural, ns, nameOf(object))) return err(*e);
    document::Value out = object;
    if (out.find("metadata")->find("uid") == nullptr) out.find("metadata")->put("uid", "uid-" + nameOf(object));
    out.find("metadata")->put("resourceVersion", std::to_string(++version_));
    if (mutate) mutate(r.plural, out);
    objects[r.plural + " " + ns + "/" + nameOf(object)] = out;
    return out;
  }
  kube::ApiResult<document::Value> update(const kube::Resource& r, const std::string& ns, const document::Value& object,
                                          const kube::WriteOptions& options) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string plural = options.subresource.empty() ? r.plural : r.plural + "/" + options.subresource;
    if (auto e = record("update", plural, ns, nameOf(object))) return err(*e);
    if (options.subresource == "status") statuses[ns + "/" + nameOf(object)] = *object.find("status");
    document::Value out = object;
    out.find("metadata")->put("resourceVersion", std::to_string(++version_));
    if (options.subresource.empty()) {
      if (mutate) mutate(r.plural, out);
      objects[r.plural + " " + ns + "/" + nameOf(object)] = out;
    }
    return out;
  }
  kube::ApiResult<document::Value> patch(const kube::Resource&, const std::string&, const std::string&, kube::PatchType,
                                         const document::Value&, const kube::WriteOptions&) override {
    return err(kube::errorFromResponse(501, ""));
  }
  kube::ApiResult<Unit> remove(const kube::Resource& r, const std::string& ns, const std::string& name,
                               const kube::DeleteOptions&) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto e = record("delete", r.plural, ns, name)) return err(*e);
    objects.erase(r.plural + " " + ns + "/" + name);
    return Unit{};
  }
  // Open until closeWatches(). Events only when a test emits them (emit()):
  // the reconciler records its own writes in the caches.
  kube::ApiResult<Unit> watch(const kube::Resource& r, const std::string&, const kube::WatchOptions&,
                              const std::function<bool(kube::WatchEvent&&)>& onEvent,
                              const std::atomic<bool>*) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (!servedLocked(r)) return err(kube::errorFromResponse(404, ""));
    if (watchesClosed_) return err(kube::errorFromResponse(503, ""));
    watching_[r.plural]++;
    watchChanged_.notify_all();
    auto& pending = events_[r.plural];
    bool more = true;
    while (more) {
      watchChanged_.wait(lock, [&] { return !pending.empty() || watchesClosed_; });
      if (watchesClosed_) break;
      kube::WatchEvent event = std::move(pending.front());
      pending.pop_front();
      lock.unlock();
      more = onEvent(std::move(event));
      lock.lock();
    }
    watching_[r.plural]--;
    return Unit{};
  }
  // Delivers `event` to the next watch of `plural` (one watcher per kind).
  void emit(const std::string& plural, kube::WatchEvent::Type type, document::Value object) {
    std::lock_guard<std::mutex> lock(mu_);
    events_[plural].push_back(kube::WatchEvent{type, std::move(object)});
    watchChanged_.notify_all();
  }
  // Deletes the stored object and tells the watch of its kind, as the API
  // server does when someone deletes a child by hand.
  void deleteAndEmit(const std::string& plural, const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects.find(plural + " " + key);
    if (it == objects.end()) return;
    events_[plural].push_back(kube::WatchEvent{kube::WatchEvent::Type::Deleted, std::move(it->second)});
    objects.erase(it);
    watchChanged_.notify_all();
  }
  // Calls named here block (before they are recorded) until released.
  void holdCall(const std::string& call) {
    std::lock_guard<std::mutex> lock(holdMu_);
    held_.insert(call);
  }
  void releaseCall(const std::string& call) {
    std::lock_guard<std::mutex> lock(holdMu_);
    held_.erase(call);
    holdChanged_.notify_all();
  }
  // Calls waiting in holdCall's gate right now.
  size_t waitingCalls() const {
    std::lock_guard<std::mutex> lock(holdMu_);
    return waiting_;
  }
  kube::ApiResult<std::vector<kube::ApiResource>> serverResources(const std::string& group,
                                                                  const std::string& version) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string gv = group + "/" + version;
    calls.push_back("discover " + gv);
    progressed();
    if (auto it = failures.find("discover " + gv); it != failures.end()) return err(it->second);
    auto it = discovery_.find(gv);
    if (it == discovery_.end()) return err(kube::errorFromResponse(404, ""));
    std::vector<kube::ApiResource> out;
    for (const auto& plural : it->second) {
      out.push_back(kube::ApiResource{plural, "", true});
      out.push_back(kube::ApiResource{plural + "/status", "", true});
    }
    return out;
  }

 private:
  static std::string nameOf(const document::Value& object) {
    const document::Value* meta = object.find("metadata");
    const document::Value* name = meta != nullptr ? meta->find("name") : nullptr;
    return name != nullptr ? name->text() : std::string();
  }
  void gate(const std::string& call) {
    std::unique_lock<std::mutex> lock(holdMu_);
    if (!held_.contains(call)) return;
    waiting_++;
    progressed();
    holdChanged_.wait(lock, [&] { return !held_.contains(call); });
    waiting_--;
  }
  // mu_ held.
  bool servedLocked(const kube::Resource& r) const {
    if (r.group.empty()) return true;  // the core group (ConfigMaps, Events)
    auto it = discovery_.find(r.group + "/" + r.version);
    return it != discovery_.end() && it->second.contains(r.plural);
  }
  // mu_ held.
  std::optional<kube::ApiError> record(const char* verb, const std::string& plural, const std::string& ns,
                                       const std::string& name) {
    std::string call = std::string(verb) + " " + plural + " " + ns + "/" + name;
    calls.push_back(call);
    progressed();
    auto it = failures.find(call);
    if (it == failures.end()) return std::nullopt;
    return it->second;
  }

  mutable std::mutex mu_;
  std::map<std::string, std::set<std::string>> discovery_;      // guarded by mu_
  int version_ = 100;                                           // guarded by mu_
  std::map<std::string, std::deque<kube::WatchEvent>> events_;  // by plural, guarded by mu_
  std::map<std::string, int> watching_;                         // open watches by plural, guarded by mu_
  std::condition_variable watchChanged_;
  bool watchesClosed_ = false;  // guarded by mu_
  // Lock order: mu_ or holdMu_, then progressMu_ (progressed() is called
  // with them held); awaitTrue never holds progressMu_ while it takes them.
  std::mutex progressMu_;
  std::condition_variable progressChanged_;
  uint64_t progress_ = 0;  // guarded by progressMu_
  mutable std::mutex holdMu_;
  std::condition_variable holdChanged_;
  std::set<std::string> held_;  // guarded by holdMu_
  size_t waiting_ = 0;          // guarded by holdMu_
};

}  // namespace mb::controller::testing

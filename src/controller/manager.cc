#include "controller/manager.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "controller/caches.h"
#include "controller/reconciler.h"
#include "kube/events.h"
#include "kube/factory.h"
#include "kube/leader_election.h"
#include "kube/watcher.h"
#include "observe/http_server.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "runtime/controller.h"
#include "runtime/work_queue.h"

namespace mb::controller {
namespace {

using observe::logError;
using observe::logInfo;

constexpr const char* kManagedBySelector = "workload.serving.volcano.sh/managed-by=workload.serving.volcano.sh";
constexpr const char* kConfigMapName = "model-booster-controller-config";

std::string identity() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  return std::string(host) + "_" + std::to_string(rd() % 100000);
}

std::string text(const doc::Value* v) { return v != nullptr && v->isString() ? v->text() : std::string(); }

// The owner to reconcile for a child event: its controller reference of
// kind ModelBooster, never a guess from the first owner.
std::string ownerKey(const doc::Value& child) {
  const doc::Value* meta = child.find("metadata");
  const doc::Value* refs = meta != nullptr ? meta->find("ownerReferences") : nullptr;
  if (refs == nullptr || !refs->isArray()) return {};
  for (const auto& r : refs->items()) {
    const doc::Value* c = r.find("controller");
    if (c != nullptr && c->isBool() && c->asBool() && text(r.find("kind")) == "ModelBooster") {
      return kube::objectKey(text(meta->find("namespace")), text(r.find("name")));
    }
  }
  return {};
}

// Knobs from the ConfigMap override the flags, key by key.
core::Config withConfigMap(core::Config base, const doc::Value* configMap) {
  if (configMap == nullptr) return base;
  const doc::Value* data = configMap->find("data");
  if (data == nullptr) return base;
  if (auto v = text(data->find("model_serving_downloader_image")); !v.empty()) base.downloaderImage = v;
  if (auto v = text(data->find("model_serving_runtime_image")); !v.empty()) base.runtimeImage = v;
  return base;
}

std::string podNamespace() {
  if (const char* ns = std::getenv("POD_NAMESPACE"); ns != nullptr && *ns != '\0') return ns;
  return "default";
}

}  // namespace

int runManager(const ManagerOptions& options, const std::atomic<bool>& stop) {
  auto restConfig = kube::loadConfig(options.kube);
  if (!restConfig) {
    logError("cannot load the Kubernetes configuration", {{"error", restConfig.error().message}});
    return 1;
  }
  // One watcher per namespace and kind (a single "" watcher for all).
  std::vector<std::string> namespaces = options.watchNamespaces;
  if (namespaces.empty()) namespaces.emplace_back();
  std::string watched;
  for (const auto& ns : namespaces) watched += (watched.empty() ? "" : ",") + (ns.empty() ? "(all)" : ns);
  kube::RestConfig rc = *restConfig;
  rc.qps = options.qps;
  rc.burst = options.burst;
  rc.userAgent = "modelbooster-controller";
  logInfo("starting", {{"server", rc.server},
                       {"source", rc.source},
                       {"namespaces", watched},
                       {"workers", std::to_string(options.workers)}});

  observe::Registry registry;
  auto client = kube::makeClient(rc, kube::standardHooks(rc, &registry));
  const std::string configNamespace = options.configNamespace.empty() ? podNamespace() : options.configNamespace;
  const std::string self = identity();

  Caches caches;
  runtime::WorkQueue queue("modelbooster", runtime::WorkQueueOptions{nullptr, nullptr, &registry});
  kube::EventRecorder events(*client, "modelbooster-controller", self);

  std::mutex configMutex;
  core::Config config = options.config;  // guarded by configMutex
  Reconciler reconciler(*client, caches, &events, [&] {
    std::lock_guard<std::mutex> lock(configMutex);
    return config;
  });
  runtime::Controller controller(
      "modelbooster", queue,
      [&](const std::string& key) {
        auto start = std::chrono::steady_clock::now();
        runtime::Action a = reconciler.reconcile(key);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        kube::ObjectPtr b = caches.boosters.get(key);
        std::string generation;
        if (b != nullptr) {
          const doc::Value* g = b->find("metadata")->find("generation");
          if (g != nullptr) generation = g->text();
        }
        observe::logDebug("reconciled",
                          {{"booster", key}, {"generation", generation}, {"ms", std::to_string(ms.count())}});
        return a;
      },
      runtime::ControllerOptions{nullptr, &registry, [](const std::string& key, const std::string& error) {
                                   logError("reconcile failed", {{"booster", key}, {"error", error}});
                                 }});

  // Booster gauges by condition, computed from the cache at scrape time.
  observe::Family& boosterGauge =
      registry.gauge("modelbooster_boosters", "ModelBoosters by condition and status.", {"condition", "status"});
  observe::CollectHook boosterGaugeHook = registry.onCollect([&] {
    std::map<std::pair<std::string, std::string>, int> counts;
    for (const char* c : {"Initialized", "Active", "Failed"}) {
      for (const char* s : {"True", "False"}) counts[{c, s}] = 0;
    }
    for (const auto& b : caches.boosters.list()) {
      const doc::Value* status = b->find("status");
      const doc::Value* conditions = status != nullptr ? status->find("conditions") : nullptr;
      if (conditions == nullptr || !conditions->isArray()) continue;
      for (const auto& c : conditions->items()) counts[{text(c.find("type")), text(c.find("status"))}]++;
    }
    for (const auto& [k, n] : counts) boosterGauge.gauge({k.first, k.second}).set(n);
  });

  // Watchers: boosters, the five child kinds (ours only, filtered by the
  // server), and the configuration ConfigMap.
  std::vector<std::unique_ptr<kube::Watcher>> watchers;
  auto enqueue = [&](const kube::Change& c) { queue.add(kube::objectKey(*c.object)); };
  auto onChild = [&](api::ChildKind kind, const kube::Change& c) {
    if (c.type == kube::Change::Type::Deleted) {
      const doc::Value* meta = c.object->find("metadata");
      reconciler.childDeleted(kind, text(meta->find("namespace")), text(meta->find("name")), text(meta->find("uid")));
    }
    std::string owner = ownerKey(*c.object);
    if (!owner.empty()) queue.add(owner);
    // An edit that removed or changed the controller reference must still
    // reach the booster that owned the child, or the drift goes unseen.
    if (c.previous != nullptr) {
      std::string before = ownerKey(*c.previous);
      if (!before.empty() && before != owner) queue.add(before);
    }
  };
  for (const auto& ns : namespaces) {
    if (namespaces.size() > 1) {
      caches.boosters.expectNamespace(ns);
      for (const auto& k : api::kChildKinds) caches.of(k.kind).expectNamespace(ns);
    }
    watchers.push_back(std::make_unique<kube::Watcher>(
        *client, kube::WatcherConfig{kube::resources::modelBoosters(), ns}, caches.boosters, enqueue));
    for (const auto& k : api::kChildKinds) {
      caches.setWatched(k.kind);
      kube::WatcherConfig wc{resourceOf(k.kind), ns};
      wc.labelSelector = kManagedBySelector;
      watchers.push_back(std::make_unique<kube::Watcher>(
          *client, wc, caches.of(k.kind), [&onChild, kind = k.kind](const kube::Change& c) { onChild(kind, c); }));
    }
  }
  kube::Store configStore;
  kube::WatcherConfig cc{kube::resources::configMaps(), configNamespace};
  cc.fieldSelector = std::string("metadata.name=") + kConfigMapName;
  watchers.push_back(std::make_unique<kube::Watcher>(*client, cc, configStore, [&](const kube::Change& c) {
    {
      std::lock_guard<std::mutex> lock(configMutex);
      config = withConfigMap(options.config, c.type == kube::Change::Type::Applied ? c.object.get() : nullptr);
    }
    logInfo("configuration changed; re-rendering every booster",
            {{"configmap", configNamespace + "/" + kConfigMapName}});
    for (const auto& b : caches.boosters.list()) queue.add(kube::objectKey(*b));
  }));
  std::vector<std::thread> watcherThreads;
  watcherThreads.reserve(watchers.size());
  for (auto& w : watchers) watcherThreads.emplace_back([&w] { w->run(); });

  std::atomic<bool> leading{!options.leaderElect};
  std::atomic<bool> lostLease{false};
  observe::HttpServer metrics(options.metricsAddress,
                              {{"/metrics", [&] {
                                  return observe::HttpResponse{200, "text/plain; version=0.0.4", registry.text()};
                                }}});
  observe::HttpServer health(options.healthAddress,
                             {{"/healthz",
                               [] {
                                 return observe::HttpResponse{200, "text/plain", "ok\n"};
                               }},
                              {"/readyz", [&] {
                                 // Ready once the caches are synced; a standby replica is ready too
                                 // (it is healthy and waiting for the lease).
                                 bool ready = caches.synced() && configStore.synced();
                                 return observe::HttpResponse{
                                     ready ? 200 : 503, "text/plain",
                                     ready ? (leading ? "ok: leading\n" : "ok: standby\n") : "caches not synced\n"};
                               }}});
  for (auto* server : {&metrics, &health}) {
    auto started = server->start();
    if (!started) {
      logError("cannot serve", {{"error", started.error()}});
      for (auto& w : watchers) w->stop();
      for (auto& t : watcherThreads) t.join();
      return 1;
    }
  }
  logInfo("serving", {{"metrics", options.metricsAddress}, {"health", options.healthAddress}});

  auto waitSynced = [&] {
    while (!stop && !(caches.synced() && configStore.synced()))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  };
  std::unique_ptr<kube::LeaderElector> elector;
  std::thread electorThread;
  if (options.leaderElect) {
    kube::LeaderElectionConfig lc;
    lc.ns = options.leaderElectionNamespace.empty() ? configNamespace : options.leaderElectionNamespace;
    lc.name = options.leaderElectionId;
    lc.identity = self;
    // Campaign only once the caches are synced: the elector thread renews
    // the lease, so it must never wait for them while leading.
    waitSynced();
    elector = std::make_unique<kube::LeaderElector>(
        *client, lc,
        kube::LeaderCallbacks{[&] {
                                logInfo("became leader; reconciling", {{"identity", self}});
                                leading = true;
                                controller.run(options.workers);
                              },
                              [&] {
                                if (!stop) {
                                  logError("lost the lease; stopping at once", {{"identity", self}});
                                  lostLease = true;
                                }
                                leading = false;
                              },
                              [&](const std::string& leader) {
                                if (leader != self) observe::logDebug("leader", {{"identity", leader}});
                              }});
    if (!stop) electorThread = std::thread([&] { elector->run(); });
  } else {
    waitSynced();
    if (!stop) controller.run(options.workers);
  }

  while (!stop && !lostLease) {
    // A renewal hanging on a dead connection does not end the elector's
    // loop; the deadline does.
    if (elector && leading && !elector->holdsLease()) {
      logError("the lease was not renewed within the renew deadline; stopping at once", {{"identity", self}});
      lostLease = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (lostLease) {
    // Another replica may take over as soon as the lease expires: stop
    // reconciling now, as the process, without waiting for in-flight
    // writes; the pod restarts and campaigns again.
    logError("exiting: leadership lost", {{"identity", self}});
    std::fflush(nullptr);
    std::_Exit(1);
  }

  // Shutdown: stop taking work, finish in-flight reconciles (bounded),
  // release the lease, stop watching.
  logInfo("shutting down", {{"reason", "signal"}});
  bool drained = controller.stop(options.shutdownGrace);
  if (!drained) {
    // Reconciles are still writing: keep the lease (it expires on its own)
    // so that no other replica starts while they do, and do not wait for
    // them any longer; the bound is the promise.
    logError("reconciles still running at the shutdown bound; exiting without releasing the lease",
             {{"bound_seconds", std::to_string(options.shutdownGrace.count())}});
    std::fflush(nullptr);
    std::_Exit(0);
  }
  if (elector) {
    elector->stop();
    if (electorThread.joinable()) electorThread.join();
  }
  for (auto& w : watchers) w->stop();
  for (auto& t : watcherThreads) t.join();
  if (!events.flush(std::chrono::seconds(5))) logError("some events were not sent before exiting");
  metrics.stop();
  health.stop();
  logInfo("stopped");
  return 0;
}

}  // namespace mb::controller

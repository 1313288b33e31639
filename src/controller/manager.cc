#include "controller/manager.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/metrics.h"
#include "controller/caches.h"
#include "controller/reconciler.h"
#include "controller/serving_stack_check.h"
#include "http/http_server.h"
#include "kube/events.h"
#include "kube/factory.h"
#include "kube/leader_election.h"
#include "kube/watcher.h"
#include "runtime/work_queue.h"
#include "runtime/worker_pool.h"

namespace mb::controller {
namespace {

using base::logError;
using base::logInfo;
using base::logWarning;

constexpr const char* kManagedBySelector = "workload.serving.volcano.sh/managed-by=workload.serving.volcano.sh";
constexpr const char* kConfigMapName = "model-booster-controller-config";

std::string identity() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  return std::string(host) + "_" + std::to_string(rd() % 100000);
}

std::string text(const document::Value* v) { return v != nullptr && v->isString() ? v->text() : std::string(); }

// The owner to reconcile for a child event: its controller reference of
// kind ModelBooster, never a guess from the first owner.
std::string ownerKey(const document::Value& child) {
  const document::Value* meta = child.find("metadata");
  const document::Value* refs = meta != nullptr ? meta->find("ownerReferences") : nullptr;
  if (refs == nullptr || !refs->isArray()) return {};
  for (const auto& r : refs->items()) {
    const document::Value* c = r.find("controller");
    if (c != nullptr && c->isBool() && c->asBool() && text(r.find("kind")) == "ModelBooster") {
      return kube::objectKey(text(meta->find("namespace")), text(r.find("name")));
    }
  }
  return {};
}

// Knobs from the ConfigMap override the flags, key by key.
core::ConversionOptions withConfigMap(core::ConversionOptions base, const document::Value* configMap) {
  if (configMap == nullptr) return base;
  const document::Value* data = configMap->find("data");
  if (data == nullptr) return base;
  if (auto v = text(data->find("model_serving_downloader_image")); !v.empty()) base.downloaderImage = v;
  if (auto v = text(data->find("model_serving_runtime_image")); !v.empty()) base.runtimeImage = v;
  return base;
}

std::string podNamespace() {
  if (const char* ns = std::getenv("POD_NAMESPACE"); ns != nullptr && *ns != '\0') return ns;
  return "default";
}

std::string nameOf(const document::Value& o) {
  const document::Value* meta = o.find("metadata");
  return meta != nullptr ? text(meta->find("name")) : std::string();
}
std::string namespaceOf(const document::Value& o) {
  const document::Value* meta = o.find("metadata");
  return meta != nullptr ? text(meta->find("namespace")) : std::string();
}
std::string uidOf(const document::Value& o) {
  const document::Value* meta = o.find("metadata");
  return meta != nullptr ? text(meta->find("uid")) : std::string();
}

// Waits until `clock` reaches `deadline`, polling `stop` (real time) so that
// a signal ends the wait; false when stopped.
bool waitUntil(base::Clock& clock, base::TimePoint deadline, const std::atomic<bool>& stop) {
  while (!stop && clock.now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return !stop;
}

// The watchers and their threads; more are started while the manager runs
// (a child kind that appears), so starting is locked.
class WatcherSet {
 public:
  WatcherSet(kube::Client& client, base::Clock& clock) : client_(client), clock_(clock) {}
  ~WatcherSet() { stopAll(); }
  WatcherSet(const WatcherSet&) = delete;
  WatcherSet& operator=(const WatcherSet&) = delete;

  void start(kube::WatcherConfig config, kube::Store& store, std::function<void(const kube::Change&)> onChange) {
    std::lock_guard<std::mutex> lock(mu_);
    auto w = std::make_unique<kube::Watcher>(client_, clock_, std::move(config), store, std::move(onChange));
    kube::Watcher* watcher = w.get();
    watchers_.push_back(std::move(w));
    threads_.emplace_back([watcher] { watcher->run(); });
  }
  void stopAll() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& w : watchers_) w->stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  kube::Client& client_;
  base::Clock& clock_;
  std::mutex mu_;
  std::vector<std::unique_ptr<kube::Watcher>> watchers_;  // guarded by mu_
  std::vector<std::thread> threads_;                      // guarded by mu_
};

}  // namespace

int runManager(const ManagerOptions& options, const std::atomic<bool>& stop) {
  if (options.servingStack != "auto" && !api::parseServingStack(options.servingStack)) {
    logError("unknown serving stack", {{"serving_stack", options.servingStack}, {"expected", "auto, v1.0 or v0.1"}});
    return 1;
  }
  // One watcher per namespace and kind (a single "" watcher for all).
  std::vector<std::string> namespaces = options.watchNamespaces;
  if (namespaces.empty()) namespaces.emplace_back();
  std::string watched;
  for (const auto& ns : namespaces) watched += (watched.empty() ? "" : ",") + (ns.empty() ? "(all)" : ns);

  base::Registry registry;
  base::Clock& clock = options.clock != nullptr ? *options.clock : base::RealClock::instance();
  std::unique_ptr<kube::Client> ownClient;
  kube::Client* client = options.client;
  std::string server = "(injected client)";
  std::string source = "test";
  if (client == nullptr) {
    auto restConfig = kube::loadConfig(options.kube);
    if (!restConfig) {
      logError("cannot load the Kubernetes configuration", {{"error", restConfig.error().message}});
      return 1;
    }
    kube::RestConfig rc = *restConfig;
    rc.qps = options.qps;
    rc.burst = options.burst;
    rc.userAgent = "modelbooster-controller";
    server = rc.server;
    source = rc.source;
    ownClient = kube::makeClient(rc, clock, kube::standardHooks(rc, &registry, clock));
    client = ownClient.get();
  }
  logInfo("starting", {{"server", server},
                       {"source", source},
                       {"namespaces", watched},
                       {"workers", std::to_string(options.workers)},
                       {"serving_stack", options.servingStack}});

  const std::string configNamespace = options.configNamespace.empty() ? podNamespace() : options.configNamespace;
  const std::string self = identity();

  Caches caches;
  ServingStackState stack;
  runtime::WorkQueue queue("modelbooster", runtime::WorkQueueOptions{&clock, nullptr, &registry});
  kube::EventRecorder events(*client, clock, "modelbooster-controller", self);

  std::mutex configMutex;
  core::ConversionOptions baseConfig = options.config;  // the flags and the detected stack; guarded by configMutex
  core::ConversionOptions config = options.config;      // with the ConfigMap applied; guarded by configMutex
  Reconciler reconciler(
      *client, caches, &events,
      [&] {
        std::lock_guard<std::mutex> lock(configMutex);
        return config;
      },
      {}, &stack);
  runtime::WorkerPool controller(
      "modelbooster", queue,
      [&](const std::string& key) {
        auto start = std::chrono::steady_clock::now();
        runtime::Action a = reconciler.reconcile(key);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        kube::ObjectPtr b = caches.boosters.get(key);
        std::string generation;
        if (b != nullptr) {
          const document::Value* g = b->find("metadata")->find("generation");
          if (g != nullptr) generation = g->text();
        }
        base::logDebug("reconciled",
                       {{"booster", key}, {"generation", generation}, {"ms", std::to_string(ms.count())}});
        return a;
      },
      runtime::WorkerPoolOptions{&clock, &registry, [](const std::string& key, const std::string& error) {
                                   logError("reconcile failed", {{"booster", key}, {"error", error}});
                                 }});

  // Booster gauges by condition, computed from the cache at scrape time.
  base::Family& boosterGauge =
      registry.gauge("modelbooster_boosters", "ModelBoosters by condition and status.", {"condition", "status"});
  base::CollectHook boosterGaugeHook = registry.onCollect([&] {
    std::map<std::pair<std::string, std::string>, int> counts;
    for (const char* c : {"Initialized", "Active", "Failed"}) {
      for (const char* s : {"True", "False"}) counts[{c, s}] = 0;
    }
    for (const auto& b : caches.boosters.list()) {
      const document::Value* status = b->find("status");
      const document::Value* conditions = status != nullptr ? status->find("conditions") : nullptr;
      if (conditions == nullptr || !conditions->isArray()) continue;
      for (const auto& c : conditions->items()) counts[{text(c.find("type")), text(c.find("status"))}]++;
    }
    for (const auto& [k, n] : counts) boosterGauge.gauge({k.first, k.second}).set(n);
  });

  // The endpoints come first, so that /readyz can say what start-up waits for.
  kube::Store configStore;
  std::atomic<bool> leading{!options.leaderElect};
  std::atomic<bool> lostLease{false};
  http::HttpServer metrics(options.metricsAddress,
                           {{"/metrics", [&] {
                               return http::HttpResponse{200, "text/plain; version=0.0.4", registry.text()};
                             }}});
  http::HttpServer health(options.healthAddress, {{"/healthz",
                                                   [] {
                                                     return http::HttpResponse{200, "text/plain", "ok\n"};
                                                   }},
                                                  {"/readyz", [&] {
                                                     // Ready once the serving stack is known and complete and the
                                                     // caches are synced; a standby replica is ready too (it is
                                                     // healthy and waiting for the lease).
                                                     std::optional<StackCheck> check = stack.get();
                                                     Readiness r =
                                                         readiness(check ? &*check : nullptr, stack.discoveryError(),
                                                                   caches.synced() && configStore.synced(), leading);
                                                     return http::HttpResponse{r.status, "text/plain", r.body};
                                                   }}});
  for (auto* endpoint : {&metrics, &health}) {
    auto started = endpoint->start();
    if (!started) {
      logError("cannot serve", {{"error", started.error()}});
      return 1;
    }
  }
  logInfo("serving", {{"metrics", options.metricsAddress}, {"health", options.healthAddress}});

  // The serving stack: which profile, and which of its kinds are served.
  Discovery discovery;
  std::optional<StackChoice> choice;
  base::Duration retry = std::chrono::seconds(1);
  while (!stop) {
    discovery = discover(*client);
    auto chosen = chooseStack(options.servingStack, discovery);
    if (chosen && discovery.complete()) {
      choice = *chosen;
      break;
    }
    std::string why = chosen ? discovery.errors() : chosen.error();
    stack.setDiscoveryError(why);
    logError("API discovery failed; retrying",
             {{"error", why},
              {"retry_seconds", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(retry).count())}});
    if (!waitUntil(clock, base::addSaturating(clock.now(), retry), stop)) break;
    retry = std::min<base::Duration>(retry * 2, options.discoveryPeriod);
  }
  if (!choice) {
    metrics.stop();
    health.stop();
    logInfo("stopped");
    return 0;
  }
  {
    std::lock_guard<std::mutex> lock(configMutex);
    baseConfig.stack = choice->stack;
    config.stack = choice->stack;
  }
  StackCheck check = checkStack(*choice, discovery);
  stack.set(check);
  exportStackMetrics(registry, check);
  logInfo("serving stack", {{"profile", std::string(check.profile().name)},
                            {"chosen_by", std::string(sourceName(check.source))},
                            {"release", std::string(check.profile().release)},
                            {"kinds_served", kindList(check.served)},
                            {"kinds_missing", kindList(check.missing)}});
  for (api::ChildKind kind : check.missing) {
    const api::KindInfo& k = api::kindInfo(kind);
    api::ChildKind one[] = {kind};
    logError(missingMessage(check, one), {{"kind", std::string(k.name)},
                                          {"group", std::string(k.group)},
                                          {"version", std::string(k.version)},
                                          {"resource", std::string(k.plural)},
                                          {"profile", std::string(check.profile().name)},
                                          {"install", std::string(check.profile().release) + " CRDs"}});
  }
  if (kube::Resource b = kube::resources::modelBoosters(); !discovery.serves(b.group, b.version, b.plural)) {
    logError("the API server does not serve modelboosters." + b.apiVersion() +
                 ": install modelbooster's CRDs (modelbooster crds | kubectl apply --server-side -f -)",
             {{"resource", b.plural}, {"group", b.group}, {"version", b.version}});
  }

  // Watchers: boosters, the stack's child kinds the server serves (ours
  // only, filtered by the server), and the configuration ConfigMap.
  auto enqueue = [&](const kube::Change& c) { queue.add(kube::objectKey(*c.object)); };
  auto onChild = [&](api::ChildKind kind, const kube::Change& c) {
    if (c.type == kube::Change::Type::Deleted) {
      reconciler.childDeleted(kind, namespaceOf(*c.object), nameOf(*c.object), uidOf(*c.object));
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
  WatcherSet watchers(*client, clock);  // after the callbacks it calls, so it stops before they go
  // Only kinds that are watched count for Caches::synced(): a kind the
  // server does not serve never holds the controller back.
  auto watchKind = [&](api::ChildKind kind) {
    if (namespaces.size() > 1) {
      for (const auto& ns : namespaces) caches.of(kind).expectNamespace(ns);
    }
    caches.setWatched(kind);
    for (const auto& ns : namespaces) {
      kube::WatcherConfig wc{resourceOf(kind), ns};
      wc.labelSelector = kManagedBySelector;
      watchers.start(wc, caches.of(kind), [&onChild, kind](const kube::Change& c) { onChild(kind, c); });
    }
  };
  if (namespaces.size() > 1) {
    for (const auto& ns : namespaces) caches.boosters.expectNamespace(ns);
  }
  for (const auto& ns : namespaces) {
    watchers.start(kube::WatcherConfig{kube::resources::modelBoosters(), ns}, caches.boosters, enqueue);
  }
  for (api::ChildKind kind : check.served) watchKind(kind);
  kube::WatcherConfig cc{kube::resources::configMaps(), configNamespace};
  cc.fieldSelector = std::string("metadata.name=") + kConfigMapName;
  watchers.start(cc, configStore, [&](const kube::Change& c) {
    {
      std::lock_guard<std::mutex> lock(configMutex);
      config = withConfigMap(baseConfig, c.type == kube::Change::Type::Applied ? c.object.get() : nullptr);
    }
    logInfo("configuration changed; re-rendering every booster",
            {{"configmap", configNamespace + "/" + kConfigMapName}});
    for (const auto& b : caches.boosters.list()) queue.add(kube::objectKey(*b));
  });

  // While a kind the stack needs is missing: discovery again every period;
  // a kind that appears is watched, and once its cache is synced it counts
  // as served and every booster is requeued, so the boosters that waited
  // for it recover without a restart. Its own thread: a discovery request
  // must never delay the lease checks below.
  std::thread stackThread;
  if (!check.complete()) {
    stackThread = std::thread([&] {
      std::vector<api::ChildKind> pending;  // watched, first list not in yet
      base::TimePoint next = base::addSaturating(clock.now(), options.discoveryPeriod);
      while (!stop) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        StackCheck current = *stack.get();
        bool changed = false;
        for (auto it = pending.begin(); it != pending.end();) {
          if (!caches.of(*it).synced()) {
            ++it;
            continue;
          }
          std::erase(current.missing, *it);
          current.served.clear();
          for (api::ChildKind kind : current.profile().kinds) {
            if (std::find(current.missing.begin(), current.missing.end(), kind) == current.missing.end()) {
              current.served.push_back(kind);
            }
          }
          logInfo("a missing child kind is now served and watched", {{"kind", kindList({&*it, 1})}});
          it = pending.erase(it);
          changed = true;
        }
        if (changed) {
          stack.set(current);
          exportStackMetrics(registry, current);
          if (current.complete()) {
            logInfo("serving stack complete", {{"profile", std::string(current.profile().name)},
                                               {"chosen_by", std::string(sourceName(current.source))},
                                               {"kinds_served", kindList(current.served)}});
          }
          for (const auto& b : caches.boosters.list()) queue.add(kube::objectKey(*b));
        }
        if (current.complete()) return;
        if (pending.size() == current.missing.size() || clock.now() < next) continue;
        next = base::addSaturating(clock.now(), options.discoveryPeriod);
        Discovery again = discover(*client);
        for (api::ChildKind kind : current.missing) {
          if (std::find(pending.begin(), pending.end(), kind) != pending.end()) continue;
          if (!again.serves(api::kindInfo(kind))) continue;
          logInfo("a missing child kind is now served; watching it", {{"kind", kindList({&kind, 1})}});
          watchKind(kind);
          pending.push_back(kind);
        }
        if (!again.complete()) logWarning("API discovery failed; trying again later", {{"error", again.errors()}});
      }
    });
  }

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
        *client, clock, lc,
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
                                if (leader != self) base::logDebug("leader", {{"identity", leader}});
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
  if (stackThread.joinable()) stackThread.join();
  watchers.stopAll();
  if (!events.flush(std::chrono::seconds(5))) logError("some events were not sent before exiting");
  metrics.stop();
  health.stop();
  logInfo("stopped");
  return 0;
}

}  // namespace mb::controller

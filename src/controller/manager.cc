#include "controller/manager.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/metrics.h"
#include "controller/booster_gauge.h"
#include "controller/caches.h"
#include "controller/event_routing.h"
#include "controller/event_sink.h"
#include "controller/reconciler.h"
#include "controller/serving_stack_check.h"
#include "controller/webhook_server.h"
#include "http/http_server.h"
#include "kube/events.h"
#include "kube/factory.h"
#include "kube/leader_election.h"
#include "kube/object_meta.h"
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

// Knobs from the ConfigMap override the flags, key by key.
core::ConversionOptions withConfigMap(core::ConversionOptions base, const document::Value* configMap) {
  if (configMap == nullptr) return base;
  const document::Value* data = configMap->find("data");
  if (data == nullptr) return base;
  if (auto v = kube::textOf(data->find("model_serving_downloader_image")); !v.empty()) base.downloaderImage = v;
  if (auto v = kube::textOf(data->find("model_serving_runtime_image")); !v.empty()) base.runtimeImage = v;
  return base;
}

std::string podNamespace() {
  if (const char* ns = std::getenv("POD_NAMESPACE"); ns != nullptr && *ns != '\0') return ns;
  return "default";
}

// Tells the manager whenever a watcher starts watching: the watcher calls
// watch() only once its list is in the store, so that is when a cache may
// have become synced (the stores have no hook of their own). Everything
// else goes straight through.
class WatchStartedClient final : public kube::Client {
 public:
  WatchStartedClient(kube::Client& inner, std::function<void()> onWatch)
      : inner_(inner), onWatch_(std::move(onWatch)) {}

  kube::ApiResult<document::Value> get(const kube::Resource& r, const std::string& ns,
                                       const std::string& name) override {
    return inner_.get(r, ns, name);
  }
  kube::ApiResult<kube::ListPage> list(const kube::Resource& r, const std::string& ns,
                                       const kube::ListOptions& options) override {
    return inner_.list(r, ns, options);
  }
  kube::ApiResult<document::Value> create(const kube::Resource& r, const std::string& ns, const document::Value& object,
                                          const kube::WriteOptions& options) override {
    return inner_.create(r, ns, object, options);
  }
  kube::ApiResult<document::Value> update(const kube::Resource& r, const std::string& ns, const document::Value& object,
                                          const kube::WriteOptions& options) override {
    return inner_.update(r, ns, object, options);
  }
  kube::ApiResult<document::Value> patch(const kube::Resource& r, const std::string& ns, const std::string& name,
                                         kube::PatchType type, const document::Value& body,
                                         const kube::WriteOptions& options) override {
    return inner_.patch(r, ns, name, type, body, options);
  }
  kube::ApiResult<Unit> remove(const kube::Resource& r, const std::string& ns, const std::string& name,
                               const kube::DeleteOptions& options) override {
    return inner_.remove(r, ns, name, options);
  }
  kube::ApiResult<Unit> watch(const kube::Resource& r, const std::string& ns, const kube::WatchOptions& options,
                              const std::function<bool(kube::WatchEvent&&)>& onEvent,
                              const std::atomic<bool>* stop) override {
    onWatch_();
    return inner_.watch(r, ns, options, onEvent, stop);
  }
  kube::ApiResult<std::vector<kube::ApiResource>> serverResources(const std::string& group,
                                                                  const std::string& version) override {
    return inner_.serverResources(group, version);
  }

 private:
  kube::Client& inner_;
  std::function<void()> onWatch_;
};

// What the manager's threads wait for, on the manager's clock: a deadline, a
// condition someone announces with notify(), or the stop.
class Waits {
 public:
  explicit Waits(base::Clock& clock) : clock_(clock) {}

  void setStop(const std::atomic<bool>* stop) { stop_.store(stop); }
  // The manager is going away (destroyed after run() returned early).
  void end() {
    ended_ = true;
    notify();
  }
  bool stopped() const {
    const std::atomic<bool>* stop = stop_.load();
    return ended_ || (stop != nullptr && stop->load());
  }
  void notify() {
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }
  // Until `done()`, the deadline or the stop; returns done().
  bool until(base::TimePoint deadline, const std::function<bool()>& done) {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done() && !stopped() && clock_.now() < deadline) clock_.waitUntil(lock, cv_, deadline);
    return done();
  }
  // Until the deadline; false when stopped first.
  bool sleepUntil(base::TimePoint deadline) {
    until(deadline, [] { return false; });
    return !stopped();
  }

 private:
  base::Clock& clock_;
  std::atomic<const std::atomic<bool>*> stop_{nullptr};
  std::atomic<bool> ended_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

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

struct Manager::Impl {
  Impl(kube::Client& client, base::Clock& clock, ManagerOptions opts, base::Registry* reg);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  int run();
  // The steps of run().
  bool serveEndpoints();
  bool serveWebhooks();
  std::optional<std::pair<StackChoice, Discovery>> discoverStack();
  void reportStack(const StackCheck& check, const Discovery& discovery);
  void startWatches(const StackCheck& check);
  void watchKind(api::ChildKind kind);
  void followMissingKinds();
  bool promoteSynced(std::vector<api::ChildKind>& pending, StackCheck& current);
  bool waitSynced();
  void startReconciling();
  void superviseUntilStopped();
  int shutDown();
  void stopEndpoints();

  void onConfigMap(const kube::Change& c);
  void logReconciled(const std::string& key, base::Duration took);
  core::ConversionOptions conversionOptions() {
    std::lock_guard<std::mutex> lock(configMutex);
    return config;
  }

  kube::Client& client;
  base::Clock& clock;
  const ManagerOptions options;
  std::unique_ptr<base::Registry> ownRegistry;
  base::Registry& registry;
  std::vector<std::string> namespaces;  // one watcher per namespace and kind ("" = all)
  const std::string configNamespace;
  const std::string self;
  Waits waits;
  bool exitAtOnce = false;

  Caches caches;
  ServingStackState stack;
  runtime::WorkQueue queue;
  kube::EventRecorder events;
  RecorderEventSink eventSink;
  std::mutex configMutex;
  core::ConversionOptions baseConfig;                  // the flags and the detected stack; guarded by configMutex
  core::ConversionOptions config;                      // with the ConfigMap applied; guarded by configMutex
  std::unique_ptr<sidecar::RuntimeClient> ownRuntime;  // unless the options bring one
  std::unique_ptr<LoraSyncer> lora;                    // null with --lora-sync-threads=0
  Reconciler reconciler;
  EventRouter router;  // watch events -> queue keys, on the watchers' threads
  runtime::WorkerPool workers;
  BoosterGauge boosterGauge;

  kube::Store configStore;
  std::atomic<bool> leading;
  std::atomic<bool> lostLease{false};
  http::HttpServer metrics;
  http::HttpServer health;
  std::unique_ptr<WebhookServer> webhooks;  // with --tls-cert-file, once the stack is known

  WatchStartedClient watchClient;
  WatcherSet watchers;  // after the callbacks it calls, so it stops before they go
  std::thread stackThread;
  std::unique_ptr<kube::LeaderElector> elector;
  std::thread electorThread;
};

Manager::Impl::Impl(kube::Client& c, base::Clock& clk, ManagerOptions opts, base::Registry* reg)
    : client(c),
      clock(clk),
      options(std::move(opts)),
      ownRegistry(reg == nullptr ? std::make_unique<base::Registry>() : nullptr),
      registry(reg != nullptr ? *reg : *ownRegistry),
      namespaces(options.watchNamespaces),
      configNamespace(options.configNamespace.empty() ? podNamespace() : options.configNamespace),
      self(identity()),
      waits(clock),
      queue("modelbooster", runtime::WorkQueueOptions{&clock, nullptr, &registry}),
      events(client, clock, "modelbooster-controller", self),
      eventSink(events),
      baseConfig(options.config),
      config(options.config),
      ownRuntime(options.loraSyncThreads > 0 && options.runtimeClient == nullptr
                     ? sidecar::makeCurlRuntimeClient(options.loraTimeouts)
                     : nullptr),
      lora(options.loraSyncThreads > 0
               ? std::make_unique<LoraSyncer>(
                     options.runtimeClient != nullptr ? *options.runtimeClient : *ownRuntime, clock,
                     LoraSyncer::Options{.threads = static_cast<size_t>(options.loraSyncThreads)},
                     // A pod's outcome changed: its booster reports it.
                     [this](const std::string& key) { queue.add(key); })
               : nullptr),
      reconciler(
          client, caches, &eventSink, [this] { return conversionOptions(); }, clock, &stack, lora.get()),
      router(queue, caches.boosters, reconciler.written()),
      workers("modelbooster", queue,
              // Straight to the reconciler; timed once, by the pool
              // (controller_runtime_reconcile_time_seconds).
              std::bind_front(&Reconciler::reconcile, &reconciler),
              runtime::WorkerPoolOptions{
                  &clock, &registry,
                  [](const std::string& key, const std::string& error) {
                    logError("reconcile failed", {{"booster", key}, {"error", error}});
                  },
                  [this](const std::string& key, base::Duration took) { logReconciled(key, took); }}),
      boosterGauge(registry, caches.boosters),
      leading(!options.leaderElect),
      metrics(options.metricsAddress, {{"/metrics",
                                        [this] {
                                          return http::HttpResponse{200, "text/plain; version=0.0.4", registry.text()};
                                        }}}),
      health(options.healthAddress, {{"/healthz",
                                      [] {
                                        return http::HttpResponse{200, "text/plain", "ok\n"};
                                      }},
                                     {"/readyz",
                                      [this] {
                                        // Ready once the serving stack is known and complete and the
                                        // caches are synced; a standby replica is ready too (it is
                                        // healthy and waiting for the lease).
                                        std::optional<StackCheck> check = stack.get();
                                        Readiness r = readiness(check ? &*check : nullptr, stack.discoveryError(),
                                                                caches.synced() && configStore.synced(), leading);
                                        return http::HttpResponse{r.status, "text/plain", r.body};
                                      }}}),
      watchClient(client, [this] { waits.notify(); }),
      watchers(watchClient, clock) {
  if (namespaces.empty()) namespaces.emplace_back();
}

Manager::Impl::~Impl() {
  // After a clean run() all of this is stopped already; after an early
  // return (leadership lost, shutdown bound) it stops here.
  waits.end();
  if (elector) elector->stop();
  if (electorThread.joinable()) electorThread.join();
  if (stackThread.joinable()) stackThread.join();
  watchers.stopAll();
  workers.stop();
}

// -v 1: one line per reconcile with its duration (the pool's measurement).
void Manager::Impl::logReconciled(const std::string& key, base::Duration took) {
  kube::ObjectPtr b = caches.boosters.get(key);
  std::string generation;
  if (b != nullptr) {
    const document::Value* g = b->find("metadata")->find("generation");
    if (g != nullptr) generation = g->text();
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took);
  base::logDebug("reconciled", {{"booster", key}, {"generation", generation}, {"ms", std::to_string(ms.count())}});
}

int Manager::Impl::run() {
  if (options.servingStack != "auto" && !api::parseServingStack(options.servingStack)) {
    logError("unknown serving stack", {{"serving_stack", options.servingStack}, {"expected", "auto, v1.0 or v0.1"}});
    return 1;
  }
  // The endpoints come first, so that /readyz can say what start-up waits for.
  if (!serveEndpoints()) return 1;
  auto discovered = discoverStack();
  if (!discovered) {
    stopEndpoints();
    logInfo("stopped");
    return 0;
  }
  const auto& [choice, discovery] = *discovered;
  {
    std::lock_guard<std::mutex> lock(configMutex);
    baseConfig.stack = choice.stack;
    config.stack = choice.stack;
  }
  StackCheck check = checkStack(choice, discovery);
  reportStack(check, discovery);
  // Admission decides validity under the profile in force, so it starts
  // once that is known (before it, /readyz says not ready).
  if (!serveWebhooks()) {
    stopEndpoints();
    return 1;
  }
  startWatches(check);
  // While a kind the stack needs is missing, its own thread: a discovery
  // request must never delay the lease checks below.
  if (!check.complete()) stackThread = std::thread([this] { followMissingKinds(); });
  startReconciling();
  superviseUntilStopped();
  if (lostLease) {
    // Another replica may take over as soon as the lease expires: stop
    // reconciling now, as the process, without waiting for in-flight
    // writes; the pod restarts and campaigns again.
    logError("exiting: leadership lost", {{"identity", self}});
    exitAtOnce = true;
    return 1;
  }
  return shutDown();
}

bool Manager::Impl::serveEndpoints() {
  for (auto* endpoint : {&metrics, &health}) {
    auto started = endpoint->start();
    if (!started) {
      logError("cannot serve", {{"error", started.error()}});
      return false;
    }
  }
  logInfo("serving", {{"metrics", options.metricsAddress}, {"health", options.healthAddress}});
  return true;
}

bool Manager::Impl::serveWebhooks() {
  if (options.tlsCertFile.empty() || options.webhookPort == 0) {
    logInfo("admission webhooks not served",
            {{"why", options.webhookPort == 0 ? "--webhook-port=0" : "no --tls-cert-file"}});
    return true;
  }
  webhooks = std::make_unique<WebhookServer>(
      WebhookServerOptions{":" + std::to_string(options.webhookPort), options.tlsCertFile, options.tlsKeyFile},
      registry, clock, [this] { return conversionOptions(); });
  auto started = webhooks->start();
  if (!started) {
    logError("cannot serve the admission webhooks", {{"error", started.error()}});
    return false;
  }
  return true;
}

void Manager::Impl::stopEndpoints() {
  if (webhooks) webhooks->stop();
  metrics.stop();
  health.stop();
}

// The serving stack: which profile, and which of its kinds are served.
// Retried on the clock until it answers; nothing when stopped first.
std::optional<std::pair<StackChoice, Discovery>> Manager::Impl::discoverStack() {
  base::Duration retry = std::chrono::seconds(1);
  while (!waits.stopped()) {
    Discovery discovery = discover(client);
    auto chosen = chooseStack(options.servingStack, discovery);
    if (chosen && discovery.complete()) return std::make_pair(*chosen, std::move(discovery));
    std::string why = chosen ? discovery.errors() : chosen.error();
    stack.setDiscoveryError(why);
    logError("API discovery failed; retrying",
             {{"error", why},
              {"retry_seconds", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(retry).count())}});
    if (!waits.sleepUntil(base::addSaturating(clock.now(), retry))) break;
    retry = std::min<base::Duration>(retry * 2, options.discoveryPeriod);
  }
  return std::nullopt;
}

// Said once at start-up: the log line, the metrics, /readyz.
void Manager::Impl::reportStack(const StackCheck& check, const Discovery& discovery) {
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
}

void Manager::Impl::onConfigMap(const kube::Change& c) {
  {
    std::lock_guard<std::mutex> lock(configMutex);
    config = withConfigMap(baseConfig, c.type == kube::Change::Type::Applied ? c.object.get() : nullptr);
  }
  logInfo("configuration changed; re-rendering every booster", {{"configmap", configNamespace + "/" + kConfigMapName}});
  router.everyBooster();
}

// Only kinds that are watched count for Caches::synced(): a kind the
// server does not serve never holds the controller back.
void Manager::Impl::watchKind(api::ChildKind kind) {
  if (namespaces.size() > 1) {
    for (const auto& ns : namespaces) caches.of(kind).expectNamespace(ns);
  }
  caches.setWatched(kind);
  for (const auto& ns : namespaces) {
    kube::WatcherConfig wc{resourceOf(kind), ns};
    wc.labelSelector = kManagedBySelector;
    watchers.start(wc, caches.of(kind), std::bind_front(&EventRouter::childChanged, &router, kind));
  }
}

// Watchers: boosters, the stack's child kinds the server serves (ours
// only, filtered by the server), and the configuration ConfigMap.
void Manager::Impl::startWatches(const StackCheck& check) {
  if (namespaces.size() > 1) {
    for (const auto& ns : namespaces) caches.boosters.expectNamespace(ns);
  }
  for (const auto& ns : namespaces) {
    watchers.start(kube::WatcherConfig{kube::resources::modelBoosters(), ns}, caches.boosters,
                   std::bind_front(&EventRouter::boosterChanged, &router));
  }
  for (api::ChildKind kind : check.served) watchKind(kind);
  // Our serving pods (their templates carry our labels), for dynamic LoRA.
  if (lora) {
    if (namespaces.size() > 1) {
      for (const auto& ns : namespaces) caches.pods.expectNamespace(ns);
    }
    lora->start();
    for (const auto& ns : namespaces) {
      kube::WatcherConfig pc{kube::resources::pods(), ns};
      pc.labelSelector = kManagedBySelector;
      watchers.start(pc, caches.pods, std::bind_front(&EventRouter::podChanged, &router));
    }
  }
  kube::WatcherConfig cc{kube::resources::configMaps(), configNamespace};
  cc.fieldSelector = std::string("metadata.name=") + kConfigMapName;
  watchers.start(cc, configStore, [this](const kube::Change& c) { onConfigMap(c); });
}

// The pending kinds whose cache has had its first list count as served in
// `current` from now on; true when there was one.
bool Manager::Impl::promoteSynced(std::vector<api::ChildKind>& pending, StackCheck& current) {
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
  return changed;
}

// While a kind the stack needs is missing: discovery again every period;
// a kind that appears is watched, and once its cache is synced it counts
// as served and every booster is requeued, so the boosters that waited
// for it recover without a restart.
void Manager::Impl::followMissingKinds() {
  std::vector<api::ChildKind> pending;  // watched, first list not in yet
  base::TimePoint next = base::addSaturating(clock.now(), options.discoveryPeriod);
  auto anySynced = [&] {
    return std::any_of(pending.begin(), pending.end(), [&](api::ChildKind k) { return caches.of(k).synced(); });
  };
  while (!waits.stopped()) {
    StackCheck current = *stack.get();
    if (promoteSynced(pending, current)) {
      stack.set(current);
      exportStackMetrics(registry, current);
      if (current.complete()) {
        logInfo("serving stack complete", {{"profile", std::string(current.profile().name)},
                                           {"chosen_by", std::string(sourceName(current.source))},
                                           {"kinds_served", kindList(current.served)}});
      }
      router.everyBooster();
    }
    if (current.complete()) return;
    // Every missing kind watched: only their first lists are awaited.
    if (pending.size() == current.missing.size()) {
      waits.until(base::TimePoint::max(), anySynced);
      continue;
    }
    if (clock.now() < next) {
      waits.until(next, anySynced);
      continue;
    }
    next = base::addSaturating(clock.now(), options.discoveryPeriod);
    Discovery again = discover(client);
    for (api::ChildKind kind : current.missing) {
      if (std::find(pending.begin(), pending.end(), kind) != pending.end()) continue;
      if (!again.serves(api::kindInfo(kind))) continue;
      logInfo("a missing child kind is now served; watching it", {{"kind", kindList({&kind, 1})}});
      watchKind(kind);
      pending.push_back(kind);
    }
    if (!again.complete()) logWarning("API discovery failed; trying again later", {{"error", again.errors()}});
  }
}

// Until the boosters, every watched kind and the ConfigMap have had their
// first list; false when stopped first.
bool Manager::Impl::waitSynced() {
  return waits.until(base::TimePoint::max(), [this] { return caches.synced() && configStore.synced(); });
}

// Without leader election the workers start once the caches are synced;
// with it, the replica campaigns then, and reconciles while it leads.
void Manager::Impl::startReconciling() {
  if (!options.leaderElect) {
    if (waitSynced()) workers.run(options.workers);
    return;
  }
  kube::LeaderElectionConfig lc;
  lc.ns = options.leaderElectionNamespace.empty() ? configNamespace : options.leaderElectionNamespace;
  lc.name = options.leaderElectionId;
  lc.identity = self;
  lc.leaseDuration = options.leaseDuration;
  lc.renewDeadline = options.renewDeadline;
  lc.retryPeriod = options.retryPeriod;
  // Campaign only once the caches are synced: the elector thread renews
  // the lease, so it must never wait for them while leading.
  if (!waitSynced()) return;
  elector = std::make_unique<kube::LeaderElector>(
      client, clock, lc,
      kube::LeaderCallbacks{[this] {
                              logInfo("became leader; reconciling", {{"identity", self}});
                              leading = true;
                              workers.run(options.workers);
                            },
                            [this] {
                              if (!waits.stopped()) {
                                logError("lost the lease; stopping at once", {{"identity", self}});
                                lostLease = true;
                              }
                              leading = false;
                              waits.notify();
                            },
                            [this](const std::string& leader) {
                              if (leader != self) base::logDebug("leader", {{"identity", leader}});
                            }});
  electorThread = std::thread([this] { elector->run(); });
}

// Until stopped or the lease is lost. A renewal hanging on a dead
// connection does not end the elector's loop; the deadline does, checked
// every 100 ms on the clock.
void Manager::Impl::superviseUntilStopped() {
  while (!waits.stopped() && !lostLease) {
    if (elector && leading && !elector->holdsLease()) {
      logError("the lease was not renewed within the renew deadline; stopping at once", {{"identity", self}});
      lostLease = true;
      break;
    }
    base::TimePoint deadline =
        elector ? base::addSaturating(clock.now(), std::chrono::milliseconds(100)) : base::TimePoint::max();
    waits.until(deadline, [this] { return lostLease.load(); });
  }
}

// Stop taking work, finish in-flight reconciles (bounded), release the
// lease, stop watching.
int Manager::Impl::shutDown() {
  logInfo("shutting down", {{"reason", "signal"}});
  bool drained = workers.stop(options.shutdownGrace);
  if (!drained) {
    // Reconciles are still writing: keep the lease (it expires on its own)
    // so that no other replica starts while they do, and do not wait for
    // them any longer; the bound is the promise.
    logError("reconciles still running at the shutdown bound; exiting without releasing the lease",
             {{"bound_seconds", std::to_string(options.shutdownGrace.count())}});
    exitAtOnce = true;
    return 0;
  }
  if (elector) {
    elector->stop();
    if (electorThread.joinable()) electorThread.join();
  }
  if (stackThread.joinable()) stackThread.join();
  watchers.stopAll();
  if (!events.flush(std::chrono::seconds(5))) logError("some events were not sent before exiting");
  stopEndpoints();
  logInfo("stopped");
  return 0;
}

Manager::Manager(kube::Client& client, base::Clock& clock, ManagerOptions options, base::Registry* registry)
    : impl_(std::make_unique<Impl>(client, clock, std::move(options), registry)) {}

Manager::~Manager() = default;

int Manager::run(const std::atomic<bool>& stop) {
  impl_->waits.setStop(&stop);
  return impl_->run();
}

bool Manager::mustExitAtOnce() const { return impl_->exitAtOnce; }

void Manager::wake() { impl_->waits.notify(); }

int runManager(const ManagerOptions& options, base::StopSignals& signals) {
  base::Registry registry;
  auto restConfig = kube::loadConfig(options.kube);
  if (!restConfig) {
    logError("cannot load the Kubernetes configuration", {{"error", restConfig.error().message}});
    return 1;
  }
  kube::RestConfig rc = *restConfig;
  rc.qps = options.qps;
  rc.burst = options.burst;
  rc.userAgent = "modelbooster-controller";
  base::Clock& clock = base::RealClock::instance();
  std::unique_ptr<kube::Client> client = kube::makeClient(rc, clock, kube::standardHooks(rc, &registry, clock));
  std::string watched;
  for (const auto& ns : options.watchNamespaces) watched += (watched.empty() ? "" : ",") + ns;
  logInfo("starting", {{"server", rc.server},
                       {"source", rc.source},
                       {"namespaces", watched.empty() ? "(all)" : watched},
                       {"workers", std::to_string(options.workers)},
                       {"serving_stack", options.servingStack}});

  Manager manager(*client, clock, options, &registry);
  signals.start([&manager] { manager.wake(); });
  int code = manager.run(signals.stopRequested());
  if (manager.mustExitAtOnce()) {
    std::fflush(nullptr);
    std::_Exit(code);
  }
  return code;
}

}  // namespace mb::controller

#include "controller/lora_syncer.h"

#include <algorithm>

#include "base/log.h"

namespace mb::controller {

LoraSyncer::LoraSyncer(sidecar::RuntimeClient& client, base::Clock& clock, Options options, Notify notify)
    : client_(client), clock_(clock), options_(options), notify_(std::move(notify)) {}

LoraSyncer::~LoraSyncer() { stop(); }

void LoraSyncer::start() {
  std::lock_guard lock(mu_);
  if (!threads_.empty() || stopping_) return;
  for (size_t i = 0; i < std::max<size_t>(options_.threads, 1); ++i) threads_.emplace_back([this] { run(); });
}

void LoraSyncer::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
}

std::string LoraSyncer::wantKey(const LoraBackendWant& want, const LoraPodTarget& target) {
  std::string key = target.identity + "|" + want.baseModel;
  for (const auto& a : want.adapters) key += "|" + a.name + "=" + a.source + "@" + a.outputDir;
  return key;
}

std::chrono::milliseconds LoraSyncer::backoff(int failures) const {
  std::chrono::milliseconds wait = options_.initialBackoff;
  for (int i = 1; i < failures && wait < options_.maxBackoff; ++i) wait *= 2;
  return std::min(wait, options_.maxBackoff);
}

std::optional<base::TimePoint> LoraSyncer::want(const std::string& boosterKey, std::vector<LoraBackendWant> backends) {
  std::optional<base::TimePoint> nextRetry;
  bool queued = false;
  {
    std::lock_guard lock(mu_);
    Booster& b = boosters_[boosterKey];
    b.backends = std::move(backends);
    std::map<std::string, PodState> pods;
    const base::TimePoint now = clock_.now();
    for (const auto& want : b.backends) {
      for (const auto& target : want.pods) {
        PodState state;
        if (auto it = b.pods.find(target.pod); it != b.pods.end()) state = std::move(it->second);
        // A new pod (another uid or IP) under the same name starts afresh.
        if (state.target.identity != target.identity) {
          state.report = LoraPodReport{};
          state.nextAttempt = {};
        }
        state.target = target;
        state.want = &want;
        state.report.backend = want.backend;
        state.report.pod = target.pod;
        if (state.syncedFor != wantKey(want, target) && !state.queued && !state.running) {
          if (now >= state.nextAttempt) {
            state.queued = true;
            queue_.push_back({boosterKey, target.pod});
            queued = true;
          } else if (!nextRetry || state.nextAttempt < *nextRetry) {
            nextRetry = state.nextAttempt;
          }
        }
        pods[target.pod] = std::move(state);
      }
    }
    // Pods no longer listed (gone, not running, or no longer wanted) are
    // dropped; a sync in flight for one finds it gone and keeps nothing.
    b.pods = std::move(pods);
  }
  if (queued) cv_.notify_all();
  return nextRetry;
}

void LoraSyncer::forget(const std::string& boosterKey) {
  std::lock_guard lock(mu_);
  boosters_.erase(boosterKey);
}

std::vector<LoraPodReport> LoraSyncer::report(const std::string& boosterKey) const {
  std::lock_guard lock(mu_);
  std::vector<LoraPodReport> out;
  auto it = boosters_.find(boosterKey);
  if (it == boosters_.end()) return out;
  for (const auto& [name, state] : it->second.pods) out.push_back(state.report);
  return out;
}

std::vector<LoraOutcome> LoraSyncer::takeOutcomes(const std::string& boosterKey) {
  std::lock_guard lock(mu_);
  auto it = boosters_.find(boosterKey);
  if (it == boosters_.end()) return {};
  return std::exchange(it->second.outcomes, {});
}

size_t LoraSyncer::busy() const {
  std::lock_guard lock(mu_);
  return queue_.size() + running_;
}

void LoraSyncer::run() {
  std::unique_lock lock(mu_);
  while (true) {
    clock_.waitUntil(lock, cv_, base::TimePoint::max(), [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Task task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    bool changed = sync(task);
    lock.lock();
    --running_;
    // Told after the pod counts as done, so that whoever the booster's
    // reconcile (or a test) waits for sees it finished.
    if (changed && notify_) {
      lock.unlock();
      notify_(task.booster);
      lock.lock();
    }
  }
}

namespace {

std::vector<std::string> adapterNames(const std::vector<core::ServedModel>& served, std::string_view base) {
  // The same rule as planLora's: a plan with nothing to load or unload
  // leaves exactly these.
  core::LoraPlan all = core::planLora({}, served, base);
  std::sort(all.unload.begin(), all.unload.end());
  return all.unload;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

}  // namespace

bool LoraSyncer::sync(const Task& task) {
  LoraBackendWant want;
  LoraPodTarget target;
  {
    std::lock_guard lock(mu_);
    auto b = boosters_.find(task.booster);
    if (b == boosters_.end()) return false;
    auto p = b->second.pods.find(task.pod);
    if (p == b->second.pods.end() || p->second.want == nullptr) return false;
    p->second.queued = false;
    p->second.running = true;
    target = p->second.target;
    want.backend = p->second.want->backend;
    want.baseModel = p->second.want->baseModel;
    want.adapters = p->second.want->adapters;
  }
  const std::string key = wantKey(want, target);

  // The calls, without the lock: each is bounded by its timeout.
  std::vector<std::string> errors;
  std::vector<std::string> loaded;
  std::vector<std::string> changes;
  bool inSync = false;
  auto served = client_.listModels(target.endpoint);
  if (!served) {
    errors.push_back(served.error().message);
  } else {
    core::LoraPlan plan = core::planLora(want.adapters, *served, want.baseModel);
    for (const auto& name : plan.unload) {
      if (auto r = client_.unload(target.endpoint, name); !r) {
        errors.push_back("unloading " + name + ": " + r.error().message);
      } else {
        changes.push_back("unloaded " + name);
      }
    }
    // An adapter that cannot be loaded (its source unreachable) does not
    // keep the others from loading.
    for (const auto& adapter : plan.load) {
      if (auto r = client_.load(target.endpoint, adapter); !r) {
        errors.push_back("loading " + adapter.name + " from " + adapter.source + ": " + r.error().message);
      } else {
        changes.push_back("loaded " + adapter.name);
      }
    }
    if (plan.empty()) {
      loaded = adapterNames(*served, want.baseModel);
      inSync = true;
    } else if (auto after = client_.listModels(target.endpoint); after) {
      loaded = adapterNames(*after, want.baseModel);
      inSync = core::planLora(want.adapters, *after, want.baseModel).empty();
      if (!inSync && errors.empty()) errors.push_back("the engine does not list the adapters it was asked to load");
    } else {
      errors.push_back(after.error().message);
    }
  }

  bool changed = false;
  bool requeue = false;
  {
    std::lock_guard lock(mu_);
    auto b = boosters_.find(task.booster);
    if (b == boosters_.end()) return false;
    auto p = b->second.pods.find(task.pod);
    if (p == b->second.pods.end()) return false;
    PodState& state = p->second;
    state.running = false;
    LoraPodReport before = state.report;
    state.report.loaded = loaded.empty() && !served ? before.loaded : loaded;
    state.report.inSync = inSync && errors.empty();
    if (errors.empty()) {
      state.syncedFor = key;
      state.report.error.clear();
      state.report.failures = 0;
      state.nextAttempt = {};
      if (!changes.empty()) {
        b->second.outcomes.push_back(
            {want.backend, task.pod, true, "pod " + task.pod + ": " + joined(changes) + "; serving " + joined(loaded)});
      }
    } else {
      std::string message = errors.front();
      for (size_t i = 1; i < errors.size(); ++i) message += "; " + errors[i];
      state.report.failures = before.failures + 1;
      state.report.error = message;
      state.nextAttempt = clock_.now() + backoff(state.report.failures);
      // One Event per new failure, not per retry of the same one.
      if (message != before.error)
        b->second.outcomes.push_back({want.backend, task.pod, false, "pod " + task.pod + ": " + message});
      base::log(base::LogLevel::Warning, "LoRA sync failed",
                {{"booster", task.booster},
                 {"pod", task.pod},
                 {"failures", std::to_string(state.report.failures)},
                 {"error", message}});
    }
    // The booster wanted something else meanwhile: sync again.
    if (state.want != nullptr && wantKey(*state.want, state.target) != key && errors.empty()) {
      state.queued = true;
      queue_.push_back(task);
      requeue = true;
    }
    changed = before.loaded != state.report.loaded || before.inSync != state.report.inSync ||
              before.error != state.report.error || !b->second.outcomes.empty() || !errors.empty();
  }
  if (requeue) cv_.notify_all();
  return changed;
}

}  // namespace mb::controller

#include "controller/reconciler.h"

#include <algorithm>
#include <set>

#include "api/children.h"
#include "api/model_booster.h"
#include "base/log.h"
#include "controller/child_status.h"
#include "controller/child_writer.h"
#include "controller/lora_targets.h"
#include "controller/route_readiness.h"
#include "controller/status.h"
#include "core/convert.h"
#include "core/dynamic_lora.h"
#include "core/pod.h"
#include "core/stack_caveats.h"
#include "kube/time_format.h"

namespace mb::controller {
namespace {

std::string kindName(api::ChildKind kind) { return std::string(api::kindInfo(kind).name); }

// Being deleted: the garbage collector is removing the children (in
// foreground deletion the booster waits for them); recreating them would
// fight it.
bool beingDeleted(const document::Value& booster) {
  const document::Value* meta = booster.find("metadata");
  return meta != nullptr && meta->find("deletionTimestamp") != nullptr;
}

}  // namespace

// The state of one reconcile, and what its writes report to it.
struct Reconciler::Pass final : WriteReport {
  Pass(Reconciler& reconciler, kube::ObjectPtr object)
      : r(reconciler), boosterObject(std::move(object)), ref(kube::refTo(*boosterObject)), ns(ref.ns), name(ref.name) {}

  Reconciler& r;
  kube::ObjectPtr boosterObject;
  kube::ObjectRef ref;
  std::string ns;
  std::string name;
  api::ModelBooster booster;
  Observed observed;
  bool retry = false;  // a transient API failure: come back with backoff
  std::chrono::seconds retryAfter{0};
  bool conflict = false;                       // a write met a newer version: requeue, not an error
  const api::StackProfile* profile = nullptr;  // set by convert()

  // An Event on the booster, and the same line in the log.
  void event(const char* type, const std::string& reason, const std::string& message) override {
    if (r.events_ != nullptr) r.events_->emit(ref, type, reason, message);
    base::log(std::string_view(type) == "Warning" ? base::LogLevel::Warning : base::LogLevel::Info, message,
              {{"booster", ns + "/" + name},
               {"generation", std::to_string(booster.metadata.generation)},
               {"reason", reason}});
  }

  void fail(std::string reason, std::string message) override {
    if (observed.failedReason.empty()) {
      observed.failedReason = std::move(reason);
      observed.failedMessage = std::move(message);
    } else {
      observed.failedMessage += "; " + message;
    }
  }

  void apiFailure(const std::string& what, const kube::ApiError& e) override {
    std::string message = what + ": " + e.str();
    fail("APIError", message);
    event("Warning", "APIError", message);
    retry = true;
    // 429 with Retry-After: come back when the server asked, not sooner.
    if (e.is(kube::ErrorKind::TooManyRequests) && e.retryAfter) retryAfter = std::max(retryAfter, *e.retryAfter);
  }
  void retryLater() override { retry = true; }
  void conflicted() override { conflict = true; }

  // Kthena v0.1.0's autoscaler goes on with what it first read of a Binding
  // and its policy: say so when they change, since nothing else will.
  void changed(api::ChildKind kind, const std::string& label) override {
    if (profile == nullptr || !profile->autoscalerKeepsFirstRead) return;
    if (kind != api::ChildKind::AutoscalingPolicy && kind != api::ChildKind::AutoscalingPolicyBinding) return;
    event("Warning", "ServingStackCaveat",
          label + " changed, but " + std::string(profile->release) +
              "'s autoscaler keeps scaling with the bounds and metric targets it first read until "
              "kthena-controller-manager restarts; restart it to apply the change (until then modelbooster "
              "clamps each ModelServing it scales outside the booster's bounds back into them)");
  }

  // Step 2: validate and convert. False (and Failed=InvalidSpec) when the
  // spec is invalid.
  bool convert(const core::ConversionOptions& config, std::vector<api::DesiredChild>& desired) {
    document::Errors errors;
    booster = api::decodeModelBooster(*boosterObject, errors);
    observed.generation = booster.metadata.generation;
    profile = &config.profile();
    api::Children children;
    if (errors.empty()) core::convert(booster, config, children, errors);
    // An adapter-only change keeps the pod templates of backends that load
    // adapters at run time (core/dynamic_lora.h); syncLora() loads them.
    if (errors.empty() && r.lora_ != nullptr && usesRuntimeLora(booster)) {
      const kube::Store& servings = r.caches_.of(api::ChildKind::ModelServing);
      core::pinLoraTemplates(
          booster, config,
          [&](std::string_view servingName) -> std::optional<core::ExistingServing> {
            kube::ObjectPtr ms = servings.get(ns + "/" + std::string(servingName));
            if (ms == nullptr) return std::nullopt;
            const document::Value* meta = ms->find("metadata");
            auto value = [&](const char* field, std::string_view key) -> std::string {
              const document::Value* map = meta != nullptr ? meta->find(field) : nullptr;
              const document::Value* v = map != nullptr ? map->find(key) : nullptr;
              return v != nullptr && v->isString() ? v->text() : "";
            };
            return core::ExistingServing{value("labels", core::kLabelRevision),
                                         value("annotations", core::kAnnotationTemplateLoraAdapters)};
          },
          children);
    }
    if (!errors.empty()) {
      std::string message = "the spec is invalid: " + errors.list().front().str();
      for (size_t i = 1; i < errors.list().size(); ++i) message += "; " + errors.list()[i].str();
      fail("InvalidSpec", message);
      event("Warning", "InvalidSpec", message);
      return false;
    }
    // What the serving stack will do differently, told once per generation:
    // status.observedGeneration lags until this pass writes it.
    if (booster.status.observedGeneration != booster.metadata.generation) {
      for (const auto& c : core::stackCaveats(booster, config.profile())) {
        event("Warning", "ServingStackCaveat", c.field + ": " + c.message);
      }
    }
    // Moved, not copied: the pod templates are most of the children.
    desired = std::move(children).desired();
    return true;
  }

  // A kind this booster needs that the API server does not serve: true,
  // and Failed=ServingStackIncomplete.
  bool blockedByTheStack(const std::vector<api::DesiredChild>& desired) {
    if (r.stack_ == nullptr) return false;
    std::set<api::ChildKind> needed;
    for (const auto& d : desired) needed.insert(d.kind);
    std::string message = r.stack_->blockingMessage(needed);
    if (message.empty()) return false;
    fail("ServingStackIncomplete", message);
    event("Warning", "ServingStackIncomplete", message);
    return true;
  }

  // Steps 3-6. False when a child is not in place.
  bool writeChildren(const std::vector<api::DesiredChild>& desired) {
    ChildWriter writer(r.client_, r.caches_, r.written_, ns, booster.metadata.uid, profile->implicitGang, *this);
    std::set<std::string> desiredKeys;
    std::vector<const api::DesiredChild*> inWriteOrder;
    for (const auto& d : desired) {
      desiredKeys.insert(kindName(d.kind) + "/" + d.name);
      inWriteOrder.push_back(&d);
    }
    std::ranges::stable_sort(inWriteOrder, {}, [](const api::DesiredChild* d) { return api::writeRank(d->kind); });
    bool allInPlace = true;
    for (const api::DesiredChild* d : inWriteOrder) allInPlace = writer.sync(*d) && allInPlace;
    return writer.deleteOrphans(desiredKeys) && allInPlace;
  }

  // Steps 7-8: write status only when it changed, conditionally.
  enum class StatusWrite { Unchanged, Written, Conflict, Failed };
  StatusWrite writeStatus() {
    api::ModelBoosterStatus next = nextStatus(booster.status, observed, kube::formatTime(r.clock_.wallNow()));
    if (sameStatus(next, booster.status)) return StatusWrite::Unchanged;
    document::Value object = *boosterObject;
    object.put("status", api::encode(next));
    auto written =
        r.client_.update(kube::resources::modelBoosters(), ns, object, kube::WriteOptions{.subresource = "status"});
    if (!written) {
      if (written.error().is(kube::ErrorKind::NotFound)) return StatusWrite::Written;   // deleted meanwhile
      if (written.error().is(kube::ErrorKind::Conflict)) return StatusWrite::Conflict;  // cache behind: re-read
      event("Warning", "APIError", "writing status: " + written.error().str());
      return StatusWrite::Failed;
    }
    kube::trimForCache(*written);
    kube::Store::Writer(r.caches_.boosters).applyIfNewer(std::make_shared<const document::Value>(std::move(*written)));
    return StatusWrite::Written;
  }

  // A pass that writes no child, only the status saying why: not retried
  // for its own sake (only a new spec, or the kind appearing, changes it),
  // but a status write the API server failed is retried like any API error.
  runtime::Action statusOnly(const char* whatFailed) {
    switch (writeStatus()) {
      case StatusWrite::Conflict:
        return runtime::Action::requeue();
      case StatusWrite::Failed:
        return runtime::Action::error(whatFailed);
      default:
        return runtime::Action::done();
    }
  }

  // Dynamic LoRA: hand the runtime-loading backends' running entry pods to
  // the syncer (it calls them on its own threads), and report what it found.
  std::optional<base::TimePoint> loraRetry;
  void syncLora(const core::ConversionOptions& config) {
    if (r.lora_ == nullptr) return;
    const std::string key = ns + "/" + name;
    if (!usesRuntimeLora(booster)) {
      r.lora_->forget(key);
      return;
    }
    const kube::Store& servings = r.caches_.of(api::ChildKind::ModelServing);
    loraRetry = r.lora_->want(key, loraWants(booster, config, [&](const std::string& servingName) {
                                kube::ObjectPtr ms = servings.get(ns + "/" + servingName);
                                return ms != nullptr ? r.caches_.pods.ownedBy(kube::refTo(*ms).uid)
                                                     : std::vector<kube::ObjectPtr>{};
                              }));
    for (const auto& o : r.lora_->takeOutcomes(key)) {
      event(o.ok ? "Normal" : "Warning", o.ok ? "LoraAdaptersSynced" : "LoraAdapterFailed",
            "backend " + o.backend + ", " + o.message);
    }
  }
  void reportLora() {
    if (r.lora_ == nullptr || !usesRuntimeLora(booster)) return;
    std::vector<LoraPodReport> reports = r.lora_->report(ns + "/" + name);
    for (auto& b : observed.backends) b.loraPods = loraPodStatuses(reports, b.name);
  }

  // Steps 7-8 after the children were written, and what happens next.
  runtime::Action finish(bool allInPlace, const std::vector<api::DesiredChild>& desired) {
    // A conflict means our cache was behind: this pass proved nothing about
    // the children, so it writes no status (it would claim they are in
    // place, or flap Active). Re-read and try again; the next pass writes it.
    if (conflict && !retry) return runtime::Action::requeue();
    observed.childrenWritten = allInPlace;
    observeServings(r.caches_.of(api::ChildKind::ModelServing), ns, booster, desired, observed);
    reportLora();
    StatusWrite status = writeStatus();
    if (retryAfter.count() > 0) return runtime::Action::requeueAfter(retryAfter);
    if (retry || status == StatusWrite::Failed) {
      return runtime::Action::error(observed.failedMessage.empty() ? "status write failed" : observed.failedMessage);
    }
    // A conflict means our cache was behind: look again (backoff, not an error).
    if (status == StatusWrite::Conflict || conflict) return runtime::Action::requeue();
    // A pod whose LoRA sync failed is tried again when its backoff ends.
    if (loraRetry) {
      auto wait =
          std::chrono::duration_cast<std::chrono::seconds>(*loraRetry - r.clock_.now()) + std::chrono::seconds(1);
      return runtime::Action::requeueAfter(std::max(wait, std::chrono::seconds(1)));
    }
    return runtime::Action::done();
  }
};

Reconciler::Reconciler(kube::Client& client, Caches& caches, EventSink* events, ConfigSource config, base::Clock& clock,
                       const ServingStackState* stack, LoraSyncer* lora)
    : client_(client),
      caches_(caches),
      events_(events),
      config_(std::move(config)),
      clock_(clock),
      stack_(stack),
      lora_(lora) {}

runtime::Action Reconciler::reconcile(const std::string& key) {
  // Step 1: gone (or going) means nothing to do; the garbage collector
  // removes the children.
  kube::ObjectPtr object = caches_.boosters.get(key);
  if (object == nullptr || beingDeleted(*object)) {
    if (lora_ != nullptr) lora_->forget(key);
    return runtime::Action::done();
  }
  Pass pass(*this, std::move(object));
  // Step 2. An invalid spec writes nothing but status.
  std::vector<api::DesiredChild> desired;
  const core::ConversionOptions config = config_();
  if (!pass.convert(config, desired)) return pass.statusOnly("writing the status of an invalid booster failed");
  // Never half a set: the manager requeues every booster once the missing
  // kind is served and watched.
  if (pass.blockedByTheStack(desired)) {
    observeServings(caches_.of(api::ChildKind::ModelServing), pass.ns, pass.booster, desired, pass.observed);
    return pass.statusOnly("writing the status of a booster the serving stack cannot serve failed");
  }
  // Kthena's router weighs targets without looking at their pods: a
  // backend with nothing ready gets no share while another has (deviation 23b).
  weighRouteByReadiness(desired, caches_.of(api::ChildKind::ModelServing), pass.ns);
  // Steps 3-6, then 7-8.
  bool allInPlace = pass.writeChildren(desired);
  pass.syncLora(config);
  return pass.finish(allInPlace, desired);
}

}  // namespace mb::controller

#include "controller/reconciler.h"

#include <charconv>
#include <set>

#include "api/children.h"
#include "api/model_booster.h"
#include "base/log.h"
#include "controller/child_sync.h"
#include "controller/status.h"
#include "core/convert.h"
#include "core/pod.h"
#include "kube/object_meta.h"
#include "kube/time_format.h"

namespace mb::controller {
namespace {

using kube::nameOf;
using kube::textOf;
using kube::uidOf;

const document::Value* at(const document::Value& v, std::initializer_list<const char*> keys) {
  const document::Value* cur = &v;
  for (const char* k : keys) {
    cur = cur->find(k);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

// "ModelBooster default/other" for a controller ownerReference, or a note
// that the object has no controller at all.
std::string controllerOf(const document::Value& o) {
  const document::Value* ref = kube::controllerReference(o);
  if (ref == nullptr) return "no controller (created by hand?)";
  return textOf(ref->find("kind")) + " " + textOf(ref->find("name"));
}

bool available(const document::Value& serving) {
  const document::Value* conditions = at(serving, {"status", "conditions"});
  if (conditions == nullptr || !conditions->isArray()) return false;
  for (const auto& c : conditions->items()) {
    if (textOf(c.find("type")) == "Available") return textOf(c.find("status")) == "True";
  }
  return false;
}

// spec.replicas, or -1 when absent.
int64_t specReplicas(const document::Value& serving) {
  const document::Value* r = at(serving, {"spec", "replicas"});
  int64_t n = -1;
  if (r != nullptr && r->isNumber()) std::from_chars(r->text().data(), r->text().data() + r->text().size(), n);
  return n;
}

int32_t statusReplicas(const document::Value& serving) {
  const document::Value* r = at(serving, {"status", "replicas"});
  int32_t n = 0;
  if (r != nullptr && r->isNumber()) std::from_chars(r->text().data(), r->text().data() + r->text().size(), n);
  return n;
}

// The booster uid a child carries in its model-uid label ("" when none).
const std::string& modelUidLabel(const document::Value& child) { return kube::labelOf(child, core::kLabelModelUid); }

std::string kindName(api::ChildKind kind) { return std::string(api::kindInfo(kind).name); }

}  // namespace

struct Reconciler::Pass {
  Reconciler& r;
  std::string ns;
  std::string name;
  kube::ObjectPtr boosterObject;
  api::ModelBooster booster;
  kube::ObjectRef ref;
  Observed observed;
  bool retry = false;  // a transient API failure: come back with backoff
  std::chrono::seconds retryAfter{0};
  bool conflict = false;      // a write met a newer version: requeue, not an error
  bool implicitGang = false;  // the profile's StackProfile::implicitGang

  // An Event on the booster, and the same line in the log.
  void event(const char* type, const std::string& reason, const std::string& message) {
    if (r.events_ != nullptr) r.events_->record(ref, type, reason, message);
    base::log(std::string_view(type) == "Warning" ? base::LogLevel::Warning : base::LogLevel::Info, message,
              {{"booster", ns + "/" + name},
               {"generation", std::to_string(booster.metadata.generation)},
               {"reason", reason}});
  }

  void fail(std::string reason, std::string message) {
    if (observed.failedReason.empty()) {
      observed.failedReason = std::move(reason);
      observed.failedMessage = std::move(message);
    } else {
      observed.failedMessage += "; " + message;
    }
  }

  void apiFailure(const std::string& what, const kube::ApiError& e) {
    std::string message = what + ": " + e.str();
    fail("APIError", message);
    event("Warning", "APIError", message);
    retry = true;
    // 429 with Retry-After: come back when the server asked, not sooner.
    if (e.is(kube::ErrorKind::TooManyRequests) && e.retryAfter) retryAfter = std::max(retryAfter, *e.retryAfter);
  }

  // Ours: our controller reference, or no controller at all but this
  // booster's model-uid label (someone removed the reference by hand; it is
  // put back). A same-named object with neither was made by someone else.
  bool ours(const document::Value& child) const {
    std::string controller = kube::controllerUid(child);
    if (!controller.empty()) return controller == booster.metadata.uid;
    return modelUidLabel(child) == booster.metadata.uid;
  }

  // Records a child we just wrote: in the cache (so a pass starting before
  // the watch delivers it does not write it again) and, when the server did
  // not keep it as sent, its version of `desired` in the memory planChild
  // compares with.
  void remember(api::ChildKind kind, const std::string& memoryKey, const document::Value& desired,
                document::Value written) {
    kube::trimForCache(written);
    document::Value view = serverView(kind, desired, written);
    if (keptAsSent(view, desired)) {
      r.written_.forget(memoryKey);
    } else {
      r.written_.remember(memoryKey, WrittenChildren::hashOf(desired),
                          std::make_shared<const document::Value>(std::move(view)), uidOf(written));
    }
    kube::Store::Writer(r.caches_.of(kind)).applyIfNewer(std::make_shared<const document::Value>(std::move(written)));
  }

  // Step 3-5 for one desired child. Returns false when it is not in place.
  bool syncChild(const api::DesiredChild& child) {
    const api::ChildKind kind = child.kind;
    const document::Value& desired = child.object;
    kube::Resource resource = resourceOf(kind);
    const std::string& childName = child.name;
    std::string label = kindName(kind) + " " + ns + "/" + childName;
    const std::string memoryKey = WrittenChildren::keyOf(kind, ns, childName);
    kube::ObjectPtr live = r.caches_.of(kind).get(kube::objectKey(ns, childName));
    if (live == nullptr) {
      auto created = r.client_.create(resource, ns, desired);
      if (created) {
        remember(kind, memoryKey, desired, std::move(*created));
        event("Normal", "Created", "created " + label);
        return true;
      }
      if (!created.error().is(kube::ErrorKind::AlreadyExists)) {
        apiFailure("creating " + label, created.error());
        return false;
      }
      // Not in our cache yet, or someone else's: look at the real thing.
      auto got = r.client_.get(resource, ns, childName);
      if (!got) {
        apiFailure("reading " + label, got.error());
        return false;
      }
      live = std::make_shared<const document::Value>(std::move(*got));
    }
    if (!ours(*live)) {
      std::string message = label + " exists and belongs to " + controllerOf(*live) +
                            "; modelbooster does not touch it. Delete or rename it, or rename the booster.";
      fail("ChildOwnedByOther", message);
      event("Warning", "ChildOwnedByOther", message);
      // Nothing we watch will tell us when the other object goes away, so
      // look again with backoff.
      retry = true;
      return false;
    }
    // While the desired object is the one we last wrote, the live child is
    // compared with what the server made of it (pruned fields, defaults,
    // webhook rewrites): a steady child costs no writes.
    // An adopted ModelServing (made by Kthena's own booster controller) may
    // carry the gangPolicy v1.0 applies anyway; keep it rather than replace.
    document::Value adopted;
    const document::Value& want =
        kind == api::ChildKind::ModelServing && implicitGang && keepImplicitGangPolicy(desired, *live, adopted)
            ? adopted
            : desired;
    kube::ObjectPtr expected = r.written_.expectedFor(memoryKey, WrittenChildren::hashOf(want));
    SyncPlan plan = planChild(kind, want, *live, child.replicas, expected.get());
    switch (plan.op) {
      case SyncPlan::Op::None:
        return true;
      case SyncPlan::Op::Update: {
        auto updated = r.client_.update(resource, ns, plan.object);
        if (!updated) {
          if (updated.error().is(kube::ErrorKind::Conflict)) {
            conflict = true;  // the cache is behind: re-read and try again, never overwrite blindly
            return false;
          }
          apiFailure("updating " + label, updated.error());
          return false;
        }
        remember(kind, memoryKey, want, std::move(*updated));
        event("Normal", "Updated", "updated " + label + " to match the booster");
        return true;
      }
      case SyncPlan::Op::Replace: {
        kube::DeleteOptions del;
        del.preconditionUid = uidOf(*live);
        del.propagationPolicy = "Background";
        auto removed = r.client_.remove(resource, ns, childName, del);
        if (!removed && !removed.error().is(kube::ErrorKind::NotFound)) {
          apiFailure("deleting " + label + " to replace it", removed.error());
          return false;
        }
        r.written_.forget(memoryKey);
        auto created = r.client_.create(resource, ns, desired);
        if (!created) {
          // The old one may still be terminating: try again shortly.
          std::string message = "replacing " + label + ": " + created.error().str();
          fail("Replacing", message);
          event("Warning", "Replacing", message);
          retry = true;
          return false;
        }
        remember(kind, memoryKey, desired, std::move(*created));
        event("Normal", "Replaced", "replaced " + label + ": " + plan.reason);
        return true;
      }
    }
    return true;
  }

  // Step 6: children carrying this booster's uid that are no longer desired.
  // Returns false when one could not be deleted.
  bool deleteOrphans(const std::set<std::string>& desiredKeys) {
    bool deleted = true;
    for (const auto& info : api::kChildKinds) {
      const api::ChildKind kind = info.kind;
      for (const auto& child : r.caches_.of(kind).ownedBy(booster.metadata.uid)) {
        const std::string& modelUid = modelUidLabel(*child);
        std::string key = kindName(kind) + "/" + nameOf(*child);
        if (modelUid != booster.metadata.uid || desiredKeys.contains(key)) continue;
        kube::DeleteOptions del;
        del.preconditionUid = uidOf(*child);
        del.propagationPolicy = "Background";
        auto removed = r.client_.remove(resourceOf(kind), ns, nameOf(*child), del);
        std::string label = kindName(kind) + " " + ns + "/" + nameOf(*child);
        if (!removed && !removed.error().is(kube::ErrorKind::NotFound)) {
          apiFailure("deleting " + label, removed.error());
          deleted = false;
          continue;
        }
        r.written_.forget(WrittenChildren::keyOf(kind, ns, nameOf(*child)));
        event("Normal", "Deleted", "deleted " + label + ": no longer desired");
      }
    }
    return deleted;
  }

  // The booster's ModelServings, one per backend, in order.
  void observeServings(const std::vector<api::DesiredChild>& desired) {
    for (const auto& child : desired) {
      if (child.kind != api::ChildKind::ModelServing) continue;
      observed.servings++;
      const std::string& servingName = child.name;
      kube::ObjectPtr live = r.caches_.of(api::ChildKind::ModelServing).get(kube::objectKey(ns, servingName));
      // A ModelServing at 0 replicas (a backend at minReplicas 0, or scaled
      // to zero by the autoscaler) has nothing to make available; Kthena
      // writes no status for it at all. It does not hold the booster back.
      if (live != nullptr && specReplicas(*live) == 0) {
        observed.scaledToZero.push_back(servingName);
      } else if (live == nullptr || !available(*live)) {
        observed.notAvailable.push_back(servingName);
      }
      observed.backends.push_back(
          api::BackendStatus{booster.spec.backends[child.backend].name, live != nullptr ? statusReplicas(*live) : 0});
    }
  }

  // Steps 7-8: write status only when it changed, conditionally.
  enum class StatusWrite { Unchanged, Written, Conflict, Failed };
  StatusWrite writeStatus() {
    api::ModelBoosterStatus next = nextStatus(booster.status, observed, r.now_());
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
};

Reconciler::Reconciler(kube::Client& client, Caches& caches, kube::EventRecorder* events, ConfigSource config, Now now,
                       const ServingStackState* stack)
    : client_(client),
      caches_(caches),
      events_(events),
      config_(std::move(config)),
      now_(std::move(now)),
      stack_(stack) {
  if (!now_) now_ = [] { return kube::formatTime(std::chrono::system_clock::now()); };
}

void Reconciler::childDeleted(api::ChildKind kind, const std::string& ns, const std::string& name,
                              const std::string& uid) {
  written_.forget(WrittenChildren::keyOf(kind, ns, name), uid);
}

runtime::Action Reconciler::reconcile(const std::string& key) {
  // Step 1: gone means nothing to do; the garbage collector removes children.
  kube::ObjectPtr object = caches_.boosters.get(key);
  if (object == nullptr) return runtime::Action::done();
  // Being deleted: the garbage collector is removing the children (in
  // foreground deletion the booster waits for them); recreating them would
  // fight it.
  if (const document::Value* meta = object->find("metadata");
      meta != nullptr && meta->find("deletionTimestamp") != nullptr) {
    return runtime::Action::done();
  }
  Pass pass{*this};
  pass.boosterObject = object;
  pass.ref = kube::refTo(*object);
  pass.ns = pass.ref.ns;
  pass.name = pass.ref.name;

  // Step 2: validate and convert. An invalid spec writes nothing but status
  // and is not retried: the next spec change triggers a new reconcile.
  document::Errors errors;
  pass.booster = api::decodeModelBooster(*object, errors);
  pass.observed.generation = pass.booster.metadata.generation;
  api::Children children;
  const core::ConversionOptions config = config_();
  pass.implicitGang = config.profile().implicitGang;
  if (errors.empty()) core::convert(pass.booster, config, children, errors);
  if (!errors.empty()) {
    std::string message = "the spec is invalid: " + errors.list().front().str();
    for (size_t i = 1; i < errors.list().size(); ++i) message += "; " + errors.list()[i].str();
    pass.fail("InvalidSpec", message);
    pass.event("Warning", "InvalidSpec", message);
    // Not retried for the spec's sake (only a new spec can fix it), but a
    // status write the API server failed is retried like any API error.
    switch (pass.writeStatus()) {
      case Pass::StatusWrite::Conflict:
        return runtime::Action::requeue();
      case Pass::StatusWrite::Failed:
        return runtime::Action::error("writing the status of an invalid booster failed");
      default:
        return runtime::Action::done();
    }
  }

  // Moved, not copied: the pod templates are most of the children.
  std::vector<api::DesiredChild> desired = std::move(children).desired();

  // A kind this booster needs that the API server does not serve: write no
  // child at all (never half a set), say so, and wait; the manager requeues
  // every booster once the kind is served and watched.
  if (stack_ != nullptr) {
    std::set<api::ChildKind> needed;
    for (const auto& d : desired) needed.insert(d.kind);
    if (std::string message = stack_->blockingMessage(needed); !message.empty()) {
      pass.fail("ServingStackIncomplete", message);
      pass.event("Warning", "ServingStackIncomplete", message);
      pass.observeServings(desired);
      switch (pass.writeStatus()) {
        case Pass::StatusWrite::Conflict:
          return runtime::Action::requeue();
        case Pass::StatusWrite::Failed:
          return runtime::Action::error("writing the status of a booster the serving stack cannot serve failed");
        default:
          return runtime::Action::done();
      }
    }
  }

  // Steps 3-5.
  std::set<std::string> desiredKeys;
  bool allInPlace = true;
  for (const auto& d : desired) {
    desiredKeys.insert(kindName(d.kind) + "/" + d.name);
    allInPlace = pass.syncChild(d) && allInPlace;
  }
  // Step 6.
  allInPlace = pass.deleteOrphans(desiredKeys) && allInPlace;
  // A conflict means our cache was behind: this pass proved nothing about
  // the children, so it writes no status (it would claim they are in place,
  // or flap Active). Re-read and try again; the next pass writes it.
  if (pass.conflict && !pass.retry) return runtime::Action::requeue();
  // Step 7.
  pass.observed.childrenWritten = allInPlace;
  pass.observeServings(desired);
  Pass::StatusWrite status = pass.writeStatus();
  if (pass.retryAfter.count() > 0) return runtime::Action::requeueAfter(pass.retryAfter);
  if (pass.retry || status == Pass::StatusWrite::Failed) {
    return runtime::Action::error(pass.observed.failedMessage.empty() ? "status write failed"
                                                                      : pass.observed.failedMessage);
  }
  // A conflict means our cache was behind: look again (backoff, not an error).
  if (status == Pass::StatusWrite::Conflict || pass.conflict) return runtime::Action::requeue();
  return runtime::Action::done();
}

}  // namespace mb::controller

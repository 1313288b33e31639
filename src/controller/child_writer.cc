#include "controller/child_writer.h"

#include "core/pod.h"
#include "kube/object_meta.h"

namespace mb::controller {
namespace {

using kube::nameOf;
using kube::textOf;
using kube::uidOf;

std::string kindName(api::ChildKind kind) { return std::string(api::kindInfo(kind).name); }

// The booster uid a child carries in its model-uid label ("" when none).
const std::string& modelUidLabel(const document::Value& child) { return kube::labelOf(child, core::kLabelModelUid); }

// "ModelBooster default/other" for a controller ownerReference, or a note
// that the object has no controller at all.
std::string controllerOf(const document::Value& o) {
  const document::Value* ref = kube::controllerReference(o);
  if (ref == nullptr) return "no controller (created by hand?)";
  return textOf(ref->find("kind")) + " " + textOf(ref->find("name"));
}

}  // namespace

ChildWriter::ChildWriter(kube::Client& client, Caches& caches, WrittenChildren& written, std::string ns,
                         std::string boosterUid, bool implicitGang, WriteReport& report)
    : client_(client),
      caches_(caches),
      written_(written),
      ns_(std::move(ns)),
      boosterUid_(std::move(boosterUid)),
      implicitGang_(implicitGang),
      report_(report) {}

// Ours: our controller reference, or no controller at all but this
// booster's model-uid label (someone removed the reference by hand; it is
// put back). A same-named object with neither was made by someone else.
bool ChildWriter::ours(const document::Value& child) const {
  std::string controller = kube::controllerUid(child);
  if (!controller.empty()) return controller == boosterUid_;
  return modelUidLabel(child) == boosterUid_;
}

// Records a child we just wrote: in the cache (so a pass starting before
// the watch delivers it does not write it again) and, when the server did
// not keep it as sent, its version of `desired` in the memory planChild
// compares with.
void ChildWriter::remember(api::ChildKind kind, const std::string& memoryKey, const document::Value& desired,
                           document::Value written) {
  kube::trimForCache(written);
  document::Value view = serverView(kind, desired, written);
  if (keptAsSent(view, desired)) {
    written_.forget(memoryKey);
  } else {
    written_.remember(memoryKey, WrittenChildren::hashOf(desired),
                      std::make_shared<const document::Value>(std::move(view)), uidOf(written));
  }
  kube::Store::Writer(caches_.of(kind)).applyIfNewer(std::make_shared<const document::Value>(std::move(written)));
}

// One child's write: its kind, names, and where it is remembered.
struct ChildWriter::Target {
  const api::DesiredChild& child;
  kube::Resource resource;
  std::string label;      // "ModelServing ns/name", for Events
  std::string memoryKey;  // in WrittenChildren
};

bool ChildWriter::sync(const api::DesiredChild& child) {
  Target t{child, resourceOf(child.kind), kindName(child.kind) + " " + ns_ + "/" + child.name,
           WrittenChildren::keyOf(child.kind, ns_, child.name)};
  kube::ObjectPtr live;
  if (!findOrCreate(t, live)) return false;
  if (live == nullptr) return true;  // created just now
  if (!ours(*live)) {
    std::string message = t.label + " exists and belongs to " + controllerOf(*live) +
                          "; modelbooster does not touch it. Delete or rename it, or rename the booster.";
    report_.fail("ChildOwnedByOther", message);
    report_.event("Warning", "ChildOwnedByOther", message);
    // Nothing we watch will tell us when the other object goes away, so
    // look again with backoff.
    report_.retryLater();
    return false;
  }
  // While the desired object is the one we last wrote, the live child is
  // compared with what the server made of it (pruned fields, defaults,
  // webhook rewrites): a steady child costs no writes.
  // An adopted ModelServing (made by Kthena's own booster controller) may
  // carry the gangPolicy v1.0 applies anyway; keep it rather than replace.
  document::Value adopted;
  const document::Value& want = child.kind == api::ChildKind::ModelServing && implicitGang_ &&
                                        keepImplicitGangPolicy(child.object, *live, adopted)
                                    ? adopted
                                    : child.object;
  kube::ObjectPtr expected = written_.expectedFor(t.memoryKey, WrittenChildren::hashOf(want));
  SyncPlan plan = planChild(child.kind, want, *live, child.replicas, expected.get());
  switch (plan.op) {
    case SyncPlan::Op::None:
      return true;
    case SyncPlan::Op::Update:
      return update(t, want, plan.object);
    case SyncPlan::Op::Replace:
      return replace(t, *live, plan.reason);
  }
  return true;
}

bool ChildWriter::findOrCreate(const Target& t, kube::ObjectPtr& live) {
  live = caches_.of(t.child.kind).get(kube::objectKey(ns_, t.child.name));
  if (live != nullptr) return true;
  auto made = client_.create(t.resource, ns_, t.child.object);
  if (made) {
    remember(t.child.kind, t.memoryKey, t.child.object, std::move(*made));
    report_.event("Normal", "Created", "created " + t.label);
    return true;
  }
  if (!made.error().is(kube::ErrorKind::AlreadyExists)) {
    report_.apiFailure("creating " + t.label, made.error());
    return false;
  }
  // Not in our cache yet, or someone else's: look at the real thing.
  auto got = client_.get(t.resource, ns_, t.child.name);
  if (!got) {
    report_.apiFailure("reading " + t.label, got.error());
    return false;
  }
  live = std::make_shared<const document::Value>(std::move(*got));
  return true;
}

bool ChildWriter::update(const Target& t, const document::Value& want, const document::Value& object) {
  auto updated = client_.update(t.resource, ns_, object);
  if (!updated) {
    if (updated.error().is(kube::ErrorKind::Conflict)) {
      report_.conflicted();  // the cache is behind: re-read and try again, never overwrite blindly
      return false;
    }
    report_.apiFailure("updating " + t.label, updated.error());
    return false;
  }
  remember(t.child.kind, t.memoryKey, want, std::move(*updated));
  report_.event("Normal", "Updated", "updated " + t.label + " to match the booster");
  report_.changed(t.child.kind, t.label);
  return true;
}

bool ChildWriter::replace(const Target& t, const document::Value& live, const std::string& reason) {
  kube::DeleteOptions del;
  del.preconditionUid = uidOf(live);
  del.propagationPolicy = "Background";
  auto removed = client_.remove(t.resource, ns_, t.child.name, del);
  if (!removed && !removed.error().is(kube::ErrorKind::NotFound)) {
    report_.apiFailure("deleting " + t.label + " to replace it", removed.error());
    return false;
  }
  written_.forget(t.memoryKey);
  auto created = client_.create(t.resource, ns_, t.child.object);
  if (!created) {
    // The old one may still be terminating: try again shortly.
    std::string message = "replacing " + t.label + ": " + created.error().str();
    report_.fail("Replacing", message);
    report_.event("Warning", "Replacing", message);
    report_.retryLater();
    return false;
  }
  remember(t.child.kind, t.memoryKey, t.child.object, std::move(*created));
  report_.event("Normal", "Replaced", "replaced " + t.label + ": " + reason);
  report_.changed(t.child.kind, t.label);
  return true;
}

bool ChildWriter::deleteOrphans(const std::set<std::string>& desiredKeys) {
  bool deleted = true;
  for (const auto& info : api::kChildKinds) {
    const api::ChildKind kind = info.kind;
    for (const auto& child : caches_.of(kind).ownedBy(boosterUid_)) {
      const std::string& modelUid = modelUidLabel(*child);
      std::string key = kindName(kind) + "/" + nameOf(*child);
      if (modelUid != boosterUid_ || desiredKeys.contains(key)) continue;
      kube::DeleteOptions del;
      del.preconditionUid = uidOf(*child);
      del.propagationPolicy = "Background";
      auto removed = client_.remove(resourceOf(kind), ns_, nameOf(*child), del);
      std::string label = kindName(kind) + " " + ns_ + "/" + nameOf(*child);
      if (!removed && !removed.error().is(kube::ErrorKind::NotFound)) {
        report_.apiFailure("deleting " + label, removed.error());
        deleted = false;
        continue;
      }
      written_.forget(WrittenChildren::keyOf(kind, ns_, nameOf(*child)));
      report_.event("Normal", "Deleted", "deleted " + label + ": no longer desired");
    }
  }
  return deleted;
}

}  // namespace mb::controller

// A cache of one kind's objects, filled by a Watcher and read by
// reconcilers: the steady state costs no GET requests. Readers get
// immutable shared snapshots; only the watcher writes (Store::Writer).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "document/value.h"

namespace mb::kube {

using ObjectPtr = std::shared_ptr<const document::Value>;

// Trims what a cache never reads from an object before it is stored:
// metadata.managedFields (server-side apply bookkeeping, often larger than
// the spec). Updates built from a trimmed object leave the server's
// managedFields as they are: the API keeps them when the field is omitted.
void trimForCache(document::Value& object);

// namespace/name of an object ("name" for cluster-scoped ones).
std::string objectKey(const document::Value& object);
std::string objectKey(const std::string& ns, const std::string& name);
// metadata.uid of the ownerReference with controller: true, or "".
std::string controllerUid(const document::Value& object);

class Store {
 public:
  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list() const;
  // Objects whose controller ownerReference has this uid.
  std::vector<ObjectPtr> ownedBy(const std::string& ownerUid) const;
  size_t size() const;
  // True once the first full list is in: of every namespace announced with
  // expectNamespace(), or of any one list when none was announced.
  bool synced() const;
  // For a store filled by one watcher per namespace: synced() waits for
  // this namespace's first list too.
  void expectNamespace(const std::string& ns);

  // The watcher's side; kept apart so reconcilers cannot write by accident.
  class Writer {
   public:
    explicit Writer(Store& store) : store_(store) {}
    // Put or replace one object; returns the previous one (or null).
    ObjectPtr apply(ObjectPtr object);
    // For a controller recording what it just wrote, before the watch
    // delivers it: stores `object` unless the cache already holds the same or
    // a newer version (resourceVersions compared as etcd revisions when both
    // are numbers; otherwise an existing entry is kept). Never goes back.
    bool applyIfNewer(ObjectPtr object);
    // Removes the object a DELETED event names, and remembers the deletion,
    // so that a write answered before it (applyIfNewer) cannot bring the
    // object back.
    ObjectPtr remove(const std::string& key, const document::Value* deleted = nullptr);
    // Swap in a full list at once (after a relist); returns the objects that
    // were cached but are no longer present (deleted while disconnected).
    // With a namespace, the list covers that namespace only: objects of
    // other namespaces (listed by other watchers) are kept.
    std::vector<ObjectPtr> replace(std::vector<ObjectPtr> objects, const std::string& ns = "");

   private:
    Store& store_;
  };

 private:
  void indexLocked(const std::string& key, const ObjectPtr& object);
  void unindexLocked(const std::string& key, const ObjectPtr& object);

  mutable std::shared_mutex mutex_;
  std::map<std::string, ObjectPtr> objects_;         // guarded by mutex_
  std::multimap<std::string, std::string> byOwner_;  // owner uid -> key, guarded by mutex_
  bool synced_ = false;                              // guarded by mutex_
  std::map<std::string, bool> namespaces_;           // expected -> listed, guarded by mutex_
  // Deleted keys and the resourceVersion of their deletion, guarded by
  // mutex_. Only the moments around a delete matter, so the map is capped.
  std::map<std::string, uint64_t> deleted_;
};

}  // namespace mb::kube

// Writing a booster's children (CONTROLLER.md steps 3-6): create what is
// missing (an AlreadyExists looks at the real object), leave alone what is
// someone else's, update what differs in a field we own, replace what
// changed an immutable field, delete what carries the booster's uid but is
// no longer desired; a 409 means the cache was behind. What planChild
// (child_sync.h) decides, this carries out, recording each write in the
// cache and in the memory of what the server kept.
#pragma once

#include <set>
#include <string>

#include "api/children.h"
#include "controller/caches.h"
#include "controller/child_sync.h"
#include "kube/client.h"
#include "kube/errors.h"

namespace mb::controller {

// What the writes tell the reconcile pass they belong to.
class WriteReport {
 public:
  virtual ~WriteReport() = default;
  // An Event on the booster ("Normal" or "Warning").
  virtual void event(const char* type, const std::string& reason, const std::string& message) = 0;
  // A reason for Failed=True (the first reason wins; messages add up).
  virtual void fail(std::string reason, std::string message) = 0;
  // An API call failed: Failed (APIError), a Warning Event, a retry with
  // backoff (or after the server's Retry-After).
  virtual void apiFailure(const std::string& what, const kube::ApiError& error) = 0;
  // Come back later with backoff (someone else's object, a replacement the
  // server is not ready for).
  virtual void retryLater() = 0;
  // A write met a newer version: the cache was behind.
  virtual void conflicted() = 0;
  // A child that existed was written again with a new spec (updated, or
  // replaced). `label` is "Kind ns/name".
  virtual void changed(api::ChildKind kind, const std::string& label) = 0;
};

class ChildWriter {
 public:
  // `implicitGang`: the profile's StackProfile::implicitGang.
  ChildWriter(kube::Client& client, Caches& caches, WrittenChildren& written, std::string ns, std::string boosterUid,
              bool implicitGang, WriteReport& report);

  // Steps 3-5 for one desired child. False when it is not in place.
  bool sync(const api::DesiredChild& child);
  // Step 6: children carrying the booster's uid whose "Kind/name" is not in
  // `desiredKeys`. False when one could not be deleted.
  bool deleteOrphans(const std::set<std::string>& desiredKeys);

 private:
  struct Target;
  // Step 3: `live` becomes the live child (the cache's, or the server's
  // after AlreadyExists), or null when it was created just now. False when
  // the API failed.
  bool findOrCreate(const Target& t, kube::ObjectPtr& live);
  // Step 4: `object` is the live child with our fields applied from `want`.
  bool update(const Target& t, const document::Value& want, const document::Value& object);
  // Step 5: delete (precondition: the live uid) and create again.
  bool replace(const Target& t, const document::Value& live, const std::string& reason);
  bool ours(const document::Value& child) const;
  void remember(api::ChildKind kind, const std::string& memoryKey, const document::Value& desired,
                document::Value written);

  kube::Client& client_;
  Caches& caches_;
  WrittenChildren& written_;
  const std::string ns_;
  const std::string boosterUid_;
  const bool implicitGang_;
  WriteReport& report_;
};

}  // namespace mb::controller

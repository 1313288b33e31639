// The Kubernetes REST client seam: everything the controller asks of the
// API server. ClientImpl talks HTTP; tests above this layer may use fakes,
// tests of this layer run against a real kube-apiserver.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "document/value.h"
#include "kube/errors.h"
#include "kube/resource.h"

namespace mb::kube {

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int64_t limit = 0;  // page size; 0 = everything at once
  std::string continueToken;
  std::string resourceVersion;
};

struct ListPage {
  std::vector<document::Value> items;
  std::string resourceVersion;
  std::string continueToken;  // empty on the last page
};

struct WatchOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::string resourceVersion;
  bool allowWatchBookmarks = true;
  int timeoutSeconds = 300;  // the server ends the watch after this
};

struct WatchEvent {
  enum class Type { Added, Modified, Deleted, Bookmark, Error };
  Type type = Type::Added;
  document::Value object;  // for Error: the Status
};

enum class PatchType { Merge, Apply };

struct WriteOptions {
  std::string fieldManager = "modelbooster";
  bool force = false;       // server-side apply: take ownership of conflicting fields
  std::string subresource;  // "status" for status writes
  bool dryRun = false;
};

struct DeleteOptions {
  std::string propagationPolicy;  // Foreground, Background, Orphan; "" = server default
  std::string preconditionUid;
  std::string preconditionResourceVersion;
};

// One entry of an APIResourceList, what discovery says a group/version
// serves.
struct ApiResource {
  std::string name;  // the plural ("modelservings"), or "plural/subresource"
  std::string kind;
  bool namespaced = false;
};

class Client {
 public:
  virtual ~Client() = default;

  virtual ApiResult<document::Value> get(const Resource& r, const std::string& ns, const std::string& name) = 0;
  virtual ApiResult<ListPage> list(const Resource& r, const std::string& ns, const ListOptions& options) = 0;
  virtual ApiResult<document::Value> create(const Resource& r, const std::string& ns, const document::Value& object,
                                            const WriteOptions& options = {}) = 0;
  // PUT; the object's metadata.resourceVersion makes it conditional (409 when stale).
  virtual ApiResult<document::Value> update(const Resource& r, const std::string& ns, const document::Value& object,
                                            const WriteOptions& options = {}) = 0;
  virtual ApiResult<document::Value> patch(const Resource& r, const std::string& ns, const std::string& name,
                                           PatchType type, const document::Value& body,
                                           const WriteOptions& options = {}) = 0;
  virtual ApiResult<Unit> remove(const Resource& r, const std::string& ns, const std::string& name,
                                 const DeleteOptions& options = {}) = 0;
  // Streams events to `onEvent` until the server ends the watch (ok), an
  // error occurs, `onEvent` returns false, or `stop` becomes true.
  virtual ApiResult<Unit> watch(const Resource& r, const std::string& ns, const WatchOptions& options,
                                const std::function<bool(WatchEvent&&)>& onEvent,
                                const std::atomic<bool>* stop = nullptr) = 0;
  // Discovery: what the server serves in one group/version (GET
  // /apis/<group>/<version>, /api/<version> for the core group). NotFound
  // means the server does not serve that group/version at all.
  virtual ApiResult<std::vector<ApiResource>> serverResources(const std::string& group, const std::string& version) = 0;
};

}  // namespace mb::kube

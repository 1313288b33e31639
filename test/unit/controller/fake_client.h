// An in-process stand-in for the API server at the kube::Client seam, for
// unit tests of the reconciler's decisions: it answers writes by echoing the
// object (with a uid and a bumped resourceVersion), records every call, and
// fails the calls a test names. Integration tests use the real API server.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kube/client.h"

namespace mb::controller::testing {

class FakeClient : public kube::Client {
 public:
  // A call is described as "<verb> <plural>[/<subresource>] <namespace>/<name>",
  // e.g. "update modelservings n/m-a" or "update modelboosters/status n/m".
  std::vector<std::string> calls;
  // Answers a call with this error instead of succeeding.
  std::map<std::string, kube::ApiError> failures;
  // Objects `get` returns, by "<plural> <namespace>/<name>".
  std::map<std::string, doc::Value> objects;
  // The last status written to each booster, by "<namespace>/<name>".
  std::map<std::string, doc::Value> statuses;

  std::vector<std::string> callsStartingWith(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& c : calls) {
      if (c.rfind(prefix, 0) == 0) out.push_back(c);
    }
    return out;
  }

  kube::ApiResult<doc::Value> get(const kube::Resource& r, const std::string& ns, const std::string& name) override {
    if (auto e = record("get", r.plural, ns, name)) return err(*e);
    auto it = objects.find(r.plural + " " + ns + "/" + name);
    if (it == objects.end()) return err(kube::errorFromResponse(404, ""));
    return it->second;
  }
  kube::ApiResult<kube::ListPage> list(const kube::Resource&, const std::string&, const kube::ListOptions&) override {
    return err(kube::errorFromResponse(501, ""));
  }
  kube::ApiResult<doc::Value> create(const kube::Resource& r, const std::string& ns, const doc::Value& object,
                                     const kube::WriteOptions&) override {
    if (auto e = record("create", r.plural, ns, nameOf(object))) return err(*e);
    doc::Value out = object;
    out.find("metadata")->put("uid", "uid-" + nameOf(object));
    out.find("metadata")->put("resourceVersion", std::to_string(++version_));
    return out;
  }
  kube::ApiResult<doc::Value> update(const kube::Resource& r, const std::string& ns, const doc::Value& object,
                                     const kube::WriteOptions& options) override {
    std::string plural = options.subresource.empty() ? r.plural : r.plural + "/" + options.subresource;
    if (auto e = record("update", plural, ns, nameOf(object))) return err(*e);
    if (options.subresource == "status") statuses[ns + "/" + nameOf(object)] = *object.find("status");
    doc::Value out = object;
    out.find("metadata")->put("resourceVersion", std::to_string(++version_));
    return out;
  }
  kube::ApiResult<doc::Value> patch(const kube::Resource&, const std::string&, const std::string&, kube::PatchType,
                                    const doc::Value&, const kube::WriteOptions&) override {
    return err(kube::errorFromResponse(501, ""));
  }
  kube::ApiResult<Unit> remove(const kube::Resource& r, const std::string& ns, const std::string& name,
                               const kube::DeleteOptions&) override {
    if (auto e = record("delete", r.plural, ns, name)) return err(*e);
    return Unit{};
  }
  kube::ApiResult<Unit> watch(const kube::Resource&, const std::string&, const kube::WatchOptions&,
                              const std::function<bool(kube::WatchEvent&&)>&, const std::atomic<bool>*) override {
    return err(kube::errorFromResponse(501, ""));
  }

 private:
  static std::string nameOf(const doc::Value& object) {
    const doc::Value* meta = object.find("metadata");
    const doc::Value* name = meta != nullptr ? meta->find("name") : nullptr;
    return name != nullptr ? name->text() : std::string();
  }
  std::optional<kube::ApiError> record(const char* verb, const std::string& plural, const std::string& ns,
                                       const std::string& name) {
    std::string call = std::string(verb) + " " + plural + " " + ns + "/" + name;
    calls.push_back(call);
    auto it = failures.find(call);
    if (it == failures.end()) return std::nullopt;
    return it->second;
  }

  int version_ = 100;
};

}  // namespace mb::controller::testing

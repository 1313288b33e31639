// A Client that answers 501 Not Implemented to everything: the unit tests of
// the kube ring override only the calls the class under test makes, so an
// unexpected call shows up as a failure rather than as a silent success.
#pragma once

#include "kube/client.h"

namespace mb::kube::test {

class UnimplementedClient : public Client {
 public:
  ApiResult<document::Value> get(const Resource&, const std::string&, const std::string&) override {
    return err(errorFromResponse(501, ""));
  }
  ApiResult<ListPage> list(const Resource&, const std::string&, const ListOptions&) override {
    return err(errorFromResponse(501, ""));
  }
  ApiResult<document::Value> create(const Resource&, const std::string&, const document::Value&,
                                    const WriteOptions&) override {
    return err(errorFromResponse(501, ""));
  }
  ApiResult<document::Value> update(const Resource&, const std::string&, const document::Value&,
                                    const WriteOptions&) override {
    return err(errorFromResponse(501, ""));
  }
  ApiResult<document::Value> patch(const Resource&, const std::string&, const std::string&, PatchType,
                                   const document::Value&, const WriteOptions&) override {
    return err(errorFromResponse(501, ""));
  }
  ApiResult<Unit> remove(const Resource&, const std::string&, const std::string&, const DeleteOptions&) override {
    return err(errorFromResponse(501, ""));
  }
  ApiResult<Unit> watch(const Resource&, const std::string&, const WatchOptions&,
                        const std::function<bool(WatchEvent&&)>&, const std::atomic<bool>*) override {
    return err(errorFromResponse(501, ""));
  }
  ApiResult<std::vector<ApiResource>> serverResources(const std::string&, const std::string&) override {
    return err(errorFromResponse(404, ""));
  }
};

}  // namespace mb::kube::test

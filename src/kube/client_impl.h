// Client over libcurl: pooled easy handles (keep-alive connection reuse),
// TLS from PEM blobs, bearer tokens fetched per request (they rotate),
// client-side rate limiting and request metrics by verb and code.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kube/client.h"

namespace mb::kube {

struct ClientOptions {
  std::string server;  // https://host:port
  std::string caPem;
  bool insecureSkipTlsVerify = false;
  std::string clientCertPem;
  std::string clientKeyPem;
  std::function<std::string()> bearerToken;  // empty function or "" = none
  std::string userAgent = "modelbooster";
  std::chrono::milliseconds requestTimeout{30000};
  std::chrono::milliseconds connectTimeout{10000};
  // Called before every request; blocks to honour --kube-api-qps/burst.
  std::function<void()> throttle;
  // Called after every request with verb and HTTP code (0 = no response).
  std::function<void(const std::string& verb, int code)> onRequest;
};

class ClientImpl : public Client {
 public:
  explicit ClientImpl(ClientOptions options);
  ~ClientImpl() override;
  ClientImpl(const ClientImpl&) = delete;
  ClientImpl& operator=(const ClientImpl&) = delete;

  ApiResult<document::Value> get(const Resource& r, const std::string& ns, const std::string& name) override;
  ApiResult<ListPage> list(const Resource& r, const std::string& ns, const ListOptions& options) override;
  ApiResult<document::Value> create(const Resource& r, const std::string& ns, const document::Value& object,
                                    const WriteOptions& options) override;
  ApiResult<document::Value> update(const Resource& r, const std::string& ns, const document::Value& object,
                                    const WriteOptions& options) override;
  ApiResult<document::Value> patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                                   const document::Value& body, const WriteOptions& options) override;
  ApiResult<Unit> remove(const Resource& r, const std::string& ns, const std::string& name,
                         const DeleteOptions& options) override;
  ApiResult<Unit> watch(const Resource& r, const std::string& ns, const WatchOptions& options,
                        const std::function<bool(WatchEvent&&)>& onEvent, const std::atomic<bool>* stop) override;
  ApiResult<std::vector<ApiResource>> serverResources(const std::string& group, const std::string& version) override;

  struct Request;
  struct Response {
    int status = 0;
    std::string body;
    std::optional<std::chrono::seconds> retryAfter;
  };

 private:
  class Handle;
  std::unique_ptr<Handle> acquire();
  void release(std::unique_ptr<Handle> handle);
  ApiResult<Response> perform(const Request& request);
  ApiResult<document::Value> objectResult(ApiResult<Response> response);

  ClientOptions options_;
  std::mutex poolMutex_;
  std::vector<std::unique_ptr<Handle>> pool_;  // idle handles, guarded by poolMutex_
};

// Builds a query string ("?a=b&c=d", values escaped); empty when no params.
std::string queryString(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace mb::kube

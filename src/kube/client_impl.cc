#include "kube/client_impl.h"

#include <curl/curl.h>

#include <charconv>
#include <cstring>

#include "document/parse.h"
#include "kube/watch_decoder.h"

namespace mb::kube {

struct ClientImpl::Request {
  Request(std::string v, std::string m, std::string p, std::string b = {})
      : verb(std::move(v)), method(std::move(m)), path(std::move(p)), body(std::move(b)) {}
  std::string verb;    // for metrics: get, list, create, update, patch, delete, watch
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string path;
  std::string body;
  std::string contentType = "application/json";
  bool watch = false;
  std::chrono::milliseconds timeout{0};  // 0: the client's default
  // For streaming: called with each chunk; return false to stop.
  std::function<bool(std::string_view)> onData;
  const std::atomic<bool>* stop = nullptr;
};

namespace {

// libcurl must be initialised once per process before any thread uses it.
struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

void ensureCurl() { static CurlGlobal global; }

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

struct Transfer {
  std::string body;
  std::optional<std::chrono::seconds> retryAfter;
  const std::function<bool(std::string_view)>* onData = nullptr;
  const std::atomic<bool>* stop = nullptr;
  bool stoppedByCallback = false;
};

size_t onWrite(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->onData != nullptr && *t->onData) {
    if (!(*t->onData)(std::string_view(data, n))) {
      t->stoppedByCallback = true;
      return 0;  // aborts the transfer
    }
    return n;
  }
  t->body.append(data, n);
  return n;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  constexpr std::string_view kRetry = "retry-after:";
  if (line.size() > kRetry.size()) {
    bool match = true;
    for (size_t i = 0; i < kRetry.size() && match; ++i) {
      match = static_cast<char>(std::tolower(static_cast<unsigned char>(line[i]))) == kRetry[i];
    }
    if (match) {
      std::string_view v = line.substr(kRetry.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      int64_t seconds = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
      if (ec == std::errc()) t->retryAfter = std::chrono::seconds(seconds);
    }
  }
  return n;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return (t->stop != nullptr && t->stop->load()) ? 1 : 0;
}

curl_blob blob(const std::string& pem) {
  curl_blob b{};
  b.data = const_cast<char*>(pem.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast): copied by curl
  b.len = pem.size();
  b.flags = CURL_BLOB_COPY;
  return b;
}

}  // namespace

// One curl easy handle with its connection cache; reused across requests so
// keep-alive connections (and TLS sessions) are reused.
class ClientImpl::Handle {
 public:
  explicit Handle(const ClientOptions& o) : curl_(curl_easy_init()) {
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_USERAGENT, o.userAgent.c_str());
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connectTimeout.count()));
    curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
    if (!o.caPem.empty()) {
      curl_blob ca = blob(o.caPem);
      curl_easy_setopt(curl_, CURLOPT_CAINFO_BLOB, &ca);
    }
    if (o.insecureSkipTlsVerify) {
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!o.clientCertPem.empty()) {
      curl_blob cert = blob(o.clientCertPem);
      curl_blob key = blob(o.clientKeyPem);
      curl_easy_setopt(curl_, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(curl_, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(curl_, CURLOPT_SSLKEY_BLOB, &key);
      curl_easy_setopt(curl_, CURLOPT_SSLKEYTYPE, "PEM");
    }
  }
  ~Handle() { curl_easy_cleanup(curl_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  CURL* get() const { return curl_; }

 private:
  CURL* curl_;
};

ClientImpl::ClientImpl(ClientOptions options) : options_(std::move(options)) {
  ensureCurl();
  while (!options_.server.empty() && options_.server.back() == '/') options_.server.pop_back();
}

ClientImpl::~ClientImpl() = default;

std::unique_ptr<ClientImpl::Handle> ClientImpl::acquire() {
  {
    std::lock_guard<std::mutex> lock(poolMutex_);
    if (!pool_.empty()) {
      auto h = std::move(pool_.back());
      pool_.pop_back();
      return h;
    }
  }
  return std::make_unique<Handle>(options_);
}

void ClientImpl::release(std::unique_ptr<Handle> handle) {
  std::lock_guard<std::mutex> lock(poolMutex_);
  if (pool_.size() < 16) pool_.push_back(std::move(handle));
}

ApiResult<ClientImpl::Response> ClientImpl::perform(const Request& request) {
  if (options_.throttle) options_.throttle();
  std::unique_ptr<Handle> handle = acquire();
  CURL* c = handle->get();
  std::string url = options_.server + request.path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(c, CURLOPT_NOBODY, request.method == "HEAD" ? 1L : 0L);
  if (request.method == "GET") curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  if (!request.body.empty()) headers = curl_slist_append(headers, ("Content-Type: " + request.contentType).c_str());
  if (options_.bearerToken) {
    std::string token = options_.bearerToken();
    if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

  Transfer t;
  t.onData = request.onData ? &request.onData : nullptr;
  t.stop = request.stop;
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, onProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, request.stop != nullptr ? 0L : 1L);
  auto timeout = request.timeout.count() > 0 ? request.timeout : options_.requestTimeout;
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));

  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, nullptr);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (options_.onRequest)
    options_.onRequest(request.verb, rc == CURLE_OK || t.stoppedByCallback ? static_cast<int>(status) : 0);

  bool stopped = t.stoppedByCallback || (rc == CURLE_ABORTED_BY_CALLBACK);
  if (rc != CURLE_OK && !stopped) {
    std::string what = std::string(curl_easy_strerror(rc)) + " (" + request.method + " " + url + ")";
    // A failed handle may hold a broken connection: do not pool it.
    if (rc == CURLE_OPERATION_TIMEDOUT) return err(timeoutError("request timed out: " + what));
    return err(connectionError(what));
  }
  release(std::move(handle));
  Response response;
  response.status = static_cast<int>(status);
  response.body = std::move(t.body);
  response.retryAfter = t.retryAfter;
  if (!stopped && (status < 200 || status >= 300)) {
    ApiError e = errorFromResponse(response.status, response.body);
    if (response.retryAfter && !e.retryAfter) e.retryAfter = response.retryAfter;
    return err(std::move(e));
  }
  return response;
}

ApiResult<document::Value> ClientImpl::objectResult(ApiResult<Response> response) {
  if (!response) return err(std::move(response).error());
  document::Value v;
  document::ParseError parseError;
  if (!document::parseJson(response->body, v, parseError)) {
    ApiError e;
    e.kind = ErrorKind::Other;
    e.httpStatus = response->status;
    e.message = "response is not JSON: " + parseError.str();
    return err(std::move(e));
  }
  return v;
}

std::string queryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    q += q.empty() ? "?" : "&";
    q += escape(k) + "=" + escape(v);
  }
  return q;
}

namespace {

std::string nameOf(const document::Value& object) {
  const document::Value* meta = object.find("metadata");
  const document::Value* name = meta != nullptr ? meta->find("name") : nullptr;
  return name != nullptr && name->isString() ? name->text() : std::string();
}

void addWriteParams(const WriteOptions& o, std::vector<std::pair<std::string, std::string>>& params) {
  if (!o.fieldManager.empty()) params.emplace_back("fieldManager", o.fieldManager);
  if (o.dryRun) params.emplace_back("dryRun", "All");
}

}  // namespace

ApiResult<document::Value> ClientImpl::get(const Resource& r, const std::string& ns, const std::string& name) {
  Request req{"get", "GET", r.path(ns, name)};
  return objectResult(perform(req));
}

ApiResult<ListPage> ClientImpl::list(const Resource& r, const std::string& ns, const ListOptions& o) {
  std::vector<std::pair<std::string, std::string>> params;
  if (!o.labelSelector.empty()) params.emplace_back("labelSelector", o.labelSelector);
  if (!o.fieldSelector.empty()) params.emplace_back("fieldSelector", o.fieldSelector);
  if (o.limit > 0) params.emplace_back("limit", std::to_string(o.limit));
  if (!o.continueToken.empty()) params.emplace_back("continue", o.continueToken);
  if (!o.resourceVersion.empty()) params.emplace_back("resourceVersion", o.resourceVersion);
  Request req{"list", "GET", r.path(ns) + queryString(params)};
  auto v = objectResult(perform(req));
  if (!v) return err(std::move(v).error());
  ListPage page;
  // Non-const, so the items are moved out rather than copied.
  if (document::Value* items = v->find("items"); items != nullptr && items->isArray()) {
    page.items = std::move(items->items());
  }
  if (const document::Value* meta = v->find("metadata")) {
    if (const document::Value* rv = meta->find("resourceVersion"); rv != nullptr && rv->isString()) {
      page.resourceVersion = rv->text();
    }
    if (const document::Value* cont = meta->find("continue"); cont != nullptr && cont->isString()) {
      page.continueToken = cont->text();
    }
  }
  return page;
}

ApiResult<document::Value> ClientImpl::create(const Resource& r, const std::string& ns, const document::Value& object,
                                              const WriteOptions& o) {
  std::vector<std::pair<std::string, std::string>> params;
  addWriteParams(o, params);
  // A subresource create (serviceaccounts/NAME/token) names its parent.
  std::string name = o.subresource.empty() ? std::string() : nameOf(object);
  Request req{"create", "POST", r.path(ns, name, o.subresource) + queryString(params), document::toJson(object)};
  return objectResult(perform(req));
}

ApiResult<document::Value> ClientImpl::update(const Resource& r, const std::string& ns, const document::Value& object,
                                              const WriteOptions& o) {
  std::vector<std::pair<std::string, std::string>> params;
  addWriteParams(o, params);
  Request req{o.subresource == "status" ? "update_status" : "update", "PUT",
              r.path(ns, nameOf(object), o.subresource) + queryString(params), document::toJson(object)};
  return objectResult(perform(req));
}

ApiResult<document::Value> ClientImpl::patch(const Resource& r, const std::string& ns, const std::string& name,
                                             PatchType type, const document::Value& body, const WriteOptions& o) {
  std::vector<std::pair<std::string, std::string>> params;
  addWriteParams(o, params);
  if (type == PatchType::Apply && o.force) params.emplace_back("force", "true");
  Request req{type == PatchType::Apply ? "apply" : "patch", "PATCH",
              r.path(ns, name, o.subresource) + queryString(params), document::toJson(body)};
  req.contentType = type == PatchType::Apply ? "application/apply-patch+yaml" : "application/merge-patch+json";
  return objectResult(perform(req));
}

ApiResult<Unit> ClientImpl::remove(const Resource& r, const std::string& ns, const std::string& name,
                                   const DeleteOptions& o) {
  document::Value body = document::Value::object({{"apiVersion", "v1"}, {"kind", "DeleteOptions"}});
  if (!o.propagationPolicy.empty()) body.set("propagationPolicy", o.propagationPolicy);
  if (!o.preconditionUid.empty() || !o.preconditionResourceVersion.empty()) {
    document::Value pre = document::Value::object();
    if (!o.preconditionUid.empty()) pre.set("uid", o.preconditionUid);
    if (!o.preconditionResourceVersion.empty()) pre.set("resourceVersion", o.preconditionResourceVersion);
    body.set("preconditions", std::move(pre));
  }
  Request req{"delete", "DELETE", r.path(ns, name), document::toJson(body)};
  auto response = perform(req);
  if (!response) return err(std::move(response).error());
  return Unit{};
}

ApiResult<Unit> ClientImpl::watch(const Resource& r, const std::string& ns, const WatchOptions& o,
                                  const std::function<bool(WatchEvent&&)>& onEvent, const std::atomic<bool>* stop) {
  std::vector<std::pair<std::string, std::string>> params = {{"watch", "1"}};
  if (!o.labelSelector.empty()) params.emplace_back("labelSelector", o.labelSelector);
  if (!o.fieldSelector.empty()) params.emplace_back("fieldSelector", o.fieldSelector);
  if (!o.resourceVersion.empty()) params.emplace_back("resourceVersion", o.resourceVersion);
  if (o.allowWatchBookmarks) params.emplace_back("allowWatchBookmarks", "true");
  params.emplace_back("timeoutSeconds", std::to_string(o.timeoutSeconds));

  WatchDecoder decoder;
  auto onData = [&](std::string_view chunk) { return decoder.feed(chunk, onEvent); };
  Request req{"watch", "GET", r.path(ns) + queryString(params)};
  req.watch = true;
  req.onData = onData;
  req.stop = stop;
  req.timeout = std::chrono::seconds(o.timeoutSeconds + 30);
  auto response = perform(req);
  if (decoder.error()) return err(*decoder.error());
  if (!response) return err(std::move(response).error());
  return Unit{};
}

ApiResult<std::vector<ApiResource>> ClientImpl::serverResources(const std::string& group, const std::string& version) {
  Request req{"get", "GET", group.empty() ? "/api/" + version : "/apis/" + group + "/" + version};
  auto v = objectResult(perform(req));
  if (!v) return err(std::move(v).error());
  std::vector<ApiResource> out;
  const document::Value* resources = v->find("resources");
  if (resources == nullptr || !resources->isArray()) return out;
  for (const auto& r : resources->items()) {
    ApiResource a;
    if (const document::Value* name = r.find("name"); name != nullptr && name->isString()) a.name = name->text();
    if (const document::Value* kind = r.find("kind"); kind != nullptr && kind->isString()) a.kind = kind->text();
    if (const document::Value* ns = r.find("namespaced"); ns != nullptr && ns->isBool()) a.namespaced = ns->asBool();
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace mb::kube

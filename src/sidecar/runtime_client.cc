#include "sidecar/runtime_client.h"

#include <curl/curl.h>

#include <mutex>

#include "document/parse.h"
#include "document/value.h"

namespace mb::sidecar {

std::string loadRequestBody(const core::DesiredAdapter& adapter) {
  return document::toJson(document::Value::object({{"lora_name", adapter.name},
                                                   {"source", adapter.source},
                                                   {"output_dir", adapter.outputDir},
                                                   {"async_download", document::Value::boolean(false)}}));
}

std::string unloadRequestBody(std::string_view name) {
  return document::toJson(document::Value::object({{"lora_name", std::string(name)}}));
}

namespace {

// IPv6 pod addresses go in brackets in a URL.
std::string hostPort(const std::string& ip, int32_t port) {
  std::string host = ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
  return "http://" + host + ":" + std::to_string(port);
}

size_t appendBody(char* data, size_t size, size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  // An answer this large is not one of these APIs': stop reading.
  if (body->size() + size * count > (4U << 20U)) return 0;
  body->append(data, size * count);
  return size * count;
}

struct Answer {
  long status = 0;
  std::string body;
};

class CurlRuntimeClient final : public RuntimeClient {
 public:
  explicit CurlRuntimeClient(RuntimeClientTimeouts t) : timeouts_(t) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Result<std::vector<core::ServedModel>, CallError> listModels(const PodEndpoint& pod) override {
    std::string url = hostPort(pod.ip, pod.enginePort) + "/v1/models";
    auto answer = call("GET", url, "", timeouts_.list);
    if (!answer) return err(std::move(answer).error());
    std::string why;
    auto models = core::parseModelList(answer->body, why);
    if (!models) return err(CallError{"GET " + url + ": " + why, answer->status, false});
    return std::move(*models);
  }

  Result<Unit, CallError> load(const PodEndpoint& pod, const core::DesiredAdapter& adapter) override {
    auto answer = call("POST", hostPort(pod.ip, pod.runtimePort) + "/v1/load_lora_adapter", loadRequestBody(adapter),
                       timeouts_.load);
    if (!answer) return err(std::move(answer).error());
    return Unit{};
  }

  Result<Unit, CallError> unload(const PodEndpoint& pod, std::string_view name) override {
    auto answer = call("POST", hostPort(pod.ip, pod.runtimePort) + "/v1/unload_lora_adapter", unloadRequestBody(name),
                       timeouts_.unload);
    if (!answer) return err(std::move(answer).error());
    return Unit{};
  }

 private:
  // A 2xx answer, or a CallError saying what happened instead.
  Result<Answer, CallError> call(const char* method, const std::string& url, const std::string& body,
                                 std::chrono::milliseconds timeout) const {
    CURL* c = curl_easy_init();
    if (c == nullptr) return err(CallError{std::string(method) + " " + url + ": libcurl could not start", 0, false});
    Answer answer;
    curl_slist* headers = nullptr;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts_.connect.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, appendBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer.body);
    if (std::string_view(method) == "POST") {
      headers = curl_slist_append(headers, "Content-Type: application/json");
      curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    std::string what = std::string(method) + " " + url;
    if (rc != CURLE_OK) {
      bool timedOut = rc == CURLE_OPERATION_TIMEDOUT;
      return err(CallError{what + ": " +
                               (timedOut ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                         : std::string(curl_easy_strerror(rc))),
                           0, timedOut});
    }
    if (answer.status < 200 || answer.status > 299) {
      std::string detail = answer.body.substr(0, 300);
      return err(CallError{what + ": HTTP " + std::to_string(answer.status) + (detail.empty() ? "" : ": " + detail),
                           answer.status, false});
    }
    return answer;
  }

  RuntimeClientTimeouts timeouts_;
};

}  // namespace

std::unique_ptr<RuntimeClient> makeCurlRuntimeClient(RuntimeClientTimeouts timeouts) {
  return std::make_unique<CurlRuntimeClient>(timeouts);
}

}  // namespace mb::sidecar

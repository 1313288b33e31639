// libcurl as the test's HTTP client: one easy handle keeps its connection
// between requests, as Go's client does for the API server.
#pragma once

#include <curl/curl.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace mb::http::test {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

struct CurlResult {
  CURLcode code = CURLE_OK;
  long status = 0;    // NOLINT(google-runtime-int): libcurl's type
  long connects = 0;  // NOLINT(google-runtime-int): new connections this request made
  std::string body;
  std::string headers;
  std::string error;
};

class Curl {
 public:
  // `caFile` empty: plain HTTP.
  explicit Curl(const std::string& caFile = "") {
    static CurlGlobal global;
    handle_ = curl_easy_init();
    if (handle_ == nullptr) throw std::runtime_error("curl_easy_init failed");
    curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(handle_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));  // NOLINT
    if (!caFile.empty()) {
      curl_easy_setopt(handle_, CURLOPT_CAINFO, caFile.c_str());
      curl_easy_setopt(handle_, CURLOPT_CAPATH, nullptr);
    }
    curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &Curl::append);
    curl_easy_setopt(handle_, CURLOPT_HEADERFUNCTION, &Curl::append);
    curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, errorBuffer_);
  }
  ~Curl() { curl_easy_cleanup(handle_); }
  Curl(const Curl&) = delete;
  Curl& operator=(const Curl&) = delete;

  // `method` "POST" sends `body`; "GET" sends none; anything else is sent
  // as a custom method with `body`.
  CurlResult request(const std::string& url, const std::string& method, const std::string& body,
                     const std::vector<std::string>& headers = {}) {
    CurlResult out;
    errorBuffer_[0] = '\0';
    curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(handle_, CURLOPT_HEADERDATA, &out.headers);
    if (method == "GET") {
      curl_easy_setopt(handle_, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, nullptr);
    } else {
      curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, method == "POST" ? nullptr : method.c_str());
    }
    curl_slist* list = nullptr;
    for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, list);
    out.code = curl_easy_perform(handle_);
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(list);
    curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &out.status);
    curl_easy_getinfo(handle_, CURLINFO_NUM_CONNECTS, &out.connects);
    out.error = errorBuffer_[0] != '\0' ? errorBuffer_ : curl_easy_strerror(out.code);
    return out;
  }

  CurlResult post(const std::string& url, const std::string& body, const std::vector<std::string>& headers = {}) {
    return request(url, "POST", body, headers);
  }

 private:
  static size_t append(char* data, size_t size, size_t count, void* target) {
    static_cast<std::string*>(target)->append(data, size * count);
    return size * count;
  }

  CURL* handle_ = nullptr;
  char errorBuffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace mb::http::test

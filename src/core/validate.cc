#include "core/validate.h"

#include <charconv>
#include <map>
#include <set>
#include <string>

#include <re2/re2.h>

#include "core/rules.h"

namespace mb::core {
namespace {

const std::set<std::string, std::less<>> kBackendTypes = {"vLLM", "vLLMDisaggregated", "SGLang", "MindIE",
                                                          "MindIEDisaggregated"};
const std::set<std::string, std::less<>> kWorkerTypes = {"server", "prefill", "decode", "controller", "coordinator"};

// Flags the conversion sets itself; a user value would be silently
// overridden or would break the pod (a second --port, another --model).
const std::set<std::string, std::less<>> kReservedVllm = {
    "--model", "--port", "--kv-events-config", "--enable-lora", "--lora-modules", "--distributed-executor-backend"};
const std::set<std::string, std::less<>> kReservedSglang = {
    "--model-path", "--host", "--port", "--nnodes", "--node-rank", "--dist-init-addr", "--enable-lora", "--lora-paths"};

bool hasWhitespace(std::string_view s) {
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return true;
  }
  return false;
}

void checkRange(document::Errors& errors, const document::Path& path, const std::optional<int32_t>& v, int64_t min,
                int64_t max, document::Mark mark) {
  if (v && (*v < min || *v > max)) {
    errors.add(path,
               "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " + std::to_string(*v),
               mark);
  }
}

void checkDuration(document::Errors& errors, const document::Path& path, const std::optional<std::string>& v,
                   document::Mark mark) {
  if (v && !parseDuration(*v)) {
    errors.add(path, "must be a duration such as \"30s\", \"5m\" or \"1h30m\", not \"" + *v + "\"", mark);
  }
}

// pvc://<claim>[/<path>]: a claim name that is a DNS subdomain and a path
// without `..` segments, so a booster cannot climb out of its claim.
void checkPvcUri(document::Errors& errors, const document::Path& path, std::string_view uri, document::Mark mark) {
  std::string_view rest = uri.substr(6);
  size_t slash = rest.find('/');
  std::string_view claim = rest.substr(0, slash);
  if (claim.empty()) {
    errors.add(path, "pvc:// needs a claim name: pvc://<claim>[/<path>]", mark);
    return;
  }
  for (char c : claim) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
      errors.add(path,
                 "the claim name \"" + std::string(claim) + "\" must be a lower-case DNS name (a-z, 0-9, '-', '.')",
                 mark);
      return;
    }
  }
  if (slash == std::string_view::npos) return;
  std::string_view sub = rest.substr(slash + 1);
  if (!sub.empty() && sub.front() == '/') {
    // It would become an absolute volume subPath, which the API rejects.
    errors.add(
        path,
        "the path inside the claim must be relative: write pvc://" + std::string(claim) + "/" +
            std::string(sub.substr(sub.find_first_not_of('/') == std::string_view::npos ? sub.size()
                                                                                        : sub.find_first_not_of('/'))) +
            " (one '/' after the claim name)",
        mark);
    return;
  }
  size_t start = 0;
  while (start <= sub.size()) {
    size_t end = sub.find('/', start);
    if (end == std::string_view::npos) end = sub.size();
    if (sub.substr(start, end - start) == "..") {
      errors.add(path, "a pvc:// path must not contain \"..\" segments", mark);
      return;
    }
    start = end + 1;
  }
}

void checkModelUri(document::Errors& errors, const document::Path& path, const std::string& uri, document::Mark mark) {
  if (uri.empty()) {
    errors.add(path, "is required: where to download the model from (hf://, s3://, pvc:// or ms://)", mark);
    return;
  }
  bool known = false;
  for (const char* scheme : {"hf://", "s3://", "pvc://", "ms://"}) {
    if (uri.rfind(scheme, 0) == 0 && uri.size() > std::string_view(scheme).size()) known = true;
  }
  if (!known) {
    errors.add(path, "\"" + uri + "\" must start with hf://, s3://, pvc:// or ms:// and name a model", mark);
    return;
  }
  if (uri.rfind("pvc://", 0) == 0) checkPvcUri(errors, path, uri, mark);
}

void checkCacheUri(document::Errors& errors, const document::Path& path, const std::string& uri, document::Mark mark) {
  if (uri.empty()) return;
  if (uri.rfind("hostpath://", 0) == 0 && uri.size() > 11) {
    // hostpath://tmp/test means /tmp/test, as Kthena v1.0 reads it
    // (rules.cc, docs/deviations.md 28).
    std::string absolute = uri.substr(11);
    if (absolute.front() != '/') absolute.insert(0, "/");
    std::string_view p = absolute;
    if (p.find("/../") != std::string_view::npos || p.ends_with("/..")) {
      errors.add(path, "a hostpath:// path must not contain \"..\" segments", mark);
    } else if (p.find_first_not_of('/') == std::string_view::npos) {
      errors.add(path,
                 "hostpath:/// would mount the node's root directory; name a directory such as "
                 "hostpath:///mnt/models",
                 mark);
    }
    return;
  }
  if (uri.rfind("pvc://", 0) == 0 && uri.size() > 6) {
    checkPvcUri(errors, path, uri, mark);
    return;
  }
  errors.add(path, "\"" + uri + "\" must start with hostpath:// or pvc:// and name a location", mark);
}

void checkPolicy(document::Errors& errors, const document::Path& path, const api::AutoscalingPolicySpec& p,
                 document::Mark mark) {
  checkRange(errors, path.child("tolerancePercent"), p.tolerancePercent, 0, 100, mark);
  if (p.metrics.empty()) {
    errors.add(path.child("metrics"),
               "needs at least one metric, e.g. {metricName: kthena:num_requests_waiting, "
               "targetValue: 10}",
               mark);
  }
  for (size_t i = 0; i < p.metrics.size(); ++i) {
    const auto& m = p.metrics[i];
    document::Path metricsPath = path.child("metrics");
    document::Path mp = metricsPath.index(i);
    if (m.metricName.empty()) errors.add(mp.child("metricName"), "is required", mark);
    if (m.targetValue.isNull()) errors.add(mp.child("targetValue"), "is required", mark);
  }
  if (!p.behavior) return;
  document::Path bp = path.child("behavior");
  auto stable = [&](const document::Path& sp, const api::StablePolicy& s) {
    checkRange(errors, sp.child("instances"), s.instances, 0, INT32_MAX, mark);
    checkRange(errors, sp.child("percent"), s.percent, 0, 1000, mark);
    checkDuration(errors, sp.child("period"), s.period, mark);
    checkDuration(errors, sp.child("stabilizationWindow"), s.stabilizationWindow, mark);
    if (s.selectPolicy && *s.selectPolicy != "Or" && *s.selectPolicy != "And") {
      errors.add(sp.child("selectPolicy"), "must be Or or And, not \"" + *s.selectPolicy + "\"", mark);
    }
  };
  if (const auto& up = p.behavior->scaleUp) {
    document::Path up_path = bp.child("scaleUp");
    if (up->stablePolicy) stable(up_path.child("stablePolicy"), *up->stablePolicy);
    if (const auto& panic = up->panicPolicy) {
      document::Path pp = up_path.child("panicPolicy");
      checkRange(errors, pp.child("percent"), panic->percent, 0, 1000, mark);
      checkRange(errors, pp.child("panicThresholdPercent"), panic->panicThresholdPercent, 110, 1000, mark);
      checkDuration(errors, pp.child("period"), panic->period, mark);
      checkDuration(errors, pp.child("panicModeHold"), panic->panicModeHold, mark);
      if (!panic->period) errors.add(pp.child("period"), "is required, e.g. \"10s\"", mark);
    }
  }
  if (p.behavior->scaleDown) stable(bp.child("scaleDown"), *p.behavior->scaleDown);
}

// The router compiles header and uri regexes with Go's regexp, whose
// syntax is RE2's; v1.0's router webhook refuses a route whose regex does
// not compile, and v0.1's router would fail to match it at request time.
void checkRegex(document::Errors& errors, const document::Path& path, const document::Value& v) {
  if (!v.isString()) return;
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(v.text(), options);
  if (!re.ok()) errors.add(path, "is not a valid regular expression (RE2 syntax): " + re.error(), v.mark());
}

void checkStringMatch(document::Errors& errors, const document::Path& path, const document::Value& v) {
  if (!v.isObject()) {
    errors.add(path, "must be an object with exactly one of exact, prefix or regex", v.mark());
    return;
  }
  int set = 0;
  for (const auto& m : v.members()) {
    if (m.key == "exact" || m.key == "prefix" || m.key == "regex") {
      ++set;
      if (!m.value.isString()) {
        errors.add(path.child(m.key), "must be a string", m.value.mark());
      } else if (m.key == "regex") {
        checkRegex(errors, path.child(m.key), m.value);
      }
    } else {
      errors.add(path.child(m.key), "unknown field; allowed: exact, prefix, regex", m.value.mark());
    }
  }
  if (set != 1) errors.add(path, "must set exactly one of exact, prefix or regex", v.mark());
}

void checkModelMatch(document::Errors& errors, const document::Path& path, const document::Value& mm) {
  if (mm.isNull()) return;
  for (const auto& m : mm.members()) {
    document::Path p = path.child(m.key);
    if (m.key == "headers") {
      if (!m.value.isObject()) {
        errors.add(p, "must be a map of header name to {exact|prefix|regex}", m.value.mark());
        continue;
      }
      for (const auto& h : m.value.members()) checkStringMatch(errors, p.child(h.key), h.value);
    } else if (m.key == "uri") {
      checkStringMatch(errors, p, m.value);
    } else if (m.key == "body") {
      const document::Value* model = m.value.find("model");
      if (!m.value.isObject() || m.value.members().size() != 1 || model == nullptr || !model->isString()) {
        errors.add(p, "must be {model: <name>}", m.value.mark());
      }
    } else {
      errors.add(p, "unknown field; allowed: headers, uri, body", m.value.mark());
    }
  }
}

// Worker roles allowed per backend type, as docs/conversion.md lists them.
void checkWorkerTypes(document::Errors& errors, const document::Path& path, const api::Backend& b) {
  std::map<std::string, int> count;
  for (const auto& w : b.workers) count[w.type]++;
  auto only = [&](std::initializer_list<const char*> allowed) {
    for (size_t i = 0; i < b.workers.size(); ++i) {
      const std::string& t = b.workers[i].type;
      if (!kWorkerTypes.contains(t)) continue;  // reported as an enum error already
      bool ok = false;
      for (const char* a : allowed) ok = ok || t == a;
      if (!ok) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        document::Path workers = path.child("workers");
        document::Path worker = workers.index(i);
        std::string message = "\"" + t + "\" is not allowed for a ";
        message.append(b.type).append(" backend; allowed: ").append(list);
        errors.add(worker.child("type"), message, b.workers[i].mark);
      }
    }
  };
  if (b.type == "vLLM" || b.type == "SGLang" || b.type == "MindIE") {
    only({"server"});
    if (b.workers.size() != 1) {
      errors.add(
          path.child("workers"),
          "a " + b.type + " backend needs exactly one worker of type server, not " + std::to_string(b.workers.size()),
          b.mark);
    }
  } else if (b.type == "vLLMDisaggregated") {
    only({"prefill", "decode"});
    if (count["prefill"] != 1 || count["decode"] != 1 || b.workers.size() != 2) {
      errors.add(path.child("workers"), "a vLLMDisaggregated backend needs exactly one prefill and one decode worker",
                 b.mark);
    }
  } else if (b.type == "MindIEDisaggregated") {
    only({"prefill", "decode", "controller", "coordinator"});
  }
}

void checkConfig(document::Errors& errors, const document::Path& path, const api::Backend& b, const api::Worker& w) {
  if (w.config.isNull()) return;
  const auto& reserved = b.type == "SGLang" ? kReservedSglang : kReservedVllm;
  std::set<std::string> flags;
  for (const auto& m : w.config.members()) {
    document::Path p = path.child(m.key);
    if (!isFlagName(m.key)) {
      errors.add(p,
                 "\"" + m.key +
                     "\" is not a flag name: use letters, digits, '-' and '_', starting with a letter "
                     "or digit",
                 m.value.mark());
      continue;
    }
    std::string flag = flagName(m.key);
    if (!flags.insert(flag).second) {
      errors.add(p, "sets " + flag + " a second time (keys differing only in '_' and '-' name the same flag)",
                 m.value.mark());
    }
    if (reserved.contains(flag)) {
      errors.add(p, flag + " is set by modelbooster from the backend's fields; remove it from config", m.value.mark());
    }
    if (m.value.isNull()) {
      errors.add(p, "has no value: write \"\" for a flag without an argument", m.value.mark());
    }
    if (flag == "--served-model-name" && !m.value.isNull() &&
        !((m.value.isString() || m.value.isNumber()) && !m.value.text().empty())) {
      errors.add(p,
                 "must be one model name (a non-empty string): the router sends every request under the "
                 "ModelServer's single model name",
                 m.value.mark());
    }
  }
}

// Every worker of a backend serves the name the ModelServer routes to: for
// prefill/decode, a request's prefill step goes out under the same name as
// its decode step.
void checkServedModelNames(document::Errors& errors, const document::Path& path, const api::Backend& b,
                           const std::string& modelName) {
  const std::string served = servedModelName(b, modelName);
  for (size_t i = 0; i < b.workers.size(); ++i) {
    const document::Value* v = configValue(b.workers[i], "served-model-name");
    if (v == nullptr || !(v->isString() || v->isNumber()) || v->text().empty() || v->text() == served) continue;
    document::Path workers = path.child("workers");
    document::Path worker = workers.index(i);
    document::Path config = worker.child("config");
    document::Path p = config.child("served-model-name");
    errors.add(p,
               "is \"" + v->text() + "\" but the backend serves \"" + served +
                   "\" (set by another worker): every worker of a backend must serve the same name",
               v->mark());
  }
}

void checkDisaggregated(document::Errors& errors, const document::Path& path, const api::Backend& b) {
  std::string seen;
  bool first = true;
  bool conflict = false;
  for (size_t i = 0; i < b.workers.size(); ++i) {
    const auto& w = b.workers[i];
    document::Path workers = path.child("workers");
    document::Path wp = workers.index(i);
    document::Path config = wp.child("config");
    if (w.pods && *w.pods > 1) {
      errors.add(wp.child("pods"),
                 "multi-node prefill/decode (pods > 1) is not supported yet; use pods: 1 and more "
                 "replicas",
                 w.mark);
    }
    std::string connector;
    if (!kvConnectorOf(w, connector)) {
      errors.add(config.child("kv-transfer-config"),
                 "must be a JSON object (or a string holding one) with a string kv_connector", w.mark);
      continue;
    }
    if (configValue(w, "kv-transfer-config") == nullptr) continue;
    if (!connector.empty() && kvConnectorType(connector).empty()) {
      errors.add(config.child("kv-transfer-config"),
                 "kv_connector \"" + connector +
                     "\" is not supported: the ModelServer's kvConnector, which tells the router how prefill "
                     "hands over to decode, names only mooncake, lmcache and nixl; use MooncakeConnector (or "
                     "MooncakeConnectorV1), LMCacheConnectorV1 or NixlConnector",
                 w.mark);
    }
    if (!first && connector != seen) conflict = true;
    seen = connector;
    first = false;
  }
  if (conflict) {
    errors.add(path.child("workers"), "prefill and decode must use the same kv_connector in kv-transfer-config",
               b.mark);
  }
}

// Devices (extended resources) cannot be overcommitted: the API server
// refuses a pod that requests a different amount than its limit.
void checkDeviceRequests(document::Errors& errors, const document::Path& path, const api::Worker& w) {
  const document::Value* requests = w.resources.find("requests");
  if (requests == nullptr || !requests->isObject()) return;
  const document::Value* limits = w.resources.find("limits");
  for (const auto& m : requests->members()) {
    if (m.key != "nvidia.com/gpu" && !m.key.view().starts_with("huawei.com/ascend-")) continue;
    // A request without a limit has been given one equal to it (defaults.cc).
    const document::Value* limit = limits != nullptr ? limits->find(m.key) : nullptr;
    document::Path resources = path.child("resources");
    document::Path section = resources.child("requests");
    if (limit != nullptr && wholeQuantity(m.value.text()) != wholeQuantity(limit->text())) {
      errors.add(section.child(m.key),
                 "a device request must equal its limit (" + limit->text() + "), not " + m.value.text(),
                 m.value.mark());
    }
  }
}

// Pod rules on tolerations the CRD's schema cannot express.
void checkTolerations(document::Errors& errors, const document::Path& path, const api::Worker& w) {
  if (!w.tolerations.isArray()) return;
  document::Path list = path.child("tolerations");
  for (size_t i = 0; i < w.tolerations.items().size(); ++i) {
    const document::Value& t = w.tolerations.items()[i];
    document::Path entry = list.index(i);
    const document::Value* op = t.find("operator");
    const document::Value* value = t.find("value");
    const document::Value* effect = t.find("effect");
    const document::Value* seconds = t.find("tolerationSeconds");
    if (op != nullptr && op->text() == "Exists" && value != nullptr && !value->text().empty()) {
      errors.add(entry.child("value"), "must be empty when operator is Exists", t.mark());
    }
    if (seconds != nullptr && seconds->isNumber() && (effect == nullptr || effect->text() != "NoExecute")) {
      errors.add(entry.child("tolerationSeconds"), "only applies to effect NoExecute", t.mark());
    }
  }
}

void checkWorker(document::Errors& errors, const document::Path& path, const api::Backend& b, const api::Worker& w) {
  if (!kWorkerTypes.contains(w.type)) {
    errors.add(path.child("type"),
               "\"" + w.type +
                   "\" is not a worker type; allowed: server, prefill, decode, "
                   "controller, coordinator",
               w.mark);
  }
  if (!w.image.empty() && hasWhitespace(w.image)) {
    errors.add(path.child("image"), "\"" + w.image + "\" must not contain whitespace", w.mark);
  }
  checkRange(errors, path.child("replicas"), w.replicas, 0, kMaxReplicas, w.mark);
  checkRange(errors, path.child("pods"), w.pods, 0, kMaxReplicas, w.mark);
  for (const char* section : {"limits", "requests"}) {
    const document::Value* map = w.resources.find(section);
    if (map == nullptr || !map->isObject()) continue;
    for (const auto& m : map->members()) {
      if (m.key != "nvidia.com/gpu" && !m.key.view().starts_with("huawei.com/ascend-")) continue;
      const std::string& t = m.value.text();
      bool whole = (m.value.isString() || m.value.isNumber()) && wholeQuantity(t).has_value();
      if (!whole) {
        document::Path resources = path.child("resources");
        document::Path sectionPath = resources.child(section);
        errors.add(sectionPath.child(m.key),
                   "device counts must be whole, non-negative numbers (such as 1 or 8), not \"" + t + "\"",
                   m.value.mark());
      }
    }
  }
  checkDeviceRequests(errors, path, w);
  checkTolerations(errors, path, w);
  checkConfig(errors, path.child("config"), b, w);
}

// The ModelServing controller derives names from the ModelServing's: every
// pod is labelled with its serving group `<ms>-<index>`, and a multi-node
// role gets a headless Service `<ms>-<index>-<role>-<role index>-0`. Both
// must be at most 63 characters, or the group's pods are never created.
void checkServingGroupNames(document::Errors& errors, const document::Path& path, const api::ModelBooster& booster,
                            const api::Backend& b, document::Mark mark) {
  const std::string serving = booster.metadata.name + "-" + b.name;
  if (serving.size() > kMaxLabelValue || !isDnsLabel(booster.metadata.name) || !isDnsLabel(b.name)) return;
  // True (and reported) when `derived`, described by `what`, is too long.
  auto tooLong = [&](const std::string& derived, const std::string& what) {
    if (derived.size() <= kMaxLabelValue) return false;
    errors.add(path.child("name"),
               "\"" + serving + "\" is too long for the names the ModelServing controller " +
                   "derives from it: " + what + " \"" + derived + "\" would be " + std::to_string(derived.size()) +
                   " characters (at most 63); shorten the booster or backend name",
               mark);
    return true;
  };
  const int64_t groups = std::max<int64_t>(b.maxReplicas.value_or(1), 1);
  const std::string group = serving + "-" + std::to_string(groups - 1);
  if (tooLong(group, "the serving-group label")) return;
  for (const auto& w : b.workers) {
    if (w.pods.value_or(1) <= 1) continue;
    const int64_t roleReplicas = std::max<int64_t>(w.replicas.value_or(1), 1);
    if (tooLong(group + "-leader-" + std::to_string(roleReplicas - 1) + "-0",
                "a multi-node group's headless Service")) {
      return;
    }
  }
}

// The backend's name, and the names derived from it.
void checkBackendName(document::Errors& errors, const document::Path& path, const api::ModelBooster& booster,
                      const api::Backend& b, document::Mark mark) {
  if (b.name.empty()) {
    errors.add(path.child("name"), "is required", mark);
  } else if (!isDnsLabel(b.name)) {
    errors.add(path.child("name"),
               "\"" + b.name +
                   "\" must be a DNS label: lower-case letters, digits and '-', "
                   "starting and ending with a letter or digit, at most 63 characters",
               mark);
  } else if (booster.metadata.name.size() + 1 + b.name.size() > kMaxLabelValue) {
    errors.add(path.child("name"),
               "\"" + booster.metadata.name + "-" + b.name +
                   "\" (booster name + '-' + backend "
                   "name) is " +
                   std::to_string(booster.metadata.name.size() + 1 + b.name.size()) +
                   " characters; it names the ModelServing and labels its pods, so it must be at most "
                   "63",
               mark);
  }
  checkServingGroupNames(errors, path, booster, b, mark);
  // Names derived from the backend's and booster's names must be DNS labels
  // in the pod: the `<backend>-weights` volume and the downloader containers.
  if (isDnsLabel(b.name) && b.name.size() + 8 > kMaxLabelValue) {
    errors.add(path.child("name"),
               "\"" + b.name + "\" is too long: the pod volume \"" + b.name +
                   "-weights\" must be at most 63 characters, so at most 55",
               mark);
  }
}

void checkBackendType(document::Errors& errors, const document::Path& path, const api::Backend& b,
                      document::Mark mark) {
  if (b.type.empty()) {
    errors.add(path.child("type"), "is required; allowed: vLLM, vLLMDisaggregated, SGLang", mark);
  } else if (!kBackendTypes.contains(b.type)) {
    errors.add(path.child("type"), "\"" + b.type + "\" is not a backend type; allowed: vLLM, vLLMDisaggregated, SGLang",
               mark);
  } else if (b.type == "MindIE" || b.type == "MindIEDisaggregated") {
    errors.add(path.child("type"),
               b.type +
                   " is not supported yet: the router's ModelServer has no MindIE inference "
                   "engine, so such a backend could not be served; use vLLM, vLLMDisaggregated or "
                   "SGLang",
               mark);
  }
}

// What the API server and the runtime sidecar refuse in the pods' env.
void checkBackendEnv(document::Errors& errors, const document::Path& path, const api::Backend& b, int32_t enginePort,
                     document::Mark mark) {
  std::set<std::string_view> envNames;
  for (size_t i = 0; i < b.env.size(); ++i) {
    if (!envNames.insert(b.env[i].name).second) {
      document::Path envPath = path.child("env");
      document::Path entry = envPath.index(i);
      errors.add(entry.child("name"), "duplicate env name \"" + b.env[i].name + "\"", mark);
    }
  }
  if (const std::string* port = b.envValue("RUNTIME_PORT")) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(port->data(), port->data() + port->size(), n);
    if (ec != std::errc() || p != port->data() + port->size() || n < 1 || n > 65535) {
      errors.add(path.child("env"), "RUNTIME_PORT must be a port number (1-65535), not \"" + *port + "\"", mark);
    } else if (n == enginePort) {
      errors.add(path.child("env"),
                 "RUNTIME_PORT " + *port +
                     " is the engine's port; the runtime sidecar needs "
                     "another one (default 8100)",
                 mark);
    }
  }
  // What the API server refuses in a pod's env (the CRD cannot say it).
  for (size_t i = 0; i < b.env.size(); ++i) {
    const api::EnvVar& e = b.env[i];
    document::Path envPath = path.child("env");
    document::Path entry = envPath.index(i);
    if (e.value && !e.value->empty() && !e.valueFrom.isNull()) {
      errors.add(entry.child("value"), "may not be set together with valueFrom: use one of them", mark);
    }
    if (e.valueFrom.isObject()) {
      size_t sources = 0;
      for (const auto& m : e.valueFrom.members()) sources += m.value.isNull() ? 0U : 1U;
      if (sources != 1) {
        errors.add(entry.child("valueFrom"),
                   "must name exactly one source (fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef or "
                   "fileKeyRef), not " +
                       std::to_string(sources),
                   mark);
      }
    }
  }
  for (size_t i = 0; i < b.env.size(); ++i) {
    if (b.env[i].name == "POD_NAME" || b.env[i].name == "NAMESPACE") {
      document::Path envPath = path.child("env");
      document::Path entry = envPath.index(i);
      errors.add(entry.child("name"),
                 b.env[i].name +
                     " is set by modelbooster from the pod's own metadata (the "
                     "runtime sidecar identifies pods by it); remove it",
                 mark);
    }
  }
}

// replicas (Kthena v1.0's shape) or minReplicas/maxReplicas; true when both
// bounds are in range, so that the rules comparing them may run.
bool checkReplicaBounds(document::Errors& errors, const document::Path& path, const api::ModelBooster& booster,
                        const api::Backend& b, document::Mark mark) {
  const bool single = booster.spec.backendShape == api::BackendShape::Single;
  // Kthena v1.0's fixed count: minReplicas and maxReplicas were set to it
  // (defaults.cc), so rules about them are reported at `replicas`.
  const bool fixed = b.replicas.has_value();
  if (fixed) {
    if (!single) {
      errors.add(path.child("replicas"),
                 "unknown field: replicas belongs to spec.backend (one backend, Kthena v1.0's shape); an item of "
                 "spec.backends[] sets minReplicas and maxReplicas (equal for a fixed count)",
                 mark);
    } else if (b.minReplicas != b.replicas || b.maxReplicas != b.replicas) {
      errors.add(path.child("replicas"),
                 "may not be set together with minReplicas/maxReplicas: replicas is a fixed count (minReplicas = "
                 "maxReplicas = replicas); set either replicas or minReplicas and maxReplicas",
                 mark);
    }
    checkRange(errors, path.child("replicas"), b.replicas, 0, kMaxReplicas, mark);
  } else if (single && !b.minReplicas && !b.maxReplicas) {
    errors.add(path.child("replicas"),
               "is required: the fixed number of serving groups (or set minReplicas and maxReplicas to scale "
               "between them)",
               mark);
  } else {
    if (!b.minReplicas) errors.add(path.child("minReplicas"), "is required", mark);
    if (!b.maxReplicas) errors.add(path.child("maxReplicas"), "is required", mark);
    checkRange(errors, path.child("minReplicas"), b.minReplicas, 0, kMaxReplicas, mark);
    checkRange(errors, path.child("maxReplicas"), b.maxReplicas, 1, kMaxReplicas, mark);
  }
  // Rules comparing the two only once each is in range: one mistake, one
  // error.
  return fixed ? *b.replicas >= 0 && *b.replicas <= kMaxReplicas && b.minReplicas == b.replicas &&
                     b.maxReplicas == b.replicas
               : b.minReplicas && b.maxReplicas && *b.minReplicas >= 0 && *b.minReplicas <= kMaxReplicas &&
                     *b.maxReplicas >= 1 && *b.maxReplicas <= kMaxReplicas;
}

void checkScalingFields(document::Errors& errors, const document::Path& path, const api::Backend& b,
                        document::Mark mark) {
  if (b.scalingCost && *b.scalingCost < 0) {
    errors.add(path.child("scalingCost"), "must be 0 or more, not " + std::to_string(*b.scalingCost), mark);
  }
  checkRange(errors, path.child("routeWeight"), b.routeWeight, 0, 100, mark);
  if (b.scaleToZeroGracePeriod) {
    auto d = parseDuration(*b.scaleToZeroGracePeriod);
    if (!d) {
      checkDuration(errors, path.child("scaleToZeroGracePeriod"), b.scaleToZeroGracePeriod, mark);
    } else if (*d < 0 || *d > 1800) {
      errors.add(path.child("scaleToZeroGracePeriod"), "must be between 0s and 30m, not " + *b.scaleToZeroGracePeriod,
                 mark);
    }
  }
}

void checkWorkers(document::Errors& errors, const document::Path& path, const api::ModelBooster& booster,
                  const api::Backend& b, document::Mark mark) {
  if (b.workers.empty()) {
    errors.add(path.child("workers"), "needs at least one worker", mark);
  } else if (b.workers.size() > 1000) {
    errors.add(path.child("workers"), "must have at most 1000 workers, not " + std::to_string(b.workers.size()), mark);
  }
  document::Path workersPath = path.child("workers");
  for (size_t i = 0; i < b.workers.size(); ++i) {
    checkWorker(errors, workersPath.index(i), b, b.workers[i]);
  }
  checkWorkerTypes(errors, path, b);
  checkServedModelNames(errors, path, b, booster.modelName());
  if (b.type == "vLLMDisaggregated") checkDisaggregated(errors, path, b);
}

void checkLoraAdapters(document::Errors& errors, const document::Path& path, const api::ModelBooster& booster,
                       const api::Backend& b, document::Mark mark) {
  std::set<std::string_view> loraNames;
  for (size_t i = 0; i < b.loraAdapters.size(); ++i) {
    const auto& l = b.loraAdapters[i];
    document::Path loraPath = path.child("loraAdapters");
    document::Path lp = loraPath.index(i);
    if (!isDnsLabel(l.name)) {
      errors.add(lp.child("name"), "\"" + l.name + "\" must be a DNS label (lower-case letters, digits, '-')", mark);
    } else if (!loraNames.insert(l.name).second) {
      errors.add(lp.child("name"), "duplicate adapter \"" + l.name + "\" in this backend", mark);
    } else if (l.name == "default" && booster.spec.backends.size() > 1) {
      errors.add(lp.child("name"),
                 "\"default\" names the ModelRoute's rule for the model itself; choose another "
                 "adapter name",
                 mark);
    } else if (l.name == booster.modelName()) {
      errors.add(lp.child("name"), "\"" + l.name + "\" is the model's own name; requests for it would be ambiguous",
                 mark);
    }
    bool known = false;
    for (const char* scheme : {"hf://", "s3://", "pvc://"}) {
      if (l.artifactURL.rfind(scheme, 0) == 0 && l.artifactURL.size() > std::string_view(scheme).size()) known = true;
    }
    if (!known) {
      errors.add(lp.child("artifactURL"), "\"" + l.artifactURL + "\" must start with hf://, s3:// or pvc://", mark);
    } else if (l.artifactURL.rfind("pvc://", 0) == 0) {
      checkPvcUri(errors, lp.child("artifactURL"), l.artifactURL, mark);
    }
  }
}

// The backend's autoscaling policy, and the fields that only mean something
// at one autoscaling scope.
void checkBackendAutoscaling(document::Errors& errors, const document::Path& path, const api::Backend& b, Scope scope,
                             bool replicasInRange, document::Mark mark) {
  const bool fixed = b.replicas.has_value();
  document::Path minPath = fixed ? path.child("replicas") : path.child("minReplicas");
  if (b.autoscalingPolicy) checkPolicy(errors, path.child("autoscalingPolicy"), *b.autoscalingPolicy, mark);
  bool model = scope == Scope::Model;
  // With both levels set, the conflict is the one error to report: the
  // model-level defaults filled in for it are not the user's mistake.
  if (!model && scope != Scope::Both) {
    const char* why = scope == Scope::Backend ? "only applies to model-level autoscaling (spec.autoscalingPolicy)"
                                              : "only applies to model-level autoscaling (spec.autoscalingPolicy), "
                                                "which is not set";
    if (b.scalingCost) errors.add(path.child("scalingCost"), why, mark);
    if (b.scaleToZeroGracePeriod) errors.add(path.child("scaleToZeroGracePeriod"), why, mark);
  }
  if ((scope == Scope::None || (scope == Scope::Backend && !b.autoscalingPolicy)) && replicasInRange &&
      *b.minReplicas < *b.maxReplicas) {
    errors.add(path.child("maxReplicas"),
               "without an autoscalingPolicy nothing scales between minReplicas (" + std::to_string(*b.minReplicas) +
                   ") and maxReplicas (" + std::to_string(*b.maxReplicas) +
                   "): make them equal or add an autoscalingPolicy",
               mark);
  }
  if (scope == Scope::Backend && b.autoscalingPolicy && b.minReplicas && *b.minReplicas < 1) {
    errors.add(minPath,
               "must be at least 1 with backend-level autoscaling (scale to zero needs "
               "model-level autoscaling)",
               mark);
  }
  if (model && (!b.scalingCost || *b.scalingCost <= 0)) {
    errors.add(path.child("scalingCost"),
               "must be greater than 0 with model-level autoscaling: it weighs this "
               "backend against the others",
               mark);
  }
}

void checkBackend(document::Errors& errors, const document::Path& path, const api::ModelBooster& booster,
                  const api::Backend& b, Scope scope, int32_t enginePort) {
  const document::Mark mark = b.mark;
  checkBackendName(errors, path, booster, b, mark);
  checkBackendType(errors, path, b, mark);
  checkModelUri(errors, path.child("modelURI"), b.modelURI, mark);
  checkCacheUri(errors, path.child("cacheURI"), b.cacheURI, mark);

  checkBackendEnv(errors, path, b, enginePort, mark);
  const bool replicasInRange = checkReplicaBounds(errors, path, booster, b, mark);
  if (replicasInRange && *b.minReplicas > *b.maxReplicas) {
    errors.add(path.child("minReplicas"),
               "must be less than or equal to maxReplicas (" + std::to_string(*b.maxReplicas) + "), not " +
                   std::to_string(*b.minReplicas),
               mark);
  }
  checkScalingFields(errors, path, b, mark);
  checkWorkers(errors, path, booster, b, mark);
  checkLoraAdapters(errors, path, booster, b, mark);
  checkBackendAutoscaling(errors, path, b, scope, replicasInRange, mark);
}

// Every ModelRoute rule must send traffic somewhere: v1.0's router webhook
// refuses a rule whose weights sum to 0, and on v0.1 such a rule routes
// nothing. The default rule targets every backend; an adapter's rule the
// backends that carry it (route.cc).
void checkRouteWeights(document::Errors& errors, const document::Path& backendsPath, const document::Path& singleWeight,
                       const api::ModelBoosterSpec& spec) {
  int64_t total = 0;
  std::map<std::string_view, int64_t> perAdapter;
  for (const auto& b : spec.backends) {
    int64_t w = b.routeWeight.value_or(100);
    total += w;
    for (const auto& l : b.loraAdapters) perAdapter[l.name] += w;
  }
  if (spec.backendShape == api::BackendShape::Single && total == 0) {
    errors.add(singleWeight,
               "is 0: the route would send requests nowhere; give the backend a weight above 0 (or "
               "leave routeWeight out: it defaults to 100)",
               spec.backends.front().mark);
    return;
  }
  if (!spec.backends.empty() && total == 0) {
    errors.add(backendsPath,
               "every backend has routeWeight 0: the route would send requests nowhere; give at least "
               "one backend a weight above 0",
               spec.mark);
    return;
  }
  for (const auto& [adapter, w] : perAdapter) {
    if (w == 0) {
      errors.add(backendsPath,
                 "every backend carrying LoRA adapter \"" + std::string(adapter) +
                     "\" has routeWeight 0: requests for it would go nowhere",
                 spec.mark);
    }
  }
}

}  // namespace

void validate(const api::ModelBooster& booster, const api::StackProfile& profile, document::Errors& errors) {
  const auto& spec = booster.spec;
  document::Path root;
  document::Path sp = root.child("spec");
  document::Path metadata = root.child("metadata");
  document::Path backendsPath = sp.child("backends");
  // Kthena v1.0's shape: one backend at spec.backend, named so in errors.
  const bool single = spec.backendShape == api::BackendShape::Single;
  document::Path singlePath = sp.child("backend");
  document::Path singleWeight = singlePath.child("routeWeight");
  if (booster.metadata.name.empty()) {
    errors.add(metadata.child("name"), "is required");
  } else if (!isDnsLabel(booster.metadata.name)) {
    errors.add(metadata.child("name"), "\"" + booster.metadata.name +
                                           "\" must be a DNS label (lower-case letters, digits, '-'; at most 63 "
                                           "characters): it prefixes every child's name");
  }
  // The namespace and uid reach the children as they are (the uid as the
  // model-uid label value): offline input may carry anything there.
  if (!booster.metadata.namespace_.empty() && !isDnsLabel(booster.metadata.namespace_)) {
    errors.add(metadata.child("namespace"), "\"" + booster.metadata.namespace_ +
                                                "\" must be a DNS label (lower-case letters, digits, '-'; at most "
                                                "63 characters)");
  }
  if (!isLabelValue(booster.metadata.uid)) {
    errors.add(metadata.child("uid"), "\"" + booster.metadata.uid +
                                          "\" must be a valid label value (letters, digits, '-', '_', '.'; at most 63 "
                                          "characters): it becomes the children's model-uid label");
  }
  // Downloader init containers are named after the booster: one error for
  // the longest (the booster's name is what to shorten, whatever backend).
  std::string longestInit;
  for (const auto& b : spec.backends) {
    std::string init = booster.metadata.name + (b.loraAdapters.empty()
                                                    ? std::string("-model-downloader")
                                                    : "-lora-downloader-" + std::to_string(b.loraAdapters.size() - 1));
    if (init.size() > longestInit.size()) longestInit = std::move(init);
  }
  if (isDnsLabel(booster.metadata.name) && longestInit.size() > kMaxLabelValue) {
    errors.add(metadata.child("name"), "\"" + booster.metadata.name + "\" is too long: the init container \"" +
                                           longestInit + "\" would be " + std::to_string(longestInit.size()) +
                                           " characters (at most 63)");
  }
  if (!spec.name.empty() && !isDnsLabel(spec.name, 64)) {
    errors.add(sp.child("name"),
               "\"" + spec.name +
                   "\" must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ and be at most 64 "
                   "characters",
               spec.mark);
  }
  if (single && spec.backends.size() != 1) {
    errors.add(singlePath, "holds exactly one backend", spec.mark);
  } else if (spec.backends.empty()) {
    errors.add(sp.child("backends"),
               "needs at least one backend: set spec.backends (a list of backends) or spec.backend (one backend, "
               "the shape of Kthena v1.0)",
               spec.mark);
  } else if (spec.backends.size() > kMaxRouteTargets) {
    errors.add(sp.child("backends"),
               "has " + std::to_string(spec.backends.size()) + " backends; a ModelRoute rule targets at most 16",
               spec.mark);
  }
  Scope scope = autoscalingScope(spec);
  if (scope == Scope::Both) {
    errors.add(sp.child("autoscalingPolicy"),
               "autoscaling is set on the model and on backends; choose one: the "
               "model-level policy or per-backend policies",
               spec.mark);
  }
  std::set<std::string_view> names;
  std::set<std::string_view> adapters;
  int64_t sumMax = 0;
  int64_t sumMin = 0;
  for (size_t i = 0; i < spec.backends.size(); ++i) {
    const auto& b = spec.backends[i];
    document::Path bp = single ? singlePath : backendsPath.index(i);
    if (!b.name.empty() && !names.insert(b.name).second) {
      errors.add(bp.child("name"), "duplicate backend name \"" + b.name + "\"", b.mark);
    }
    checkBackend(errors, bp, booster, b, scope, kEnginePort);
    sumMax += b.maxReplicas.value_or(0);
    sumMin += b.minReplicas.value_or(0);
    for (const auto& l : b.loraAdapters) adapters.insert(l.name);
  }
  if (sumMax > kMaxReplicas && !single) {  // one backend: its own range says it
    errors.add(sp.child("backends"),
               "the sum of maxReplicas over all backends is " + std::to_string(sumMax) + "; it must be at most 1000000",
               spec.mark);
  }
  if (adapters.size() > kMaxLoraAdapters) {
    document::Path where = single ? singlePath.child("loraAdapters") : sp.child("backends");
    errors.add(where,
               "the backends name " + std::to_string(adapters.size()) +
                   " distinct LoRA adapters; a ModelRoute carries at most 10",
               spec.mark);
  }
  if (scope == Scope::Model) {
    checkPolicy(errors, sp.child("autoscalingPolicy"), *spec.autoscalingPolicy, spec.mark);
    if (sumMin < 1 && single) {
      const auto& b = spec.backends.front();
      document::Path where = b.replicas ? singlePath.child("replicas") : singlePath.child("minReplicas");
      errors.add(where,
                 "must be at least 1 with model-level autoscaling (a model with one backend cannot scale to "
                 "zero and back)",
                 b.mark);
    } else if (sumMin < 1) {
      errors.add(sp.child("backends"), "with model-level autoscaling the sum of minReplicas must be at least 1",
                 spec.mark);
    }
  } else if (spec.costExpansionRatePercent && scope != Scope::Both) {
    errors.add(sp.child("costExpansionRatePercent"),
               "only applies to model-level autoscaling (spec.autoscalingPolicy), which is not set", spec.mark);
  }
  checkRange(errors, sp.child("costExpansionRatePercent"), spec.costExpansionRatePercent, 0, 1000, spec.mark);
  checkModelMatch(errors, sp.child("modelMatch"), spec.modelMatch);
  checkRouteWeights(errors, backendsPath, singleWeight, spec);
  if (profile.schedulerNameRequired) {
    // v0.1's ModelServing webhook accepts no other scheduler.
    for (size_t i = 0; i < spec.backends.size(); ++i) {
      const auto& b = spec.backends[i];
      if (!b.schedulerName.empty() && b.schedulerName != "volcano") {
        document::Path bp = single ? singlePath : backendsPath.index(i);
        errors.add(bp.child("schedulerName"),
                   "\"" + b.schedulerName + "\": the " + std::string(profile.release) +
                       " serving stack accepts only \"volcano\" (its ModelServing webhook refuses any other); "
                       "remove the field or set it to volcano",
                   b.mark);
      }
    }
  }
}

}  // namespace mb::core

#include "core/rules.h"

#include <charconv>

#include "document/parse.h"

namespace mb::core {

bool isDnsLabel(std::string_view s, size_t maxLength) {
  if (s.empty() || s.size() > maxLength) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

bool isLabelValue(std::string_view s) {
  if (s.empty()) return true;
  if (s.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

std::optional<double> parseDuration(std::string_view s) {
  // Matches the CRD's pattern ^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$: no
  // sign and no bare "0", so render refuses what the API server refuses.
  size_t i = 0;
  if (s.empty()) return std::nullopt;
  double total = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == start) return std::nullopt;
    double n = 0;
    auto [p, ec] = std::from_chars(s.data() + start, s.data() + i, n);
    if (ec != std::errc() || p != s.data() + i) return std::nullopt;
    size_t unitStart = i;
    while (i < s.size() && !((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    std::string_view unit = s.substr(unitStart, i - unitStart);
    double scale = 0;
    if (unit == "ns")
      scale = 1e-9;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs")
      scale = 1e-6;
    else if (unit == "ms")
      scale = 1e-3;
    else if (unit == "s")
      scale = 1;
    else if (unit == "m")
      scale = 60;
    else if (unit == "h")
      scale = 3600;
    else
      return std::nullopt;
    total += n * scale;
  }
  return total;
}

bool isFlagName(std::string_view s) {
  if (s.empty()) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(s[0])) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string flagName(std::string_view key) {
  std::string out = "--";
  out.reserve(key.size() + 2);
  for (char c : key) out.push_back(c == '_' ? '-' : c);
  return out;
}

Scope autoscalingScope(const api::ModelBoosterSpec& spec) {
  bool backendLevel = false;
  for (const auto& b : spec.backends) backendLevel = backendLevel || b.autoscalingPolicy.has_value();
  bool modelLevel = spec.autoscalingPolicy.has_value();
  if (modelLevel && backendLevel) return Scope::Both;
  if (modelLevel) return Scope::Model;
  if (backendLevel) return Scope::Backend;
  return Scope::None;
}

CacheLocation cacheLocation(const api::Backend& backend, std::string_view defaultMount) {
  CacheLocation loc;
  const std::string& uri = backend.cacheURI;
  if (uri.rfind("hostpath://", 0) == 0) {
    loc.kind = CacheLocation::Kind::HostPath;
    loc.hostPath = uri.substr(11);
    // hostpath://tmp/test means /tmp/test, as Kthena v1.0 reads it.
    if (!loc.hostPath.empty() && loc.hostPath.front() != '/') loc.hostPath.insert(0, "/");
    loc.mountPath = loc.hostPath;
  } else if (uri.rfind("pvc://", 0) == 0) {
    loc.kind = CacheLocation::Kind::Pvc;
    std::string rest = uri.substr(6);
    size_t slash = rest.find('/');
    loc.claimName = rest.substr(0, slash);
    loc.mountPath = std::string(defaultMount);
    if (slash != std::string::npos) {
      std::string sub = rest.substr(slash + 1);
      while (!sub.empty() && sub.back() == '/') sub.pop_back();
      loc.subPath = sub;
    }
  } else {
    loc.mountPath = std::string(defaultMount);
  }
  while (loc.mountPath.size() > 1 && loc.mountPath.back() == '/') loc.mountPath.pop_back();
  return loc;
}

std::optional<int64_t> wholeQuantity(std::string_view t) {
  // <sign><digits>[.<digits>][<suffix>], suffix one of the binary (Ki..Ei)
  // or decimal (n u m k M G T P E) SI suffixes or an exponent (e3, E-2).
  // The value is digits * 10^scale * 1024^power, computed exactly.
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    if (t[i] == '-') return std::nullopt;  // a negative count
    ++i;
  }
  std::string digits;
  int64_t scale = 0;  // power of ten
  bool any = false;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') digits.push_back(t[i++]), any = true;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') digits.push_back(t[i++]), --scale, any = true;
  }
  if (!any) return std::nullopt;
  std::string_view suffix = t.substr(i);
  int binary = 0;  // power of 1024
  static constexpr std::pair<std::string_view, int> kDecimal[] = {{"", 0},  {"n", -9}, {"u", -6}, {"m", -3}, {"k", 3},
                                                                  {"M", 6}, {"G", 9},  {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int> kBinary[] = {{"Ki", 1}, {"Mi", 2}, {"Gi", 3},
                                                                 {"Ti", 4}, {"Pi", 5}, {"Ei", 6}};
  bool known = false;
  for (const auto& [s, p] : kDecimal) {
    if (suffix == s) scale += p, known = true;
  }
  for (const auto& [s, p] : kBinary) {
    if (suffix == s) binary = p, known = true;
  }
  if (!known && suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    int64_t e = 0;
    auto [p, ec] = std::from_chars(suffix.data() + 1 + (suffix[1] == '+' ? 1 : 0), suffix.data() + suffix.size(), e);
    if (ec != std::errc() || p != suffix.data() + suffix.size() || e > 30 || e < -30) return std::nullopt;
    scale += e;
    known = true;
  }
  if (!known) return std::nullopt;
  // Drop trailing zeros for negative scales; anything left over is a fraction.
  while (scale < 0 && !digits.empty() && digits.back() == '0') digits.pop_back(), ++scale;
  if (scale < 0) {
    if (digits.find_first_not_of('0') != std::string::npos) return std::nullopt;
    return 0;
  }
  constexpr int64_t kMax = 1'000'000'000'000'000;  // 10^15
  int64_t value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
    if (value > kMax) return std::nullopt;
  }
  for (int64_t k = 0; k < scale; ++k) {
    value *= 10;
    if (value > kMax) return std::nullopt;
  }
  for (int k = 0; k < binary; ++k) {
    value *= 1024;
    if (value > kMax) return std::nullopt;
  }
  return value;
}

namespace {

int64_t quantityCount(const document::Value& v) {
  if (!v.isString() && !v.isNumber()) return -1;
  return wholeQuantity(v.text()).value_or(-1);
}

bool isDevice(std::string_view name, bool& ascend) {
  ascend = name.rfind("huawei.com/ascend-", 0) == 0;
  return ascend || name == "nvidia.com/gpu";
}

}  // namespace

Devices workerDevices(const api::Worker& worker) {
  Devices d;
  const document::Value* requests = worker.resources.find("requests");
  const document::Value* limits = worker.resources.find("limits");
  // Extended resources must have requests == limits; requests default to
  // limits, so count each device name once, preferring requests.
  auto countFrom = [&](const document::Value* map, const document::Value* other) {
    if (map == nullptr || !map->isObject()) return;
    for (const auto& m : map->members()) {
      bool ascend = false;
      if (!isDevice(m.key, ascend)) continue;
      if (other != nullptr && map == limits && other->find(m.key) != nullptr) continue;
      int64_t n = quantityCount(m.value);
      if (n > 0) {
        d.count += n;
        d.ascend = d.ascend || ascend;
      }
    }
  };
  countFrom(requests, nullptr);
  countFrom(limits, requests);
  return d;
}

std::string_view kvConnectorType(std::string_view connector) {
  if (connector == "MooncakeConnectorV1" || connector == "MooncakeConnector") return "mooncake";
  if (connector == "LMCacheConnectorV1") return "lmcache";
  if (connector == "NixlConnector") return "nixl";
  return "";
}

const document::Value* configValue(const api::Worker& worker, std::string_view flag) {
  if (!worker.config.isObject()) return nullptr;
  for (const auto& m : worker.config.members()) {
    if (m.key.size() != flag.size()) continue;
    bool same = true;
    for (size_t i = 0; i < flag.size() && same; ++i) {
      char a = m.key[i] == '_' ? '-' : m.key[i];
      char b = flag[i] == '_' ? '-' : flag[i];
      same = a == b;
    }
    if (same) return &m.value;
  }
  return nullptr;
}

bool kvConnectorOf(const api::Worker& worker, std::string& connector) {
  connector.clear();
  const document::Value* v = configValue(worker, "kv-transfer-config");
  if (v == nullptr) return true;
  document::Value parsed;
  if (v->isString()) {
    document::ParseError err;
    if (!document::parseJson(v->text(), parsed, err)) return false;
  } else {
    parsed = *v;
  }
  if (!parsed.isObject()) return false;
  if (const document::Value* c = parsed.find("kv_connector")) {
    if (!c->isString()) return false;
    connector = c->text();
  }
  return true;
}

std::string servedModelName(const api::Backend& backend, const std::string& modelName) {
  const document::Value* chosen = nullptr;
  for (const auto& w : backend.workers) {
    const document::Value* v = configValue(w, "served-model-name");
    if (v == nullptr || !(v->isString() || v->isNumber()) || v->text().empty()) continue;
    if (chosen == nullptr || w.type == "server" || w.type == "decode") chosen = v;
  }
  return chosen != nullptr ? chosen->text() : modelName;
}

}  // namespace mb::core

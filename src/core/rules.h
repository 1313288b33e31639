// Small pure predicates shared by validation and conversion.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/model_booster.h"

namespace mb::core {

inline constexpr int32_t kMaxReplicas = 1'000'000;
inline constexpr size_t kMaxLoraAdapters = 10;  // ModelRoute.spec.loraAdapters maxItems
inline constexpr size_t kMaxRouteRules = 16;
inline constexpr size_t kMaxRouteTargets = 16;
inline constexpr size_t kMaxLabelValue = 63;
// The engine's HTTP port; validation needs it before a ConversionOptions is at hand.
inline constexpr int32_t kEnginePort = 8000;

// RFC 1123 label: lower-case alphanumerics and '-', alphanumeric at both ends.
bool isDnsLabel(std::string_view s, size_t maxLength = 63);
// A Kubernetes label value: empty, or up to 63 of [A-Za-z0-9._-] starting
// and ending with a letter or digit.
bool isLabelValue(std::string_view s);
// A duration as the CRDs accept it ("30s", "1m30s", "0s"); seconds, or nullopt.
std::optional<double> parseDuration(std::string_view s);
// Engine flag names from worker.config keys.
bool isFlagName(std::string_view s);
// The flag as passed to the engine: `--` + key with '_' replaced by '-'.
std::string flagName(std::string_view key);

enum class Scope { None, Backend, Model, Both };
Scope autoscalingScope(const api::ModelBoosterSpec& spec);

// Where a backend's model cache lives. hostpath:///mnt/cache mounts that
// directory at /mnt/cache; pvc://claim/sub mounts directory `sub` of the
// claim (a volumeMount subPath) at the default mount; no cacheURI mounts an
// emptyDir at the default mount.
struct CacheLocation {
  enum class Kind { EmptyDir, Pvc, HostPath } kind = Kind::EmptyDir;
  std::string mountPath;
  std::string subPath;    // pvc only, may be empty
  std::string claimName;  // pvc only
  std::string hostPath;   // hostpath only
};
CacheLocation cacheLocation(const api::Backend& backend, std::string_view defaultMount);

// Number of GPUs/NPUs a worker asks for, and whether any are Ascend NPUs.
// A Kubernetes quantity ("8", "8.0", "1000m", "1k", "2Gi", "1e3") as a
// whole count, as the API server requires of extended resources such as
// GPUs and NPUs; nullopt when it is not a quantity, negative, fractional or
// beyond 10^15.
std::optional<int64_t> wholeQuantity(std::string_view text);

struct Devices {
  int64_t count = 0;
  bool ascend = false;
};
Devices workerDevices(const api::Worker& worker);

// vLLM's kv_connector name -> ModelServer kvConnector.type, or "" if unknown.
std::string_view kvConnectorType(std::string_view connector);
// kv_connector named in a worker's `kv-transfer-config` (a JSON string or
// object); "" when absent. Returns false when the value is not valid JSON.
bool kvConnectorOf(const api::Worker& worker, std::string& connector);
// The config entry for `flag` (matching either spelling, `_` or `-`).
const document::Value* configValue(const api::Worker& worker, std::string_view flag);
// The backend's served model name: the one a worker's config sets (the
// server or decode worker's first), else `modelName`. Validation makes every
// worker that sets one agree, so prefill and decode serve the same name.
std::string servedModelName(const api::Backend& backend, const std::string& modelName);

}  // namespace mb::core

// ModelServer: how the router reaches one backend's pods.
#include "core/convert.h"
#include "core/engines/engines.h"
#include "core/pod.h"

namespace mb::core {

api::ModelServer buildModelServer(const BackendContext& ctx) {
  const api::Backend& b = ctx.backend;
  api::ModelServer server;
  api::ModelServerSpec& spec = server.spec;
  // The name every worker of the backend serves (prefill and decode alike).
  spec.model = ctx.servedName;
  spec.inferenceEngine = ctx.engine == Engine::Sglang ? "SGLang" : "vLLM";
  // Select this backend's pods only: by uid alone, two backends would each
  // see the other's pods and route weights would mean nothing.
  spec.workloadSelector.matchLabels = {{kLabelModelUid, ctx.booster.metadata.uid}, {kLabelBackendName, b.name}};
  // Worker pods of a multi-node group carry the same labels but do not
  // serve the API: only entry pods may receive traffic.
  if (ctx.multiNode) spec.workloadSelector.matchLabels.push_back({kEntryLabel, "true"});
  spec.workloadSelector.pdGroup = ctx.engine == Engine::VllmDisaggregated;
  spec.workloadPort = ctx.config.enginePort;
  for (const auto& w : b.workers) {
    std::string connector;
    if (kvConnectorOf(w, connector) && !connector.empty()) spec.kvConnector = std::string(kvConnectorType(connector));
  }
  std::string revision = revisionHash(api::encodeSpec(spec));
  server.metadata = childMeta(ctx.booster, ctx.servingName, childLabels(ctx.booster, b.name, revision));
  return server;
}

}  // namespace mb::core

// One function per backend type: the roles of its ModelServing.
#pragma once

#include <string>
#include <vector>

#include "api/children.h"
#include "core/pod.h"

namespace mb::core {

std::vector<api::Role> vllmRoles(const BackendContext& ctx);
std::vector<api::Role> vllmDisaggregatedRoles(const BackendContext& ctx);
std::vector<api::Role> sglangRoles(const BackendContext& ctx);

// `--served-model-name <backend's served name>` unless the worker's config
// passes the flag itself (with the same name: validation checks it).
void appendServedModelName(const BackendContext& ctx, const api::Worker& worker, std::vector<std::string>& args);
// The vLLM OpenAI server command line, shared by both vLLM engines.
std::vector<std::string> vllmCommand(const BackendContext& ctx, const api::Worker& worker, const char* python,
                                     bool multiNode, bool kvEvents);
document::Value toArray(std::vector<std::string> words);

}  // namespace mb::core

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

// The served model name (config's `served-model-name` when it is a string,
// else the model name); `addFlag` is set when the conversion must pass it.
std::string servedModelName(const BackendContext& ctx, const api::Worker& worker, bool& addFlag);
// The vLLM OpenAI server command line, shared by both vLLM engines.
std::vector<std::string> vllmCommand(const BackendContext& ctx, const api::Worker& worker, const char* python,
                                     bool multiNode, bool kvEvents);
doc::Value toArray(std::vector<std::string> words);

}  // namespace mb::core

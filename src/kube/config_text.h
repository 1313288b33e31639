// What the configuration loaders (rest_config, kubeconfig, in_cluster,
// token_source) share: whole-file reads that keep errno for the message,
// and the small text helpers their messages are made with.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kube/rest_config.h"

namespace mb::kube::config_text {

ConfigError error(ConfigError::Code code, std::string message);

std::string errnoText(int e);

// ENOENT or ENOTDIR: the file is not there (a later source may apply),
// rather than there but unreadable.
bool isMissing(int e);

std::string quote(std::string_view s);

std::string join(const std::vector<std::string>& parts, std::string_view sep = ", ");

std::string trim(std::string_view s);

// A whole file's contents, or the errno of the failure (the caller words
// the message: which file it was and what it was for).
Result<std::string, int> readFile(const std::string& path);

// "https://host:port" without trailing slashes; a bare host:port gets
// https://, as client-go does for TLS configs. The error says what is wrong
// with the server ("has no host"), for the caller to put after its name.
Result<std::string, std::string> normalizeServer(std::string_view raw);

}  // namespace mb::kube::config_text

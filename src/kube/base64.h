// Base64 as kubeconfig's *-data fields carry it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mb::kube {

// Standard base64 (RFC 4648 alphabet); whitespace anywhere is ignored and
// trailing padding is optional. nullopt on any other malformation.
std::optional<std::string> decodeBase64(std::string_view text);

}  // namespace mb::kube

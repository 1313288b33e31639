// Base64 (RFC 4648, standard alphabet), as kubeconfig's *-data fields and an
// AdmissionReview's JSON Patch carry it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mb::document {

// Standard base64 (RFC 4648 alphabet); whitespace anywhere is ignored and
// trailing padding is optional. nullopt on any other malformation.
std::optional<std::string> decodeBase64(std::string_view text);
// Padded, unwrapped.
std::string encodeBase64(std::string_view bytes);

}  // namespace mb::document

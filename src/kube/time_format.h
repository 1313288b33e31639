// Kubernetes timestamps: metav1.Time (RFC 3339, seconds) and MicroTime
// (microseconds), always in UTC.
#pragma once

#include <string>

#include "base/clock.h"

namespace mb::kube {

std::string formatTime(base::WallTime t);       // 2026-11-26T23:05:00Z
std::string formatMicroTime(base::WallTime t);  // 2026-11-26T23:05:00.123456Z

}  // namespace mb::kube

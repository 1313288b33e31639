// Kubernetes timestamps: metav1.Time (RFC 3339, seconds) and MicroTime
// (microseconds), always in UTC.
#pragma once

#include <chrono>
#include <string>

namespace mb::kube {

std::string formatTime(std::chrono::system_clock::time_point t);       // 2026-11-26T23:05:00Z
std::string formatMicroTime(std::chrono::system_clock::time_point t);  // 2026-11-26T23:05:00.123456Z

}  // namespace mb::kube

// Turns the bytes of a watch response (newline-delimited JSON events, split
// across network chunks anywhere) into WatchEvents.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "kube/client.h"
#include "kube/errors.h"

namespace mb::kube {

class WatchDecoder {
 public:
  // Feeds one chunk; calls `onEvent` for each complete event. Returns false
  // to stop the stream: the consumer said so, or an ERROR event or bad JSON
  // arrived (then error() says what).
  bool feed(std::string_view chunk, const std::function<bool(WatchEvent&&)>& onEvent);
  const std::optional<ApiError>& error() const { return error_; }
  bool stoppedByConsumer() const { return stoppedByConsumer_; }

 private:
  std::string pending_;
  std::optional<ApiError> error_;
  bool stoppedByConsumer_ = false;
};

}  // namespace mb::kube

#include "base/stop_signals.h"

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace mb::base {
namespace {

sigset_t stopSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

StopSignals::StopSignals() {
  sigset_t set = stopSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

StopSignals::~StopSignals() {
  if (!thread_.joinable()) return;
  ending_ = true;
  // The waiting thread blocks SIGTERM, so this one is queued for it and
  // ends its sigwait; ending_ says it is not a request to stop.
  pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

void StopSignals::start(std::function<void()> onStop) {
  onStop_ = std::move(onStop);
  thread_ = std::thread([this] { waitLoop(); });
}

void StopSignals::waitLoop() {
  sigset_t set = stopSet();
  for (;;) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    if (ending_) return;
    if (stop_.exchange(true)) {
      std::fflush(nullptr);
      std::_Exit(128 + signal);
    }
    if (onStop_) onStop_();
  }
}

}  // namespace mb::base

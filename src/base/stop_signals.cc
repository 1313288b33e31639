#include "base/stop_signals.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

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
  signalFd_ = signalfd(-1, &set, SFD_CLOEXEC);
  if (pipe2(endPipe_, O_CLOEXEC) != 0) endPipe_[0] = endPipe_[1] = -1;
  if (signalFd_ < 0 || endPipe_[0] < 0) {
    // Nobody could read them: unblocked, they keep their default action
    // (the process ends at once, not drained, but it does end).
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  }
}

StopSignals::~StopSignals() {
  if (thread_.joinable()) {
    char byte = 0;
    if (write(endPipe_[1], &byte, 1) != 1) std::_Exit(1);  // the thread could never be joined
    thread_.join();
  }
  for (int fd : {signalFd_, endPipe_[0], endPipe_[1]}) {
    if (fd >= 0) close(fd);
  }
}

void StopSignals::start(std::function<void()> onStop) {
  onStop_ = std::move(onStop);
  thread_ = std::thread([this] { waitLoop(); });
}

void StopSignals::waitLoop() {
  if (signalFd_ < 0 || endPipe_[0] < 0) return;  // see the constructor
  for (;;) {
    pollfd fds[2] = {{signalFd_, POLLIN, 0}, {endPipe_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;  // EINTR
    if ((fds[1].revents & POLLIN) != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    signalfd_siginfo info{};
    if (read(signalFd_, &info, sizeof info) != sizeof info) continue;
    if (stop_.exchange(true)) {
      std::fflush(nullptr);
      std::_Exit(128 + static_cast<int>(info.ssi_signo));
    }
    if (onStop_) onStop_();
  }
}

}  // namespace mb::base

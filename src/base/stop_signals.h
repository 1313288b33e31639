// SIGTERM and SIGINT as a request to stop, without a signal handler: the two
// signals are blocked in every thread and read from a signalfd by one
// thread of this class, which sleeps in poll() on it and on a pipe that
// ends it. Nothing polls a flag, and no code of ours runs in signal
// context, so the reaction may take locks and wake condition variables.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace mb::base {

class StopSignals {
 public:
  // Blocks SIGTERM and SIGINT in the calling thread. Threads inherit the
  // mask, so construct this before any thread is started: a thread that
  // does not block them would take the default action (the process ends at
  // once, nothing drained).
  StopSignals();
  // Ends the waiting thread. The signals stay blocked: the process is ending.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Starts the waiting thread. On the first signal stopRequested() becomes
  // true and `onStop` runs on that thread; a second signal ends the process
  // at once (exit status 128 + the signal), for a person whose Ctrl-C did
  // not stop it soon enough.
  void start(std::function<void()> onStop);
  const std::atomic<bool>& stopRequested() const { return stop_; }

 private:
  void waitLoop();

  std::atomic<bool> stop_{false};
  int signalFd_ = -1;
  int endPipe_[2] = {-1, -1};  // the destructor writes to [1] to end the thread
  std::function<void()> onStop_;
  std::thread thread_;
};

}  // namespace mb::base

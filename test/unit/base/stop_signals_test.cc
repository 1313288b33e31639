// SIGTERM reaches the stop request through sigwait on StopSignals' own
// thread, not a handler; a second signal ends the process at once.
#include "base/stop_signals.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

namespace mb::base {
namespace {

// Restores the test binary's signal mask afterwards, for the tests that follow.
class StopSignalsTest : public ::testing::Test {
 protected:
  StopSignalsTest() { pthread_sigmask(SIG_SETMASK, nullptr, &saved_); }
  ~StopSignalsTest() override { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  sigset_t saved_{};
};

class Latch {
 public:
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void await() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST_F(StopSignalsTest, SigtermRequestsAStopAndWakesTheCaller) {
  Latch woken;
  {
    StopSignals signals;
    signals.start([&] { woken.open(); });
    EXPECT_FALSE(signals.stopRequested());
    // To the process, as kubelet sends it: blocked everywhere, so only the
    // sigwait takes it (otherwise this test binary would be killed).
    ASSERT_EQ(kill(getpid(), SIGTERM), 0);
    woken.await();
    EXPECT_TRUE(signals.stopRequested());
  }
  // The destructor ended the waiting thread (the test would hang otherwise).
}

TEST_F(StopSignalsTest, NoSignalNoStop) {
  StopSignals signals;
  signals.start([] { FAIL() << "no signal was sent"; });
  EXPECT_FALSE(signals.stopRequested());
}

TEST_F(StopSignalsTest, ASecondSignalEndsTheProcessAtOnce) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Latch first;
        StopSignals signals;
        signals.start([&] { first.open(); });
        kill(getpid(), SIGINT);
        first.await();
        kill(getpid(), SIGINT);
        for (;;) pause();
      },
      ::testing::ExitedWithCode(128 + SIGINT), "");
}

}  // namespace
}  // namespace mb::base

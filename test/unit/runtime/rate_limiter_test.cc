// Backoff arithmetic, the token bucket on a fake clock, and max-of.
#include "runtime/rate_limiter.h"

#include <gtest/gtest.h>

#include <thread>

#include "base/token_bucket.h"

namespace mb::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RateLimiterTest, ExponentialDoublesFromFiveMillisecondsPerKey) {
  ItemExponentialRateLimiter limiter;
  EXPECT_EQ(limiter.when("a"), milliseconds(5));
  EXPECT_EQ(limiter.when("a"), milliseconds(10));
  EXPECT_EQ(limiter.when("a"), milliseconds(20));
  EXPECT_EQ(limiter.when("a"), milliseconds(40));
  EXPECT_EQ(limiter.numRequeues("a"), 4);
  // Keys back off independently.
  EXPECT_EQ(limiter.when("b"), milliseconds(5));
  EXPECT_EQ(limiter.numRequeues("b"), 1);
}

TEST(RateLimiterTest, ExponentialCapsAtOneThousandSecondsWithoutOverflow) {
  ItemExponentialRateLimiter limiter;
  // 5 ms * 2^17 = 655.36 s; the next doubling passes the cap.
  for (int i = 0; i < 17; ++i) (void)limiter.when("k");
  EXPECT_EQ(limiter.when("k"), milliseconds(655360));
  EXPECT_EQ(limiter.when("k"), seconds(1000));
  // Far past where base << n would overflow 64 bits.
  for (int i = 0; i < 200; ++i) EXPECT_EQ(limiter.when("k"), seconds(1000));
}

TEST(RateLimiterTest, ForgetResetsBackoff) {
  ItemExponentialRateLimiter limiter;
  (void)limiter.when("a");
  (void)limiter.when("a");
  limiter.forget("a");
  EXPECT_EQ(limiter.numRequeues("a"), 0);
  EXPECT_EQ(limiter.when("a"), milliseconds(5));
}

TEST(RateLimiterTest, BucketDelaysOnceBurstIsSpent) {
  base::FakeClock clock;
  BucketRateLimiter limiter(10, 3, clock);
  EXPECT_EQ(limiter.when("a"), base::Duration::zero());
  EXPECT_EQ(limiter.when("b"), base::Duration::zero());
  EXPECT_EQ(limiter.when("c"), base::Duration::zero());
  // Each further request reserves the next token: 100 ms apart at 10 qps.
  EXPECT_EQ(limiter.when("d"), milliseconds(100));
  EXPECT_EQ(limiter.when("e"), milliseconds(200));
  clock.advance(milliseconds(200));
  EXPECT_EQ(limiter.when("f"), milliseconds(100));
  // Refills up to the burst, no further.
  clock.advance(seconds(60));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.when("g"), base::Duration::zero());
  EXPECT_EQ(limiter.when("g"), milliseconds(100));
  EXPECT_EQ(limiter.numRequeues("g"), 0);
}

TEST(RateLimiterTest, MaxOfTakesTheLongestDelay) {
  base::FakeClock clock;
  std::vector<std::unique_ptr<RateLimiter>> limiters;
  limiters.push_back(std::make_unique<ItemExponentialRateLimiter>(milliseconds(1), seconds(10)));
  limiters.push_back(std::make_unique<BucketRateLimiter>(1, 2, clock));
  MaxOfRateLimiter limiter(std::move(limiters));
  EXPECT_EQ(limiter.when("a"), milliseconds(1));  // exponential wins while tokens last
  EXPECT_EQ(limiter.when("a"), milliseconds(2));
  EXPECT_EQ(limiter.when("a"), seconds(1));  // bucket empty: 1 qps wins
  EXPECT_EQ(limiter.numRequeues("a"), 3);
  limiter.forget("a");
  EXPECT_EQ(limiter.numRequeues("a"), 0);
}

TEST(RateLimiterTest, DefaultControllerLimiter) {
  base::FakeClock clock;
  auto limiter = defaultControllerRateLimiter(clock);
  EXPECT_EQ(limiter->when("a"), milliseconds(5));
  EXPECT_EQ(limiter->when("a"), milliseconds(10));
  // 98 more distinct keys spend the burst of 100; the next waits 100 ms.
  for (int i = 0; i < 98; ++i) EXPECT_EQ(limiter->when("k" + std::to_string(i)), milliseconds(5));
  EXPECT_EQ(limiter->when("late"), milliseconds(100));
}

TEST(TokenBucketTest, TryAcceptSpendsBurstThenRefills) {
  base::FakeClock clock;
  base::TokenBucket bucket(2, 2, clock);
  EXPECT_TRUE(bucket.tryAccept());
  EXPECT_TRUE(bucket.tryAccept());
  EXPECT_FALSE(bucket.tryAccept());
  clock.advance(milliseconds(499));
  EXPECT_FALSE(bucket.tryAccept());
  clock.advance(milliseconds(1));
  EXPECT_TRUE(bucket.tryAccept());
}

TEST(TokenBucketTest, WaitBlocksUntilTokenArrives) {
  base::FakeClock clock;
  base::TokenBucket bucket(10, 1, clock);
  bucket.wait();  // the burst token: no blocking
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    bucket.wait();
    got = true;
  });
  clock.awaitWaitersForTest(1);
  clock.advance(milliseconds(99));
  EXPECT_FALSE(got);
  clock.advance(milliseconds(1));
  waiter.join();
  EXPECT_TRUE(got);
}

TEST(TokenBucketTest, WaitUntilGivesUpWithoutReserving) {
  base::FakeClock clock;
  base::TokenBucket bucket(1, 1, clock);
  EXPECT_TRUE(bucket.tryAccept());
  EXPECT_FALSE(bucket.waitUntil(clock.now() + milliseconds(500)));
  clock.advance(seconds(1));
  // The failed wait took nothing: the refilled token is still there.
  EXPECT_TRUE(bucket.tryAccept());
}

TEST(TokenBucketTest, ZeroQpsIsUnlimited) {
  base::FakeClock clock;
  base::TokenBucket bucket(0, 1, clock);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(bucket.tryAccept());
  EXPECT_EQ(bucket.reserve(), base::Duration::zero());
}

}  // namespace
}  // namespace mb::runtime

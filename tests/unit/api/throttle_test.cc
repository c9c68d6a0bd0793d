// The API's throttles on a fake clock: login lockout per account and per address with
// exponential growth, token buckets per caller, bounded password-check slots, and memory
// that stays bounded when keys rotate.
#include "api/throttle.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/fake_clock.h"

namespace certadns::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

ThrottleOptions LoginOptions() {
  ThrottleOptions o;
  o.login_failures_per_account = 5;
  o.login_failures_per_address = 20;
  o.login_window = seconds(900);
  o.login_lockout = seconds(60);
  o.login_lockout_max = seconds(3600);
  return o;
}

using Outcome = LoginThrottle::Outcome;

// One whole password check that fails; false when the throttle refused to start it.
bool FailOnce(LoginThrottle& throttle, std::string_view account, std::string_view address) {
  if (throttle.Begin(account, address)) return false;
  throttle.Finish(account, address, Outcome::kFailed);
  return true;
}
bool SucceedOnce(LoginThrottle& throttle, std::string_view account, std::string_view address) {
  if (throttle.Begin(account, address)) return false;
  throttle.Finish(account, address, Outcome::kSucceeded);
  return true;
}
// How long a check must wait (nullopt: it may run now), without starting one.
std::optional<core::Duration> Peek(LoginThrottle& throttle, std::string_view account,
                                   std::string_view address) {
  auto wait = throttle.Begin(account, address);
  if (!wait) throttle.Finish(account, address, Outcome::kNotChecked);
  return wait;
}

TEST(LoginThrottleTest, FifthFailureLocksTheAccountForTheLockout) {
  test::FakeClock clock;
  LoginThrottle throttle(clock, LoginOptions());
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(Peek(throttle, "alice@example.com", "127.0.0.2")) << "failure " << i;
    ASSERT_TRUE(FailOnce(throttle, "alice@example.com", "127.0.0.2"));
  }
  EXPECT_FALSE(Peek(throttle, "alice@example.com", "127.0.0.2")) << "four failures allowed";
  ASSERT_TRUE(FailOnce(throttle, "alice@example.com", "127.0.0.2"));

  auto locked = Peek(throttle, "alice@example.com", "127.0.0.3");
  ASSERT_TRUE(locked) << "the account is locked from every address";
  EXPECT_EQ(RetryAfterSeconds(*locked), 60);
  EXPECT_FALSE(Peek(throttle, "bob@example.com", "127.0.0.2")) << "other accounts are not";

  clock.Advance(seconds(30));
  ASSERT_TRUE(Peek(throttle, "alice@example.com", "127.0.0.2"));
  EXPECT_EQ(RetryAfterSeconds(*Peek(throttle, "alice@example.com", "127.0.0.2")), 30);
  clock.Advance(seconds(30));
  EXPECT_FALSE(Peek(throttle, "alice@example.com", "127.0.0.2")) << "the lockout ends";
}

TEST(LoginThrottleTest, EachFailureAfterALockoutDoublesIt) {
  test::FakeClock clock;
  LoginThrottle throttle(clock, LoginOptions());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(FailOnce(throttle, "alice@example.com", "127.0.0.2"));
  long expected = 60;
  for (int round = 0; round < 8; ++round) {
    auto locked = Peek(throttle, "alice@example.com", "127.0.0.2");
    ASSERT_TRUE(locked) << "round " << round;
    EXPECT_EQ(RetryAfterSeconds(*locked), std::min(expected, 3600L)) << "round " << round;
    clock.Advance(seconds(RetryAfterSeconds(*locked)));
    ASSERT_FALSE(Peek(throttle, "alice@example.com", "127.0.0.2"));
    ASSERT_TRUE(FailOnce(throttle, "alice@example.com", "127.0.0.2"));
    expected *= 2;
  }
}

TEST(LoginThrottleTest, ASuccessForgetsTheAccountsFailuresButNotTheAddresss) {
  test::FakeClock clock;
  ThrottleOptions options = LoginOptions();
  options.login_failures_per_address = 6;
  LoginThrottle throttle(clock, options);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(FailOnce(throttle, "alice@example.com", "127.0.0.2"));
  ASSERT_TRUE(SucceedOnce(throttle, "alice@example.com", "127.0.0.2"));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(FailOnce(throttle, "alice@example.com", "127.0.0.3"));
  EXPECT_FALSE(Peek(throttle, "alice@example.com", "127.0.0.3"))
      << "the count restarted at the success";
  ASSERT_TRUE(FailOnce(throttle, "bob@example.com", "127.0.0.2"));
  ASSERT_TRUE(FailOnce(throttle, "carol@example.com", "127.0.0.2"));
  EXPECT_TRUE(Peek(throttle, "dave@example.com", "127.0.0.2"))
      << "the address kept its 4 failures: 6 now";
}

TEST(LoginThrottleTest, AQuietWindowForgivesEarlierFailures) {
  test::FakeClock clock;
  LoginThrottle throttle(clock, LoginOptions());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(FailOnce(throttle, "alice@example.com", "127.0.0.2"));
  clock.Advance(seconds(901));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(FailOnce(throttle, "alice@example.com", "127.0.0.2"));
  EXPECT_FALSE(Peek(throttle, "alice@example.com", "127.0.0.2"));
}

TEST(LoginThrottleTest, GuessesAtManyAccountsFromOneAddressLockTheAddress) {
  test::FakeClock clock;
  LoginThrottle throttle(clock, LoginOptions());
  for (int i = 0; i < 20; ++i) {
    std::string account = "user" + std::to_string(i) + "@example.com";
    ASSERT_FALSE(Peek(throttle, account, "127.0.0.2")) << "attempt " << i;
    ASSERT_TRUE(FailOnce(throttle, account, "127.0.0.2"));
  }
  auto locked = Peek(throttle, "someone-else@example.com", "127.0.0.2");
  ASSERT_TRUE(locked);
  EXPECT_EQ(RetryAfterSeconds(*locked), 60);
  EXPECT_FALSE(Peek(throttle, "someone-else@example.com", "127.0.0.4"))
      << "another address is not locked";
}

TEST(LoginThrottleTest, ParallelGuessesCannotOvershootTheLimit) {
  test::FakeClock clock;
  LoginThrottle throttle(clock, LoginOptions());
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(throttle.Begin("alice@example.com", "10.0.0." + std::to_string(i)))
        << "check " << i << " may start";
  }
  auto refused = throttle.Begin("alice@example.com", "10.0.0.9");
  ASSERT_TRUE(refused) << "a sixth check in flight could exceed the limit of five";
  EXPECT_EQ(RetryAfterSeconds(*refused), 1);
  for (int i = 0; i < 5; ++i) {
    throttle.Finish("alice@example.com", "10.0.0." + std::to_string(i), Outcome::kFailed);
  }
  auto locked = Peek(throttle, "alice@example.com", "10.0.0.9");
  ASSERT_TRUE(locked);
  EXPECT_EQ(RetryAfterSeconds(*locked), 60);
}

TEST(LoginThrottleTest, AnUncheckedAttemptCountsNeitherWay) {
  test::FakeClock clock;
  LoginThrottle throttle(clock, LoginOptions());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(FailOnce(throttle, "alice@example.com", "127.0.0.2"));
  for (int i = 0; i < 10; ++i) {
    ASSERT_FALSE(throttle.Begin("alice@example.com", "127.0.0.2"));
    throttle.Finish("alice@example.com", "127.0.0.2", Outcome::kNotChecked);
  }
  EXPECT_FALSE(Peek(throttle, "alice@example.com", "127.0.0.2")) << "still four failures";
  ASSERT_TRUE(FailOnce(throttle, "alice@example.com", "127.0.0.2"));
  EXPECT_TRUE(Peek(throttle, "alice@example.com", "127.0.0.2")) << "the fifth locks";
}

TEST(LoginThrottleTest, RotatingEmailsAndAddressesKeepsMemoryBounded) {
  test::FakeClock clock;
  ThrottleOptions options = LoginOptions();
  options.max_tracked = 1000;
  LoginThrottle throttle(clock, options);
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(FailOnce(throttle, "user" + std::to_string(i) + "@example.com",
                         "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256)));
  }
  EXPECT_LE(throttle.tracked(), 2000u);
  // A long key is cut, not stored whole.
  ASSERT_TRUE(FailOnce(throttle, std::string(1 << 20, 'a'), "127.0.0.2"));
  EXPECT_LE(throttle.tracked(), 2000u);
}

TEST(TokenBucketsTest, ABurstThenTheSustainedRate) {
  test::FakeClock clock;
  TokenBuckets buckets(clock, /*rate_per_s=*/20, /*burst=*/100, /*max_tracked=*/100);
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(buckets.Take("user_a")) << "request " << i;
  auto wait = buckets.Take("user_a");
  ASSERT_TRUE(wait) << "the 101st request in the same instant is refused";
  EXPECT_EQ(wait->count(), 50) << "one token comes back every 50 ms at 20/s";
  EXPECT_EQ(RetryAfterSeconds(*wait), 1);
  EXPECT_FALSE(buckets.Take("user_b")) << "each caller has its own bucket";

  clock.Advance(seconds(1));
  for (int i = 0; i < 20; ++i) ASSERT_FALSE(buckets.Take("user_a")) << "refilled " << i;
  EXPECT_TRUE(buckets.Take("user_a"));
}

TEST(TokenBucketsTest, AZeroRateTurnsTheLimitOff) {
  test::FakeClock clock;
  TokenBuckets buckets(clock, 0, 1, 10);
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(buckets.Take("x"));
}

TEST(TokenBucketsTest, ATinyRateWaitsAtMostADay) {
  test::FakeClock clock;
  TokenBuckets buckets(clock, 1e-300, 1, 10);
  ASSERT_FALSE(buckets.Take("x"));
  auto wait = buckets.Take("x");
  ASSERT_TRUE(wait);
  EXPECT_EQ(RetryAfterSeconds(*wait), 86400);
}

TEST(TokenBucketsTest, RotatingKeysKeepsMemoryBounded) {
  test::FakeClock clock;
  TokenBuckets buckets(clock, 5, 10, 500);
  for (int i = 0; i < 50000; ++i) (void)buckets.Take("203.0.113." + std::to_string(i));
  EXPECT_EQ(buckets.tracked(), 500u);
}

TEST(TokenBucketsTest, AClockSteppingBackRefillsNothing) {
  test::FakeClock clock;
  TokenBuckets buckets(clock, 1, 1, 10);
  ASSERT_FALSE(buckets.Take("x"));
  clock.Advance(-seconds(3600));
  EXPECT_TRUE(buckets.Take("x"));
}

TEST(PasswordCheckSlotsTest, ACallerWaitsOnlySoLongForASlot) {
  PasswordCheckSlots slots(2);
  auto first = slots.Acquire(milliseconds(0));
  auto second = slots.Acquire(milliseconds(0));
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(slots.Acquire(milliseconds(20))) << "both slots are taken";
  first.reset();
  EXPECT_TRUE(slots.Acquire(milliseconds(0))) << "a released slot is free again";
}

TEST(ClientKeyTest, IPv6AddressesCountByTheirSlash64) {
  EXPECT_EQ(ClientKey("127.0.0.2"), "127.0.0.2");
  EXPECT_EQ(ClientKey("::ffff:127.0.0.2"), "127.0.0.2") << "IPv4-mapped is the IPv4 address";
  EXPECT_EQ(ClientKey("2001:db8:1:2:aaaa::1"), ClientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"))
      << "one /64 is one client";
  EXPECT_NE(ClientKey("2001:db8:1:2::1"), ClientKey("2001:db8:1:3::1"));
  EXPECT_EQ(ClientKey("2001:db8:1:2::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientKey("::1"), "::/64");
  EXPECT_EQ(ClientKey("not an address"), "not an address");
}

TEST(RetryAfterSecondsTest, RoundsUpToWholeSecondsAndAtLeastOne) {
  EXPECT_EQ(RetryAfterSeconds(core::Duration(0)), 1);
  EXPECT_EQ(RetryAfterSeconds(core::Duration(1)), 1);
  EXPECT_EQ(RetryAfterSeconds(core::Duration(1000)), 1);
  EXPECT_EQ(RetryAfterSeconds(core::Duration(1001)), 2);
}

}  // namespace
}  // namespace certadns::api

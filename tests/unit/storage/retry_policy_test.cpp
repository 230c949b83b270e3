#include <boost/test/unit_test.hpp>

#include "storage/retry_policy.hpp"

using namespace h2k;
using namespace std::chrono;

BOOST_AUTO_TEST_SUITE(retry_policy)

BOOST_AUTO_TEST_CASE(default_schedule_matches_the_guide_5_10_20_minutes) {
  RetryPolicy p;  // enabled, 3 retries, 300 s, x2.0
  BOOST_TEST(p.delay(0).count() == duration_cast<milliseconds>(minutes(5)).count());
  BOOST_TEST(p.delay(1).count() == duration_cast<milliseconds>(minutes(10)).count());
  BOOST_TEST(p.delay(2).count() == duration_cast<milliseconds>(minutes(20)).count());
}

BOOST_AUTO_TEST_CASE(fractional_multiplier_schedule) {
  // The guide's "aggressive" example: 1m -> 1.5m -> 2.25m -> 3.4m -> 5m.
  RetryPolicy p;
  p.retry_delay = seconds(60);
  p.backoff_multiplier = 1.5;
  BOOST_TEST(p.delay(0).count() == 60'000);
  BOOST_TEST(p.delay(1).count() == 90'000);
  BOOST_TEST(p.delay(2).count() == 135'000);
  BOOST_TEST(p.delay(3).count() == 202'500);
  BOOST_TEST(p.delay(4).count() == 303'750);
}

BOOST_AUTO_TEST_CASE(delay_is_capped_and_never_overflows) {
  RetryPolicy p;
  p.retry_delay = hours(1);
  p.backoff_multiplier = 10.0;
  BOOST_TEST(p.delay(1).count() == duration_cast<milliseconds>(hours(10)).count());
  BOOST_TEST(p.delay(2).count() == RetryPolicy::kMaxDelay.count());
  BOOST_TEST(p.delay(400).count() == RetryPolicy::kMaxDelay.count());    // 10^400 is +inf in double
  BOOST_TEST(p.delay(1'000'000).count() == RetryPolicy::kMaxDelay.count());
  BOOST_TEST(p.delay(-3).count() == p.delay(0).count());
}

BOOST_AUTO_TEST_CASE(only_retryable_error_kinds_are_retried) {
  RetryPolicy p;
  for (auto k : {ErrorKind::Io, ErrorKind::NoSpace, ErrorKind::Timeout, ErrorKind::ApplianceLaunch})
    BOOST_TEST(p.should_retry(k, 1), to_string(k));
  for (auto k : {ErrorKind::InvalidInput, ErrorKind::Unsupported, ErrorKind::GuestFix, ErrorKind::Cancelled,
                 ErrorKind::Internal})
    BOOST_TEST(!p.should_retry(k, 1), to_string(k));
}

BOOST_AUTO_TEST_CASE(max_retries_counts_retries_after_the_first_attempt) {
  RetryPolicy p;  // max_retries 3: attempts 1, 2, 3 may be retried, the 4th failure is final
  BOOST_TEST(p.should_retry(ErrorKind::Timeout, 1));
  BOOST_TEST(p.should_retry(ErrorKind::Timeout, 3));
  BOOST_TEST(!p.should_retry(ErrorKind::Timeout, 4));
  BOOST_TEST(!p.should_retry(ErrorKind::Timeout, 0));  // nothing failed yet

  // What a scheduler loop sees for a job that always fails with I/O errors.
  int attempts = 0;
  milliseconds waited{0};
  for (;;) {
    ++attempts;
    if (!p.should_retry(ErrorKind::Io, attempts)) break;
    waited += p.delay(attempts - 1);
  }
  BOOST_TEST(attempts == 4);
  BOOST_TEST(waited.count() == duration_cast<milliseconds>(minutes(5 + 10 + 20)).count());
}

BOOST_AUTO_TEST_CASE(disabled_or_zero_retries_never_retry) {
  RetryPolicy off;
  off.enabled = false;
  BOOST_TEST(!off.should_retry(ErrorKind::Io, 1));
  RetryPolicy none;
  none.max_retries = 0;
  BOOST_TEST(!none.should_retry(ErrorKind::Io, 1));
}

BOOST_AUTO_TEST_SUITE_END()

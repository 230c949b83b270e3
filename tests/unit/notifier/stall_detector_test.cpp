// StallDetector: work waiting and nothing finishing for the interval.
#include <boost/test/unit_test.hpp>

#include "actors/notifier/stall_detector.hpp"
#include "notifier_test_support.hpp"

using namespace h2k;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kMin = 60 * 1000;
constexpr std::int64_t t0 = 1'768'660'200'000;

}  // namespace

BOOST_AUTO_TEST_SUITE(notifier_stall_detector)

BOOST_AUTO_TEST_CASE(an_idle_daemon_with_nothing_waiting_never_stalls) {
  StallDetector d(60min);
  BOOST_TEST(!d.check(t0 + 1000 * kMin).has_value());
  d.on_queue(0, 2, t0);  // busy, but nothing waiting
  BOOST_TEST(!d.check(t0 + 1000 * kMin).has_value());
}

BOOST_AUTO_TEST_CASE(fires_an_interval_after_work_started_waiting) {
  StallDetector d(60min);
  d.on_finish(t0);               // the last finish was long ago...
  d.on_queue(3, 0, t0 + 300 * kMin);  // ...and work only arrived now: not stalled yet
  BOOST_TEST(!d.check(t0 + 300 * kMin + 59 * kMin).has_value());
  const auto n = d.check(t0 + 300 * kMin + 60 * kMin);
  BOOST_TEST_REQUIRE(n.has_value());
  BOOST_TEST(n->event == "daemon_stall");
  BOOST_TEST(n->text == "No files processed in 60 minutes");
  BOOST_TEST(n->details["queue_depth"] == 3);
  BOOST_TEST(n->details["currently_processing"] == 0);
  BOOST_TEST(n->at_ms == t0 + 360 * kMin);
}

BOOST_AUTO_TEST_CASE(fires_once_per_stall_and_a_finish_rearms_and_restarts_the_clock) {
  StallDetector d(60min);
  d.on_queue(2, 1, t0);
  BOOST_TEST(d.check(t0 + 61 * kMin).has_value());
  BOOST_TEST(!d.check(t0 + 62 * kMin).has_value());
  BOOST_TEST(!d.check(t0 + 500 * kMin).has_value());  // still the same stall
  d.on_finish(t0 + 501 * kMin);
  BOOST_TEST(!d.check(t0 + 560 * kMin).has_value());  // 59 min after the finish
  const auto again = d.check(t0 + 561 * kMin);
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST(again->details["idle_minutes"] == 60);
}

BOOST_AUTO_TEST_CASE(finishes_keep_a_busy_queue_from_stalling) {
  StallDetector d(60min);
  d.on_queue(10, 2, t0);
  for (int i = 1; i <= 10; ++i) {
    d.on_finish(t0 + i * 45 * kMin);
    BOOST_TEST(!d.check(t0 + i * 45 * kMin + 30 * kMin).has_value());
  }
}

BOOST_AUTO_TEST_CASE(an_emptied_queue_rearms_and_new_work_counts_from_its_arrival) {
  StallDetector d(60min);
  d.on_queue(1, 0, t0);
  BOOST_TEST(d.check(t0 + 60 * kMin).has_value());
  d.on_queue(0, 1, t0 + 70 * kMin);   // picked up
  BOOST_TEST(!d.check(t0 + 200 * kMin).has_value());
  d.on_queue(1, 1, t0 + 200 * kMin);  // new work arrives
  d.on_queue(2, 1, t0 + 230 * kMin);  // more arrives: the wait started at 200
  BOOST_TEST(!d.check(t0 + 259 * kMin).has_value());
  const auto n = d.check(t0 + 260 * kMin);
  BOOST_TEST_REQUIRE(n.has_value());
  BOOST_TEST(n->details["queue_depth"] == 2);
  BOOST_TEST(n->details["currently_processing"] == 1);
}

BOOST_AUTO_TEST_SUITE_END()

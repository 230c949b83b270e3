#include <boost/test/unit_test.hpp>

#include "storage/record_failure.hpp"
#include "temp_dir.hpp"

using namespace h2k;
using h2k::test::TempDir;

namespace {

std::string enqueue_one(JobStore& store) {
  NewJob d;
  d.source_root = kWatchRoot;
  d.sources = {"web01.ova"};
  d.file_type = "ova";
  return store.enqueue(d, 0).id;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(record_failure_after_a_run)

BOOST_AUTO_TEST_CASE(transient_failures_follow_the_schedule_then_fail_for_good) {
  TempDir t;
  JobStore store(t.db());
  RetryPolicy policy;  // 3 retries: 300 s, 600 s, 1200 s
  const auto id = enqueue_one(store);
  std::int64_t now = 1'000'000;
  std::vector<std::int64_t> waits;
  for (;;) {
    auto job = store.claim_next_ready(now, "test/slot-1");
    BOOST_REQUIRE(job);
    auto after = record_failure(store, policy, id, {ErrorKind::Io, "EIO reading the source", "copy"}, now);
    if (after.state == JobState::Failed) break;
    BOOST_REQUIRE(after.state == JobState::RetryWait);
    waits.push_back(after.next_attempt_at - now);
    BOOST_TEST(!store.claim_next_ready(after.next_attempt_at - 1, "test/slot-1"));  // not before its time
    now = after.next_attempt_at;
  }
  const std::vector<std::int64_t> expected{300'000, 600'000, 1'200'000};
  BOOST_TEST(waits == expected, boost::test_tools::per_element());
  auto job = store.get(id);
  BOOST_TEST(job->attempts == 4);
  BOOST_TEST(job->last_error->reason == "EIO reading the source");
  BOOST_TEST(store.counters().retries_scheduled == 3u);
}

BOOST_AUTO_TEST_CASE(invalid_input_fails_at_once) {
  TempDir t;
  JobStore store(t.db());
  const auto id = enqueue_one(store);
  store.claim_next_ready(0, "test/slot-1");
  auto after = record_failure(store, RetryPolicy{}, id, {ErrorKind::InvalidInput, "not a VMDK", "probe"}, 5);
  BOOST_TEST(after.state == JobState::Failed);
  BOOST_TEST(after.finished_at == 5);
  BOOST_TEST(store.counters().retries_scheduled == 0u);
}

BOOST_AUTO_TEST_CASE(a_run_interrupted_by_a_crash_is_shown_but_not_charged) {
  // The daemon died (kill -9, power cut) while the job ran: recovery queues
  // it again and counts the run as interrupted; its retry budget is that of
  // its own failures only (issue #9: a job must not fail for good because of
  // the daemon's crashes).
  TempDir t;
  RetryPolicy policy;
  policy.max_retries = 1;
  std::string id;
  {
    JobStore store(t.db());
    id = enqueue_one(store);
    store.claim_next_ready(0, "test/slot-1");  // then the daemon dies
  }
  JobStore store(t.db());
  store.recover_after_crash(10, [](const std::filesystem::path&) { return false; }, [](const Job&) { return ""; });
  store.claim_next_ready(10, "test/slot-1");
  auto after = record_failure(store, policy, id, {ErrorKind::Timeout, "appliance hung", "guest"}, 20);
  BOOST_TEST(after.attempts == 2, "both runs are shown");
  BOOST_TEST(after.interrupted == 1);
  BOOST_TEST(after.charged_attempts() == 1);
  BOOST_TEST_REQUIRE(after.state == JobState::RetryWait, "the crash did not use up its one retry");
  BOOST_TEST(after.next_attempt_at == 20 + policy.delay(0).count(), "the first retry's delay, not the second's");
  store.claim_next_ready(after.next_attempt_at, "test/slot-1");
  auto last = record_failure(store, policy, id, {ErrorKind::Timeout, "appliance hung again", "guest"}, 1'000'000);
  BOOST_TEST(last.state == JobState::Failed, "its own two failures use up first try + one retry");
  BOOST_TEST(last.charged_attempts() == 2);
}

BOOST_AUTO_TEST_CASE(a_charged_requeue_uses_the_budget_an_uncharged_one_does_not) {
  TempDir t;
  JobStore store(t.db());
  RetryPolicy policy;
  policy.max_retries = 1;
  const auto id = enqueue_one(store);
  store.claim_next_ready(0, "local/slot-1");
  store.requeue(id, false);  // the slot was killed from outside
  store.claim_next_ready(1, "local/slot-2");
  store.requeue(id, true);   // the slot died of the job's own doing
  store.claim_next_ready(2, "local/slot-1");
  auto job = *store.get(id);
  BOOST_TEST(job.attempts == 3);
  BOOST_TEST(job.interrupted == 1);
  BOOST_TEST(job.charged_attempts() == 2);
  auto after = record_failure(store, policy, id, {ErrorKind::Io, "EIO", "copy"}, 3);
  BOOST_TEST(after.state == JobState::Failed, "the charged loss + this failure = first try + one retry");
}

BOOST_AUTO_TEST_SUITE_END()

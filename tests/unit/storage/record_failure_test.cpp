#include <boost/test/unit_test.hpp>

#include "storage/record_failure.hpp"
#include "temp_dir.hpp"

using namespace h2k;
using h2k::test::TempDir;

namespace {

std::string enqueue_one(JobStore& store) {
  NewJob d;
  d.source_root = "/srv/queue";
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
    auto job = store.claim_next_ready(now);
    BOOST_REQUIRE(job);
    auto after = record_failure(store, policy, id, {ErrorKind::Io, "EIO reading the source", "copy"}, now);
    if (after.state == JobState::Failed) break;
    BOOST_REQUIRE(after.state == JobState::RetryWait);
    waits.push_back(after.next_attempt_at - now);
    BOOST_TEST(!store.claim_next_ready(after.next_attempt_at - 1));  // not before its time
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
  store.claim_next_ready(0);
  auto after = record_failure(store, RetryPolicy{}, id, {ErrorKind::InvalidInput, "not a VMDK", "probe"}, 5);
  BOOST_TEST(after.state == JobState::Failed);
  BOOST_TEST(after.finished_at == 5);
  BOOST_TEST(store.counters().retries_scheduled == 0u);
}

BOOST_AUTO_TEST_CASE(an_interrupted_run_counts_as_an_attempt) {
  // A job that keeps crashing the daemon cannot retry forever: recovery
  // re-queues it, and each claim counts.
  TempDir t;
  RetryPolicy policy;
  policy.max_retries = 1;
  std::string id;
  {
    JobStore store(t.db());
    id = enqueue_one(store);
    store.claim_next_ready(0);  // then the daemon dies
  }
  JobStore store(t.db());
  store.recover_after_crash(10);
  store.claim_next_ready(10);
  auto after = record_failure(store, policy, id, {ErrorKind::Timeout, "appliance hung", "guest"}, 20);
  BOOST_TEST(after.state == JobState::Failed);  // attempts 2 = first try + its one retry
}

BOOST_AUTO_TEST_SUITE_END()

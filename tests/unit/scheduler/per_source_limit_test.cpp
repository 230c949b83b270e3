// limits.per_source: jobs whose files share a first folder under the queue
// (one export host or datastore) run at most N at once; jobs of other
// sources behind them start first, top-level files are never limited.
#include <boost/test/unit_test.hpp>

#include "tests/unit/scheduler/scheduler_test_support.hpp"

using namespace h2k;
using namespace h2k::scheduler_test;

namespace {

// The job id of each assignment, in order.
std::vector<std::string> assigned(const SchedulerEffects& fx) {
  std::vector<std::string> ids;
  for (const auto& [slot, a] : fx.assignments) ids.push_back(a.job_id);
  return ids;
}

std::string found_in(Daemon& d, const std::string& rel, std::int64_t now, std::vector<std::string>& started) {
  fs::create_directories((d.watch / rel).parent_path());
  SchedulerEffects fx;
  const std::string id = d.found(rel, now, "normal", "", &fx);
  for (auto& s : assigned(fx)) started.push_back(s);
  return id;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scheduler_per_source)

BOOST_AUTO_TEST_CASE(a_source_at_its_limit_waits_while_other_sources_and_top_level_files_start) {
  Daemon d(5);
  d.settings.per_source_limit = 2;
  d.boot(kT0);
  std::vector<std::string> started;
  const auto a1 = found_in(d, "esx-a/vm1.ova", kT0, started);
  const auto a2 = found_in(d, "esx-a/vm2.ova", kT0, started);
  const auto a3 = found_in(d, "esx-a/vm3.ova", kT0, started);  // esx-a is at 2: waits
  const auto b1 = found_in(d, "esx-b/vm4.ova", kT0, started);  // behind it, another source: starts
  const auto t1 = found_in(d, "top.ova", kT0, started);        // top level: not limited
  BOOST_TEST((started == std::vector<std::string>{a1, a2, b1, t1}), boost::test_tools::per_element());
  BOOST_TEST(d.state_of(a3) == JobState::Queued);
  BOOST_TEST(d.sched->running() == 4u);

  // An esx-a job ends: the waiting one starts in its place.
  auto fx = d.report(failed(a1, "invalid_input", "not a VM"), kT0 + kSecond);
  BOOST_TEST((assigned(fx) == std::vector<std::string>{a3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(zero_means_no_limit) {
  Daemon d(4);
  d.settings.per_source_limit = 0;
  d.boot(kT0);
  std::vector<std::string> started;
  for (int i = 1; i <= 4; ++i) found_in(d, "esx-a/vm" + std::to_string(i) + ".ova", kT0, started);
  BOOST_TEST(started.size() == 4u);
}

BOOST_AUTO_TEST_SUITE_END()

// Start-up after the daemon died with jobs running: each such job runs again,
// unless its output was already published (then it is done and its sources
// are archived); nothing is converted twice and no job gets two slots.
#include "tests/unit/scheduler/scheduler_test_support.hpp"

#include <map>

#include "actors/scheduler/staging_sweep.hpp"

using namespace h2k;
using namespace h2k::scheduler_test;

BOOST_AUTO_TEST_SUITE(scheduler_recovery)

BOOST_AUTO_TEST_CASE(a_job_interrupted_by_a_crash_is_queued_again_and_assigned_once) {
  Daemon d(2);
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  BOOST_TEST(d.state_of(id) == JobState::Running);

  const std::int64_t later = kT0 + 10 * kMinute;
  auto fx = d.restart(later);
  BOOST_TEST(assigned_ids(fx) == std::vector<std::string>{id}, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const auto& a = fx.assignments.front().second;
  BOOST_TEST(a.sources == std::vector<std::string>{"vm.ova"}, boost::test_tools::per_element());
  BOOST_TEST(a.attempt == 2, "the interrupted run is shown as an attempt");
  BOOST_TEST(a.epoch == 2u, "a new lease");
  BOOST_TEST(d.job(id).interrupted == 1, "but not charged: the crash was not the job's fault");
  BOOST_TEST(d.job(id).charged_attempts() == 1);
  BOOST_TEST(a.output_subdir == local_date(later));
  BOOST_TEST(kinds(fx) == kinds_of({"started"}), boost::test_tools::per_element());
  BOOST_TEST(d.state_of(id) == JobState::Running);
  BOOST_TEST(fs::exists(d.watch / "vm.ova"));

  // The free second slot does not get it too, and the watcher's report of the
  // file (still in the queue) does not make a second job.
  BOOST_TEST(d.sched->on_tick(later + kSecond).assignments.empty());
  auto again = d.sched->on_found(d.drop("vm.ova", "bytes of vm.ova"), later + 2 * kSecond);
  BOOST_TEST(again.events.empty());
  BOOST_TEST(again.assignments.empty());
  BOOST_TEST(d.store->counters().by_state.total() == 1u);
  BOOST_TEST(d.sched->running() == 1u);
}

BOOST_AUTO_TEST_CASE(a_job_running_at_every_daemon_death_fails_for_good_at_the_third) {
  // A job that brings the daemon down (a parser crash on a hostile file)
  // must not be retried forever: it is set aside, with a report naming why,
  // and the rest of the queue goes on.
  Daemon d(1);
  d.settings.max_crash_recoveries = 3;
  d.boot();
  const std::string id = d.found("poison.ova", kT0);
  const std::string other = d.found("fine.ova", kT0 + kSecond);
  BOOST_TEST(d.state_of(id) == JobState::Running);
  d.restart(kT0 + kMinute);  // death 1: queued again
  BOOST_TEST(d.state_of(id) == JobState::Running);
  d.restart(kT0 + 2 * kMinute);  // death 2
  BOOST_TEST(d.state_of(id) == JobState::Running);
  BOOST_TEST(d.job(id).crashes == 2);
  auto fx = d.restart(kT0 + 3 * kMinute);  // death 3: set aside
  BOOST_TEST(d.state_of(id) == JobState::Failed);
  BOOST_TEST(d.job(id).last_error->phase == "recovery");
  BOOST_TEST(d.job(id).last_error->reason.find("stopped 3 times") != std::string::npos, d.job(id).last_error->reason);
  BOOST_TEST(fs::exists(d.watch / ".errors" / "poison.ova"), "the file is set aside in .errors/");
  BOOST_TEST(fs::exists(d.watch / ".errors" / "poison.ova.error.json"));
  BOOST_TEST(assigned_ids(fx) == std::vector<std::string>{other}, boost::test_tools::per_element());
  // A later death with the other job running does not touch the failed one.
  d.restart(kT0 + 4 * kMinute);
  BOOST_TEST(d.state_of(id) == JobState::Failed);
  BOOST_TEST(d.job(other).crashes == 1);
}

BOOST_AUTO_TEST_CASE(a_job_whose_output_was_published_is_marked_done_and_archived_not_run_again) {
  Daemon d(2);
  d.boot();
  const std::string published = d.found("pub.ova", kT0, "normal", "key-pub");
  const std::string unfinished = d.found("unf.ova", kT0 + 1);
  const std::string pub_folder = d.plan(published, "pub", kT0 + 2);
  BOOST_TEST_REQUIRE(pub_folder == local_date(kT0) + "/pub");
  BOOST_TEST_REQUIRE(!d.plan(unfinished, "unf", kT0 + 3).empty());
  const auto lease = d.lease(published);
  SchedulerEffects fx0;
  BOOST_TEST_REQUIRE(d.sched->on_publish({published, lease.epoch, lease.holder}, kT0 + 4, fx0));
  // The converter renamed pub's finished folder into place, then the daemon died
  // before the outcome arrived; unf's folder never appeared.
  write_file(d.out / pub_folder / "disk.qcow2", "converted pub");

  const std::int64_t later = kT0 + 20 * kMinute;
  auto fx = d.restart(later);
  BOOST_TEST(assigned_ids(fx) == std::vector<std::string>{unfinished}, boost::test_tools::per_element());

  const Job job = d.job(published);
  BOOST_TEST(job.state == JobState::Done);
  BOOST_TEST(job.output_path == fs::path(pub_folder));
  BOOST_TEST(job.attempts == 1, "not run again");
  BOOST_TEST(job.archive_pending.empty(), "archived at start");
  BOOST_TEST(read_file(d.out / pub_folder / "disk.qcow2") == "converted pub", "the published folder is left alone");
  BOOST_TEST(!fs::exists(d.watch / "pub.ova"));
  BOOST_TEST(read_file(d.watch / ".processed" / local_date(later) / "pub.ova") == "bytes of pub.ova");
  BOOST_TEST(fs::exists(d.watch / "unf.ova"));

  // Its file counts as converted: a copy of it is a duplicate.
  auto dup = d.sched->on_found(d.drop("pub-again.ova", "x", "normal", "key-pub"), later + kMinute);
  BOOST_TEST(kinds(dup) == kinds_of({"duplicate"}), boost::test_tools::per_element());
  BOOST_TEST(dup.assignments.empty());
}

// At the restart, a folder at a job's reserved name is its publish only if
// its report names the job's own attempt: one written there by another
// attempt (another daemon sharing the output folder, a CLI run) is no
// evidence, and the job runs again into a folder of its own.
BOOST_AUTO_TEST_CASE(a_restart_takes_a_folder_at_the_reserved_name_for_the_publish_only_if_the_attempt_wrote_it) {
  Daemon d(2);
  d.boot();
  const std::string own = d.found("own.ova", kT0);
  const std::string foreign = d.found("foreign.ova", kT0 + 1);
  std::map<std::string, std::string> folders;
  for (const auto& id : {own, foreign}) {
    folders[id] = d.plan(id, d.vm_name_of(id), kT0 + 2);
    BOOST_TEST_REQUIRE(!folders[id].empty());
    const auto l = d.lease(id);
    SchedulerEffects pub;
    BOOST_TEST_REQUIRE(d.sched->on_publish({id, l.epoch, l.holder}, kT0 + 3, pub));
  }
  write_published(d.out / folders[own], staging_tag(own, d.job(own).epoch, d.store->instance_id()));
  write_published(d.out / folders[foreign], "job-77.e1.0badf00d");

  auto fx = d.restart(kT0 + 10 * kMinute);
  BOOST_TEST(d.job(own).state == JobState::Done);
  BOOST_TEST(d.job(own).attempts == 1, "not run again");
  const Job rerun = d.job(foreign);
  BOOST_TEST(rerun.state == JobState::Running, "the job is " << to_string(rerun.state));
  BOOST_TEST(rerun.epoch == 2u, "a new lease");
  BOOST_TEST(assigned_ids(fx) == std::vector<std::string>{foreign}, boost::test_tools::per_element());
  BOOST_TEST(read_file(d.out / folders[foreign] / "report.json").find("job-77.e1.0badf00d") != std::string::npos,
             "the other attempt's folder was touched");
  // Its next attempt reserves a folder of its own.
  const std::string next = d.plan(foreign, d.vm_name_of(foreign), kT0 + 11 * kMinute);
  BOOST_TEST(!next.empty());
  BOOST_TEST(next != folders[foreign]);
}

BOOST_AUTO_TEST_CASE(queued_and_waiting_jobs_survive_a_restart_in_their_order) {
  Daemon d(1);
  d.boot();
  const std::string running = d.found("run.ova", kT0);
  const std::string low = d.found("low.ova", kT0 + 1, "low");
  const std::string high = d.found("high.ova", kT0 + 2, "high");
  const std::int64_t later = kT0 + 5 * kMinute;
  auto fx = d.restart(later);
  // The interrupted job goes back into the line like any queued one: the
  // high-priority job first, then it (normal), then the low one.
  BOOST_TEST(assigned_ids(fx) == std::vector<std::string>{high}, boost::test_tools::per_element());
  auto next = d.succeed(high, later + kMinute);
  BOOST_TEST(assigned_ids(next) == std::vector<std::string>{running}, boost::test_tools::per_element());
  auto last = d.succeed(running, later + 2 * kMinute);
  BOOST_TEST(assigned_ids(last) == std::vector<std::string>{low}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_retry_wait_survives_a_restart_and_keeps_its_time) {
  Daemon d(1);
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  const std::int64_t failed_at = kT0 + kMinute;
  d.report(failed(id, "io_error"), failed_at);
  auto fx = d.restart(failed_at + 10 * kSecond);
  BOOST_TEST(fx.assignments.empty());
  BOOST_TEST(d.state_of(id) == JobState::RetryWait);
  BOOST_TEST(d.sched->on_found(d.drop("vm.ova", "bytes of vm.ova"), failed_at + 20 * kSecond).events.empty());
  auto due = d.sched->on_tick(failed_at + kMinute);
  BOOST_TEST(assigned_ids(due) == std::vector<std::string>{id}, boost::test_tools::per_element());
  BOOST_TEST(due.assignments.front().second.attempt == 2);
}

BOOST_AUTO_TEST_SUITE_END()

// The control socket's commands as the scheduler answers them (hyperctl
// status, pause, resume, drain, stop, queue-job, list-jobs, job-status,
// cancel-job, set-priority, retry-job). Every reply is a JSON object with
// "ok"; Daemon::control checks that on every call.
#include "tests/unit/scheduler/scheduler_test_support.hpp"

#include <unistd.h>

using namespace h2k;
using namespace h2k::scheduler_test;

namespace {
std::vector<std::string> ids_of(const json& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs) out.push_back(j["id"].get<std::string>());
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(scheduler_control)

BOOST_AUTO_TEST_CASE(status_reports_mode_counts_and_identity) {
  Daemon d(2);
  d.boot();
  const std::string a = d.found("a.ova", kT0);
  d.found("b.ova", kT0);
  d.found("c.ova", kT0);
  d.found("d.ova", kT0);
  d.report(failed(a, "io_error"), kT0 + kSecond);  // a waits, c starts

  auto r = d.control("status", json::object(), kT0 + 90 * kSecond);
  BOOST_TEST_REQUIRE(r.ok, r.body.dump());
  BOOST_TEST(r.body["status"] == "running");
  BOOST_TEST(r.body["running"] == 2);
  BOOST_TEST(r.body["queued"] == 1);
  BOOST_TEST(r.body["retry_wait"] == 1);
  BOOST_TEST(r.body["uptime_s"] == 90);
  BOOST_TEST(r.body["version"] == "9.9.9-test");
  BOOST_TEST(r.body["max_concurrent_jobs"] == 2);
  BOOST_TEST(r.body["pid"] == ::getpid());
}

BOOST_AUTO_TEST_CASE(pause_starts_nothing_new_but_lets_the_running_job_finish_and_resume_starts_again) {
  Daemon d(1);
  d.boot();
  const std::string a = d.found("a.ova", kT0);

  SchedulerEffects fx;
  auto r = d.control("pause", json::object(), kT0 + kSecond, fx);
  BOOST_TEST(r.ok);
  BOOST_TEST(r.body["status"] == "paused");
  BOOST_TEST(fx.cancels.empty(), "pause does not stop the running conversion");
  BOOST_TEST(d.sched->queue_state().mode == "paused");

  auto found = d.sched->on_found(d.drop("b.ova"), kT0 + 2 * kSecond);
  BOOST_TEST(kinds(found) == kinds_of({"queued"}), boost::test_tools::per_element());
  BOOST_TEST(found.assignments.empty());
  const std::string b = found.events.front().job_id;
  BOOST_TEST(d.sched->on_tick(kT0 + kMinute).assignments.empty());

  // The running job still ends normally; its slot stays free.
  auto done = d.succeed(a, kT0 + 2 * kMinute);
  BOOST_TEST(kinds(done) == kinds_of({"succeeded"}), boost::test_tools::per_element());
  BOOST_TEST(done.assignments.empty());
  BOOST_TEST(!done.finished, "a pause is not a drain");
  BOOST_TEST(d.state_of(a) == JobState::Done);
  BOOST_TEST(d.state_of(b) == JobState::Queued);
  BOOST_TEST(d.control("status").body["status"] == "paused");

  SchedulerEffects resumed;
  auto rr = d.control("resume", json::object(), kT0 + 3 * kMinute, resumed);
  BOOST_TEST(rr.ok);
  BOOST_TEST(rr.body["status"] == "running");
  BOOST_TEST(assigned_ids(resumed) == std::vector<std::string>{b}, boost::test_tools::per_element());
  BOOST_TEST(d.state_of(b) == JobState::Running);
}

BOOST_AUTO_TEST_CASE(drain_finishes_only_once_no_job_runs_and_starts_nothing_new) {
  Daemon d(1);
  d.boot();
  const std::string a = d.found("a.ova", kT0);
  const std::string b = d.found("b.ova", kT0);

  SchedulerEffects fx;
  auto r = d.control("drain", json::object(), kT0 + kSecond, fx);
  BOOST_TEST(r.ok);
  BOOST_TEST(r.body["status"] == "draining");
  BOOST_TEST(r.body["running"] == 1);
  BOOST_TEST(!fx.finished);
  BOOST_TEST(fx.cancels.empty());
  auto tick = d.sched->on_tick(kT0 + kMinute);
  BOOST_TEST(!tick.finished);
  BOOST_TEST(tick.assignments.empty());

  auto done = d.succeed(a, kT0 + 2 * kMinute);
  BOOST_TEST(done.finished);
  BOOST_TEST(done.assignments.empty(), "a draining daemon starts nothing new");
  BOOST_TEST(d.state_of(b) == JobState::Queued, "the queued job stays for the next start");
}

BOOST_AUTO_TEST_CASE(drain_with_nothing_running_is_finished_at_once) {
  Daemon d(1);
  d.boot();
  SchedulerEffects fx;
  auto r = d.control("drain", json::object(), kT0, fx);
  BOOST_TEST(r.ok);
  BOOST_TEST(r.body["running"] == 0);
  BOOST_TEST(fx.finished);
}

BOOST_AUTO_TEST_CASE(stop_cancels_every_running_slot_and_the_jobs_run_again_at_the_next_start) {
  Daemon d(2);
  d.boot();
  const std::string a = d.found("a.ova", kT0);
  const std::string b = d.found("b.ova", kT0);
  const std::string c = d.found("c.ova", kT0);

  SchedulerEffects fx;
  auto r = d.control("stop", json::object(), kT0 + kSecond, fx);
  BOOST_TEST(r.ok);
  BOOST_TEST(r.body["status"] == "stopping");
  BOOST_TEST(r.body["running"] == 2);
  BOOST_TEST(!fx.finished);
  BOOST_TEST_REQUIRE(fx.cancels.size() == 2u);
  std::set<std::string> cancelled_ids;
  std::set<std::size_t> cancelled_slots;
  for (const auto& [slot, id] : fx.cancels) {
    cancelled_slots.insert(slot);
    cancelled_ids.insert(id);
  }
  BOOST_TEST((cancelled_slots == std::set<std::size_t>{0, 1}));
  BOOST_TEST((cancelled_ids == std::set<std::string>{a, b}));

  // The converters answer "cancelled": the jobs go back to the queue
  // (interrupted, not given up, and not charged), nothing new starts, and
  // the scheduler is done when the last one has answered.
  auto first = d.report(cancelled(a), kT0 + 2 * kSecond);
  BOOST_TEST(!first.finished);
  BOOST_TEST(first.events.empty());
  BOOST_TEST(first.assignments.empty());
  BOOST_TEST(d.state_of(a) == JobState::Queued);
  BOOST_TEST(d.job(a).interrupted == 1, "stop interrupted it: not charged");
  BOOST_TEST(d.job(a).holder.empty());
  auto second = d.report(cancelled(b), kT0 + 3 * kSecond);
  BOOST_TEST(second.finished);
  BOOST_TEST(second.assignments.empty());
  BOOST_TEST(d.state_of(b) == JobState::Queued);
  BOOST_TEST(d.state_of(c) == JobState::Queued);
  BOOST_TEST(fs::exists(d.watch / "a.ova"));

  auto boot = d.restart(kT0 + 10 * kMinute);
  const auto rerun = assigned_ids(boot);
  BOOST_TEST((std::set<std::string>(rerun.begin(), rerun.end()) == std::set<std::string>{a, b}),
             "the interrupted jobs (enqueued before c) run first");
  BOOST_TEST(d.state_of(c) == JobState::Queued);
}

BOOST_AUTO_TEST_CASE(stop_with_nothing_running_is_finished_at_once) {
  Daemon d(1);
  d.boot();
  SchedulerEffects fx;
  BOOST_TEST(d.control("stop", json::object(), kT0, fx).ok);
  BOOST_TEST(fx.finished);
  BOOST_TEST(fx.cancels.empty());
}

BOOST_AUTO_TEST_CASE(queue_job_inside_the_queue_is_archived_like_a_dropped_file) {
  Daemon d(1);
  d.boot();
  write_file(d.watch / "manual.vhdx", "vhdx bytes");
  SchedulerEffects fx;
  auto r = d.control("queue-job", {{"path", (d.watch / "manual.vhdx").string()}, {"priority", "high"}}, kT0, fx);
  BOOST_TEST_REQUIRE(r.ok, r.body.dump());
  const std::string id = r.body["job"]["id"];
  BOOST_TEST(r.body["job"]["source_root"] == "watch", "a named root, not this host's path");
  BOOST_TEST(strings_of(r.body["job"]["sources"]) == std::vector<std::string>{"manual.vhdx"},
             boost::test_tools::per_element());
  BOOST_TEST(r.body["job"]["file_type"] == "vhdx");
  BOOST_TEST(r.body["job"]["priority"] == "high");
  BOOST_TEST(r.body["job"]["state"] == "running", "the free slot took it at once");
  BOOST_TEST(kinds(fx) == kinds_of({"queued", "started"}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.sources == std::vector<std::string>{"manual.vhdx"},
             boost::test_tools::per_element());

  // The watcher then sees the same file: not a second job. Queueing it again is refused.
  BOOST_TEST(d.sched->on_found(d.drop("manual.vhdx", "vhdx bytes"), kT0 + kSecond).events.empty());
  auto twice = d.control("queue-job", {{"path", (d.watch / "manual.vhdx").string()}});
  BOOST_TEST(!twice.ok);
  BOOST_TEST(twice.error().find(id) != std::string::npos, twice.error());

  d.succeed(id, kT0 + kMinute);
  BOOST_TEST(!fs::exists(d.watch / "manual.vhdx"));
  BOOST_TEST(fs::exists(d.watch / ".processed" / local_date(kT0 + kMinute) / "manual.vhdx"));
}

BOOST_AUTO_TEST_CASE(queue_job_outside_the_queue_never_moves_the_operators_file) {
  Daemon d(1);
  d.boot();
  const fs::path elsewhere = d.dir / "operator" / "images";
  write_file(elsewhere / "legacy.qcow2", "qcow2 bytes");
  write_file(elsewhere / "broken.vmdk", "vmdk bytes");

  SchedulerEffects fx;
  auto r = d.control("queue-job", {{"path", (elsewhere / "legacy.qcow2").string()}}, kT0, fx);
  BOOST_TEST_REQUIRE(r.ok, r.body.dump());
  const std::string id = r.body["job"]["id"];
  BOOST_TEST(r.body["job"]["source_root"] == "external");
  BOOST_TEST(strings_of(r.body["job"]["sources"]) == std::vector<std::string>{(elsewhere / "legacy.qcow2").string()},
             boost::test_tools::per_element());
  BOOST_TEST(r.body["job"]["file_type"] == "qcow2");
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  // The converter gets the full path: the file is not under the watch root.
  BOOST_TEST(fx.assignments.front().second.source_root == "external");
  BOOST_TEST(fx.assignments.front().second.sources == std::vector<std::string>{(elsewhere / "legacy.qcow2").string()},
             boost::test_tools::per_element());

  d.succeed(id, kT0 + kMinute);
  BOOST_TEST(d.state_of(id) == JobState::Done);
  BOOST_TEST(read_file(elsewhere / "legacy.qcow2") == "qcow2 bytes");
  BOOST_TEST(!fs::exists(d.watch / ".processed"));

  // A final failure does not move it either; the report still goes to .errors/.
  auto r2 = d.control("queue-job", {{"path", (elsewhere / "broken.vmdk").string()}}, kT0 + 2 * kMinute);
  BOOST_TEST_REQUIRE(r2.ok, r2.body.dump());
  const std::string id2 = r2.body["job"]["id"];
  d.report(failed(id2, "invalid_input", "broken.vmdk: bad descriptor"), kT0 + 3 * kMinute);
  BOOST_TEST(d.state_of(id2) == JobState::Failed);
  BOOST_TEST(read_file(elsewhere / "broken.vmdk") == "vmdk bytes");
  BOOST_TEST(!fs::exists(d.watch / ".errors" / "broken.vmdk"));
  BOOST_TEST(fs::exists(d.watch / ".errors" / "broken.vmdk.error.json"));
}

BOOST_AUTO_TEST_CASE(queue_job_refuses_bad_requests_and_creates_no_job) {
  Daemon d(1);
  d.boot();
  write_file(d.watch / "vm.ova", "x");
  auto relative = d.control("queue-job", {{"path", "vm.ova"}});
  BOOST_TEST(!relative.ok);
  BOOST_TEST(relative.error().find("absolute") != std::string::npos, relative.error());

  auto missing = d.control("queue-job", {{"path", (d.watch / "nope.ova").string()}});
  BOOST_TEST(!missing.ok);
  BOOST_TEST(missing.error().find("nope.ova") != std::string::npos, missing.error());
  BOOST_TEST(missing.error().find("no such file") != std::string::npos, missing.error());

  auto folder = d.control("queue-job", {{"path", d.watch.string()}});
  BOOST_TEST(!folder.ok, "a folder is not a file to convert");

  auto priority = d.control("queue-job", {{"path", (d.watch / "vm.ova").string()}, {"priority", "asap"}});
  BOOST_TEST(!priority.ok);
  BOOST_TEST(priority.error().find("asap") != std::string::npos, priority.error());

  auto no_path = d.control("queue-job", json::object());
  BOOST_TEST(!no_path.ok);
  BOOST_TEST(no_path.error().find("queue-job") != std::string::npos, no_path.error());

  BOOST_TEST(d.store->counters().by_state.total() == 0u);
}

BOOST_AUTO_TEST_CASE(list_jobs_filters_by_state_and_limits) {
  Daemon d(1);
  d.boot();
  const std::string a = d.found("a.ova", kT0);  // running
  const std::string b = d.found("b.ova", kT0);  // queued
  const std::string c = d.found("c.ova", kT0);  // queued, then cancelled
  BOOST_TEST_REQUIRE(d.control("cancel-job", {{"job_id", c}}).ok);

  auto all = d.control("list-jobs");
  BOOST_TEST_REQUIRE(all.ok, all.body.dump());
  BOOST_TEST(ids_of(all.body["jobs"]) == (std::vector<std::string>{a, b, c}), boost::test_tools::per_element());

  auto queued = d.control("list-jobs", {{"state", "queued"}});
  BOOST_TEST(ids_of(queued.body["jobs"]) == std::vector<std::string>{b}, boost::test_tools::per_element());
  BOOST_TEST(queued.body["jobs"][0]["queue_position"] == 1);
  BOOST_TEST(queued.body["jobs"][0]["sources"][0] == "b.ova");

  auto cancelled_jobs = d.control("list-jobs", {{"state", "cancelled"}});
  BOOST_TEST(ids_of(cancelled_jobs.body["jobs"]) == std::vector<std::string>{c}, boost::test_tools::per_element());
  BOOST_TEST(d.control("list-jobs", {{"state", "done"}}).body["jobs"].empty());

  auto limited = d.control("list-jobs", {{"limit", 2}});
  BOOST_TEST(limited.body["jobs"].size() == 2u);

  auto bad = d.control("list-jobs", {{"state", "sleeping"}});
  BOOST_TEST(!bad.ok);
  BOOST_TEST(bad.error().find("sleeping") != std::string::npos, bad.error());
  auto bad_limit = d.control("list-jobs", {{"limit", "ten"}});
  BOOST_TEST(!bad_limit.ok);
}

BOOST_AUTO_TEST_CASE(job_status_shows_a_job_and_names_an_unknown_one) {
  Daemon d(1);
  d.boot();
  const std::string a = d.found("a.ova", kT0);
  auto r = d.control("job-status", {{"job_id", a}});
  BOOST_TEST_REQUIRE(r.ok);
  BOOST_TEST(r.body["job"]["id"] == a);
  BOOST_TEST(r.body["job"]["state"] == "running");
  BOOST_TEST(r.body["job"]["attempts"] == 1);
  BOOST_TEST(r.body["job"]["started_at"].is_string());

  auto unknown = d.control("job-status", {{"job_id", "job-999"}});
  BOOST_TEST(!unknown.ok);
  BOOST_TEST(unknown.error().find("job-999") != std::string::npos, unknown.error());
  auto no_id = d.control("job-status");
  BOOST_TEST(!no_id.ok);
  BOOST_TEST(no_id.error().find("job_id") != std::string::npos, no_id.error());
  auto number_id = d.control("job-status", {{"job_id", 7}});
  BOOST_TEST(!number_id.ok);
}

BOOST_AUTO_TEST_CASE(cancel_job_of_a_queued_job_cancels_it_and_its_file_is_not_picked_up_again) {
  Daemon d(1);
  d.boot();
  d.found("a.ova", kT0);
  const std::string b = d.found("b.ova", kT0);
  SchedulerEffects fx;
  auto r = d.control("cancel-job", {{"job_id", b}}, kT0 + kMinute, fx);
  BOOST_TEST_REQUIRE(r.ok, r.body.dump());
  BOOST_TEST(r.body["job"]["state"] == "cancelled");
  BOOST_TEST(kinds(fx) == kinds_of({"cancelled"}), boost::test_tools::per_element());
  BOOST_TEST(event_of(fx, "cancelled").job_id == b);
  BOOST_TEST(fx.cancels.empty());
  BOOST_TEST(d.state_of(b) == JobState::Cancelled);
  BOOST_TEST(fs::exists(d.watch / "b.ova"), "a cancelled job's file is left where it is");

  BOOST_TEST(d.sched->on_found(d.drop("b.ova", "bytes of b.ova"), kT0 + 2 * kMinute).events.empty());
  // Also after a restart.
  d.restart(kT0 + 3 * kMinute);
  auto after = d.sched->on_found(d.drop("b.ova", "bytes of b.ova"), kT0 + 4 * kMinute);
  BOOST_TEST(after.events.empty());
  BOOST_TEST(after.assignments.empty());

  auto again = d.control("cancel-job", {{"job_id", b}});
  BOOST_TEST(!again.ok);
  BOOST_TEST(again.error().find("cancelled") != std::string::npos, again.error());
}

BOOST_AUTO_TEST_CASE(cancel_job_of_a_running_job_cancels_its_slot_then_the_outcome_makes_it_cancelled) {
  Daemon d(2);
  d.boot();
  const std::string other = d.found("other.ova", kT0);
  SchedulerEffects found_a;
  const std::string a = d.found("a.ova", kT0, "normal", "", &found_a);
  BOOST_TEST_REQUIRE(found_a.assignments.size() == 1u);
  const std::size_t slot_a = found_a.assignments.front().first;
  const std::string waiting = d.found("waiting.ova", kT0);

  SchedulerEffects fx;
  auto r = d.control("cancel-job", {{"job_id", a}}, kT0 + kMinute, fx);
  BOOST_TEST_REQUIRE(r.ok, r.body.dump());
  BOOST_TEST(r.body["job"]["cancelling"] == true);
  BOOST_TEST(r.body["job"]["state"] == "running");
  BOOST_TEST_REQUIRE(fx.cancels.size() == 1u);
  BOOST_TEST(fx.cancels.front().first == slot_a);
  BOOST_TEST(fx.cancels.front().second == a);
  BOOST_TEST(fx.events.empty());
  BOOST_TEST(d.state_of(a) == JobState::Running, "running until the converter has stopped");

  auto out = d.report(cancelled(a), kT0 + kMinute + 5 * kSecond);
  BOOST_TEST(kinds(out) == kinds_of({"cancelled", "started"}), boost::test_tools::per_element());
  BOOST_TEST(assigned_ids(out) == std::vector<std::string>{waiting}, boost::test_tools::per_element());
  BOOST_TEST(out.assignments.front().first == slot_a, "the freed slot takes the next job");
  BOOST_TEST(d.state_of(a) == JobState::Cancelled);
  BOOST_TEST(d.state_of(other) == JobState::Running);
  BOOST_TEST(fs::exists(d.watch / "a.ova"));
  auto found_again = d.sched->on_found(d.drop("a.ova", "bytes of a.ova"), kT0 + 2 * kMinute);
  BOOST_TEST(found_again.events.empty());
  BOOST_TEST(d.store->counters().by_state.total() == 3u);
}

BOOST_AUTO_TEST_CASE(a_job_cancelled_by_the_operator_just_before_stop_stays_cancelled) {
  // Regression (fixed in actors/scheduler/job_scheduler.cpp, on_outcome): a "cancelled"
  // outcome in stopping mode always leaves the job running so the next start
  // re-runs it, even when the operator had asked to cancel THAT job
  // (cancel-job, then stop before the converter answered). The operator's
  // cancel is lost: the job runs again after the restart. The scheduler should
  // remember the jobs it was asked to cancel and cancel them for good.
  Daemon d(1);
  d.boot();
  const std::string a = d.found("a.ova", kT0);
  BOOST_TEST_REQUIRE(d.control("cancel-job", {{"job_id", a}}, kT0 + kSecond).ok);
  SchedulerEffects stop;
  BOOST_TEST_REQUIRE(d.control("stop", json::object(), kT0 + 2 * kSecond, stop).ok);
  auto out = d.report(cancelled(a), kT0 + 3 * kSecond);
  BOOST_TEST(out.finished);
  BOOST_TEST(d.state_of(a) == JobState::Cancelled);
  auto boot = d.restart(kT0 + kMinute);
  BOOST_TEST(boot.assignments.empty(), "the cancelled job must not run again");
}

BOOST_AUTO_TEST_CASE(set_priority_applies_to_waiting_jobs_only) {
  Daemon d(1);
  d.boot();
  const std::string running = d.found("run.ova", kT0);
  const std::string first = d.found("first.ova", kT0 + 1);
  const std::string second = d.found("second.ova", kT0 + 2, "low");
  BOOST_TEST(d.control("job-status", {{"job_id", second}}).body["job"]["queue_position"] == 2);

  auto r = d.control("set-priority", {{"job_id", second}, {"priority", "high"}});
  BOOST_TEST_REQUIRE(r.ok, r.body.dump());
  BOOST_TEST(r.body["job"]["priority"] == "high");
  BOOST_TEST(r.body["job"]["queue_position"] == 1);
  BOOST_TEST(d.job(second).priority == JobPriority::High);
  auto next = d.succeed(running, kT0 + kMinute);
  BOOST_TEST(assigned_ids(next) == std::vector<std::string>{second}, boost::test_tools::per_element());

  auto of_running = d.control("set-priority", {{"job_id", second}, {"priority", "low"}});
  BOOST_TEST(!of_running.ok);
  BOOST_TEST(of_running.error().find("running") != std::string::npos, of_running.error());
  BOOST_TEST(d.job(second).priority == JobPriority::High);

  auto bad = d.control("set-priority", {{"job_id", first}, {"priority", "urgent"}});
  BOOST_TEST(!bad.ok);
  BOOST_TEST(d.job(first).priority == JobPriority::Normal);

  // A job waiting for its retry is waiting too.
  d.report(failed(second, "io_error"), kT0 + 2 * kMinute);  // first starts
  BOOST_TEST_REQUIRE(d.state_of(second) == JobState::RetryWait);
  auto waiting = d.control("set-priority", {{"job_id", second}, {"priority", "low"}});
  BOOST_TEST(waiting.ok, waiting.body.dump());
  BOOST_TEST(d.job(second).priority == JobPriority::Low);
  BOOST_TEST(d.job(second).state == JobState::RetryWait);
}

BOOST_AUTO_TEST_CASE(retry_job_queues_a_failed_job_again_with_its_attempts_reset) {
  Daemon d(1);
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  d.report(failed(id, "invalid_input", "vm.ova: truncated"), kT0 + kMinute);
  BOOST_TEST_REQUIRE(d.state_of(id) == JobState::Failed);
  BOOST_TEST_REQUIRE(fs::exists(d.watch / ".errors" / "vm.ova"));

  // The operator fixed the cause; the file is still in .errors/.
  SchedulerEffects fx;
  auto r = d.control("retry-job", {{"job_id", id}}, kT0 + 10 * kMinute, fx);
  BOOST_TEST_REQUIRE(r.ok, r.body.dump());
  BOOST_TEST(kinds(fx) == kinds_of({"queued", "started"}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const auto& a = fx.assignments.front().second;
  BOOST_TEST(a.job_id == id);
  BOOST_TEST(a.attempt == 1, "attempts start over");
  BOOST_TEST_REQUIRE(a.sources.size() == 1u);
  BOOST_TEST(fs::exists(d.watch / a.sources.front()), "the converter is sent where the file is now: "
                                                          << a.sources.front());
  BOOST_TEST(d.state_of(id) == JobState::Running);
  BOOST_TEST(d.job(id).attempts == 1);
}

BOOST_AUTO_TEST_CASE(a_retried_job_that_fails_again_is_not_nested_in_errors_errors) {
  // Regression (fixed in actors/scheduler/job_scheduler.cpp, fail_for_good + archive):
  // after a final failure the job's sources are rewritten to ".errors/<file>"
  // (relative to the watch root). When retry-job runs it again and it fails
  // again, move_sources(root, {".errors/vm.ova"}, root/".errors") moves it to
  // .errors/.errors/vm.ova (and a success would archive it to
  // .processed/<date>/.errors/vm.ova). Files already in .errors/ should stay
  // there (or be archived by their plain name).
  Daemon d(1);
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  d.report(failed(id, "invalid_input", "vm.ova: truncated"), kT0 + kMinute);
  BOOST_TEST_REQUIRE(d.control("retry-job", {{"job_id", id}}, kT0 + 2 * kMinute).ok);
  d.report(failed(id, "invalid_input", "vm.ova: still truncated"), kT0 + 3 * kMinute);
  BOOST_TEST(d.state_of(id) == JobState::Failed);
  BOOST_TEST(fs::exists(d.watch / ".errors" / "vm.ova"), "the file is still in .errors/");
  BOOST_TEST(!fs::exists(d.watch / ".errors" / ".errors"));
  const json report = read_json(d.watch / ".errors" / "vm.ova.error.json");
  BOOST_TEST(report["error"] == "vm.ova: still truncated");
}

BOOST_AUTO_TEST_CASE(retry_job_queues_a_cancelled_job_again) {
  Daemon d(1);
  d.boot();
  d.found("busy.ova", kT0);
  const std::string b = d.found("b.ova", kT0);
  BOOST_TEST_REQUIRE(d.control("cancel-job", {{"job_id", b}}).ok);
  SchedulerEffects fx;
  auto r = d.control("retry-job", {{"job_id", b}}, kT0 + kMinute, fx);
  BOOST_TEST_REQUIRE(r.ok, r.body.dump());
  BOOST_TEST(r.body["job"]["state"] == "queued");
  BOOST_TEST(r.body["job"]["queue_position"] == 1);
  BOOST_TEST(kinds(fx) == kinds_of({"queued"}), boost::test_tools::per_element());
  BOOST_TEST(d.state_of(b) == JobState::Queued);
  // Its file is again a known, active source: reporting it again is no new job.
  BOOST_TEST(d.sched->on_found(d.drop("b.ova", "bytes of b.ova"), kT0 + 2 * kMinute).events.empty());
  BOOST_TEST(d.store->counters().by_state.total() == 2u);
}

BOOST_AUTO_TEST_CASE(retry_job_is_refused_for_done_running_and_vanished_jobs) {
  Daemon d(1);
  d.boot();
  const std::string done = d.found("done.ova", kT0);
  const std::string gone = d.found("gone.ova", kT0);
  auto running = d.control("retry-job", {{"job_id", done}});
  BOOST_TEST(!running.ok);
  BOOST_TEST(running.error().find("running") != std::string::npos, running.error());

  d.succeed(done, kT0 + kMinute);  // gone starts
  auto of_done = d.control("retry-job", {{"job_id", done}});
  BOOST_TEST(!of_done.ok);
  BOOST_TEST(of_done.error().find("done") != std::string::npos, of_done.error());
  BOOST_TEST(d.state_of(done) == JobState::Done);

  SchedulerEffects cancel_fx;
  BOOST_TEST_REQUIRE(d.control("cancel-job", {{"job_id", gone}}, kT0 + 2 * kMinute, cancel_fx).ok);
  d.report(cancelled(gone), kT0 + 2 * kMinute + kSecond);
  BOOST_TEST_REQUIRE(d.state_of(gone) == JobState::Cancelled);
  fs::remove(d.watch / "gone.ova");
  auto vanished = d.control("retry-job", {{"job_id", gone}});
  BOOST_TEST(!vanished.ok);
  BOOST_TEST(vanished.error().find("gone.ova") != std::string::npos, vanished.error());
  BOOST_TEST(d.state_of(gone) == JobState::Cancelled);

  auto unknown = d.control("retry-job", {{"job_id", "job-404"}});
  BOOST_TEST(!unknown.ok);
}

BOOST_AUTO_TEST_CASE(unknown_commands_and_malformed_arguments_are_errors) {
  Daemon d(1);
  d.boot();
  auto unknown = d.control("reboot-everything");
  BOOST_TEST(!unknown.ok);
  BOOST_TEST(unknown.error().find("reboot-everything") != std::string::npos, unknown.error());

  msg::control_command not_object{"list-jobs", "[1,2]"};
  SchedulerEffects fx;
  auto r = d.sched->on_control(not_object, kT0, fx);
  BOOST_TEST(!r.ok);
  auto body = json::parse(r.body_json, nullptr, false);
  BOOST_TEST_REQUIRE(body.is_object());
  BOOST_TEST(body["ok"] == false);
  BOOST_TEST(!body["error"].get<std::string>().empty());

  msg::control_command not_json{"status", "{oops"};
  auto r2 = d.sched->on_control(not_json, kT0, fx);
  BOOST_TEST(!r2.ok);
  BOOST_TEST(json::parse(r2.body_json)["ok"] == false);

  msg::control_command empty_args{"status", ""};
  auto r3 = d.sched->on_control(empty_args, kT0, fx);
  BOOST_TEST(r3.ok);
  BOOST_TEST(json::parse(r3.body_json)["ok"] == true);
}

BOOST_AUTO_TEST_SUITE_END()

// What happens to a job and its files when its conversion ends: success
// archives the sources, a retryable failure waits and runs again, a final
// failure sets the files aside in .errors/ with a report; and what happens to
// files the watcher rejects outright.
#include "tests/unit/scheduler/scheduler_test_support.hpp"

#include "actors/scheduler/staging_sweep.hpp"

using namespace h2k;
using namespace h2k::scheduler_test;

BOOST_AUTO_TEST_SUITE(scheduler_outcomes)

BOOST_AUTO_TEST_CASE(success_marks_the_job_done_records_its_output_and_archives_its_sources) {
  Daemon d(1);
  d.boot();
  write_file(d.watch / "erp" / "erp-disk1.vmdk", "disk");
  msg::vm_found vm = d.drop("erp/erp.vmx", "vmx text");
  vm.sources = {"erp/erp.vmx", "erp/erp-disk1.vmdk"};
  auto fx = d.sched->on_found(vm, kT0);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const std::string id = fx.assignments.front().second.job_id;

  const std::int64_t now = kT0 + 30 * kMinute;
  auto done = d.succeed(id, now, "", 95.5, 123456);

  const Job job = d.job(id);
  BOOST_TEST(job.state == JobState::Done);
  // The folder the scheduler reserved (<date of the assignment>/<vm name>), relative to the output root.
  const fs::path folder = fs::path(local_date(kT0)) / "erp";
  BOOST_TEST(job.output_path == folder);
  BOOST_TEST(fs::exists(d.out / folder / "disk.qcow2"));
  BOOST_TEST(job.finished_at == now);
  BOOST_TEST(job.holder.empty(), "a done job is held by nobody");
  BOOST_TEST(job.archive_pending.empty(), "archived: nothing left to move");
  // Sources leave the queue for .processed/<date>/, keeping their sub-folder.
  const fs::path archive = d.watch / ".processed" / local_date(now);
  BOOST_TEST(!fs::exists(d.watch / "erp" / "erp.vmx"));
  BOOST_TEST(!fs::exists(d.watch / "erp" / "erp-disk1.vmdk"));
  BOOST_TEST(read_file(archive / "erp" / "erp.vmx") == "vmx text");
  BOOST_TEST(read_file(archive / "erp" / "erp-disk1.vmdk") == "disk");

  BOOST_TEST(kinds(done) == kinds_of({"succeeded"}), boost::test_tools::per_element());
  const auto e = event_of(done, "succeeded");
  BOOST_TEST(e.job_id == id);
  BOOST_TEST(e.filename == "erp/erp.vmx");
  BOOST_TEST(e.output_path == folder.generic_string(), "relative to the output root");
  BOOST_TEST(e.duration_s == 95.5);
  BOOST_TEST(e.bytes_converted == 123456u);
  BOOST_TEST(e.attempt == 1);
  BOOST_TEST(e.error.empty());
  BOOST_TEST(d.sched->running() == 0u);
}

BOOST_AUTO_TEST_CASE(success_event_reports_the_size_of_the_converted_files) {
  // Regression (fixed in actors/scheduler/job_scheduler.cpp, on_outcome "succeeded"):
  // the sources are archived BEFORE event_for() reads their sizes, so with
  // archive_processed (the default) the "succeeded" event says file_size 0 and
  // the success notification shows "Size: 0B". fail_for_good() builds its
  // event before moving the files; the success path should do the same.
  Daemon d(1);
  d.boot();
  auto fx = d.sched->on_found(d.drop("web.ova", "0123456789"), kT0);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const std::string id = fx.assignments.front().second.job_id;
  BOOST_TEST(event_of(fx, "started").file_size == 10u);
  auto done = d.succeed(id, kT0 + kMinute);
  BOOST_TEST(event_of(done, "succeeded").file_size == 10u);
}

BOOST_AUTO_TEST_CASE(a_retryable_failure_waits_retry_delay_then_runs_again_until_retries_are_used_up) {
  Daemon d(1);  // max_retries 2, retry_delay 1 min, backoff x2
  d.boot();
  auto fx = d.sched->on_found(d.drop("flaky.ova", "flaky bytes"), kT0);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const std::string id = fx.assignments.front().second.job_id;

  // Attempt 1 fails with an I/O error: retry 1 of 2 in 1 minute.
  const std::int64_t t1 = kT0 + 10 * kSecond;
  auto r1 = d.report(failed(id, "io_error"), t1);
  BOOST_TEST(kinds(r1) == kinds_of({"retry_scheduled"}), boost::test_tools::per_element());
  BOOST_TEST(r1.assignments.empty());
  const auto e1 = event_of(r1, "retry_scheduled");
  BOOST_TEST(e1.job_id == id);
  BOOST_TEST(e1.next_retry_at_ms == t1 + kMinute);
  BOOST_TEST(e1.attempt == 1);
  BOOST_TEST(e1.max_retries == 2);
  BOOST_TEST(e1.error == "cannot read the disk: Input/output error");
  BOOST_TEST(e1.phase == "copy");
  Job waiting = d.job(id);
  BOOST_TEST(waiting.state == JobState::RetryWait);
  BOOST_TEST(waiting.next_attempt_at == t1 + kMinute);
  BOOST_TEST(d.sched->queue_state().retry_wait == 1u);
  BOOST_TEST(fs::exists(d.watch / "flaky.ova"), "the file stays in the queue while the job waits");
  auto status = d.control("job-status", {{"job_id", id}});
  BOOST_TEST(status.body["job"]["state"] == "retry_wait");
  BOOST_TEST(status.body["job"]["queue_position"].is_null());
  BOOST_TEST(status.body["job"]["last_error"]["kind"] == "io_error");

  // Not a millisecond early, and the watcher seeing the file again changes nothing.
  BOOST_TEST(d.sched->on_tick(t1 + kMinute - 1).assignments.empty());
  BOOST_TEST(d.sched->on_found(d.drop("flaky.ova", "flaky bytes"), t1 + 30 * kSecond).events.empty());
  BOOST_TEST(d.store->counters().by_state.total() == 1u);

  // At the time: attempt 2.
  auto a2 = d.sched->on_tick(t1 + kMinute);
  BOOST_TEST_REQUIRE(a2.assignments.size() == 1u);
  BOOST_TEST(a2.assignments.front().second.job_id == id);
  BOOST_TEST(a2.assignments.front().second.attempt == 2);
  BOOST_TEST(event_of(a2, "started").attempt == 2);

  // Attempt 2 fails: retry 2 waits twice as long (backoff).
  const std::int64_t t2 = t1 + 5 * kMinute;
  auto r2 = d.report(failed(id, "timeout", "qemu-img did not answer"), t2);
  BOOST_TEST(event_of(r2, "retry_scheduled").next_retry_at_ms == t2 + 2 * kMinute);
  BOOST_TEST(event_of(r2, "retry_scheduled").attempt == 2);
  BOOST_TEST(d.sched->on_tick(t2 + 2 * kMinute - 1).assignments.empty());
  auto a3 = d.sched->on_tick(t2 + 2 * kMinute + 7 * kSecond);  // a late tick still starts it
  BOOST_TEST_REQUIRE(a3.assignments.size() == 1u);
  BOOST_TEST(a3.assignments.front().second.attempt == 3);

  // Attempt 3 fails: both retries are used up -> failed for good.
  const std::int64_t t3 = t2 + 10 * kMinute;
  auto f = d.report(failed(id, "io_error", "flaky.ova: read failed again"), t3);
  BOOST_TEST(kinds(f) == kinds_of({"failed"}), boost::test_tools::per_element());
  const auto ef = event_of(f, "failed");
  BOOST_TEST(ef.attempt == 3);
  BOOST_TEST(ef.error == "flaky.ova: read failed again");
  BOOST_TEST(ef.file_size == 11u);
  BOOST_TEST(ef.duration_s == 3.0);
  BOOST_TEST(d.state_of(id) == JobState::Failed);
  BOOST_TEST(d.job(id).attempts == 3);

  // The file is set aside with a report an operator can read.
  BOOST_TEST(!fs::exists(d.watch / "flaky.ova"));
  BOOST_TEST(read_file(d.watch / ".errors" / "flaky.ova") == "flaky bytes");
  const json report = read_json(d.watch / ".errors" / "flaky.ova.error.json");
  BOOST_TEST(report["filename"] == "flaky.ova");
  BOOST_TEST(report["error"] == "flaky.ova: read failed again");
  BOOST_TEST(report["error_kind"] == "io_error");
  BOOST_TEST(report["phase"] == "copy");
  BOOST_TEST(report["job_id"] == id);
  BOOST_TEST(report["file_size_bytes"] == 11);
  BOOST_TEST(strings_of(report["log_tail"]) == failed(id, "io_error").log_tail, boost::test_tools::per_element());
  BOOST_TEST(report["retry_info"]["retry_count"] == 2);
  BOOST_TEST(report["retry_info"]["max_retries"] == 2);
  BOOST_TEST(report["retry_info"]["will_retry"] == false);
  BOOST_TEST(report["retry_info"]["next_retry_at"].is_null());

  // Nothing runs it again.
  BOOST_TEST(d.sched->on_tick(t3 + 24 * 60 * kMinute).assignments.empty());
  BOOST_TEST(d.sched->queue_state().retry_wait == 0u);
}

BOOST_AUTO_TEST_CASE(while_a_job_waits_for_its_retry_the_slot_serves_the_next_job) {
  Daemon d(1);
  d.boot();
  const std::string flaky = d.found("flaky.ova", kT0);
  const std::string next = d.found("next.ova", kT0 + 1);
  auto fx = d.report(failed(flaky, "no_space", "output disk full"), kT0 + kMinute);
  BOOST_TEST(assigned_ids(fx) == std::vector<std::string>{next}, boost::test_tools::per_element());
  BOOST_TEST(d.state_of(flaky) == JobState::RetryWait);
}

BOOST_AUTO_TEST_CASE(a_permanent_failure_fails_at_once) {
  Daemon d(1);
  d.boot();
  const std::string id = d.found("broken.ova", kT0);
  const std::string next = d.found("next.ova", kT0 + 1);
  auto f = d.report(failed(id, "invalid_input", "broken.ova: not a tar archive"), kT0 + kMinute);

  BOOST_TEST(kinds(f) == kinds_of({"failed", "started"}), boost::test_tools::per_element());
  BOOST_TEST(event_of(f, "failed").attempt == 1);
  BOOST_TEST(assigned_ids(f) == std::vector<std::string>{next}, boost::test_tools::per_element());
  const Job job = d.job(id);
  BOOST_TEST(job.state == JobState::Failed);
  BOOST_TEST(job.attempts == 1);
  BOOST_TEST_REQUIRE(job.last_error.has_value());
  BOOST_TEST(job.last_error->kind == ErrorKind::InvalidInput);
  BOOST_TEST(!fs::exists(d.watch / "broken.ova"));
  BOOST_TEST(fs::exists(d.watch / ".errors" / "broken.ova"));
  const json report = read_json(d.watch / ".errors" / "broken.ova.error.json");
  BOOST_TEST(report["error_kind"] == "invalid_input");
  BOOST_TEST(report["retry_info"]["retry_count"] == 0);
  BOOST_TEST(report["retry_info"]["will_retry"] == false);
  BOOST_TEST(!report["suggestion"].get<std::string>().empty());
  BOOST_TEST(d.sched->on_tick(kT0 + 60 * kMinute).assignments.empty());
}

BOOST_AUTO_TEST_CASE(a_failed_verification_boot_puts_the_console_tail_in_the_error_report) {
  Daemon d(1);
  d.boot();
  const std::string id = d.found("web01.ova", kT0);
  msg::job_outcome o = failed(id, "guest_fix",
                              "web01.ova: the converted guest failed to boot on virtio (TCG): Gave up waiting for root "
                              "file system device.; last console lines: (initramfs)");
  o.phase = "verify";
  o.error_details = {"Begin: Waiting for root file system ... done.",
                     "Gave up waiting for root file system device.  Common problems:", "(initramfs)"};
  auto f = d.report(o, kT0 + kMinute);
  BOOST_TEST(kinds(f) == kinds_of({"failed"}), boost::test_tools::per_element());  // guest_fix: not retried
  const json report = read_json(d.watch / ".errors" / "web01.ova.error.json");
  BOOST_TEST(report["phase"] == "verify");
  BOOST_TEST(report["error"] == o.error);
  BOOST_TEST(strings_of(report["details"]) == o.error_details, boost::test_tools::per_element());
  BOOST_TEST(strings_of(report["log_tail"]) == o.log_tail, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(with_retries_disabled_a_retryable_error_fails_at_once) {
  Daemon d(1);
  d.settings.retry.enabled = false;
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  auto f = d.report(failed(id, "io_error"), kT0 + kMinute);
  BOOST_TEST(kinds(f) == kinds_of({"failed"}), boost::test_tools::per_element());
  BOOST_TEST(event_of(f, "failed").max_retries == 0);
  BOOST_TEST(d.state_of(id) == JobState::Failed);
}

BOOST_AUTO_TEST_CASE(success_after_a_retry_names_the_earlier_error) {
  Daemon d(1);
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  d.report(failed(id, "io_error", "NFS hiccup"), kT0 + kMinute);
  BOOST_TEST_REQUIRE(d.sched->on_tick(kT0 + 2 * kMinute).assignments.size() == 1u);
  auto ok = d.succeed(id, kT0 + 3 * kMinute);
  const auto e = event_of(ok, "succeeded");
  BOOST_TEST(e.attempt == 2);
  BOOST_TEST(e.previous_error == "NFS hiccup");
  BOOST_TEST(d.state_of(id) == JobState::Done);
}

// The job's lease (its only slot) reserves its folder and is allowed to
// publish, as the converter does before its rename; returns the folder.
std::string allowed_to_publish(Daemon& d, const std::string& id) {
  const auto l = d.lease(id);
  const std::string folder = d.plan(id, d.vm_name_of(id), kT0);
  BOOST_TEST_REQUIRE(!folder.empty());
  SchedulerEffects pub;
  BOOST_TEST_REQUIRE(d.sched->on_publish({id, l.epoch, l.holder}, kT0, pub));
  return folder;
}

// The attempt was allowed to publish, renamed its staging into place, and
// then reported a failure (a step after the rename, or a rename the file
// server performed and answered as failed): the VM is published, so the job
// is done, once, not run again into a second folder.
BOOST_AUTO_TEST_CASE(a_failure_reported_after_the_attempts_own_publish_records_the_job_done_once) {
  Daemon d(1);
  d.boot();
  const std::string id = d.found("web01.ova", kT0);
  const std::string folder = allowed_to_publish(d, id);
  write_published(d.out / folder, staging_tag(id, d.job(id).epoch, d.store->instance_id()));

  auto fx = d.report(failed(id, "io_error", "cannot publish output: No such file or directory"), kT0 + kMinute);
  const Job job = d.job(id);
  BOOST_TEST(job.state == JobState::Done);
  BOOST_TEST(job.output_path == fs::path(folder));
  BOOST_TEST(job.attempts == 1);
  BOOST_TEST(fx.assignments.empty(), "the job was run again");
  BOOST_TEST_REQUIRE(fx.events.size() >= 1u);
  BOOST_TEST(fx.events.front().kind == "succeeded");
  BOOST_TEST(fx.events.front().output_path == folder);
  BOOST_TEST(fs::exists(d.out / folder / "disk.qcow2"));
}

// A folder at the reserved name that another attempt wrote (another daemon
// sharing the output folder, a CLI run) is no evidence: the failure stands.
BOOST_AUTO_TEST_CASE(a_folder_another_attempt_wrote_at_the_reserved_name_is_not_taken_for_the_jobs_publish) {
  Daemon d(1);
  d.boot();
  const std::string id = d.found("web01.ova", kT0);
  const std::string folder = allowed_to_publish(d, id);
  write_published(d.out / folder, "job-77.e1.0badf00d");

  d.report(failed(id, "io_error", "output already exists"), kT0 + kMinute);
  const Job job = d.job(id);
  BOOST_TEST(job.state == JobState::RetryWait, "the job is " << to_string(job.state));
  BOOST_TEST(job.last_error.has_value());
  BOOST_TEST(read_file(d.out / folder / "report.json").find("job-77.e1.0badf00d") != std::string::npos,
             "the other attempt's folder was touched");
}

BOOST_AUTO_TEST_CASE(an_outcome_for_an_unknown_job_changes_nothing) {
  Daemon d(1);
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  msg::job_outcome ghost = succeeded("job-that-never-was", "x");
  ghost.epoch = 1;
  ghost.holder = d.sched->holder_of(0);
  auto fx = d.sched->on_outcome(ghost, kT0 + kMinute);
  BOOST_TEST(kinds(fx) == kinds_of({"stale_result"}), boost::test_tools::per_element());
  BOOST_TEST(fx.assignments.empty());
  BOOST_TEST(d.sched->stale_results() == 1u);
  BOOST_TEST(d.state_of(id) == JobState::Running);
  BOOST_TEST(d.sched->running() == 1u);
}

BOOST_AUTO_TEST_CASE(the_output_folder_is_reserved_and_the_publish_recorded_before_anything_is_published) {
  // Was: "on_planned records where a running job publishes". Now the
  // scheduler reserves the folder for the lease (job_planned) and records the
  // fenced publish (publish_request) before the converter renames anything:
  // after a crash the store alone says whether the folder is this job's.
  Daemon d(1);
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  const auto lease = d.lease(id);
  SchedulerEffects fx;
  const std::string folder = d.sched->on_planned({id, lease.epoch, lease.holder, "2023-11-14", "vm", ""}, kT0 + 1, fx).output_folder;
  BOOST_TEST(folder == "2023-11-14/vm");
  BOOST_TEST(d.job(id).output_path == fs::path("2023-11-14/vm"));
  BOOST_TEST(d.job(id).publishing_epoch == 0u, "reserved is not yet allowed to publish");
  auto status = d.control("job-status", {{"job_id", id}});
  BOOST_TEST(status.body["job"]["output_path"] == "2023-11-14/vm", "relative to the output folder");
  BOOST_TEST(status.body["job"]["epoch"] == lease.epoch);
  BOOST_TEST(status.body["job"]["holder"] == lease.holder);

  BOOST_TEST(d.sched->on_publish({id, lease.epoch, lease.holder}, kT0 + 2, fx));
  BOOST_TEST(d.job(id).publishing_epoch == lease.epoch, "the permission is durable before the converter renames");
  BOOST_TEST(fx.events.empty());

  // Not for a job that does not exist or is not running.
  BOOST_TEST(d.sched->on_planned({"job-404", 1, lease.holder, "2023-11-14", "x", ""}, kT0 + 3, fx).output_folder.empty());
  BOOST_TEST(!d.sched->on_publish({"job-404", 1, lease.holder}, kT0 + 3, fx));
  write_file(d.out / folder / "disk.qcow2", "converted");
  msg::job_outcome ok = succeeded(id, folder);
  ok.epoch = lease.epoch;
  ok.holder = lease.holder;
  d.sched->on_outcome(ok, kT0 + kMinute);
  BOOST_TEST(d.state_of(id) == JobState::Done);
  BOOST_TEST(d.sched->on_planned({id, lease.epoch, lease.holder, "2023-11-14", "other", ""}, kT0 + 2 * kMinute, fx).output_folder.empty());
  BOOST_TEST(!d.sched->on_publish({id, lease.epoch, lease.holder}, kT0 + 2 * kMinute, fx));
  BOOST_TEST(d.job(id).output_path == fs::path("2023-11-14/vm"));
}

BOOST_AUTO_TEST_CASE(success_without_the_fenced_publish_is_not_trusted) {
  // A converter that renamed without asking (a bug, or an old converter):
  // the job is not marked done on its word.
  Daemon d(1);
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  const std::string folder = d.plan(id, "vm", kT0 + 1);
  BOOST_TEST_REQUIRE(!folder.empty());
  write_file(d.out / folder / "disk.qcow2", "converted");
  auto fx = d.report(succeeded(id, folder), kT0 + kMinute);
  BOOST_TEST(d.state_of(id) != JobState::Done);
  BOOST_TEST(d.state_of(id) == JobState::Failed, "an internal error (not retryable)");
  BOOST_TEST_REQUIRE(d.job(id).last_error.has_value());
  BOOST_TEST(d.job(id).last_error->kind == ErrorKind::Internal);
  BOOST_TEST(d.job(id).last_error->reason.find("without permission to publish") != std::string::npos,
             d.job(id).last_error->reason);
  BOOST_TEST(kinds(fx) == kinds_of({"failed"}), boost::test_tools::per_element());
  BOOST_TEST(!d.store->dedup_index().find("x"), "nothing counted as converted");
}

BOOST_AUTO_TEST_CASE(progress_of_a_running_job_shows_in_job_status) {
  Daemon d(1);
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  msg::job_progress p = d.progress(id, "copy", 42.5);
  p.bytes_done = 100;
  p.bytes_total = 1000;
  SchedulerEffects fx;
  d.sched->on_progress(p, kT0 + kSecond, fx);
  BOOST_TEST(fx.events.empty());
  auto status = d.control("job-status", {{"job_id", id}});
  BOOST_TEST(status.body["job"]["progress"]["phase"] == "copy");
  BOOST_TEST(status.body["job"]["progress"]["percent"] == 42.5);
  d.succeed(id, kT0 + kMinute);
  BOOST_TEST(d.control("job-status", {{"job_id", id}}).body["job"]["progress"].is_null());
}

BOOST_AUTO_TEST_CASE(a_permanent_watch_problem_sets_the_file_and_its_parts_aside_with_a_report) {
  Daemon d(1);
  d.boot();
  write_file(d.watch / "bad.ovf", "<Envelope>");
  write_file(d.watch / "bad-disk1.vmdk", "disk 1");
  write_file(d.watch / "bad-disk2.vmdk", "disk 2");
  write_file(d.watch / "unrelated.ova", "other vm");
  msg::watch_problem p;
  p.file = "bad.ovf";
  p.reason = "bad.ovf: disk bad-disk3.vmdk is missing";
  p.error_kind = "invalid_input";
  p.permanent = true;
  p.file_size = 10;
  p.related = {"bad-disk1.vmdk", "bad-disk2.vmdk"};
  const std::int64_t now = kT0 + 3 * kMinute;
  auto fx = d.sched->on_problem(p, now);

  for (const char* f : {"bad.ovf", "bad-disk1.vmdk", "bad-disk2.vmdk"}) {
    BOOST_TEST(!fs::exists(d.watch / f), f << " left the queue");
    BOOST_TEST(fs::exists(d.watch / ".errors" / f), f << " is in .errors/");
  }
  BOOST_TEST(read_file(d.watch / ".errors" / "bad-disk2.vmdk") == "disk 2");
  BOOST_TEST(fs::exists(d.watch / "unrelated.ova"));
  const json report = read_json(d.watch / ".errors" / "bad.ovf.error.json");
  BOOST_TEST(report["filename"] == "bad.ovf");
  BOOST_TEST(report["error"] == p.reason);
  BOOST_TEST(report["error_kind"] == "invalid_input");
  BOOST_TEST(report["phase"] == "watch");

  BOOST_TEST(kinds(fx) == kinds_of({"rejected"}), boost::test_tools::per_element());
  const auto e = event_of(fx, "rejected");
  BOOST_TEST(e.filename == "bad.ovf");
  BOOST_TEST(e.error == p.reason);
  BOOST_TEST(e.file_size == 10u);
  BOOST_TEST(e.at_ms == now);
  BOOST_TEST(fx.assignments.empty());
  BOOST_TEST(d.store->counters().by_state.total() == 0u);
}

BOOST_AUTO_TEST_CASE(a_passing_watch_problem_moves_nothing) {
  Daemon d(1);
  d.boot();
  write_file(d.watch / "slow.ovf", "<Envelope>");
  write_file(d.watch / "slow-disk1.vmdk", "partial");
  msg::watch_problem p;
  p.file = "slow.ovf";
  p.reason = "slow.ovf: waiting for slow-disk2.vmdk";
  p.error_kind = "timeout";
  p.permanent = false;
  p.related = {"slow-disk1.vmdk"};
  auto fx = d.sched->on_problem(p, kT0);
  BOOST_TEST(fx.events.empty());
  BOOST_TEST(fs::exists(d.watch / "slow.ovf"));
  BOOST_TEST(fs::exists(d.watch / "slow-disk1.vmdk"));
  BOOST_TEST(!fs::exists(d.watch / ".errors"));
}

BOOST_AUTO_TEST_SUITE_END()

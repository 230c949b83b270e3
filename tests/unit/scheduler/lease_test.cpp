// Job leases in the scheduler (issue #9), without actors: reports from an
// attempt that no longer holds the job (stale, duplicate) are dropped and
// counted, never trusted and never fatal, and what that attempt staged goes;
// a lost slot's job goes back to the queue (charged only when the loss was
// the job's own); the stall watchdog cancels, then kills; same-name VMs get
// distinct folders; the start-up sweep removes only this daemon's staging;
// an interrupted archive is finished once.
#include "tests/unit/scheduler/scheduler_test_support.hpp"

#include "actors/scheduler/staging_sweep.hpp"

using namespace h2k;
using namespace h2k::scheduler_test;

namespace {

// A staging folder as the converter names it: ".<vm>.partial-<job>.e<epoch>.<instance>".
fs::path make_staging(const fs::path& dir, const std::string& vm, const std::string& job, std::uint64_t epoch,
                      const std::string& instance) {
  const fs::path p = dir / ("." + vm + ".partial-" + staging_tag(job, epoch, instance));
  write_file(p / "disk.qcow2.part", "half a disk");
  return p;
}

// Every file under `dir` with its content: to check a folder was not touched.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[e.path().lexically_relative(dir).string()] = read_file(e.path());
  return out;
}

msg::job_outcome outcome_of(const std::string& id, std::uint64_t epoch, const std::string& holder,
                            msg::job_outcome o) {
  o.job_id = id;
  o.epoch = epoch;
  o.holder = holder;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scheduler_leases)

BOOST_AUTO_TEST_CASE(a_stale_and_a_duplicate_outcome_are_dropped_counted_and_change_nothing) {
  Daemon d(1);
  d.boot();
  const std::string id = d.found("web01.ova", kT0);
  const auto first = d.lease(id);
  BOOST_TEST(first.epoch == 1u);
  BOOST_TEST(first.holder == d.sched->holder_of(0));
  BOOST_TEST(first.holder == "local/slot-1");
  // Epoch 1's slot is lost (killed from outside): the job is leased again, epoch 2.
  auto lost = d.sched->on_slot_lost(0, false, "killed", kT0 + kMinute);
  BOOST_TEST_REQUIRE(assigned_ids(lost) == std::vector<std::string>{id}, boost::test_tools::per_element());
  const auto second = d.lease(id);
  BOOST_TEST(second.epoch == 2u);
  const fs::path day = d.out / local_date(kT0 + kMinute);
  const std::string instance = d.store->instance_id();
  const fs::path stale_staging = make_staging(day, "web01", id, 1, instance);
  const fs::path live_staging = make_staging(day, "web01", id, 2, instance);

  // Epoch 1's worker was still running and reports late: a permanent failure
  // that, if trusted, would fail the job for good and move its file to .errors/.
  const Job before = d.job(id);
  SchedulerEffects stale;
  BOOST_CHECK_NO_THROW(stale = d.sched->on_outcome(
                           outcome_of(id, 1, first.holder, failed(id, "invalid_input", "web01.ova: truncated")),
                           kT0 + 2 * kMinute));
  BOOST_TEST(kinds(stale) == kinds_of({"stale_result"}), boost::test_tools::per_element());
  BOOST_TEST(event_of(stale, "stale_result").job_id == id);
  BOOST_TEST(stale.assignments.empty());
  BOOST_TEST(d.sched->stale_results() == 1u);
  const Job after = d.job(id);
  BOOST_TEST(after.state == JobState::Running);
  BOOST_TEST(after.epoch == 2u);
  BOOST_TEST(after.holder == second.holder);
  BOOST_TEST(after.attempts == before.attempts);
  BOOST_TEST(!after.last_error.has_value());
  BOOST_TEST(d.sched->running() == 1u);
  BOOST_TEST(fs::exists(d.watch / "web01.ova"));
  BOOST_TEST(!fs::exists(d.watch / ".errors"));
  BOOST_TEST(fs::exists(stale_staging), "removed before the commit (a crash would keep the lease, not its files)");
  d.commit(stale);
  BOOST_TEST(!fs::exists(stale_staging), "what the stale attempt staged is removed");
  BOOST_TEST(fs::exists(live_staging / "disk.qcow2.part"), "the current attempt's staging is kept");
  BOOST_TEST(d.control("status").body["stale_results"] == 1);

  // Epoch 2 completes and publishes.
  fs::remove_all(live_staging);  // renamed into place by the converter
  std::string folder;
  auto done = d.succeed(id, kT0 + 3 * kMinute, "web01", 12.5, 4096, &folder);
  BOOST_TEST(kinds(done) == kinds_of({"succeeded"}), boost::test_tools::per_element());
  const Job finished = d.job(id);
  const auto published = snapshot(d.out / folder);

  // The same outcome again (a duplicate of epoch 2, after the job is done).
  SchedulerEffects dup;
  BOOST_CHECK_NO_THROW(dup = d.sched->on_outcome(outcome_of(id, 2, second.holder, succeeded(id, folder)),
                                                 kT0 + 4 * kMinute));
  BOOST_TEST(kinds(dup) == kinds_of({"stale_result"}), boost::test_tools::per_element());
  BOOST_TEST(d.sched->stale_results() == 2u);
  const Job still = d.job(id);
  BOOST_TEST(still.state == JobState::Done);
  BOOST_TEST(still.finished_at == finished.finished_at);
  BOOST_TEST(still.attempts == finished.attempts);
  BOOST_TEST(still.output_path == finished.output_path);
  BOOST_TEST(snapshot(d.out / folder) == published, "the published folder is untouched");
  BOOST_TEST(d.store->counters().by_state.done == 1u);
  BOOST_TEST(d.control("status").body["stale_results"] == 2);
  BOOST_TEST(d.store->check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(a_report_for_a_job_never_heard_of_is_stale_not_an_error) {
  Daemon d(1);
  d.boot();
  SchedulerEffects fx;
  BOOST_CHECK_NO_THROW(fx = d.sched->on_outcome(outcome_of("job-404", 7, "local/slot-1", cancelled("job-404")), kT0));
  BOOST_TEST(kinds(fx) == kinds_of({"stale_result"}), boost::test_tools::per_element());
  BOOST_TEST(d.sched->stale_results() == 1u);
  BOOST_TEST(d.store->counters().by_state.total() == 0u);
}

BOOST_AUTO_TEST_CASE(stale_progress_planned_and_publish_requests_are_refused) {
  Daemon d(2);
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  const auto old = d.lease(id);
  d.sched->on_slot_lost(0, false, "killed", kT0 + kSecond);  // requeued, leased again as epoch 2
  const auto cur = d.lease(id);
  BOOST_TEST_REQUIRE(cur.epoch == old.epoch + 1);
  const std::string subdir = local_date(kT0);

  SchedulerEffects fx;
  // Progress of the old epoch: not shown, and it does not feed the watchdog.
  msg::job_progress p;
  p.job_id = id;
  p.epoch = old.epoch;
  p.holder = old.holder;
  p.phase = "copy";
  p.percent = 99;
  d.sched->on_progress(p, kT0 + 2 * kSecond, fx);
  BOOST_TEST(kinds(fx) == kinds_of({"stale_result"}), boost::test_tools::per_element());
  BOOST_TEST(d.control("job-status", {{"job_id", id}}).body["job"]["progress"].is_null());

  // The current epoch from the wrong holder is stale too.
  fx = {};
  msg::job_progress wrong_holder = d.progress(id, "copy", 50);
  wrong_holder.holder = cur.holder == "local/slot-1" ? "local/slot-2" : "local/slot-1";
  d.sched->on_progress(wrong_holder, kT0 + 3 * kSecond, fx);
  BOOST_TEST(kinds(fx) == kinds_of({"stale_result"}), boost::test_tools::per_element());

  // job_planned of the old epoch: no folder, no reservation.
  fx = {};
  BOOST_TEST(d.sched->on_planned({id, old.epoch, old.holder, subdir, "vm", ""}, kT0 + 4 * kSecond, fx).output_folder.empty());
  BOOST_TEST(kinds(fx) == kinds_of({"stale_result"}), boost::test_tools::per_element());
  BOOST_TEST(d.job(id).output_path.empty());

  // The current lease reserves; then the old epoch may not publish.
  const std::string folder = d.plan(id, "vm", kT0 + 5 * kSecond);
  BOOST_TEST_REQUIRE(!folder.empty());
  fx = {};
  BOOST_TEST(!d.sched->on_publish({id, old.epoch, old.holder}, kT0 + 6 * kSecond, fx));
  BOOST_TEST(kinds(fx) == kinds_of({"stale_result"}), boost::test_tools::per_element());
  BOOST_TEST(d.job(id).publishing_epoch == 0u, "no permission recorded for the old epoch");
  BOOST_TEST(d.sched->stale_results() == 4u);

  // The current lease still works.
  fx = {};
  d.sched->on_progress(d.progress(id, "copy", 10), kT0 + 7 * kSecond, fx);
  BOOST_TEST(fx.events.empty());
  BOOST_TEST(d.control("job-status", {{"job_id", id}}).body["job"]["progress"]["percent"] == 10.0);
  BOOST_TEST(d.sched->on_publish({id, cur.epoch, cur.holder}, kT0 + 8 * kSecond, fx));
  BOOST_TEST(d.job(id).publishing_epoch == cur.epoch);
}

BOOST_AUTO_TEST_CASE(a_lost_slots_job_is_queued_again_charged_only_when_the_loss_was_its_own) {
  Daemon d(2);  // max_retries 2: 3 charged runs
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  BOOST_TEST_REQUIRE(d.sched->running() == 1u);

  // Killed from outside: not the job's fault.
  auto fx1 = d.sched->on_slot_lost(0, false, "killed", kT0 + kMinute);
  BOOST_TEST(kinds(fx1) == kinds_of({"slot_lost", "started"}), boost::test_tools::per_element());
  BOOST_TEST(event_of(fx1, "slot_lost").error.find("local/slot-1") != std::string::npos,
             event_of(fx1, "slot_lost").error);
  BOOST_TEST_REQUIRE(assigned_ids(fx1) == std::vector<std::string>{id}, boost::test_tools::per_element());
  Job j = d.job(id);
  BOOST_TEST(j.attempts == 2);
  BOOST_TEST(j.interrupted == 1);
  BOOST_TEST(j.charged_attempts() == 1);
  BOOST_TEST(fx1.assignments.front().second.epoch == 2u);

  // An exception escaped its conversion: charged.
  const std::size_t slot = fx1.assignments.front().first;
  auto fx2 = d.sched->on_slot_lost(slot, true, "exception: bad_alloc", kT0 + 2 * kMinute);
  BOOST_TEST(kinds(fx2) == kinds_of({"slot_lost", "started"}), boost::test_tools::per_element());
  j = d.job(id);
  BOOST_TEST(j.attempts == 3);
  BOOST_TEST(j.interrupted == 1);
  BOOST_TEST(j.charged_attempts() == 2);
  BOOST_TEST(d.control("job-status", {{"job_id", id}}).body["job"]["interrupted"] == 1);

  // Charged again: its second charged run lost, one left.
  auto fx3a = d.sched->on_slot_lost(fx2.assignments.front().first, true, "exception", kT0 + 3 * kMinute);
  BOOST_TEST(kinds(fx3a) == kinds_of({"slot_lost", "started"}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(fx3a.assignments.size() == 1u);
  BOOST_TEST(d.job(id).charged_attempts() == 3);
  // The third charged run is lost: its budget (1 + 2 retries) is used up.
  auto fx3 = d.sched->on_slot_lost(fx3a.assignments.front().first, true, "exception", kT0 + 4 * kMinute);
  BOOST_TEST(kinds(fx3) == kinds_of({"failed"}), boost::test_tools::per_element());
  BOOST_TEST(fx3.assignments.empty(), "failed for good: not started again");
  j = d.job(id);
  BOOST_TEST(j.state == JobState::Failed);
  BOOST_TEST(j.attempts == 4);
  BOOST_TEST(j.charged_attempts() == 3);
  BOOST_REQUIRE(j.last_error.has_value());
  BOOST_TEST(j.last_error->kind == ErrorKind::Internal);
  BOOST_TEST(fs::exists(d.watch / ".errors" / "vm.ova"));
  BOOST_TEST(fs::exists(d.watch / ".errors" / "vm.ova.error.json"));
  BOOST_TEST(d.sched->running() == 0u);
  BOOST_TEST(d.sched->on_tick(kT0 + 60 * kMinute).assignments.empty());
}

BOOST_AUTO_TEST_CASE(a_slot_lost_after_its_job_published_marks_it_done_once) {
  Daemon d(1);
  d.boot();
  const std::string id = d.found("vm.ova", kT0);
  const auto l = d.lease(id);
  const std::string folder = d.plan(id, "vm", kT0 + kSecond);
  SchedulerEffects fx;
  BOOST_TEST_REQUIRE(d.sched->on_publish({id, l.epoch, l.holder}, kT0 + 2 * kSecond, fx));
  write_file(d.out / folder / "disk.qcow2", "converted");  // renamed; then the slot died
  auto lost = d.commit(d.sched->on_slot_lost(0, true, "exception", kT0 + kMinute));
  BOOST_TEST(kinds(lost) == kinds_of({"succeeded"}), boost::test_tools::per_element());
  BOOST_TEST(lost.assignments.empty(), "not run a second time");
  const Job j = d.job(id);
  BOOST_TEST(j.state == JobState::Done);
  BOOST_TEST(j.attempts == 1);
  BOOST_TEST(j.output_path == fs::path(folder));
  BOOST_TEST(!fs::exists(d.watch / "vm.ova"), "archived");
  BOOST_TEST(read_file(d.out / folder / "disk.qcow2") == "converted");
}

BOOST_AUTO_TEST_CASE(the_watchdog_cancels_a_silent_job_and_its_cancelled_answer_is_a_timeout_retry) {
  Daemon d(1);
  d.settings.job_stall_timeout_ms = 10 * kMinute;
  d.settings.stall_kill_grace_ms = 2 * kMinute;
  d.boot();
  const std::string id = d.found("slow.ova", kT0);
  // Reports keep it alive.
  BOOST_TEST(d.sched->on_tick(kT0 + 10 * kMinute - 1).cancels.empty());
  SchedulerEffects fx;
  d.sched->on_progress(d.progress(id, "copy", 5), kT0 + 9 * kMinute, fx);
  BOOST_TEST(d.sched->on_tick(kT0 + 18 * kMinute).cancels.empty(), "the progress report reset the clock");

  auto stalled = d.sched->on_tick(kT0 + 19 * kMinute);
  BOOST_TEST_REQUIRE(stalled.cancels.size() == 1u);
  BOOST_TEST(stalled.cancels.front().first == 0u);
  BOOST_TEST(stalled.cancels.front().second == id);
  BOOST_TEST(kinds(stalled) == kinds_of({"stalled"}), boost::test_tools::per_element());
  BOOST_TEST(event_of(stalled, "stalled").job_id == id);
  BOOST_TEST(stalled.kill_slots.empty());
  BOOST_TEST(d.sched->on_tick(kT0 + 20 * kMinute).cancels.empty(), "cancelled once");

  // The converter stops and answers "cancelled": a timeout, retried.
  auto answered = d.report(cancelled(id), kT0 + 20 * kMinute);
  BOOST_TEST(kinds(answered) == kinds_of({"retry_scheduled"}), boost::test_tools::per_element());
  const Job j = d.job(id);
  BOOST_TEST(j.state == JobState::RetryWait, "not cancelled for good: nobody asked for that");
  BOOST_REQUIRE(j.last_error.has_value());
  BOOST_TEST(j.last_error->kind == ErrorKind::Timeout);
  BOOST_TEST(j.last_error->reason.find("job_stall_timeout") != std::string::npos, j.last_error->reason);
  BOOST_TEST(d.control("job-status", {{"job_id", id}}).body["job"]["last_error"]["kind"] == "timeout");
  BOOST_TEST(d.sched->on_tick(kT0 + 60 * kMinute).kill_slots.empty());
}

BOOST_AUTO_TEST_CASE(a_stalled_slot_that_does_not_answer_the_cancel_is_killed_and_its_job_charged) {
  Daemon d(1);
  d.settings.job_stall_timeout_ms = 10 * kMinute;
  d.settings.stall_kill_grace_ms = 2 * kMinute;
  d.boot();
  const std::string id = d.found("hung.ova", kT0);
  BOOST_TEST_REQUIRE(d.sched->on_tick(kT0 + 10 * kMinute).cancels.size() == 1u);
  BOOST_TEST(d.sched->on_tick(kT0 + 12 * kMinute - 1).kill_slots.empty(), "within the grace");
  auto kill = d.sched->on_tick(kT0 + 12 * kMinute);
  BOOST_TEST(kill.kill_slots == std::vector<std::size_t>{0}, boost::test_tools::per_element());
  // The actor kills it (exit reason kill: "from outside"), the loss is still the job's.
  auto lost = d.sched->on_slot_lost(0, false, "killed", kT0 + 12 * kMinute + kSecond);
  BOOST_TEST(kinds(lost) == kinds_of({"slot_lost", "started"}), boost::test_tools::per_element());
  const Job j = d.job(id);
  BOOST_TEST(j.interrupted == 0, "a stalled job's loss is charged");
  BOOST_TEST(j.charged_attempts() == 2);
  BOOST_TEST(j.epoch == 2u);
}

BOOST_AUTO_TEST_CASE(three_vms_of_one_name_converted_at_once_get_three_distinct_folders) {
  Daemon d(3);
  d.boot();
  std::vector<std::string> ids;
  for (auto f : {"dc1/web01.ova", "dc2/web01.ova", "dc3/web01.ova"}) ids.push_back(d.found(f, kT0));
  BOOST_TEST_REQUIRE(d.sched->running() == 3u);
  // All three ask for their folder before any publishes.
  std::vector<std::string> folders;
  for (const auto& id : ids) folders.push_back(d.plan(id, "web01", kT0 + kSecond));
  BOOST_TEST(std::set<std::string>(folders.begin(), folders.end()).size() == 3u);
  BOOST_TEST(folders[0] == local_date(kT0) + "/web01");
  BOOST_TEST(folders[1] == local_date(kT0) + "/web01-" + ids[1]);
  BOOST_TEST(folders[2] == local_date(kT0) + "/web01-" + ids[2]);
  // And each publishes into its own.
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::string published;
    d.succeed(ids[i], kT0 + kMinute, "web01", 1, 1, &published);
    BOOST_TEST(published == folders[i]);
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    BOOST_TEST(d.state_of(ids[i]) == JobState::Done);
    BOOST_TEST(read_file(d.out / folders[i] / "disk.qcow2") == "converted " + ids[i]);
  }
}

BOOST_AUTO_TEST_CASE(the_start_up_sweep_removes_only_this_daemons_staging) {
  Daemon d(1);
  d.boot();
  const std::string mine = d.store->instance_id();
  const std::string other = mine == "0badcafe" ? "deadbeef" : "0badcafe";
  const fs::path day = d.out / "2023-11-14";
  const fs::path dead1 = make_staging(day, "web01", "job-1", 1, mine);
  const fs::path dead2 = make_staging(d.out, "web02", "job-2", 3, mine);
  const fs::path other_daemon = make_staging(day, "web03", "job-1", 1, other);
  const fs::path cli = day / ".web04.partial-12345-1";  // `hyperctl convert` (pid-n)
  write_file(cli / "disk.qcow2.part", "cli");
  write_file(day / "web05" / "disk.qcow2", "published");
  write_file(d.out / ".daemon-notes" / "x", "not staging");

  d.restart(kT0 + kMinute);
  BOOST_TEST(!fs::exists(dead1));
  BOOST_TEST(!fs::exists(dead2));
  BOOST_TEST(read_file(other_daemon / "disk.qcow2.part") == "half a disk", "another daemon may still write it");
  BOOST_TEST(read_file(cli / "disk.qcow2.part") == "cli", "a CLI run is not the daemon's");
  BOOST_TEST(read_file(day / "web05" / "disk.qcow2") == "published");
  BOOST_TEST(fs::exists(d.out / ".daemon-notes" / "x"));
}

namespace {

// A done job whose archive was cut by a crash after its first file
// (H2K_FAULT=mid_archive), then a restart. Returns the job id, its published
// folder and its archive folder; `vm` gets what the watcher had reported.
struct CutArchive {
  std::string id, folder, pending;
  msg::vm_found vm;
};
CutArchive cut_archive_and_restart(Daemon& d, std::int64_t restart_at) {
  CutArchive c;
  d.boot();
  write_file(d.watch / "erp" / "erp-disk1.vmdk", "disk");
  c.vm = d.drop("erp/erp.vmx", "vmx text");
  c.vm.sources = {"erp/erp.vmx", "erp/erp-disk1.vmdk"};
  auto found = d.sched->on_found(c.vm, kT0);
  BOOST_TEST_REQUIRE(found.assignments.size() == 1u);
  c.id = found.assignments.front().second.job_id;
  const auto l = d.lease(c.id);
  c.folder = d.plan(c.id, "erp", kT0 + kSecond);
  SchedulerEffects fx;
  BOOST_TEST_REQUIRE(d.sched->on_publish({c.id, l.epoch, l.holder}, kT0 + 2 * kSecond, fx));
  write_file(d.out / c.folder / "disk.qcow2", "converted");
  // "done" is committed with its archive still to do; the daemon dies after
  // moving the first file.
  auto done = d.sched->on_outcome(d.from_lease(succeeded(c.id, c.folder)), kT0 + kMinute);
  d.store->sync();
  BOOST_TEST_REQUIRE(done.archives == std::vector<std::string>{c.id}, boost::test_tools::per_element());
  c.pending = d.job(c.id).archive_pending;
  BOOST_TEST_REQUIRE(!c.pending.empty());
  write_file(d.watch / c.pending / "erp" / "erp.vmx", "vmx text");
  fs::remove(d.watch / "erp" / "erp.vmx");
  auto boot = d.restart(restart_at);
  BOOST_TEST(boot.assignments.empty(), "done: not run again");
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_archive_cut_by_a_crash_is_finished_once_at_start) {
  Daemon d(1);
  const auto c = cut_archive_and_restart(d, kT0 + 10 * kMinute);
  BOOST_TEST(!fs::exists(d.watch / "erp" / "erp-disk1.vmdk"), "the rest of the archive is done at start");
  BOOST_TEST(read_file(d.watch / c.pending / "erp" / "erp-disk1.vmdk") == "disk");
  BOOST_TEST(read_file(d.watch / c.pending / "erp" / "erp.vmx") == "vmx text", "moved once, not again");
  BOOST_TEST(!fs::exists(d.watch / c.pending / "erp" / "erp.vmx.1"));
  const Job j = d.job(c.id);
  BOOST_TEST(j.state == JobState::Done);
  BOOST_TEST(j.archive_pending.empty());
  BOOST_TEST(j.attempts == 1);
  BOOST_TEST(d.store->list_archive_pending().empty());
  BOOST_TEST(read_file(d.out / c.folder / "disk.qcow2") == "converted");
  // A second restart has nothing left to do.
  BOOST_TEST(d.restart(kT0 + 20 * kMinute).assignments.empty());
  BOOST_TEST(d.store->counters().by_state.total() == 1u);
}

// Once a done job's sources are archived, its primary leaves
// active_sources_; a report from a scan made before the move (here: the lone
// remaining disk, and the whole VM) must not become new jobs for files that
// are gone (they would fail for good into .errors/ for a VM that was
// converted: issue #9, ".errors/ is empty").
BOOST_AUTO_TEST_CASE(files_of_an_archived_job_reported_by_the_watcher_are_not_queued_again) {
  Daemon d(1);
  const std::int64_t later = kT0 + 10 * kMinute;
  const auto c = cut_archive_and_restart(d, later);
  // The watcher's scan from before the move reports what it saw: the
  // remaining disk (a lone .vmdk looks like a VM) and the whole VM.
  msg::vm_found rest;
  rest.sources = {"erp/erp-disk1.vmdk"};
  rest.file_type = "vmdk";
  rest.total_bytes = 4;
  auto fx_rest = d.sched->on_found(rest, later + kSecond);
  auto fx_whole = d.sched->on_found(c.vm, later + 2 * kSecond);
  BOOST_TEST(fx_rest.events.empty(), fx_rest.events.size() << " event(s): a job for a file no longer in the queue");
  BOOST_TEST(fx_whole.events.empty(), fx_whole.events.size() << " event(s): a job for a VM already converted");
  BOOST_TEST(fx_rest.assignments.empty());
  BOOST_TEST(d.store->counters().by_state.total() == 1u);
  BOOST_TEST(d.state_of(c.id) == JobState::Done);
}

BOOST_AUTO_TEST_SUITE_END()

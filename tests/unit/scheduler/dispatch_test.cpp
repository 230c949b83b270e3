// A VM the watcher finds becomes a queued job and goes to a free converter
// slot; jobs wait for slots in priority order; a file already known or
// already converted does not become a second job.
#include "tests/unit/scheduler/scheduler_test_support.hpp"

using namespace h2k;
using namespace h2k::scheduler_test;

BOOST_AUTO_TEST_SUITE(scheduler_dispatch)

BOOST_AUTO_TEST_CASE(found_vm_is_queued_then_started_on_a_free_slot) {
  Daemon d(2);
  auto boot = d.boot(kT0);
  BOOST_TEST(boot.assignments.empty());
  BOOST_TEST(boot.events.empty());

  const std::int64_t now = kT0 + 5 * kSecond;
  auto fx = d.sched->on_found(d.drop("web.ova", "0123456789", "normal"), now);

  BOOST_TEST(kinds(fx) == kinds_of({"queued", "started"}), boost::test_tools::per_element());
  const auto queued = event_of(fx, "queued");
  BOOST_TEST(!queued.job_id.empty());
  BOOST_TEST(queued.filename == "web.ova");
  BOOST_TEST(queued.file_type == "ova");
  BOOST_TEST(queued.file_size == 10u);
  BOOST_TEST(queued.attempt == 0);
  BOOST_TEST(queued.at_ms == now);
  const auto started = event_of(fx, "started");
  BOOST_TEST(started.job_id == queued.job_id);
  BOOST_TEST(started.attempt == 1);

  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const auto& [slot, a] = fx.assignments.front();
  BOOST_TEST(slot == 0u);
  BOOST_TEST(a.job_id == queued.job_id);
  BOOST_TEST(a.sources == std::vector<std::string>{"web.ova"}, boost::test_tools::per_element());
  BOOST_TEST(a.file_type == "ova");
  BOOST_TEST(a.attempt == 1);
  BOOST_TEST(a.output_subdir == local_date(now));

  const Job job = d.job(a.job_id);
  BOOST_TEST(job.state == JobState::Running);
  BOOST_TEST(job.attempts == 1);
  BOOST_TEST(job.started_at == now);
  auto q = d.sched->queue_state();
  BOOST_TEST(q.running == 1u);
  BOOST_TEST(q.queued == 0u);
  BOOST_TEST(q.mode == "running");
}

BOOST_AUTO_TEST_CASE(multi_file_vm_is_assigned_with_all_its_sources_primary_first) {
  Daemon d(1);
  d.boot();
  write_file(d.watch / "db01" / "db01-disk1.vmdk", "disk one");
  write_file(d.watch / "db01" / "db01-disk2.vmdk", "disk two!");
  msg::vm_found vm = d.drop("db01/db01.vmx", "config.version = \"8\"\n");
  vm.sources = {"db01/db01.vmx", "db01/db01-disk1.vmdk", "db01/db01-disk2.vmdk"};
  auto fx = d.sched->on_found(vm, kT0);

  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  BOOST_TEST(fx.assignments.front().second.sources == vm.sources, boost::test_tools::per_element());
  BOOST_TEST(fx.assignments.front().second.file_type == "vmx");
  // The event's size is every source together, read from the files.
  BOOST_TEST(event_of(fx, "queued").file_size == 21u + 8u + 9u);
  BOOST_TEST(event_of(fx, "queued").filename == "db01/db01.vmx");
}

BOOST_AUTO_TEST_CASE(with_one_slot_the_second_vm_waits_for_the_first_outcome) {
  Daemon d(1);
  d.boot();
  SchedulerEffects fx_a, fx_b;
  const std::string a = d.found("a.ova", kT0, "normal", "", &fx_a);
  const std::string b = d.found("b.ova", kT0 + kSecond, "normal", "", &fx_b);

  BOOST_TEST(assigned_ids(fx_a) == std::vector<std::string>{a}, boost::test_tools::per_element());
  BOOST_TEST(kinds(fx_b) == kinds_of({"queued"}), boost::test_tools::per_element());
  BOOST_TEST(fx_b.assignments.empty());
  BOOST_TEST(d.state_of(b) == JobState::Queued);
  auto q = d.sched->queue_state();
  BOOST_TEST(q.queued == 1u);
  BOOST_TEST(q.running == 1u);

  // Time alone does not free the slot.
  BOOST_TEST(d.sched->on_tick(kT0 + 10 * kMinute).assignments.empty());

  auto done = d.succeed(a, kT0 + 11 * kMinute);
  BOOST_TEST(kinds(done) == kinds_of({"succeeded", "started"}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(done.assignments.size() == 1u);
  BOOST_TEST(done.assignments.front().first == 0u);
  BOOST_TEST(done.assignments.front().second.job_id == b);
  BOOST_TEST(done.assignments.front().second.sources == std::vector<std::string>{"b.ova"},
             boost::test_tools::per_element());
  BOOST_TEST(d.state_of(b) == JobState::Running);
}

BOOST_AUTO_TEST_CASE(two_slots_run_two_jobs_at_once_on_different_slots) {
  Daemon d(2);
  d.boot();
  SchedulerEffects f1, f2, f3;
  d.found("a.ova", kT0, "normal", "", &f1);
  d.found("b.ova", kT0, "normal", "", &f2);
  d.found("c.ova", kT0, "normal", "", &f3);
  BOOST_TEST_REQUIRE(f1.assignments.size() == 1u);
  BOOST_TEST_REQUIRE(f2.assignments.size() == 1u);
  BOOST_TEST(f1.assignments.front().first != f2.assignments.front().first);
  BOOST_TEST(f3.assignments.empty());
  BOOST_TEST(d.sched->running() == 2u);
}

BOOST_AUTO_TEST_CASE(waiting_jobs_start_high_before_normal_before_low_fifo_within_a_priority) {
  Daemon d(1);
  d.boot();
  const std::string busy = d.found("busy.ova", kT0);  // holds the only slot
  const std::string low1 = d.found("low1.ova", kT0 + 1, "low");
  const std::string normal1 = d.found("normal1.ova", kT0 + 2, "normal");
  const std::string high1 = d.found("high1.ova", kT0 + 3, "high");
  const std::string normal2 = d.found("normal2.ova", kT0 + 4, "normal");
  const std::string high2 = d.found("high2.ova", kT0 + 5, "high");
  const std::string low2 = d.found("low2.ova", kT0 + 6, "low");
  const std::vector<std::string> expected{high1, high2, normal1, normal2, low1, low2};

  // job-status tells each job's place in the line.
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto r = d.control("job-status", {{"job_id", expected[i]}});
    BOOST_TEST_REQUIRE(r.ok, r.body.dump());
    BOOST_TEST(r.body["job"]["state"] == "queued");
    BOOST_TEST(r.body["job"]["queue_position"] == json(i + 1), expected[i] << ": " << r.body.dump());
  }
  // The running job has no place in the line.
  auto running = d.control("job-status", {{"job_id", busy}});
  BOOST_TEST(running.body["job"]["queue_position"].is_null());
  BOOST_TEST(running.body["job"]["state"] == "running");

  // list-jobs shows the queue in the same order.
  auto listed = d.control("list-jobs", {{"state", "queued"}});
  BOOST_TEST_REQUIRE(listed.ok);
  std::vector<std::string> listed_ids;
  for (const auto& j : listed.body["jobs"]) listed_ids.push_back(j["id"].get<std::string>());
  BOOST_TEST(listed_ids == expected, boost::test_tools::per_element());

  // And the slot takes them in that order.
  std::vector<std::string> started;
  std::string current = busy;
  std::int64_t now = kT0 + kMinute;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto fx = d.succeed(current, now += kMinute);
    BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
    current = fx.assignments.front().second.job_id;
    started.push_back(current);
  }
  BOOST_TEST(started == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_unknown_priority_from_the_watcher_counts_as_normal) {
  Daemon d(1);
  d.boot();
  d.found("busy.ova", kT0);
  const std::string odd = d.found("odd.ova", kT0 + 1, "urgent!!");
  BOOST_TEST(d.job(odd).priority == JobPriority::Normal);
}

BOOST_AUTO_TEST_CASE(the_same_primary_source_found_again_while_active_is_ignored) {
  Daemon d(1);
  d.boot();
  const std::string a = d.found("a.ova", kT0);  // running
  const std::string b = d.found("b.ova", kT0);  // queued
  // The watcher reports both again (a rescan, a restart of the watcher).
  auto again_a = d.sched->on_found(d.drop("a.ova", "bytes of a.ova"), kT0 + kMinute);
  auto again_b = d.sched->on_found(d.drop("b.ova", "bytes of b.ova"), kT0 + kMinute);
  BOOST_TEST(again_a.events.empty());
  BOOST_TEST(again_a.assignments.empty());
  BOOST_TEST(again_b.events.empty());
  BOOST_TEST(again_b.assignments.empty());
  auto counts = d.store->counters().by_state;
  BOOST_TEST(counts.total() == 2u);
  BOOST_TEST(counts.running == 1u);
  BOOST_TEST(counts.queued == 1u);
  BOOST_TEST(d.state_of(a) == JobState::Running);
  BOOST_TEST(d.state_of(b) == JobState::Queued);
}

BOOST_AUTO_TEST_CASE(a_file_already_converted_is_a_duplicate_archived_without_a_job) {
  Daemon d(1);
  d.boot();
  const std::string first = d.found("app.ova", kT0, "normal", "sha256:aaaa");
  d.succeed(first, kT0 + kMinute);

  // The same VM dropped again under another name.
  const std::int64_t now = kT0 + 2 * kMinute;
  msg::vm_found copy = d.drop("app-copy.ova", "bytes of app.ova", "normal", "sha256:aaaa");
  auto fx = d.sched->on_found(copy, now);

  BOOST_TEST(kinds(fx) == kinds_of({"duplicate"}), boost::test_tools::per_element());
  const auto e = event_of(fx, "duplicate");
  BOOST_TEST(e.job_id.empty());
  BOOST_TEST(e.filename == "app-copy.ova");
  BOOST_TEST(e.file_size == copy.total_bytes);
  BOOST_TEST(e.error.find(first) != std::string::npos, "event names the earlier job: " << e.error);
  BOOST_TEST(fx.assignments.empty());
  BOOST_TEST(d.store->counters().by_state.total() == 1u);
  BOOST_TEST(!fs::exists(d.watch / "app-copy.ova"));
  const fs::path archived = d.watch / ".processed" / local_date(now) / "app-copy.ova";
  BOOST_TEST(fs::exists(archived));
  BOOST_TEST(read_file(archived) == "bytes of app.ova");
}

BOOST_AUTO_TEST_CASE(a_duplicate_stays_in_place_when_archiving_is_off) {
  Daemon d(1);
  d.settings.archive_processed = false;
  d.boot();
  const std::string first = d.found("app.ova", kT0, "normal", "k1");
  d.succeed(first, kT0 + kMinute);
  BOOST_TEST(fs::exists(d.watch / "app.ova"), "archiving is off: the converted file stays");

  auto fx = d.sched->on_found(d.drop("again.ova", "x", "normal", "k1"), kT0 + 2 * kMinute);
  BOOST_TEST(kinds(fx) == kinds_of({"duplicate"}), boost::test_tools::per_element());
  BOOST_TEST(fs::exists(d.watch / "again.ova"));
  BOOST_TEST(!fs::exists(d.watch / ".processed"));
}

BOOST_AUTO_TEST_CASE(with_deduplication_off_the_same_key_is_converted_again) {
  Daemon d(1);
  d.settings.enable_deduplication = false;
  d.boot();
  const std::string first = d.found("app.ova", kT0, "normal", "k1");
  d.succeed(first, kT0 + kMinute);
  SchedulerEffects fx;
  const std::string second = d.found("app-copy.ova", kT0 + 2 * kMinute, "normal", "k1", &fx);
  BOOST_TEST(second != first);
  BOOST_TEST(assigned_ids(fx) == std::vector<std::string>{second}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_failed_conversion_does_not_make_its_key_a_duplicate) {
  Daemon d(1);
  d.boot();
  const std::string first = d.found("bad.ova", kT0, "normal", "k-bad");
  d.report(failed(first, "invalid_input", "bad.ova: not a tar archive"), kT0 + kMinute);
  SchedulerEffects fx;
  const std::string second = d.found("bad-fixed.ova", kT0 + 2 * kMinute, "normal", "k-bad", &fx);
  BOOST_TEST(second != first);
  BOOST_TEST(assigned_ids(fx) == std::vector<std::string>{second}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_empty_report_changes_nothing) {
  Daemon d(1);
  d.boot();
  auto fx = d.sched->on_found(msg::vm_found{}, kT0);
  BOOST_TEST(fx.events.empty());
  BOOST_TEST(fx.assignments.empty());
  BOOST_TEST(d.store->counters().by_state.total() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

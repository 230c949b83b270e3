// vSphere jobs (hyperctl convert --vm): the export phase is a lease like a
// conversion, taken only by export slots; an accepted "exported" outcome
// moves the same job to the conversion queue with the exported files, in one
// store transition; a stale or forged one changes nothing; a failed export
// leaves nothing in the queue; the password never reaches the store.
#include "tests/unit/scheduler/scheduler_test_support.hpp"

#include <fstream>
#include <iterator>

using namespace h2k;
using namespace h2k::scheduler_test;

namespace {

// A daemon with one converter slot and one export slot.
struct ExportDaemon : Daemon {
  ExportDaemon() : Daemon(1) { settings.export_slots = 1; }

  std::string submit(const std::string& vm, const std::string& password = "s3cret-pw", std::int64_t now = kT0,
                     SchedulerEffects* fx_out = nullptr) {
    SchedulerEffects fx;
    auto r = control("convert-vm", {{"vm", vm}, {"vcenter", "vc.example:8989"}, {"username", "admin"},
                                    {"password", password}, {"priority", "high"}},
                     now, fx);
    BOOST_TEST_REQUIRE(r.ok, r.body.dump());
    if (fx_out) *fx_out = fx;
    return r.body["job"]["id"].get<std::string>();
  }

};

std::string raw_store_dump(const fs::path& db) {
  std::string all;
  for (auto& f : fs::recursive_directory_iterator(db)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(export_phase)

BOOST_AUTO_TEST_CASE(a_vsphere_job_goes_to_the_export_slot_with_its_request) {
  ExportDaemon d;
  d.boot();
  SchedulerEffects fx;
  const std::string id = d.submit("web01", "s3cret-pw", kT0, &fx);
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const auto& [slot, a] = fx.assignments.front();
  BOOST_TEST(d.sched->slot_is_exporter(slot));
  BOOST_TEST(a.job_id == id);
  BOOST_TEST(a.source_root == "vsphere");
  BOOST_TEST(a.holder == "local/export-1");
  const auto req = json::parse(a.export_request);
  BOOST_TEST(req["vm"] == "web01");
  BOOST_TEST(req["vcenter"] == "vc.example:8989");
  BOOST_TEST(req["password"] == "s3cret-pw");  // in the message, from memory
  const auto view = d.control("job-status", {{"job_id", id}}).body["job"];
  BOOST_TEST(view["vsphere"]["exported"] == false);
  BOOST_TEST(view["state"] == "running");
  BOOST_TEST(view.dump().find("s3cret-pw") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_password_is_never_written_to_the_store) {
  ExportDaemon d;
  d.boot();
  d.submit("web01", "pw-never-on-disk-4711");
  d.store->sync();
  d.sched.reset();
  d.store.reset();  // flushed and closed: everything the store holds is in its files
  BOOST_TEST(raw_store_dump(d.db).find("pw-never-on-disk-4711") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_accepted_export_queues_the_same_job_for_conversion) {
  ExportDaemon d;
  d.boot();
  const std::string id = d.submit("web01");
  auto fx = d.sched->on_outcome(d.exported(id, "web01"), kT0 + kMinute);
  BOOST_TEST(kinds(fx) == kinds_of({"exported", "started"}), boost::test_tools::per_element());
  BOOST_TEST(event_of(fx, "exported").origin == "vsphere://vc.example:8989/web01");
  // The converter slot takes it at once, with the manifest as its primary source.
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  const auto& [slot, a] = fx.assignments.front();
  BOOST_TEST(!d.sched->slot_is_exporter(slot));
  BOOST_TEST(a.source_root == "watch");
  BOOST_TEST(a.file_type == "manifest");
  BOOST_TEST(a.sources.front() == ".exports/" + id + "-e1/web01/manifest.json");
  BOOST_TEST(a.attempt == 1);  // the conversion's own budget
  const Job j = d.job(id);
  BOOST_TEST(j.export_source->exported);
  BOOST_TEST(j.export_source->exported_epoch == 1u);
  BOOST_TEST(j.epoch == 2u);
  BOOST_TEST(d.store->check_consistency().empty());
}

BOOST_AUTO_TEST_CASE(a_stale_or_forged_export_is_rejected) {
  ExportDaemon d;
  d.boot();
  const std::string id = d.submit("web01");
  auto o = d.exported(id, "web01");
  auto stale = o;
  stale.epoch += 7;
  auto fx = d.sched->on_outcome(stale, kT0 + kSecond);
  BOOST_TEST(d.sched->stale_results() == 1u);
  BOOST_TEST(d.state_of(id) == JobState::Running);
  BOOST_TEST(!d.job(id).export_source->exported);
  // Files outside its own folder: not accepted, the attempt counts as failed.
  auto forged = o;
  forged.files = {"../../etc/passwd"};
  fx = d.sched->on_outcome(forged, kT0 + 2 * kSecond);
  BOOST_TEST(d.state_of(id) == JobState::RetryWait);
  BOOST_TEST(d.job(id).needs_export());
  BOOST_TEST(d.job(id).last_error->reason.find("export rejected") == 0u);
}

BOOST_AUTO_TEST_CASE(converter_slots_never_take_an_export_and_exporters_never_convert) {
  ExportDaemon d;
  d.boot();
  const std::string a = d.submit("vm-a");
  const std::string b = d.submit("vm-b");  // waits: one export slot
  BOOST_TEST(d.state_of(b) == JobState::Queued);
  // A dropped file goes to the (free) converter slot, not to the waiting export.
  SchedulerEffects fx;
  const std::string file = d.found("plain.vmdk", kT0 + kSecond, "normal", "", &fx);
  BOOST_TEST(d.state_of(file) == JobState::Running);
  BOOST_TEST(d.job(file).holder == "local/slot-1");
  BOOST_TEST(d.control("job-status", {{"job_id", b}}).body["job"]["queue_position"] == 1);
  // a's export done: b's export starts; a waits for the busy converter.
  fx = d.sched->on_outcome(d.exported(a, "vm-a"), kT0 + 2 * kSecond);
  BOOST_TEST(d.state_of(b) == JobState::Running);
  BOOST_TEST(d.job(b).holder == "local/export-1");
  BOOST_TEST(d.state_of(a) == JobState::Queued);
  BOOST_TEST(d.control("job-status", {{"job_id", a}}).body["job"]["queue_position"] == 1);
}

BOOST_AUTO_TEST_CASE(a_failed_export_is_retried_then_fails_with_nothing_left_in_the_queue) {
  ExportDaemon d;
  d.boot();
  const std::string id = d.submit("web01");
  std::int64_t now = kT0;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const auto l = d.lease(id);
    const fs::path folder = d.watch / ".exports" / (id + "-e" + std::to_string(l.epoch));
    write_file(folder / "web01" / ".export-partial" / "disk-0.vmdk.part", "half");
    msg::job_outcome o;
    o.job_id = id;
    o.status = "failed";
    o.error_kind = "io_error";
    o.error = "connection refused";
    o.phase = "export";
    now += kMinute;
    d.sched->on_outcome(d.from_lease(o), now);
    if (attempt < 3) {
      BOOST_TEST_REQUIRE(d.state_of(id) == JobState::RetryWait);
      now = d.job(id).next_attempt_at;
      d.sched->on_tick(now);
    }
  }
  BOOST_TEST(d.state_of(id) == JobState::Failed);
  BOOST_TEST(!fs::exists(d.watch / ".exports" / (id + "-e1")));
  BOOST_TEST(!fs::exists(d.watch / ".exports" / (id + "-e3")));
  BOOST_TEST(fs::exists(d.watch / ".errors" / "web01.error.json"));
}

BOOST_AUTO_TEST_CASE(a_daemon_restart_mid_export_exports_again_under_a_new_lease) {
  ExportDaemon d;
  d.boot();
  const std::string id = d.submit("web01");
  const auto before = d.lease(id);
  auto fx = d.restart(kT0 + kMinute);
  const auto after = d.lease(id);
  BOOST_TEST(after.epoch > before.epoch);
  BOOST_TEST(after.holder == "local/export-1");
  BOOST_TEST_REQUIRE(fx.assignments.size() == 1u);
  // The restarted daemon has no password in memory: the request carries none.
  BOOST_TEST(!json::parse(fx.assignments.front().second.export_request).contains("password"));
  // The old lease's report is stale.
  msg::job_outcome late;
  late.job_id = id;
  late.epoch = before.epoch;
  late.holder = before.holder;
  late.status = "exported";
  d.sched->on_outcome(late, kT0 + 2 * kMinute);
  BOOST_TEST(d.state_of(id) == JobState::Running);
  BOOST_TEST(!d.job(id).export_source->exported);
}

// An exporter that goes on after its lease moved (frozen, then thawed) and
// writes its whole folder again after the job's clean-ups: its late report
// is stale, and its folder goes; the accepted export's folder stays (the
// conversion reads it).
BOOST_AUTO_TEST_CASE(a_stale_exporters_late_folder_is_removed_and_the_accepted_one_kept) {
  ExportDaemon d;
  d.boot();
  const std::string id = d.submit("web01");
  const msg::job_outcome first = d.exported(id, "web01");  // epoch 1's files, not reported yet
  d.restart(kT0 + kMinute);
  const msg::job_outcome second = d.exported(id, "web01");
  BOOST_TEST_REQUIRE(second.epoch > first.epoch);
  d.sched->on_outcome(second, kT0 + 2 * kMinute);
  BOOST_TEST_REQUIRE(d.job(id).export_source->exported);
  const fs::path old_dir = d.watch / first.output_path, accepted = d.watch / second.output_path;
  BOOST_TEST(!fs::exists(old_dir), "the accepted export clears the other attempts' folders");
  // The old exporter writes its folder again and reports.
  write_file(old_dir / "web01" / "disk-0.vmdk", "late disk bytes");
  d.sched->on_outcome(first, kT0 + 3 * kMinute);
  BOOST_TEST(d.sched->stale_results() == 1u);
  BOOST_TEST(!fs::exists(old_dir), "the stale export's folder is left on the share");
  BOOST_TEST(read_file(accepted / "web01" / "disk-0.vmdk") == "disk bytes");
  // A stale report of the accepted epoch itself (a duplicate) keeps its folder.
  d.sched->on_outcome(second, kT0 + 4 * kMinute);
  BOOST_TEST(fs::exists(accepted / "web01" / "manifest.json"));
}

BOOST_AUTO_TEST_CASE(convert_vm_errors_name_the_argument) {
  ExportDaemon d;
  d.boot();
  BOOST_TEST(d.control("convert-vm", {{"vcenter", "vc"}}).error().find("vm") != std::string::npos);
  BOOST_TEST(d.control("convert-vm", {{"vm", "x"}}).error().find("vcenter") != std::string::npos);
  Daemon no_exporter(1);
  no_exporter.boot();
  auto r = no_exporter.control("convert-vm", {{"vm", "x"}, {"vcenter", "vc"}});
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.error().find("no export slot") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_journal_tells_the_jobs_story) {
  ExportDaemon d;
  d.boot();
  SchedulerEffects fx;
  const std::string id = d.submit("web01", "pw", kT0, &fx);
  d.sched->journal_events(fx.events);
  fx = d.sched->on_outcome(d.exported(id, "web01"), kT0 + kMinute);
  d.sched->journal_events(fx.events);
  auto r = d.control("job-log", {{"job_id", id}});
  BOOST_TEST_REQUIRE(r.ok);
  const auto lines = strings_of(r.body["lines"]);
  BOOST_TEST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(lines[0].find("queued: vsphere://vc.example:8989/web01") != std::string::npos);
  BOOST_TEST(lines[2].find("exported") != std::string::npos);
  BOOST_TEST(r.body["next"] == 4);
  BOOST_TEST(r.body["final"] == false);
  auto more = d.control("job-log", {{"job_id", id}, {"since", 4}});
  BOOST_TEST(more.body["lines"].empty());
}

BOOST_AUTO_TEST_SUITE_END()

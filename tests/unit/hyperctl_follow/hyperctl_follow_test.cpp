// hyperctl convert --follow / --batch: what a job view turns into on the
// screen, the per-disk export lines, and the batch throttle.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>

#include "tools/hyperctl/follow_view.hpp"

using json = nlohmann::json;
using namespace h2k::hyperctl;

namespace {

json vsphere_job(const std::string& state, bool exported) {
  return {{"id", "j1"},
          {"state", state},
          {"priority", "normal"},
          {"file_type", "vmx"},
          {"sources", {"web01.vmx"}},
          {"attempts", 1},
          {"queue_position", nullptr},
          {"last_error", nullptr},
          {"progress", nullptr},
          {"output_dir", nullptr},
          {"domain_xml", nullptr},
          {"vsphere", {{"vcenter", "vc.example.com"}, {"vm", "web01"}, {"datacenter", "DC0"}, {"exported", exported}}}};
}

json with_export_message(json job, const std::string& message) {
  job["progress"] = {{"phase", "export"}, {"percent", 0}, {"bytes_done", 0}, {"bytes_total", 0},
                     {"rate_bps", 0},     {"eta_s", -1},  {"message", message}};
  return job;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hyperctl_follow)

BOOST_AUTO_TEST_CASE(stages_follow_state_and_export_flag) {
  BOOST_CHECK(follow_stage(vsphere_job("queued", false)) == FollowStage::connect);
  BOOST_CHECK(follow_stage(vsphere_job("running", false)) == FollowStage::export_);
  BOOST_CHECK(follow_stage(vsphere_job("queued", true)) == FollowStage::queued);
  BOOST_CHECK(follow_stage(vsphere_job("running", true)) == FollowStage::converting);
  BOOST_CHECK(follow_stage(vsphere_job("retry_wait", false)) == FollowStage::retry_wait);
  BOOST_CHECK(follow_stage(vsphere_job("done", true)) == FollowStage::done);
  BOOST_CHECK(follow_stage(vsphere_job("failed", false)) == FollowStage::failed);
  BOOST_CHECK(follow_stage(vsphere_job("cancelled", false)) == FollowStage::cancelled);
  // An ordinary (file) job has "vsphere": null: never in an export stage.
  json plain = vsphere_job("running", false);
  plain["vsphere"] = nullptr;
  BOOST_CHECK(follow_stage(plain) == FollowStage::converting);
  plain["state"] = "queued";
  BOOST_CHECK(follow_stage(plain) == FollowStage::queued);
}

BOOST_AUTO_TEST_CASE(final_states) {
  for (const char* s : {"done", "failed", "cancelled"}) BOOST_CHECK_MESSAGE(is_final_state(s), s);
  for (const char* s : {"queued", "running", "retry_wait", "", "DONE"}) BOOST_CHECK_MESSAGE(!is_final_state(s), s);
}

BOOST_AUTO_TEST_CASE(export_message_lines_parse_and_malformed_ones_are_skipped) {
  const auto disks = parse_export_disks(
      "web01.vmdk 1073741824 4294967296\n"
      "web01 data disk.vmdk 5 0\n"         // a name with spaces; size unknown
      "garbage\n"                          // one word
      "x.vmdk 12\n"                        // one number only
      "y.vmdk -1 100\n"                    // negative
      "z.vmdk 10 1e3\n"                    // not an integer
      "\n"
      "  \t\n"
      "w.vmdk 99999999999999999999999 1\n" // overflows 64 bits
      "last.vmdk 7 8\r");                  // CRLF tolerated
  BOOST_REQUIRE_EQUAL(disks.size(), 3u);
  BOOST_CHECK_EQUAL(disks[0].name, "web01.vmdk");
  BOOST_CHECK_EQUAL(disks[0].done, 1073741824u);
  BOOST_CHECK_EQUAL(disks[0].total, 4294967296u);
  BOOST_CHECK_EQUAL(disks[1].name, "web01 data disk.vmdk");
  BOOST_CHECK_EQUAL(disks[1].done, 5u);
  BOOST_CHECK_EQUAL(disks[1].total, 0u);
  BOOST_CHECK_EQUAL(disks[2].name, "last.vmdk");
  BOOST_CHECK(parse_export_disks("").empty());
  BOOST_CHECK(parse_export_disks("no numbers here at all").empty());
}

BOOST_AUTO_TEST_CASE(disk_of_unknown_size_shows_bytes_and_no_percentage) {
  const std::string line = render_disk_line({"disk-1.vmdk", 3 * 1024 * 1024, 0});
  BOOST_CHECK(contains(line, "disk-1.vmdk"));
  BOOST_CHECK(contains(line, "3.0 MiB so far"));
  BOOST_CHECK(!contains(line, "%"));
  BOOST_CHECK(!contains(line, "["));  // no bar either
  // Zero bytes of an unknown size: still no percentage (no division by zero).
  BOOST_CHECK(!contains(render_disk_line({"d.vmdk", 0, 0}), "%"));
}

BOOST_AUTO_TEST_CASE(disk_of_known_size_has_bar_and_percentage) {
  const std::string line = render_disk_line({"disk-0.vmdk", 1024ull * 1024 * 1024, 4ull * 1024 * 1024 * 1024});
  BOOST_CHECK(contains(line, "[#####---------------]"));
  BOOST_CHECK(contains(line, "25.0%"));
  BOOST_CHECK(contains(line, "1.0 GiB of 4.0 GiB"));
  // More bytes than announced (a thin disk grown while exporting): capped at 100 %.
  BOOST_CHECK(contains(render_disk_line({"d", 200, 100}), "100.0%"));
}

BOOST_AUTO_TEST_CASE(export_total_only_when_every_size_is_known) {
  BOOST_CHECK(!export_total_percent({}).has_value());
  BOOST_CHECK(!export_total_percent({{"a", 10, 100}, {"b", 5, 0}}).has_value());
  const auto pct = export_total_percent({{"a", 50, 100}, {"b", 0, 100}});
  BOOST_REQUIRE(pct.has_value());
  BOOST_CHECK_CLOSE(*pct, 25.0, 1e-9);
}

BOOST_AUTO_TEST_CASE(export_view_has_one_bar_per_disk_and_a_total) {
  const json job = with_export_message(vsphere_job("running", false), "a.vmdk 50 100\nb.vmdk 0 100\nbad line\n");
  const auto lines = render_follow_lines(job);
  BOOST_REQUIRE_EQUAL(lines.size(), 4u);  // header, two disks, total
  BOOST_CHECK(contains(lines[0], "export: web01 from vc.example.com"));
  BOOST_CHECK(contains(lines[1], "a.vmdk") && contains(lines[1], "50.0%"));
  BOOST_CHECK(contains(lines[2], "b.vmdk") && contains(lines[2], "0.0%"));
  BOOST_CHECK(contains(lines[3], "total: 25% of 2 disks"));
  BOOST_CHECK_EQUAL(render_follow_summary(job).rfind("export: 25% of 2 disks", 0), 0u);

  // One disk of unknown size: the total is bytes so far, never a percentage.
  const json unknown = with_export_message(vsphere_job("running", false), "a.vmdk 1024 2048\nb.vmdk 1024 0\n");
  const std::string total = render_follow_lines(unknown).back();
  BOOST_CHECK(contains(total, "2.0 KiB so far"));
  BOOST_CHECK(!contains(total, "%"));
}

BOOST_AUTO_TEST_CASE(queued_converting_connect_lines) {
  json queued = vsphere_job("queued", true);
  queued["queue_position"] = 3;
  BOOST_CHECK_EQUAL(render_follow_lines(queued).front(), "queued (position 3)");
  BOOST_CHECK(contains(render_follow_lines(vsphere_job("queued", false)).front(), "connect:"));
  json running = vsphere_job("running", true);
  running["progress"] = {{"phase", "copy"}, {"percent", 45.7}, {"message", "ignored.vmdk 1 2"}};
  BOOST_CHECK_EQUAL(render_follow_summary(running).rfind("converting: copy 45%", 0), 0u);
}

BOOST_AUTO_TEST_CASE(change_key_moves_on_stage_phase_decile_and_attempt_only) {
  json job = vsphere_job("running", true);
  job["progress"] = {{"phase", "copy"}, {"percent", 41.0}};
  const std::string k41 = follow_change_key(job);
  job["progress"]["percent"] = 49.9;
  BOOST_CHECK_EQUAL(follow_change_key(job), k41);
  job["progress"]["percent"] = 50.0;
  BOOST_CHECK_NE(follow_change_key(job), k41);
  const std::string k50 = follow_change_key(job);
  job["progress"]["phase"] = "guest";
  BOOST_CHECK_NE(follow_change_key(job), k50);

  json exp = with_export_message(vsphere_job("running", false), "a 10 100\n");
  const std::string e10 = follow_change_key(exp);
  exp = with_export_message(exp, "a 19 100\n");
  BOOST_CHECK_EQUAL(follow_change_key(exp), e10);
  exp = with_export_message(exp, "a 20 100\n");
  BOOST_CHECK_NE(follow_change_key(exp), e10);

  json retry = vsphere_job("retry_wait", false);
  const std::string r1 = follow_change_key(retry);
  retry["attempts"] = 2;
  BOOST_CHECK_NE(follow_change_key(retry), r1);
}

BOOST_AUTO_TEST_CASE(retry_and_failure_texts) {
  json job = vsphere_job("retry_wait", false);
  job["attempts"] = 2;
  job["next_attempt_at"] = "2026-12-03T18:05:00Z";
  job["last_error"] = {{"kind", "transient"}, {"reason", "NFC lease timed out"}, {"phase", "export"}};
  BOOST_CHECK_EQUAL(render_retry_notice(job),
                    "attempt 2 failed: transient: NFC lease timed out (phase export); retrying at 2026-12-03T18:05:00Z");
  job["state"] = "failed";
  BOOST_CHECK_EQUAL(render_failure(job), "job j1 failed: transient: NFC lease timed out (phase export)");
  job["state"] = "cancelled";
  BOOST_CHECK_EQUAL(render_failure(job), "job j1 was cancelled");
}

BOOST_AUTO_TEST_CASE(done_lines_suggest_virsh_define) {
  json job = vsphere_job("done", true);
  job["output_dir"] = "/srv/out/web01";
  job["domain_xml"] = "/srv/out/web01/web01.xml";
  auto lines = render_done_lines(job, std::nullopt);
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_CHECK_EQUAL(lines[0], "done: /srv/out/web01");
  BOOST_CHECK(contains(lines[1], "virsh define /srv/out/web01/web01.xml"));

  job["domain_xml"] = nullptr;
  lines = render_done_lines(job, std::string("web01.xml"));
  BOOST_CHECK(contains(joined(lines), "virsh define /srv/out/web01/web01.xml"));
  lines = render_done_lines(job, std::nullopt);
  BOOST_CHECK(!contains(joined(lines), "virsh"));
  BOOST_CHECK(contains(joined(lines), "/srv/out/web01"));

  BOOST_CHECK_EQUAL(*pick_domain_xml({"web01.qcow2", "other.xml", "web01.xml"}, "web01"), "web01.xml");
  BOOST_CHECK_EQUAL(*pick_domain_xml({"web01.qcow2", "domain.xml"}, "web01"), "domain.xml");
  BOOST_CHECK(!pick_domain_xml({"a.xml", "b.xml"}, "web01").has_value());  // ambiguous
  BOOST_CHECK(!pick_domain_xml({"web01.qcow2", ".xml"}, "web01").has_value());
}

BOOST_AUTO_TEST_CASE(export_slot_holders) {
  BOOST_CHECK(holds_export_slot(vsphere_job("queued", false)));
  BOOST_CHECK(holds_export_slot(vsphere_job("running", false)));
  BOOST_CHECK(holds_export_slot(vsphere_job("retry_wait", false)));
  BOOST_CHECK(!holds_export_slot(vsphere_job("queued", true)));
  BOOST_CHECK(!holds_export_slot(vsphere_job("running", true)));
  for (const char* s : {"done", "failed", "cancelled"}) BOOST_CHECK(!holds_export_slot(vsphere_job(s, false)));
  BOOST_CHECK(holds_export_slot(json()));  // not seen yet: assume exporting
}

BOOST_AUTO_TEST_CASE(throttle_allowance) {
  std::vector<json> jobs;
  BOOST_CHECK_EQUAL(batch_submit_allowance(jobs, 3, 10), 3u);
  BOOST_CHECK_EQUAL(batch_submit_allowance(jobs, 3, 2), 2u);  // never more than pending
  jobs = {vsphere_job("running", false), vsphere_job("queued", false), vsphere_job("running", true),
          vsphere_job("done", true), vsphere_job("failed", false)};
  BOOST_CHECK_EQUAL(batch_submit_allowance(jobs, 3, 10), 1u);
  BOOST_CHECK_EQUAL(batch_submit_allowance(jobs, 2, 10), 0u);
  BOOST_CHECK_EQUAL(batch_submit_allowance(jobs, 1, 10), 0u);  // over the limit: 0, not negative
}

// A simulated batch: jobs move at random from connect to export to
// exported/finished; the loop submits batch_submit_allowance() each round.
// The number of our jobs in the export phase never exceeds N, and all VMs
// are eventually submitted.
BOOST_AUTO_TEST_CASE(throttle_never_exceeds_parallel) {
  std::mt19937 rng(42);
  for (std::size_t parallel : {1u, 2u, 3u, 5u}) {
    const std::size_t total = 40;
    std::vector<json> jobs;
    std::size_t submitted = 0;
    for (int round = 0; round < 10000 && (submitted < total || std::any_of(jobs.begin(), jobs.end(), holds_export_slot));
         ++round) {
      for (auto& j : jobs) {
        const std::string s = j["state"];
        if (is_final_state(s) || rng() % 3 != 0) continue;
        if (!j["vsphere"]["exported"].get<bool>()) {
          if (s == "queued") j["state"] = "running";
          else if (rng() % 5 == 0) j["state"] = "failed";
          else { j["vsphere"]["exported"] = true; j["state"] = "queued"; }
        } else {
          j["state"] = "done";
        }
      }
      const std::size_t n = batch_submit_allowance(jobs, parallel, total - submitted);
      for (std::size_t i = 0; i < n; ++i, ++submitted) jobs.push_back(vsphere_job("queued", false));
      const auto exporting = static_cast<std::size_t>(std::count_if(jobs.begin(), jobs.end(), holds_export_slot));
      BOOST_REQUIRE_LE(exporting, parallel);
    }
    BOOST_CHECK_EQUAL(submitted, total);
  }
}

BOOST_AUTO_TEST_CASE(vm_list_skips_blanks_and_comments) {
  const auto names = parse_vm_list("web01\n\n  # the databases\n db01 \r\n#db02\n\t\nweb 02\n");
  BOOST_REQUIRE_EQUAL(names.size(), 3u);
  BOOST_CHECK_EQUAL(names[0], "web01");
  BOOST_CHECK_EQUAL(names[1], "db01");
  BOOST_CHECK_EQUAL(names[2], "web 02");
}

BOOST_AUTO_TEST_CASE(batch_summary_and_failure) {
  json done = vsphere_job("done", true);
  done["id"] = "j-a";
  done["output_dir"] = "/out/a";
  json failed = vsphere_job("failed", false);
  failed["id"] = "j-b";
  failed["last_error"] = {{"kind", "vsphere"}, {"reason", "VM not found"}, {"phase", "export"}};
  std::vector<BatchEntry> entries{{"a", "j-a", "", done}, {"b", "j-b", "", failed}, {"c", "", "invalid vm", json()}};
  BOOST_CHECK(!batch_entry_failed(entries[0]));
  BOOST_CHECK(batch_entry_failed(entries[1]));
  BOOST_CHECK(batch_entry_failed(entries[2]));
  BatchEntry running{"d", "j-d", "", vsphere_job("running", false)};
  BOOST_CHECK(batch_entry_failed(running));  // not done
  const std::string table = render_batch_summary(entries);
  BOOST_CHECK(contains(table, "VM  JOB  STATE"));
  BOOST_CHECK(contains(table, "/out/a"));
  BOOST_CHECK(contains(table, "failed   vsphere: VM not found (phase export)"));
  BOOST_CHECK(contains(table, "refused"));
  BOOST_CHECK(contains(table, "invalid vm"));
}

BOOST_AUTO_TEST_SUITE_END()

// StatsModel fed a scripted day: the numbers a user reads in stats.json.
#include <boost/test/unit_test.hpp>

#include "stats_support.hpp"

using namespace h2k;
using namespace h2k::test;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(stats_model)

BOOST_AUTO_TEST_CASE(totals_rates_and_averages_follow_the_events) {
  StatsModel m(kStart);
  play_script(m);
  const json s = m.to_json(kNow);
  BOOST_TEST_MESSAGE(s.dump(2));

  BOOST_TEST(s["daemon_start_time"] == "2026-11-22T08:00:00Z");
  BOOST_TEST(s["uptime_hours"].get<double>() == 0.5);
  BOOST_TEST(s["total_processed"] == 3);
  BOOST_TEST(s["total_failed"] == 1);   // final failures only, not the 2 retried attempts
  BOOST_TEST(s["total_retried"] == 2);
  BOOST_TEST(s["total_duplicates"] == 1);
  BOOST_TEST(s["total_cancelled"] == 0);
  BOOST_TEST(s["success_rate"].get<double>() == 75.0);
  // (100 + 400 + 25) / 3 successful jobs; the failed attempts' 5 s do not count
  BOOST_TEST(s["average_processing_time_seconds"].get<double>() == 175.0);
  BOOST_TEST(s["bytes_converted_total"] == 6'200'000'000ull);
  BOOST_TEST(s["current_queue_depth"] == 3);  // 2 queued + 1 waiting for a retry
  BOOST_TEST(s["retry_wait_depth"] == 1);
  BOOST_TEST(s["active_conversions"] == 1);
  BOOST_TEST(s["daemon_status"] == "running");
  BOOST_TEST(s["last_updated"] == "2026-11-22T08:30:00.000Z");
}

BOOST_AUTO_TEST_CASE(by_file_type_counts_times_and_rates) {
  StatsModel m(kStart);
  play_script(m);
  const json bt = m.to_json(kNow)["by_file_type"];
  BOOST_TEST(bt.size() == 3u);
  BOOST_TEST(bt["ova"]["processed"] == 1);
  BOOST_TEST(bt["ova"]["failed"] == 0);
  BOOST_TEST(bt["ova"]["avg_time"].get<double>() == 100.0);
  BOOST_TEST(bt["ova"]["success_rate"].get<double>() == 100.0);
  BOOST_TEST(bt["vmdk"]["processed"] == 2);
  BOOST_TEST(bt["vmdk"]["avg_time"].get<double>() == 212.5);
  BOOST_TEST(bt["vmdk"]["success_rate"].get<double>() == 100.0);
  BOOST_TEST(bt["vhdx"]["processed"] == 0);
  BOOST_TEST(bt["vhdx"]["failed"] == 1);
  BOOST_TEST(bt["vhdx"]["avg_time"].get<double>() == 0.0);
  BOOST_TEST(bt["vhdx"]["success_rate"].get<double>() == 0.0);
  BOOST_TEST(!bt.contains("unknown"));  // the duplicate is no conversion of any type
}

BOOST_AUTO_TEST_CASE(current_jobs_show_the_running_job_with_its_progress) {
  StatsModel m(kStart);
  play_script(m);
  const json cur = m.to_json(kNow)["current_jobs"];
  BOOST_TEST(cur.size() == 1u);  // finished and retry-waiting jobs are not "processing"
  BOOST_REQUIRE(cur.contains("big.ova"));
  const json& j = cur["big.ova"];
  BOOST_TEST(j["job_id"] == "j6");
  BOOST_TEST(j["status"] == "processing");
  BOOST_TEST(j["start_time"] == "2026-11-22T08:18:20Z");
  BOOST_TEST(j["file_size_mb"].get<double>() == 51200.0);
  BOOST_TEST(j["phase"] == "copy");
  BOOST_TEST(j["progress_percent"].get<double>() == 42.5);
  BOOST_TEST(j["bytes_done"] == 20 * kGiB);
  BOOST_TEST(j["bytes_total"] == 48 * kGiB);
  BOOST_TEST(j["eta_seconds"] == 300);
  BOOST_TEST(j["retry_count"] == 0);
}

BOOST_AUTO_TEST_CASE(recent_completions_newest_first_with_outcome_details) {
  StatsModel m(kStart);
  play_script(m);
  const json rc = m.to_json(kNow)["recent_completions"];
  BOOST_REQUIRE(rc.size() == 5u);
  std::vector<std::string> order;
  for (const auto& c : rc) order.push_back(c["job_id"]);
  BOOST_TEST(order == (std::vector<std::string>{"j5", "j4", "j3", "j2", "j1"}), boost::test_tools::per_element());

  BOOST_TEST(rc[0]["status"] == "duplicate");
  BOOST_TEST(rc[0]["filename"] == "web01-copy.ova");
  BOOST_TEST(rc[1]["status"] == "failed");
  BOOST_TEST(rc[1]["filename"] == "bad.vhdx");
  BOOST_TEST(rc[1]["error"] == "bad.vhdx: VHDX header checksum mismatch");
  BOOST_TEST(rc[1]["attempts"] == 3);
  BOOST_TEST(rc[1]["finished_at"] == "2026-11-22T08:16:25.000Z");
  BOOST_TEST(rc[4]["status"] == "succeeded");
  BOOST_TEST(rc[4]["file_type"] == "ova");
  BOOST_TEST(rc[4]["duration_seconds"].get<double>() == 100.0);
  BOOST_TEST(rc[4]["output_path"] == "2026-11-22/j1");
  BOOST_TEST(rc[4]["error"] == "");
}

BOOST_AUTO_TEST_CASE(a_job_waiting_for_its_retry_is_listed_with_when_and_why) {
  StatsModel m(kStart);
  auto s = event("started", "r1", "slow.ova", "ova", at(10));
  s.attempt = 1;
  m.on_event(s);
  auto r = event("retry_scheduled", "r1", "slow.ova", "ova", at(20));
  r.attempt = 1;
  r.max_retries = 3;
  r.next_retry_at_ms = at(320);
  r.error = "appliance did not start within 600 s";
  m.on_event(r);
  json w = m.to_json(at(30));
  BOOST_TEST(w["current_jobs"].empty());
  BOOST_REQUIRE(w["waiting_retries"].contains("slow.ova"));
  BOOST_TEST(w["waiting_retries"]["slow.ova"]["next_retry_at"] == "2026-11-22T08:05:20Z");
  BOOST_TEST(w["waiting_retries"]["slow.ova"]["last_error"] == "appliance did not start within 600 s");

  s.attempt = 2;
  s.at_ms = at(320);
  m.on_event(s);
  w = m.to_json(at(330));
  BOOST_TEST(w["waiting_retries"].empty());
  BOOST_TEST(w["current_jobs"]["slow.ova"]["retry_count"] == 1);
}

BOOST_AUTO_TEST_CASE(a_fresh_daemon_reports_100_percent_success_and_no_average) {
  StatsModel m(kStart);
  const json s = m.to_json(kStart);
  // 100, not 0: an alert on success_rate < 90 must not fire before any job ran.
  BOOST_TEST(s["success_rate"].get<double>() == 100.0);
  BOOST_TEST(s["average_processing_time_seconds"].get<double>() == 0.0);
  BOOST_TEST(s["total_processed"] == 0);
  BOOST_TEST(s["daemon_status"] == "starting");
  BOOST_TEST(s["recent_completions"].empty());
}

BOOST_AUTO_TEST_CASE(only_the_last_20_completions_are_kept) {
  StatsModel m(kStart);
  for (int i = 0; i < 25; ++i) run_job(m, "k" + std::to_string(i), "f" + std::to_string(i) + ".vmdk", "vmdk", kGiB, i * 100, 10, 1);
  const json s = m.to_json(kNow);
  BOOST_REQUIRE(s["recent_completions"].size() == StatsModel::kRecentCompletions);
  BOOST_TEST(s["recent_completions"].front()["job_id"] == "k24");
  BOOST_TEST(s["recent_completions"].back()["job_id"] == "k5");
  BOOST_TEST(s["total_processed"] == 25);  // the totals keep everything
}

BOOST_AUTO_TEST_CASE(late_progress_and_unknown_kinds_change_nothing) {
  StatsModel m(kStart);
  run_job(m, "a", "a.vmdk", "vmdk", kGiB, 0, 10, 1);
  const std::string before = m.to_json(kNow).dump();
  msg::job_progress p;
  p.job_id = "a";  // already finished
  p.percent = 50;
  m.on_progress(p);
  p.job_id = "nobody";
  m.on_progress(p);
  BOOST_TEST(!m.on_event(event("exploded", "a", "a.vmdk", "vmdk", at(5))));
  BOOST_TEST(m.to_json(kNow).dump() == before);
}

BOOST_AUTO_TEST_CASE(cancelled_and_rejected_have_own_totals_and_leave_the_success_rate) {
  StatsModel m(kStart);
  run_job(m, "a", "a.vmdk", "vmdk", kGiB, 0, 10, 1);
  auto s = event("started", "c", "c.ova", "ova", at(20));
  m.on_event(s);
  m.on_event(event("cancelled", "c", "", "", at(30)));  // the event may omit what "started" said
  auto rej = event("rejected", "r", "notes.txt", "", at(40));
  rej.error = "notes.txt: not a VM file";
  m.on_event(rej);
  const json j = m.to_json(kNow);
  BOOST_TEST(j["total_cancelled"] == 1);
  BOOST_TEST(j["total_rejected"] == 1);
  BOOST_TEST(j["total_failed"] == 0);
  BOOST_TEST(j["success_rate"].get<double>() == 100.0);
  BOOST_TEST(j["current_jobs"].empty());
  BOOST_TEST(j["recent_completions"][1]["filename"] == "c.ova");
  BOOST_TEST(j["recent_completions"][1]["duration_seconds"].get<double>() == 10.0);
  BOOST_TEST(j["recent_completions"][0]["error"] == "notes.txt: not a VM file");
}

BOOST_AUTO_TEST_CASE(nodes_are_listed_as_the_scheduler_last_described_them) {
  StatsModel m(kStart);
  play_script(m);
  BOOST_TEST(m.to_json(kNow)["nodes"] == json::array());  // before the first cluster_state

  BOOST_TEST(m.on_cluster(two_converters()));
  const json nodes = m.to_json(kNow)["nodes"];
  BOOST_TEST(nodes == json::parse(R"([
    {"name": "conv-01", "roles": ["converter"], "up": false, "draining": false, "slots_total": 0, "slots_busy": 0,
     "jobs_done": 7, "jobs_lost": 2, "heartbeat_age_s": 12.5, "accel": "kvm"},
    {"name": "conv-02", "roles": ["converter", "watcher"], "up": true, "draining": true, "slots_total": 4,
     "slots_busy": 1, "jobs_done": 3, "jobs_lost": 0, "heartbeat_age_s": 1.5, "accel": "tcg"}])"), nodes.dump(2));
  // the rest of the document is untouched
  BOOST_TEST(m.to_json(kNow)["total_processed"] == 3);
}

BOOST_AUTO_TEST_CASE(only_changes_beyond_the_heartbeat_ages_count_as_changes) {
  // The stats actor writes stats.json when on_cluster says so; the once-a-second
  // refresh of the ages must not write it every second.
  StatsModel m(kStart);
  auto c = two_converters();
  BOOST_TEST(m.on_cluster(c));          // first state
  BOOST_TEST(!m.on_cluster(c));         // the same again
  c.nodes[0].heartbeat_age_ms += 1000;  // a second later
  c.nodes[1].heartbeat_age_ms = 300;
  BOOST_TEST(!m.on_cluster(c));
  BOOST_TEST(m.to_json(kNow)["nodes"][0]["heartbeat_age_s"].get<double>() == 13.5);  // but the ages are kept
  BOOST_TEST(m.prometheus(kNow).find("hyper2kvm_node_heartbeat_age_seconds{node=\"conv-02\"} 0.3\n") !=
             std::string::npos);

  auto changed = [&](auto edit) {
    auto d = c;
    edit(d);
    const bool r = m.on_cluster(d);
    m.on_cluster(c);  // back
    return r;
  };
  BOOST_TEST(changed([](msg::cluster_state& d) { d.nodes[0].up = true; }));
  BOOST_TEST(changed([](msg::cluster_state& d) { d.nodes[1].draining = false; }));
  BOOST_TEST(changed([](msg::cluster_state& d) { d.nodes[1].slots_busy = 2; }));
  BOOST_TEST(changed([](msg::cluster_state& d) { d.nodes[1].slots_total = 3; }));
  BOOST_TEST(changed([](msg::cluster_state& d) { d.nodes[1].jobs_done = 4; }));
  BOOST_TEST(changed([](msg::cluster_state& d) { d.nodes[0].jobs_lost = 3; }));
  BOOST_TEST(changed([](msg::cluster_state& d) { d.nodes[1].roles = {"converter"}; }));
  BOOST_TEST(changed([](msg::cluster_state& d) { d.nodes[1].accel = "kvm"; }));
  BOOST_TEST(changed([](msg::cluster_state& d) { d.nodes.pop_back(); }));
  BOOST_TEST(changed([](msg::cluster_state& d) { d.nodes.push_back(d.nodes[0]); d.nodes.back().name = "conv-03"; }));
  BOOST_TEST(changed([](msg::cluster_state& d) { d.nodes.clear(); }));
  BOOST_TEST(!m.on_cluster(c));
}

BOOST_AUTO_TEST_SUITE_END()

// A restart: the new daemon reads the old stats.json and carries on counting.
#include <boost/test/unit_test.hpp>

#include "actors/stats/stats_files.hpp"
#include "stats_support.hpp"

using namespace h2k;
using namespace h2k::test;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(stats_restore)

BOOST_AUTO_TEST_CASE(round_trip_through_stats_json_keeps_totals_histogram_and_completions) {
  ScratchDir tmp("stats");
  StatsModel old(kStart);
  play_script(old);
  old.on_cluster(two_converters());  // the live cluster of the old process: not restored
  write_stats_files(tmp.path(), old.to_json(kNow), old.prometheus(kNow));
  const json before = old.to_json(kNow);

  const std::int64_t restart = kNow + 60000;
  StatsModel fresh(restart);
  fresh.restore(load_stats_file(tmp / "stats.json"));
  const json after = fresh.to_json(restart + 3600000);

  for (const char* key : {"total_processed", "total_failed", "total_retried", "total_duplicates", "total_cancelled",
                          "total_rejected", "bytes_converted_total", "success_rate",
                          "average_processing_time_seconds", "by_file_type", "duration_histogram",
                          "recent_completions"})
    BOOST_TEST(after[key] == before[key], key << ": " << after[key] << " vs " << before[key]);
  // what described the old process does not come back
  BOOST_TEST(after["current_jobs"].empty());
  BOOST_TEST(after["waiting_retries"].empty());
  BOOST_TEST(after["current_queue_depth"] == 0);
  BOOST_TEST(after["daemon_start_time"] == "2026-11-22T08:31:00Z");
  BOOST_TEST(after["uptime_hours"].get<double>() == 1.0);
  BOOST_TEST(after["nodes"] == json::array());

  // the counters continue from the saved values
  run_job(fresh, "n1", "new.vhdx", "vhdx", kGiB, 4000, 700, 10);
  const json later = fresh.to_json(restart + 3600000);
  BOOST_TEST(later["total_processed"] == 4);
  BOOST_TEST(later["by_file_type"]["vhdx"]["processed"] == 1);
  BOOST_TEST(later["by_file_type"]["vhdx"]["failed"] == 1);
  BOOST_TEST(later["by_file_type"]["vhdx"]["success_rate"].get<double>() == 50.0);
  BOOST_TEST(later["duration_histogram"]["count"] == 4);
  BOOST_TEST(later["duration_histogram"]["sum"].get<double>() == 1225.0);
  BOOST_TEST(later["recent_completions"].size() == 6u);
  BOOST_TEST(later["recent_completions"][0]["job_id"] == "n1");
  const std::string prom = fresh.prometheus(restart + 3600000);
  BOOST_TEST(prom.find("\nhyper2kvm_conversion_duration_seconds_count 4\n") != std::string::npos);
  BOOST_TEST(prom.find("\nhyper2kvm_conversion_duration_seconds_bucket{le=\"1200\"} 4\n") != std::string::npos);
  BOOST_TEST(prom.find("\nhyper2kvm_conversion_duration_seconds_bucket{le=\"600\"} 3\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_file_from_an_older_version_with_only_guide_fields_restores) {
  // The guide's own example: no histogram, no total_time_seconds.
  const json saved = json::parse(R"({
    "daemon_start_time": "2026-01-17T08:00:00", "uptime_hours": 12.5,
    "total_processed": 145, "total_failed": 3, "total_retried": 5, "success_rate": 97.9,
    "average_processing_time_seconds": 284.3, "current_queue_depth": 2,
    "by_file_type": {"vmdk": {"processed": 120, "failed": 2, "avg_time": 245.1},
                     "vhdx": {"processed": 25, "failed": 1, "avg_time": 412.8}},
    "current_jobs": {"vm-001.vmdk": {"status": "processing", "start_time": "2026-01-17T20:30:15", "file_size_mb": 51200.0}}
  })");
  StatsModel m(kStart);
  m.restore(saved);
  const json s = m.to_json(kStart);
  BOOST_TEST(s["total_processed"] == 145);
  BOOST_TEST(s["total_failed"] == 3);
  BOOST_TEST(s["total_retried"] == 5);
  BOOST_TEST(s["success_rate"].get<double>() == 98.0);  // 145 / 148
  BOOST_TEST(s["by_file_type"]["vmdk"]["avg_time"].get<double>() == 245.1);
  BOOST_TEST(s["by_file_type"]["vhdx"]["processed"] == 25);
  BOOST_TEST(s["current_jobs"].empty());
}

BOOST_AUTO_TEST_CASE(histogram_saved_with_other_buckets_keeps_upper_bounds) {
  // A future version's buckets: 45 s and 100000 s. Each count moves to the
  // first of our buckets at least as wide (60 s, +Inf).
  const json saved = {{"total_processed", 5},
                      {"duration_histogram",
                       {{"buckets", {45, 100000}}, {"counts", {2, 1, 2}}, {"sum", 30000.0}, {"count", 5}}}};
  StatsModel m(kStart);
  m.restore(saved);
  const std::string prom = m.prometheus(kStart);
  BOOST_TEST(prom.find("_bucket{le=\"30\"} 0\n") != std::string::npos);
  BOOST_TEST(prom.find("_bucket{le=\"60\"} 2\n") != std::string::npos);
  BOOST_TEST(prom.find("_bucket{le=\"14400\"} 2\n") != std::string::npos);
  BOOST_TEST(prom.find("_bucket{le=\"+Inf\"} 5\n") != std::string::npos);
  BOOST_TEST(prom.find("_count 5\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_malformed_field_is_named_and_changes_nothing) {
  StatsModel m(kStart);
  play_script(m);
  const std::string before = m.to_json(kNow).dump();
  auto expect_rejected = [&](const json& saved, const std::string& needle) {
    try {
      m.restore(saved);
      BOOST_ERROR("restore accepted " << saved.dump());
    } catch (const std::invalid_argument& e) {
      BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what() << " lacks " << needle);
    }
    BOOST_TEST(m.to_json(kNow).dump() == before);
  };
  expect_rejected({{"total_processed", 9}, {"total_failed", "three"}}, "total_failed");
  expect_rejected({{"total_processed", -1}}, "total_processed");
  expect_rejected({{"total_processed", 9}, {"by_file_type", {{"vmdk", {{"processed", 1.5}}}}}}, "by_file_type.vmdk.processed");
  expect_rejected({{"total_processed", 9},
                   {"duration_histogram", {{"buckets", {30}}, {"counts", {1, 1}}, {"sum", 1.0}, {"count", 7}}}},
                  "duration_histogram.count");
  expect_rejected({{"total_processed", 9}, {"duration_histogram", {{"buckets", {30}}, {"counts", {1}}}}},
                  "expected one more");
  expect_rejected({{"total_processed", 9}, {"recent_completions", {{{"job_id", 4}}}}}, "job_id");
  expect_rejected(json::array(), "not a JSON object");
}

BOOST_AUTO_TEST_SUITE_END()

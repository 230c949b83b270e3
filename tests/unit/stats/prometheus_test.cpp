// metrics.prom: parsed back line by line as a scraper would, and compared
// with stats.json from the same moment.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "actors/stats/prometheus_text.hpp"
#include "stats_support.hpp"

using namespace h2k;
using namespace h2k::test;
using nlohmann::json;

namespace {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram
  std::set<std::string> helped;
  std::vector<Sample> samples;

  double value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    BOOST_FAIL("no sample " << name);
    return 0;
  }
};

// Text format 0.0.4: "# HELP name text", "# TYPE name type", and
// `name{label="value",...} value`; a family's HELP/TYPE precede its samples.
Exposition parse(const std::string& text) {
  static const std::regex sample_re(
      R"re(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$)re");
  static const std::regex label_re(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)")re");
  Exposition e;
  BOOST_REQUIRE(!text.empty() && text.back() == '\n');
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    BOOST_TEST_REQUIRE(!line.empty(), "empty line in the exposition");
    if (line.rfind("# HELP ", 0) == 0) {
      std::string name = line.substr(7, line.find(' ', 7) - 7);
      BOOST_TEST(e.helped.insert(name).second, "HELP twice for " << name);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      BOOST_TEST((type == "counter" || type == "gauge" || type == "histogram"), "type of " << name << ": " << type);
      BOOST_TEST(e.types.emplace(name, type).second, "TYPE twice for " << name);
      BOOST_TEST(e.helped.count(name) == 1u, "TYPE before HELP for " << name);
      continue;
    }
    BOOST_TEST_REQUIRE(line[0] != '#', "unexpected comment: " << line);
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_match(line, m, sample_re), "malformed sample line: " << line);
    Sample s;
    s.name = m[1];
    std::string labels = m[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), label_re), end; it != end; ++it)
      s.labels[(*it)[1]] = (*it)[2];
    const std::string v = m[4];
    char* endp = nullptr;
    s.value = std::strtod(v.c_str(), &endp);
    BOOST_TEST_REQUIRE(*endp == '\0', "bad value in: " << line);
    // the family must have been declared, with the histogram suffixes on top
    std::string family = s.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string sfx = suffix;
      if (family.size() > sfx.size() && family.compare(family.size() - sfx.size(), sfx.size(), sfx) == 0 &&
          e.types.count(family.substr(0, family.size() - sfx.size())) &&
          e.types[family.substr(0, family.size() - sfx.size())] == "histogram")
        family = family.substr(0, family.size() - sfx.size());
    }
    BOOST_TEST_REQUIRE(e.types.count(family) == 1u, "sample before its # TYPE: " << line);
    if (e.types[family] == "counter") BOOST_TEST(s.value >= 0, line);
    e.samples.push_back(std::move(s));
  }
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stats_prometheus)

BOOST_AUTO_TEST_CASE(exposition_parses_and_agrees_with_stats_json) {
  StatsModel m(kStart);
  play_script(m);
  const std::string text = m.prometheus(kNow);
  BOOST_TEST_MESSAGE(text);
  const Exposition e = parse(text);
  const json s = m.to_json(kNow);

  for (const char* family : {"hyper2kvm_conversions_total", "hyper2kvm_retries_total",
                             "hyper2kvm_conversion_duration_seconds", "hyper2kvm_queue_depth",
                             "hyper2kvm_retry_wait_jobs", "hyper2kvm_active_conversions",
                             "hyper2kvm_bytes_converted_total", "hyper2kvm_uptime_seconds", "hyper2kvm_success_rate"})
    BOOST_TEST(e.types.count(family) == 1u, "missing family " << family);
  BOOST_TEST(e.types.at("hyper2kvm_conversions_total") == "counter");
  BOOST_TEST(e.types.at("hyper2kvm_conversion_duration_seconds") == "histogram");
  BOOST_TEST(e.types.at("hyper2kvm_queue_depth") == "gauge");

  BOOST_TEST(e.value("hyper2kvm_conversions_total", {{"status", "succeeded"}}) == s["total_processed"].get<double>());
  BOOST_TEST(e.value("hyper2kvm_conversions_total", {{"status", "failed"}}) == s["total_failed"].get<double>());
  BOOST_TEST(e.value("hyper2kvm_conversions_total", {{"status", "duplicate"}}) == s["total_duplicates"].get<double>());
  BOOST_TEST(e.value("hyper2kvm_conversions_total", {{"status", "cancelled"}}) == 0.0);
  BOOST_TEST(e.value("hyper2kvm_retries_total") == s["total_retried"].get<double>());
  BOOST_TEST(e.value("hyper2kvm_queue_depth") == s["current_queue_depth"].get<double>());
  BOOST_TEST(e.value("hyper2kvm_retry_wait_jobs") == s["retry_wait_depth"].get<double>());
  BOOST_TEST(e.value("hyper2kvm_active_conversions") == s["active_conversions"].get<double>());
  BOOST_TEST(e.value("hyper2kvm_bytes_converted_total") == s["bytes_converted_total"].get<double>());
  BOOST_TEST(e.value("hyper2kvm_uptime_seconds") == 1800.0);
  BOOST_TEST(e.value("hyper2kvm_success_rate") == s["success_rate"].get<double>(), boost::test_tools::tolerance(0.05));
  BOOST_TEST(e.value("hyper2kvm_conversions_by_type_total", {{"file_type", "vhdx"}, {"status", "failed"}}) ==
             s["by_file_type"]["vhdx"]["failed"].get<double>());
  BOOST_TEST(e.value("hyper2kvm_conversions_by_type_total", {{"file_type", "vmdk"}, {"status", "succeeded"}}) == 2.0);

  // histogram: le ascending, counts cumulative, +Inf == _count, sum/count == the average
  const std::string h = "hyper2kvm_conversion_duration_seconds";
  std::vector<std::pair<double, double>> buckets;
  for (const auto& smp : e.samples)
    if (smp.name == h + "_bucket") buckets.emplace_back(std::strtod(smp.labels.at("le").c_str(), nullptr), smp.value);
  BOOST_REQUIRE(buckets.size() == 11u);
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    BOOST_TEST(buckets[i].first > buckets[i - 1].first);
    BOOST_TEST(buckets[i].second >= buckets[i - 1].second);
  }
  BOOST_TEST(std::isinf(buckets.back().first));
  BOOST_TEST(buckets.back().second == e.value(h + "_count"));
  BOOST_TEST(e.value(h + "_count") == 3.0);
  BOOST_TEST(e.value(h + "_sum") == 525.0);
  BOOST_TEST(e.value(h + "_bucket", {{"le", "30"}}) == 1.0);    // 25 s
  BOOST_TEST(e.value(h + "_bucket", {{"le", "60"}}) == 1.0);
  BOOST_TEST(e.value(h + "_bucket", {{"le", "120"}}) == 2.0);   // + 100 s
  BOOST_TEST(e.value(h + "_bucket", {{"le", "300"}}) == 2.0);
  BOOST_TEST(e.value(h + "_bucket", {{"le", "600"}}) == 3.0);   // + 400 s
  BOOST_TEST(e.value(h + "_sum") / e.value(h + "_count") == s["average_processing_time_seconds"].get<double>());
}

BOOST_AUTO_TEST_CASE(label_values_and_numbers_are_written_as_the_format_wants) {
  BOOST_TEST(PrometheusText::escape_label("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  BOOST_TEST(PrometheusText::number(30.0) == "30");
  BOOST_TEST(PrometheusText::number(0.1) == "0.1");
  BOOST_TEST(PrometheusText::number(1.0 / 0.0) == "+Inf");
  PrometheusText p;
  p.family("x_total", "counter", "odd \\ help\nline");
  p.sample("x_total", std::uint64_t{3}, {{"file_type", "we\"ird"}});
  const Exposition e = parse(p.text());
  BOOST_TEST(e.samples.size() == 1u);
  BOOST_TEST(e.samples[0].labels.at("file_type") == "we\\\"ird");  // still escaped as read from the text
  BOOST_TEST(p.text().find("# HELP x_total odd \\\\ help\\nline\n") == 0u);
}

namespace {

// The lines of `text` that belong to the per-node families, in order.
std::string node_lines(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line))
    for (const char* start : {"hyper2kvm_node_", "# HELP hyper2kvm_node_", "# TYPE hyper2kvm_node_"})
      if (line.rfind(start, 0) == 0) {
        out += line + "\n";
        break;
      }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(nodes_get_their_own_families) {
  StatsModel m(kStart);
  play_script(m);
  m.on_cluster(two_converters());
  const std::string text = m.prometheus(kNow);
  parse(text);  // still a valid exposition
  BOOST_TEST(node_lines(text) == R"(# HELP hyper2kvm_node_up 1 while the node is connected and heard from, 0 once it is lost.
# TYPE hyper2kvm_node_up gauge
hyper2kvm_node_up{node="conv-01"} 0
hyper2kvm_node_up{node="conv-02"} 1
# HELP hyper2kvm_node_draining 1 while the node is draining: it takes no new jobs.
# TYPE hyper2kvm_node_draining gauge
hyper2kvm_node_draining{node="conv-01"} 0
hyper2kvm_node_draining{node="conv-02"} 1
# HELP hyper2kvm_node_share_ok 1 while the node sees the cluster's share at its share_root, 0 while not (it gets no job).
# TYPE hyper2kvm_node_share_ok gauge
hyper2kvm_node_share_ok{node="conv-01"} 1
hyper2kvm_node_share_ok{node="conv-02"} 0
# HELP hyper2kvm_node_slots The node's converter slots, busy or free.
# TYPE hyper2kvm_node_slots gauge
hyper2kvm_node_slots{node="conv-01",state="busy"} 0
hyper2kvm_node_slots{node="conv-01",state="free"} 0
hyper2kvm_node_slots{node="conv-02",state="busy"} 1
hyper2kvm_node_slots{node="conv-02",state="free"} 3
# HELP hyper2kvm_node_jobs_done_total Jobs the node finished.
# TYPE hyper2kvm_node_jobs_done_total counter
hyper2kvm_node_jobs_done_total{node="conv-01"} 7
hyper2kvm_node_jobs_done_total{node="conv-02"} 3
# HELP hyper2kvm_node_jobs_lost_total Jobs taken away from the node because it died or went silent (they got new leases).
# TYPE hyper2kvm_node_jobs_lost_total counter
hyper2kvm_node_jobs_lost_total{node="conv-01"} 2
hyper2kvm_node_jobs_lost_total{node="conv-02"} 0
# HELP hyper2kvm_node_heartbeat_age_seconds Seconds since the node's last heartbeat (0 for the coordinator's own process).
# TYPE hyper2kvm_node_heartbeat_age_seconds gauge
hyper2kvm_node_heartbeat_age_seconds{node="conv-01"} 12.5
hyper2kvm_node_heartbeat_age_seconds{node="conv-02"} 1.5
)");

  // Before any cluster_state: the families are declared, without samples.
  StatsModel fresh(kStart);
  const std::string none = fresh.prometheus(kStart);
  const Exposition e = parse(none);
  BOOST_TEST(e.types.at("hyper2kvm_node_up") == "gauge");
  for (const auto& smp : e.samples) BOOST_TEST(smp.name.rfind("hyper2kvm_node_", 0) != 0u, smp.name);
}

BOOST_AUTO_TEST_CASE(node_names_are_escaped_in_labels) {
  StatsModel m(kStart);
  msg::cluster_state c;
  c.nodes.push_back(node("we\"ird\\node\nname", {"converter"}, true, false, 2, 2, 0, 0, 250, "kvm"));
  m.on_cluster(c);
  const std::string text = m.prometheus(kStart);
  const Exposition e = parse(text);  // one sample per line: the newline did not break it
  const std::string label = R"(we\"ird\\node\nname)";
  BOOST_TEST(text.find("\nhyper2kvm_node_up{node=\"" + label + "\"} 1\n") != std::string::npos, text);
  BOOST_TEST(text.find("\nhyper2kvm_node_slots{node=\"" + label + "\",state=\"free\"} 0\n") != std::string::npos);
  BOOST_TEST(e.value("hyper2kvm_node_heartbeat_age_seconds", {{"node", label}}) == 0.25);
}

BOOST_AUTO_TEST_CASE(lost_nodes_are_counted) {
  StatsModel m(kStart);
  BOOST_TEST(parse(m.prometheus(kStart)).value("hyper2kvm_nodes_lost_total") == 0.0);
  msg::job_event e;
  e.kind = "node_lost";
  e.error = "node conv-01 lost: no heartbeat for more than 10000 ms";
  e.at_ms = at(60);
  BOOST_TEST(m.on_event(e));  // a known kind: the actor does not warn
  BOOST_TEST(m.on_event(e));
  const Exposition x = parse(m.prometheus(kNow));
  BOOST_TEST(x.types.at("hyper2kvm_nodes_lost_total") == "counter");
  BOOST_TEST(x.value("hyper2kvm_nodes_lost_total") == 2.0);
  // no job: nothing else moves
  BOOST_TEST(x.value("hyper2kvm_conversions_total", {{"status", "failed"}}) == 0.0);
  BOOST_TEST(m.to_json(kNow)["recent_completions"].empty());
  BOOST_TEST(m.to_json(kNow)["success_rate"].get<double>() == 100.0);
}

BOOST_AUTO_TEST_SUITE_END()

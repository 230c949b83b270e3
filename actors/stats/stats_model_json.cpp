// StatsModel <-> stats.json.
#include <cmath>
#include <stdexcept>

#include "actors/common/iso_time.hpp"
#include "actors/common/rounding.hpp"
#include "actors/stats/stats_model.hpp"

namespace h2k {
namespace {

using nlohmann::json;

double type_success_rate(std::uint64_t processed, std::uint64_t failed) {
  const std::uint64_t n = processed + failed;
  return n == 0 ? 100.0 : 100.0 * static_cast<double>(processed) / static_cast<double>(n);
}

// --- strict readers for restore(): a wrong type is an error, absence is 0 --

std::uint64_t get_count(const json& obj, const char* key, const std::string& where) {
  if (!obj.contains(key)) return 0;
  const json& v = obj[key];
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return v.get<std::uint64_t>();
  throw std::invalid_argument(where + key + " is not a non-negative integer");
}

double get_number(const json& obj, const char* key, const std::string& where) {
  if (!obj.contains(key) || obj[key].is_null()) return 0;
  const json& v = obj[key];
  if (!v.is_number() || !std::isfinite(v.get<double>()))
    throw std::invalid_argument(where + key + " is not a number");
  return v.get<double>();
}

std::string get_string(const json& obj, const char* key, const std::string& where) {
  if (!obj.contains(key) || obj[key].is_null()) return {};
  if (!obj[key].is_string()) throw std::invalid_argument(where + key + " is not a string");
  return obj[key].get<std::string>();
}

}  // namespace

json StatsModel::completion_to_json(const Completion& c) {
  return {{"job_id", c.job_id},
          {"filename", c.filename},
          {"file_type", c.file_type},
          {"status", c.status},
          {"finished_at", c.finished_at},
          {"duration_seconds", round_to(c.duration_s, 1)},
          {"output_path", c.output_path},
          {"error", c.error},
          {"attempts", c.attempts}};
}

StatsModel::Completion StatsModel::completion_from_json(const json& j) {
  const std::string where = "recent_completions[].";
  if (!j.is_object()) throw std::invalid_argument("recent_completions holds a non-object");
  Completion c;
  c.job_id = get_string(j, "job_id", where);
  c.filename = get_string(j, "filename", where);
  c.file_type = get_string(j, "file_type", where);
  c.status = get_string(j, "status", where);
  c.finished_at = get_string(j, "finished_at", where);
  c.duration_s = get_number(j, "duration_seconds", where);
  c.output_path = get_string(j, "output_path", where);
  c.error = get_string(j, "error", where);
  c.attempts = static_cast<int>(get_count(j, "attempts", where));
  return c;
}

json StatsModel::to_json(std::int64_t now_ms) const {
  json by_type = json::object();
  for (const auto& [type, t] : by_type_) {
    by_type[type] = {{"processed", t.processed},
                     {"failed", t.failed},
                     {"avg_time", t.processed ? round_to(t.time_s / static_cast<double>(t.processed), 1) : 0.0},
                     {"success_rate", round_to(type_success_rate(t.processed, t.failed), 1)},
                     {"total_time_seconds", t.time_s}};
  }

  json current = json::object();
  for (const auto& [id, j] : running_) {
    // Keyed by file name as in the guide; a second job on the same name
    // (possible after a re-queue) gets its id appended rather than hiding the first.
    std::string key = current.contains(j.filename) ? j.filename + " (" + id + ")" : j.filename;
    current[key] = {{"job_id", j.job_id},
                    {"status", "processing"},
                    {"file_type", j.file_type},
                    {"start_time", iso8601_utc_seconds(j.start_ms)},
                    {"file_size_mb", size_mb(j.file_size)},
                    {"phase", j.phase},
                    {"progress_percent", round_to(j.percent, 1)},
                    {"bytes_done", j.bytes_done},
                    {"bytes_total", j.bytes_total},
                    {"eta_seconds", j.eta_s < 0 ? json(nullptr) : json(std::llround(j.eta_s))},
                    {"retry_count", j.retry_count}};
  }

  json waiting = json::object();
  for (const auto& [id, w] : waiting_) {
    std::string key = waiting.contains(w.filename) ? w.filename + " (" + id + ")" : w.filename;
    waiting[key] = {{"job_id", w.job_id},
                    {"file_type", w.file_type},
                    {"attempts", w.attempt},
                    {"max_retries", w.max_retries},
                    {"next_retry_at", w.next_retry_at_ms > 0 ? json(iso8601_utc_seconds(w.next_retry_at_ms)) : json(nullptr)},
                    {"last_error", w.error}};
  }

  json recent = json::array();
  for (const auto& c : recent_) recent.push_back(completion_to_json(c));

  json nodes = json::array();
  for (const auto& n : nodes_)
    nodes.push_back({{"name", n.name},
                     {"roles", n.roles},
                     {"up", n.up},
                     {"draining", n.draining},
                     {"slots_total", n.slots_total},
                     {"slots_busy", n.slots_busy},
                     {"jobs_done", n.jobs_done},
                     {"jobs_lost", n.jobs_lost},
                     {"heartbeat_age_s", round_to(static_cast<double>(n.heartbeat_age_ms) / 1000.0, 1)},
                     {"accel", n.accel}});

  const double uptime_h = static_cast<double>(std::max<std::int64_t>(0, now_ms - start_ms_)) / 3.6e6;
  return {
      {"daemon_start_time", iso8601_utc_seconds(start_ms_)},
      {"uptime_hours", round_to(uptime_h, 2)},
      {"total_processed", totals_.processed},
      {"total_failed", totals_.failed},
      {"total_retried", totals_.retried},
      {"success_rate", round_to(success_rate(), 1)},
      {"average_processing_time_seconds", round_to(average_seconds(), 1)},
      {"current_queue_depth", queue_.queued + queue_.retry_wait},
      {"by_file_type", std::move(by_type)},
      {"current_jobs", std::move(current)},
      {"waiting_retries", std::move(waiting)},
      {"recent_completions", std::move(recent)},
      {"total_duplicates", totals_.duplicates},
      {"total_cancelled", totals_.cancelled},
      {"total_rejected", totals_.rejected},
      {"bytes_converted_total", totals_.bytes_converted},
      {"active_conversions", queue_known_ ? queue_.running : static_cast<std::uint64_t>(running_.size())},
      {"retry_wait_depth", queue_.retry_wait},
      {"daemon_status", queue_known_ ? queue_.mode : std::string("starting")},
      {"last_updated", iso8601_utc(now_ms)},
      {"duration_histogram", histogram_.to_json()},
      {"nodes", std::move(nodes)},  // empty before the scheduler's first cluster_state
  };
}

void StatsModel::restore(const json& saved) {
  if (!saved.is_object()) throw std::invalid_argument("saved statistics are not a JSON object");
  const std::string top;
  // Read everything first, then assign: a malformed field leaves the model as it was.
  Totals t;
  t.processed = get_count(saved, "total_processed", top);
  t.failed = get_count(saved, "total_failed", top);
  t.retried = get_count(saved, "total_retried", top);
  t.duplicates = get_count(saved, "total_duplicates", top);
  t.cancelled = get_count(saved, "total_cancelled", top);
  t.rejected = get_count(saved, "total_rejected", top);
  t.bytes_converted = get_count(saved, "bytes_converted_total", top);

  std::map<std::string, TypeTotals> by_type;
  if (saved.contains("by_file_type")) {
    const json& bt = saved["by_file_type"];
    if (!bt.is_object()) throw std::invalid_argument("by_file_type is not an object");
    for (const auto& [type, v] : bt.items()) {
      const std::string where = "by_file_type." + type + ".";
      if (!v.is_object()) throw std::invalid_argument("by_file_type." + type + " is not an object");
      TypeTotals tt;
      tt.processed = get_count(v, "processed", where);
      tt.failed = get_count(v, "failed", where);
      // total_time_seconds is exact; avg_time (rounded) is what files written
      // before it existed have.
      tt.time_s = v.contains("total_time_seconds") ? get_number(v, "total_time_seconds", where)
                                                   : get_number(v, "avg_time", where) * static_cast<double>(tt.processed);
      by_type[type] = tt;
    }
  }

  DurationHistogram hist;
  if (saved.contains("duration_histogram")) hist = DurationHistogram::from_json(saved["duration_histogram"]);

  std::deque<Completion> recent;
  if (saved.contains("recent_completions")) {
    const json& rc = saved["recent_completions"];
    if (!rc.is_array()) throw std::invalid_argument("recent_completions is not an array");
    for (const auto& c : rc) {
      if (recent.size() == kRecentCompletions) break;
      recent.push_back(completion_from_json(c));
    }
  }

  totals_ = t;
  by_type_ = std::move(by_type);
  histogram_ = hist;
  recent_ = std::move(recent);
}

}  // namespace h2k

#pragma once
// The daemon's statistics: what the stats actor learns from the scheduler
// (job events, progress, queue counts), turned into stats.json (user guide,
// "Statistics Tracking") and the Prometheus metrics.prom. Plain and
// single-threaded; the actor owns one and feeds it messages in order.
//
// Counting rules:
// - total_processed: jobs that succeeded; total_failed: jobs that failed for
//   good ("failed" events; an attempt that will be retried is a
//   "retry_scheduled" event and counts in total_retried instead).
// - duplicates, cancellations and rejections (files refused without a
//   conversion) have their own totals and do not move success_rate.
// - durations (average, per type, histogram) are of successful jobs only: a
//   failure after 2 s says nothing about how long a conversion takes.
// - nodes (cluster mode): the scheduler's latest cluster_state, as it is;
//   it describes the live cluster, so it is not restored after a restart.
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/stats/duration_histogram.hpp"
#include "messages/messages.hpp"
#include "messages/node_messages.hpp"

namespace h2k {

class StatsModel {
public:
  static constexpr std::size_t kRecentCompletions = 20;

  explicit StatsModel(std::int64_t start_ms);  // daemon start, unix ms

  // Returns false (and changes nothing) for an unknown kind, so the actor
  // can log it instead of silently miscounting.
  bool on_event(const msg::job_event& e);
  // Progress of a job not running (unknown, or already finished) is ignored:
  // a late message must not bring a finished job back.
  void on_progress(const msg::job_progress& p);
  void on_queue(const msg::queue_state& q);
  // Replaces the nodes. Returns true when something other than the heartbeat
  // ages changed (a node came, went, went down or up, started or stopped
  // draining, its slots or job counts moved): the scheduler sends the state
  // once a second just to refresh the ages, and those alone are not worth a
  // write of stats.json.
  bool on_cluster(const msg::cluster_state& c);

  nlohmann::json to_json(std::int64_t now_ms) const;   // the stats.json document
  std::string prometheus(std::int64_t now_ms) const;   // text exposition format 0.0.4

  // Takes the lasting part of a previous to_json(): totals, by_file_type,
  // duration_histogram, recent_completions. Not the running jobs, queue or
  // uptime: those describe the previous process. Call it once, before the
  // first event: it replaces the totals. Missing fields count as
  // zero (older files); a malformed one throws std::invalid_argument naming
  // it, and then nothing is changed.
  void restore(const nlohmann::json& saved);

private:
  struct RunningJob {
    std::string job_id, filename, file_type, phase;
    std::uint64_t file_size = 0, bytes_done = 0, bytes_total = 0;
    std::int64_t start_ms = 0;
    double percent = 0, eta_s = -1;
    int retry_count = 0;
  };
  struct WaitingRetry {
    std::string job_id, filename, file_type, error;
    int attempt = 0, max_retries = 0;
    std::int64_t next_retry_at_ms = 0;
  };
  struct Completion {
    std::string job_id, filename, file_type, status, finished_at, output_path, error;
    double duration_s = 0;
    int attempts = 0;
  };
  struct TypeTotals {
    std::uint64_t processed = 0, failed = 0;
    double time_s = 0;  // sum over successful jobs
  };
  struct Totals {
    std::uint64_t processed = 0, failed = 0, retried = 0, duplicates = 0, cancelled = 0, rejected = 0;
    // Lifecycle faults, since the daemon started (metrics only).
    std::uint64_t stale_results = 0, slots_lost = 0, stalled = 0, nodes_lost = 0;
    std::uint64_t bytes_converted = 0;
  };

  void finish(const msg::job_event& e, const std::string& status);
  double success_rate() const;          // percent; 100.0 before anything finished
  double average_seconds() const;

  static Completion completion_from_json(const nlohmann::json& j);
  static nlohmann::json completion_to_json(const Completion& c);

  std::int64_t start_ms_;
  Totals totals_;
  std::map<std::string, TypeTotals> by_type_;
  DurationHistogram histogram_;
  std::map<std::string, RunningJob> running_;     // by job id
  std::map<std::string, WaitingRetry> waiting_;   // by job id
  std::deque<Completion> recent_;                 // newest first
  msg::queue_state queue_;
  bool queue_known_ = false;
  std::vector<msg::node_summary> nodes_;          // as the scheduler lists them
};

}  // namespace h2k

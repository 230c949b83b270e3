#include "actors/stats/stats_model.hpp"

#include <algorithm>

#include "actors/common/iso_time.hpp"

namespace h2k {

StatsModel::StatsModel(std::int64_t start_ms) : start_ms_(start_ms) {}

bool StatsModel::on_event(const msg::job_event& e) {
  const std::string& k = e.kind;
  if (k == "queued") {
    return true;  // the queue depth comes from queue_state, which also sees dequeues
  }
  if (k == "started") {
    waiting_.erase(e.job_id);
    RunningJob j;
    j.job_id = e.job_id;
    j.filename = e.filename;
    j.file_type = e.file_type;
    j.file_size = e.file_size;
    j.start_ms = e.at_ms;
    j.phase = "start";
    j.bytes_total = e.file_size;
    j.retry_count = std::max(0, e.attempt - 1);  // attempt 1 is the first try
    running_[e.job_id] = std::move(j);
    return true;
  }
  if (k == "exported") {
    // The export phase is over: the job waits for a converter slot (its
    // "started" comes next), neither running nor finished.
    running_.erase(e.job_id);
    return true;
  }
  if (k == "retry_scheduled") {
    ++totals_.retried;
    running_.erase(e.job_id);
    WaitingRetry w{e.job_id, e.filename, e.file_type, e.error, e.attempt, e.max_retries, e.next_retry_at_ms};
    waiting_[e.job_id] = std::move(w);
    return true;
  }
  if (k == "succeeded") {
    ++totals_.processed;
    totals_.bytes_converted += e.bytes_converted;
    finish(e, k);
    return true;
  }
  if (k == "failed") {
    ++totals_.failed;
    finish(e, k);
    return true;
  }
  if (k == "duplicate") {
    ++totals_.duplicates;
    finish(e, k);
    return true;
  }
  if (k == "cancelled") {
    ++totals_.cancelled;
    finish(e, k);
    return true;
  }
  if (k == "rejected") {
    ++totals_.rejected;
    finish(e, k);
    return true;
  }
  if (k == "stale_result") {  // a late or duplicate report the scheduler dropped
    ++totals_.stale_results;
    return true;
  }
  if (k == "slot_lost") {     // the job went back to the queue
    ++totals_.slots_lost;
    running_.erase(e.job_id);
    return true;
  }
  if (k == "stalled") {       // the watchdog cancelled the attempt; retry_scheduled/failed follows
    ++totals_.stalled;
    return true;
  }
  if (k == "node_lost") {     // cluster: a node died or went silent; its jobs' slot_lost events came first
    ++totals_.nodes_lost;
    return true;
  }
  return false;
}

// Moves a job out of the running/waiting sets into the recent completions
// and, for succeeded/failed, into its file type's totals.
void StatsModel::finish(const msg::job_event& e, const std::string& status) {
  Completion c;
  c.job_id = e.job_id;
  c.filename = e.filename;
  c.file_type = e.file_type;
  c.status = status;
  c.finished_at = iso8601_utc(e.at_ms);
  c.output_path = e.output_path;
  c.error = e.error;
  c.attempts = e.attempt;
  c.duration_s = e.duration_s;
  if (auto it = running_.find(e.job_id); it != running_.end()) {
    // The event may leave out what "started" already said.
    if (c.filename.empty()) c.filename = it->second.filename;
    if (c.file_type.empty()) c.file_type = it->second.file_type;
    if (c.duration_s <= 0 && e.at_ms > it->second.start_ms) c.duration_s = (e.at_ms - it->second.start_ms) / 1000.0;
    running_.erase(it);
  }
  waiting_.erase(e.job_id);
  if (c.file_type.empty()) c.file_type = "unknown";

  if (status == "succeeded") {
    TypeTotals& t = by_type_[c.file_type];
    ++t.processed;
    t.time_s += c.duration_s;
    histogram_.observe(c.duration_s);
  } else if (status == "failed") {
    ++by_type_[c.file_type].failed;
  }

  recent_.push_front(std::move(c));
  while (recent_.size() > kRecentCompletions) recent_.pop_back();
}

void StatsModel::on_progress(const msg::job_progress& p) {
  auto it = running_.find(p.job_id);
  if (it == running_.end()) return;
  RunningJob& j = it->second;
  j.phase = p.phase;
  j.percent = std::clamp(p.percent, 0.0, 100.0);
  j.bytes_done = p.bytes_done;
  if (p.bytes_total > 0) j.bytes_total = p.bytes_total;
  j.eta_s = p.eta_s;
}

void StatsModel::on_queue(const msg::queue_state& q) {
  queue_ = q;
  queue_known_ = true;
}

namespace {

// Everything but the heartbeat age.
bool same_but_age(const msg::node_summary& a, const msg::node_summary& b) {
  return a.name == b.name && a.roles == b.roles && a.up == b.up && a.draining == b.draining &&
         a.slots_total == b.slots_total && a.slots_busy == b.slots_busy && a.jobs_done == b.jobs_done &&
         a.jobs_lost == b.jobs_lost && a.accel == b.accel;
}

}  // namespace

bool StatsModel::on_cluster(const msg::cluster_state& c) {
  const bool changed = !std::equal(c.nodes.begin(), c.nodes.end(), nodes_.begin(), nodes_.end(), same_but_age);
  nodes_ = c.nodes;
  return changed;
}

double StatsModel::success_rate() const {
  const std::uint64_t finished = totals_.processed + totals_.failed;
  // 100.0, not 0.0, while nothing has finished: the guide's alert
  // (`success_rate < 90`) must not fire on a daemon that just started.
  if (finished == 0) return 100.0;
  return 100.0 * static_cast<double>(totals_.processed) / static_cast<double>(finished);
}

double StatsModel::average_seconds() const {
  return histogram_.count() == 0 ? 0.0 : histogram_.sum() / static_cast<double>(histogram_.count());
}

}  // namespace h2k

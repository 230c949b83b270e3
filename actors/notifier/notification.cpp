// job_event -> Notification: which events notify, and what they say.
#include "actors/notifier/notification.hpp"

#include <cmath>
#include <cstdio>

#include "actors/notifier/text_format.hpp"

namespace h2k {

using notify::human_duration;
using notify::human_size;
using notify::valid_utf8;

namespace {

// One decimal, as the guide's "5.0 minutes" and "file_size_mb": 51200.0.
double round1(double v) { return std::round(v * 10.0) / 10.0; }

std::string one_decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Decimal megabytes, as human_size counts.
double file_size_mb(std::uint64_t bytes) { return round1(static_cast<double>(bytes) / 1e6); }

nlohmann::json base_details(const msg::job_event& e) {
  return {{"job_id", valid_utf8(e.job_id)},
          {"filename", valid_utf8(e.filename)},
          {"file_type", e.file_type},
          {"file_size_mb", file_size_mb(e.file_size)}};
}

Notification success(const msg::job_event& e) {
  const std::string file = valid_utf8(e.filename);
  const std::string output = valid_utf8(e.output_path);
  Notification n;
  n.event = "conversion_success";
  n.title = "\u2705 Conversion Successful";
  n.text = output.empty() ? file : file + " \u2192 " + output;
  n.fields = {{"Filename", file}, {"Size", human_size(e.file_size)}, {"Duration", human_duration(e.duration_s)}};
  if (!output.empty()) n.fields.emplace_back("Output", output);
  n.color = "good";
  n.details = base_details(e);
  n.details["output_path"] = output;
  n.details["duration_s"] = round1(e.duration_s);
  n.details["bytes_converted"] = e.bytes_converted;
  n.details["attempt"] = e.attempt;
  return n;
}

Notification retry_success(const msg::job_event& e) {
  const std::string file = valid_utf8(e.filename);
  // Attempts possible = the first one plus max_retries retries.
  const std::string attempts = std::to_string(e.attempt) + "/" + std::to_string(e.max_retries + 1);
  Notification n;
  n.event = "retry_success";
  n.title = "\u2705 Retry Successful";
  n.text = file + " succeeded on attempt " + attempts;
  n.fields = {{"Filename", file}, {"Size", human_size(e.file_size)}, {"Attempt", attempts}};
  if (!e.previous_error.empty()) n.fields.emplace_back("Previous error", valid_utf8(e.previous_error));
  n.fields.emplace_back("Duration", human_duration(e.duration_s));
  if (!e.output_path.empty()) n.fields.emplace_back("Output", valid_utf8(e.output_path));
  n.color = "good";
  n.details = base_details(e);
  n.details["attempt"] = e.attempt;
  n.details["max_retries"] = e.max_retries;
  n.details["retry_count"] = e.attempt - 1;
  n.details["previous_error"] = valid_utf8(e.previous_error);
  n.details["output_path"] = valid_utf8(e.output_path);
  n.details["duration_s"] = round1(e.duration_s);
  return n;
}

Notification failure(const msg::job_event& e) {
  const std::string file = valid_utf8(e.filename);
  Notification n;
  n.event = "conversion_failure";
  n.title = "\u274C Conversion Failed";
  n.text = "Failed to convert " + file;
  n.fields = {{"Filename", file}, {"Size", human_size(e.file_size)}, {"Error", valid_utf8(e.error)}};
  n.color = "danger";
  n.details = base_details(e);
  n.details["error"] = valid_utf8(e.error);
  n.details["phase"] = e.phase;
  n.details["max_retries"] = e.max_retries;
  if (e.kind == "retry_scheduled") {
    // attempt = attempts so far, so the retry about to come is number `attempt`.
    const double minutes = round1(std::max<std::int64_t>(0, e.next_retry_at_ms - e.at_ms) / 60000.0);
    n.fields.emplace_back("Retry", std::to_string(e.attempt) + "/" + std::to_string(e.max_retries) + " (next in " +
                                       one_decimal(minutes) + " min)");
    n.details["retry_count"] = e.attempt;
    n.details["next_retry_minutes"] = minutes;
    n.details["final"] = false;
  } else {
    if (e.attempt > 1) n.fields.emplace_back("Attempts", std::to_string(e.attempt) + " (no retries left)");
    n.details["retry_count"] = std::max(0, e.attempt - 1);
    n.details["next_retry_minutes"] = nullptr;
    n.details["final"] = true;
  }
  return n;
}

// Formatted like the stall notices: what happened in one line, the facts as
// fields, what to do.
Notification node_lost(const msg::job_event& e, std::size_t jobs) {
  const std::string error = valid_utf8(e.error);
  const auto [node, reason] = parse_node_lost(error);
  Notification n;
  n.event = "node_lost";
  n.title = "\u26A0\uFE0F Node Lost";
  n.text = "hyper2kvm: " + (error.empty() ? std::string("a node was lost") : error);
  if (jobs > 0) n.text += "; its " + std::to_string(jobs) + " job(s) get new leases";
  if (!node.empty()) n.fields.emplace_back("Node", node);
  n.fields.emplace_back("Reason", reason);
  if (jobs > 0) n.fields.emplace_back("Jobs requeued", std::to_string(jobs));
  n.fields.emplace_back("Action", "Check the node");
  n.color = "warning";
  n.details = {{"node", node}, {"reason", reason}, {"error", error}, {"jobs_requeued", jobs}};
  return n;
}

}  // namespace

std::pair<std::string, std::string> parse_node_lost(const std::string& error) {
  static const std::string head = "node ", sep = " lost: ";
  if (error.rfind(head, 0) != 0) return {"", error};
  const auto at = error.find(sep, head.size());
  if (at == std::string::npos || at == head.size()) return {"", error};
  return {error.substr(head.size(), at - head.size()), error.substr(at + sep.size())};
}

std::size_t NodeLossJobs::on_event(const msg::job_event& e) {
  if (e.kind == "node_lost") {
    const auto node = parse_node_lost(e.error).first;
    auto it = requeued_.find(node);
    if (it == requeued_.end()) return 0;
    const std::size_t n = it->second;
    requeued_.erase(it);
    return n;
  }
  if (e.kind == "slot_lost") {
    // "<node>/slot-<n> stopped: node <node> lost: <reason>"
    static const std::string stopped = " stopped: ";
    const auto at = e.error.find(stopped);
    if (at == std::string::npos) return 0;
    const auto node = parse_node_lost(e.error.substr(at + stopped.size())).first;
    if (!node.empty() && e.error.rfind(node + "/slot-", 0) == 0) ++requeued_[node];
  }
  return 0;
}

std::optional<Notification> notification_for(const msg::job_event& e, const NotificationSettings& s,
                                             std::size_t node_jobs) {
  if (!s.enabled) return std::nullopt;
  std::optional<Notification> n;
  if (e.kind == "succeeded") {
    if (e.attempt > 1) {
      if (s.notify_on_success || s.notify_on_failure) n = retry_success(e);
    } else if (s.notify_on_success) {
      n = success(e);
    }
  } else if (e.kind == "retry_scheduled" || e.kind == "failed" || e.kind == "rejected") {
    if (s.notify_on_failure) n = failure(e);
  } else if (e.kind == "node_lost") {
    if (s.notify_on_failure) n = node_lost(e, node_jobs);
  } else if (e.kind == "stalled" && s.notify_on_stall) {
    // The watchdog cancelled a job that stopped reporting progress.
    Notification st;
    st.event = "job_stalled";
    st.title = "\u26A0\uFE0F Conversion Stalled";
    st.text = "Conversion of " + valid_utf8(e.filename) + " stopped making progress: the attempt was cancelled";
    st.fields = {{"Filename", valid_utf8(e.filename)}, {"Job", e.job_id}, {"Reason", valid_utf8(e.error)}};
    st.color = "warning";
    st.details = base_details(e);
    st.details["error"] = valid_utf8(e.error);
    n = std::move(st);
  }
  if (n) n->at_ms = e.at_ms;
  return n;
}

Notification stall_notification(std::chrono::milliseconds idle_for, std::uint64_t queued, std::uint64_t running,
                                std::int64_t now_ms) {
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(idle_for).count();
  Notification n;
  n.event = "daemon_stall";
  n.title = "\u26A0\uFE0F Daemon Stalled";
  n.text = "No files processed in " + std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
  n.fields = {{"Queue depth", std::to_string(queued)},
              {"Currently processing", std::to_string(running)},
              {"Action", "Check daemon health"}};
  n.color = "warning";
  n.at_ms = now_ms;
  n.details = {{"idle_minutes", minutes}, {"queue_depth", queued}, {"currently_processing", running}};
  return n;
}

Notification test_notification(std::int64_t now_ms) {
  Notification n;
  n.event = "test";
  n.title = "Test notification";
  n.text = "Test from hyper2kvm: this channel receives the daemon's notifications";
  n.color = "#439FE0";
  n.at_ms = now_ms;
  n.details = {{"message", n.text}};
  return n;
}

}  // namespace h2k

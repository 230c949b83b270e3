#include "tools/hyperctl/render.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "tools/hyperctl/json_fields.hpp"
#include "tools/hyperctl/text_format.hpp"

namespace h2k::hyperctl {
namespace {

using json = nlohmann::json;

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string count_field(const json& obj, const char* key) {
  auto v = number_field(obj, key);
  return v ? std::to_string(static_cast<long long>(*v)) : "-";
}

std::string seconds_field(const json& obj, const char* key) {
  auto v = number_field(obj, key);
  return v ? fixed1(*v) + "s" : "-";
}

std::string percent_field(const json& obj, const char* key) {
  auto v = number_field(obj, key);
  return v ? format_percent(*v) : "-";
}

std::string line(const std::string& label, const std::string& value) { return "  " + label + ": " + value + "\n"; }

std::string last_error_summary(const json& job) {
  const json& err = member(job, "last_error");
  if (!err.is_object()) return "";
  std::string text = text_field(err, "kind", "error") + ": " + text_field(err, "reason", "(no reason given)");
  if (std::string phase = text_field(err, "phase", ""); !phase.empty()) text += " (phase " + phase + ")";
  return text;
}

// Strings of an array joined with ", " (or `separator`); "-" when there are none.
std::string joined_strings(const json& array, const std::string& separator = ", ") {
  std::string out;
  if (array.is_array())
    for (const auto& item : array)
      if (item.is_string()) out += (out.empty() ? "" : separator) + item.get<std::string>();
  return out.empty() ? "-" : out;
}

// A text field shown as "-" when it is empty too (the daemon sends "" for
// "none": the coordinator's incarnation, a node that has no accel).
std::string nonempty_field(const json& obj, const char* key) {
  std::string text = text_field(obj, key, "");
  return text.empty() ? "-" : text;
}

// The daemon's own entry in the nodes reply: it has no heartbeat.
bool is_coordinator_entry(const json& node) { return text_field(node, "host", "") == "(coordinator)"; }

// "0.4s ago", "2m05s ago"; "-" for the coordinator's own entry or no age.
std::string heartbeat_text(const json& node) {
  if (is_coordinator_entry(node)) return "-";
  auto age = number_field(node, "last_heartbeat_age_s");
  if (!age || !std::isfinite(*age) || *age < 0) return "-";
  // Below a minute to a tenth of a second ("59.9s"), above it as a duration
  // (59.96 would print "60.0s" with one decimal).
  return (*age < 59.95 ? fixed1(*age) + "s" : format_duration(*age)) + " ago";
}

// "up", "draining", "down (no heartbeat for more than 15000 ms (node_timeout))",
// "no-share (/mnt/h2k/.hyper2kvm-share is missing: ...)".
std::string health_text(const json& node) {
  std::string health = text_field(node, "health", "?");
  if (health == "down") {
    if (std::string reason = text_field(node, "down_reason", ""); !reason.empty()) health += " (" + reason + ")";
  } else if (health == "no-share") {
    if (std::string reason = text_field(node, "share_problem", ""); !reason.empty()) health += " (" + reason + ")";
  }
  return health;
}

}  // namespace

std::string job_source_summary(const json& job, bool file_name_only) {
  const json& sources = member(job, "sources");
  if (!sources.is_array() || sources.empty() || !sources[0].is_string()) return "-";
  std::string first = sources[0].get<std::string>();
  if (file_name_only) first = std::filesystem::path(first).filename().string();
  if (sources.size() > 1) first += " (+" + std::to_string(sources.size() - 1) + ")";
  return first;
}

std::string job_progress_summary(const json& job) {
  const json& p = member(job, "progress");
  if (!p.is_object()) return "";
  std::string text = text_field(p, "phase", "?") + " " + percent_field(p, "percent");
  std::vector<std::string> details;
  auto done = number_field(p, "bytes_done");
  auto total = number_field(p, "bytes_total");
  if (done && total && *total > 0) details.push_back(format_bytes(*done) + " of " + format_bytes(*total));
  if (auto rate = number_field(p, "rate_bps"); rate && *rate > 0) details.push_back(format_bytes(*rate) + "/s");
  if (auto eta = number_field(p, "eta_s"); eta && *eta >= 0) details.push_back("ETA " + format_duration(*eta));
  if (!details.empty()) {
    text += " (";
    for (std::size_t i = 0; i < details.size(); ++i) text += (i ? ", " : "") + details[i];
    text += ")";
  }
  return text;
}

std::string render_status(const json& reply) {
  std::string out = "Status: " + upper(text_field(reply, "status", "unknown")) + "\n";
  out += line("PID", text_field(reply, "pid"));
  auto uptime = number_field(reply, "uptime_s");
  out += line("Uptime", uptime ? format_duration(*uptime) : "-");
  out += line("Queued", count_field(reply, "queued"));
  out += line("Running", count_field(reply, "running"));
  out += line("Waiting to retry", count_field(reply, "retry_wait"));
  if (reply.contains("slots_alive"))
    out += line("Slots", count_field(reply, "slots_alive") + " of " + count_field(reply, "max_concurrent_jobs") + " alive");
  if (member(reply, "cluster") == true) {
    std::string nodes = count_field(reply, "nodes_up") + " of " + count_field(reply, "nodes_total") + " up";
    if (auto awaiting = number_field(reply, "leases_awaiting_nodes"); awaiting && *awaiting > 0)
      nodes += "; " + count_field(reply, "leases_awaiting_nodes") + " lease(s) awaiting their nodes";
    out += line("Nodes", nodes);
    // This coordinator's own view of the share: archiving and intake wait on it.
    const std::string share = text_field(reply, "share_problem", "");
    if (!share.empty()) {
      std::string waits = share;
      if (auto failed = number_field(reply, "failures_awaiting_share"); failed && *failed > 0)
        waits += "; " + count_field(reply, "failures_awaiting_share") + " failed job(s)' files waiting";
      out += line("Share", "UNUSABLE: " + waits);
    }
  }
  if (reply.contains("stale_results")) out += line("Stale reports dropped", count_field(reply, "stale_results"));
  out += line("Version", text_field(reply, "version"));
  return out;
}

std::string render_stats(const json& reply) {
  const json& s = member(reply, "stats");
  std::string out = "Daemon Statistics:\n";
  auto hours = number_field(s, "uptime_hours");
  out += line("Uptime", hours ? fixed1(*hours) + " hours" : "-");
  out += line("Processed", count_field(s, "total_processed"));
  out += line("Failed", count_field(s, "total_failed"));
  out += line("Success Rate", percent_field(s, "success_rate"));
  out += line("Avg Processing Time", seconds_field(s, "average_processing_time_seconds"));
  out += line("Queue Depth", count_field(s, "current_queue_depth"));
  out += line("Retried", count_field(s, "total_retried"));
  out += line("Started", text_field(s, "daemon_start_time"));

  const json& by_type = member(s, "by_file_type");
  if (by_type.is_object() && !by_type.empty()) {
    std::vector<std::vector<std::string>> rows{{"TYPE", "PROCESSED", "FAILED", "AVG TIME", "SUCCESS"}};
    for (const auto& [type, t] : by_type.items())
      rows.push_back({type, count_field(t, "processed"), count_field(t, "failed"), seconds_field(t, "avg_time"),
                      percent_field(t, "success_rate")});
    out += "\nBy file type:\n" + format_table(rows, "  ");
  }

  const json& current = member(s, "current_jobs");
  if (current.is_object() && !current.empty()) {
    std::vector<std::vector<std::string>> rows{{"FILE", "JOB", "STATUS", "PHASE", "PROGRESS", "SIZE", "ETA", "RETRIES"}};
    for (const auto& [file, j] : current.items()) {
      auto eta = number_field(j, "eta_seconds");
      auto size_mb = number_field(j, "file_size_mb");
      rows.push_back({file, text_field(j, "job_id"), text_field(j, "status"), text_field(j, "phase"),
                      percent_field(j, "progress_percent"), size_mb ? format_bytes(*size_mb * 1024 * 1024) : "-",
                      eta && *eta >= 0 ? format_duration(*eta) : "-", count_field(j, "retry_count")});
    }
    out += "\nCurrent jobs:\n" + format_table(rows, "  ");
  }
  return out;
}

std::string render_daemon_state(const json& reply) {
  return "Status: " + upper(text_field(reply, "status", "unknown")) + "\n";
}

std::string render_job_table(const json& reply) {
  const json& jobs = member(reply, "jobs");
  if (!jobs.is_array() || jobs.empty()) return "No jobs.\n";
  std::vector<std::vector<std::string>> rows{{"ID", "STATE", "NODE", "PRIORITY", "TYPE", "ATTEMPTS", "SOURCE"}};
  for (const auto& job : jobs)
    rows.push_back({text_field(job, "id"), text_field(job, "state"), nonempty_field(job, "node"),
                    text_field(job, "priority"), text_field(job, "file_type"), count_field(job, "attempts"),
                    job_source_summary(job)});
  return format_table(rows);
}

std::string render_node_table(const json& reply) {
  const json& nodes = member(reply, "nodes");
  if (!nodes.is_array() || nodes.empty()) return "No nodes.\n";
  std::vector<std::vector<std::string>> rows{
      {"NAME", "ROLES", "HOST", "SLOTS", "DONE", "LOST", "HEARTBEAT", "ACCEL", "HEALTH"}};
  for (const auto& node : nodes)
    rows.push_back({text_field(node, "name"), joined_strings(member(node, "roles"), ","), nonempty_field(node, "host"),
                    count_field(node, "slots_busy") + "/" + count_field(node, "slots_total"),
                    count_field(node, "jobs_done"), count_field(node, "jobs_lost"), heartbeat_text(node),
                    nonempty_field(node, "accel"), health_text(node)});
  return format_table(rows);
}

std::string render_node_detail(const json& node) {
  std::string out = "Node: " + text_field(node, "name") + "\n";
  out += line("Health", health_text(node));
  out += line("Roles", joined_strings(member(node, "roles")));
  out += line("Host", nonempty_field(node, "host"));
  out += line("Incarnation", nonempty_field(node, "incarnation"));
  out += line("Slots", count_field(node, "slots_busy") + " of " + count_field(node, "slots_total") + " busy");
  out += line("Running jobs", joined_strings(member(node, "running_jobs")));
  out += line("Jobs done", count_field(node, "jobs_done"));
  out += line("Jobs lost", count_field(node, "jobs_lost"));
  auto scratch = number_field(node, "scratch_free_bytes");
  out += line("Scratch free", scratch ? format_bytes(*scratch) : "-");
  out += line("Accel", nonempty_field(node, "accel"));
  out += line("Last heartbeat", heartbeat_text(node));
  return out;
}

std::string render_node_action(const json& reply) {
  const std::string node = text_field(reply, "node", "?");
  if (member(reply, "draining") == true)
    return "Node " + node + " is draining: it finishes its running jobs and gets no new ones\n";
  return "Node " + node + " takes new jobs again\n";
}

std::string render_job_detail(const json& job) {
  std::vector<std::pair<std::string, std::string>> fields{
      {"Job", text_field(job, "id")},
      {"State", text_field(job, "state")},
      {"Node", nonempty_field(job, "node")},
      {"Priority", text_field(job, "priority")},
      {"Type", text_field(job, "file_type")},
      {"Attempts", count_field(job, "attempts")},
  };
  const json& sources = member(job, "sources");
  if (sources.is_array()) {
    for (std::size_t i = 0; i < sources.size(); ++i)
      fields.emplace_back(i == 0 ? "Sources" : "", sources[i].is_string() ? sources[i].get<std::string>() : "-");
  }
  if (!sources.is_array() || sources.empty()) fields.emplace_back("Sources", "-");
  const json& vsphere = member(job, "vsphere");
  if (vsphere.is_object())
    fields.emplace_back("vSphere", "vsphere://" + text_field(vsphere, "vcenter") + "/" + text_field(vsphere, "vm") +
                                       (vsphere.value("exported", false) ? " (exported)" : " (export phase)"));
  fields.emplace_back("Created", text_field(job, "created_at"));
  fields.emplace_back("Started", text_field(job, "started_at"));
  fields.emplace_back("Finished", text_field(job, "finished_at"));
  fields.emplace_back("Output", text_field(job, "output_dir", "") != "" ? text_field(job, "output_dir")
                                                                         : text_field(job, "output_path"));
  if (text_field(job, "duplicate_of", "") != "")
    fields.emplace_back("Duplicate of", text_field(job, "duplicate_of") + " (same content: nothing converted; Output is that job's)");
  if (const json& needs = member(job, "needs"); needs.is_array() && !needs.empty()) {
    std::string list;
    for (const auto& n : needs)
      if (n.is_string()) list += (list.empty() ? "" : ", ") + n.get<std::string>();
    fields.emplace_back("Needs", list + " (only converter nodes that have it get this job)");
  }
  if (text_field(job, "domain_xml", "") != "") fields.emplace_back("Domain XML", text_field(job, "domain_xml"));
  if (number_field(job, "queue_position")) fields.emplace_back("Queue position", count_field(job, "queue_position"));
  if (text_field(job, "next_attempt_at", "") != "") fields.emplace_back("Next attempt", text_field(job, "next_attempt_at"));
  std::string progress = job_progress_summary(job);
  fields.emplace_back("Progress", progress.empty() ? "-" : progress);
  std::string error = last_error_summary(job);
  fields.emplace_back("Last error", error.empty() ? "-" : error);

  std::size_t width = 0;
  for (const auto& [label, value] : fields) width = std::max(width, label.size());
  std::string out;
  for (const auto& [label, value] : fields)
    out += pad_right(label.empty() ? "" : label + ":", width + 2) + value + "\n";
  return out;
}

std::string render_job_action(const std::string& command, const json& job) {
  const std::string id = text_field(job, "id", "?");
  const std::string state = text_field(job, "state", "?");
  std::string where;
  if (number_field(job, "queue_position")) where = ", queue position " + count_field(job, "queue_position");
  if (command == "queue-job")
    return "Queued job " + id + " (" + job_source_summary(job) + ", priority " + text_field(job, "priority") + where +
           ")\n";
  if (command == "cancel-job") return "Job " + id + " is now " + state + "\n";
  if (command == "set-priority")
    return "Job " + id + " priority is now " + text_field(job, "priority") + " (" + state + where + ")\n";
  if (command == "retry-job") return "Job " + id + " is now " + state + where + "\n";
  return render_job_detail(job);
}

}  // namespace h2k::hyperctl

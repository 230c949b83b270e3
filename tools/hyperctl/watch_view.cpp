#include "tools/hyperctl/watch_view.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

#include "tools/hyperctl/json_fields.hpp"
#include "tools/hyperctl/render.hpp"
#include "tools/hyperctl/text_format.hpp"

namespace h2k::hyperctl {
namespace {

using json = nlohmann::json;

const json& jobs_of(const json& reply) {
  static const json no_jobs = json::array();  // immutable placeholder
  const json& jobs = member(reply, "jobs");
  return jobs.is_array() ? jobs : no_jobs;
}

long long count_of(const json& status, const char* key, std::size_t fallback) {
  auto v = number_field(status, key);
  return v ? static_cast<long long>(*v) : static_cast<long long>(fallback);
}

std::string running_line(const json& job) {
  const json& p = member(job, "progress");
  const double percent = number_field(p, "percent").value_or(0);
  std::string text = "  " + progress_bar(percent) + "  " + pad_right(format_percent(percent), 6) + "  ";
  text += p.is_object() ? text_field(p, "phase", "?") : "starting";
  if (auto rate = number_field(p, "rate_bps"); rate && *rate > 0) text += "  " + format_bytes(*rate) + "/s";
  if (auto eta = number_field(p, "eta_s"); eta && *eta >= 0) text += "  ETA " + format_duration(*eta);
  text += "  " + job_source_summary(job, true) + "  (" + text_field(job, "id", "?") + ")";
  return text + "\n";
}

}  // namespace

std::string render_watch(const WatchSnapshot& snapshot, const std::string& clock_text) {
  const json& status = snapshot.status;
  const json& running = jobs_of(snapshot.running);
  const json& queued = jobs_of(snapshot.queued);
  const json& waiting = jobs_of(snapshot.retry_wait);

  std::string state = text_field(status, "status", "unknown");
  std::transform(state.begin(), state.end(), state.begin(), [](unsigned char c) { return std::toupper(c); });
  auto uptime = number_field(status, "uptime_s");
  const long long n_queued = count_of(status, "queued", queued.size());
  const long long n_running = count_of(status, "running", running.size());
  const long long n_waiting = count_of(status, "retry_wait", waiting.size());

  std::string out = "hyper2kvm " + state + "  pid " + text_field(status, "pid", "?") + "  up " +
                    (uptime ? format_duration(*uptime) : "?") + "  queued " + std::to_string(n_queued) + "  running " +
                    std::to_string(n_running) + "  retry_wait " + std::to_string(n_waiting) + "  " + clock_text +
                    "\n";

  out += "\nRunning (" + std::to_string(n_running) + "):\n";
  if (running.empty()) out += "  -\n";
  for (const auto& job : running) out += running_line(job);

  out += "\nQueued (" + std::to_string(n_queued) + "):\n";
  if (queued.empty()) out += "  -\n";
  std::vector<const json*> by_position;
  for (const auto& job : queued) by_position.push_back(&job);
  std::stable_sort(by_position.begin(), by_position.end(), [](const json* a, const json* b) {
    return number_field(*a, "queue_position").value_or(1e18) < number_field(*b, "queue_position").value_or(1e18);
  });
  for (const json* job : by_position) {
    char pos[16];
    std::snprintf(pos, sizeof pos, "%4s", text_field(*job, "queue_position", "?").c_str());
    out += "  " + std::string(pos) + "  " + pad_right(text_field(*job, "priority"), 6) + "  " +
           job_source_summary(*job, true) + "  (" + text_field(*job, "id", "?") + ")\n";
  }
  if (n_queued > static_cast<long long>(queued.size()))
    out += "  ... and " + std::to_string(n_queued - static_cast<long long>(queued.size())) + " more\n";

  if (!waiting.empty()) {
    out += "\nWaiting to retry (" + std::to_string(n_waiting) + "):\n";
    for (const auto& job : waiting) {
      out += "  " + job_source_summary(job, true) + "  attempt " + text_field(job, "attempts", "?") + ", next at " +
             text_field(job, "next_attempt_at", "?") + "  (" + text_field(job, "id", "?") + ")";
      const json& err = member(job, "last_error");
      if (err.is_object()) out += "  " + text_field(err, "kind", "error") + ": " + text_field(err, "reason", "");
      out += "\n";
    }
  }
  return out;
}

}  // namespace h2k::hyperctl

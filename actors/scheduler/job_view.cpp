#include "actors/scheduler/job_view.hpp"

#include "actors/common/iso_time.hpp"

namespace h2k {

namespace {
nlohmann::json time_or_null(std::int64_t ms) { return ms > 0 ? nlohmann::json(iso8601_utc(ms)) : nlohmann::json(); }
}  // namespace

nlohmann::json job_view(const Job& job, const msg::job_progress* progress, std::optional<std::size_t> queue_position) {
  nlohmann::json j;
  j["id"] = job.id;
  j["state"] = to_string(job.state);
  j["priority"] = to_string(job.priority);
  j["file_type"] = job.file_type;
  j["sources"] = nlohmann::json::array();
  for (const auto& s : job.sources) j["sources"].push_back(s.string());
  j["source_root"] = job.source_root;  // a named root: "watch" or "external" (absolute sources)
  j["attempts"] = job.attempts;
  j["created_at"] = time_or_null(job.created_at);
  j["started_at"] = time_or_null(job.started_at);
  j["finished_at"] = time_or_null(job.finished_at);
  j["next_attempt_at"] = job.state == JobState::RetryWait ? time_or_null(job.next_attempt_at) : nlohmann::json();
  // Relative to the output folder (the reserved folder while running).
  j["output_path"] = job.output_path.empty() ? nlohmann::json() : nlohmann::json(job.output_path.generic_string());
  j["epoch"] = job.epoch;
  j["interrupted"] = job.interrupted;
  j["crashes"] = job.crashes;
  j["holder"] = job.holder.empty() ? nlohmann::json() : nlohmann::json(job.holder);
  // The node of a running job (cluster: which host converts it), and of a
  // finished one (which host converted or failed it: where its logs are).
  // A queued job shows none, even one a node handed back.
  // (holder is "" unless the job runs.)
  const bool finished = job.state == JobState::Done || job.state == JobState::Failed;
  const std::string& slot = finished ? job.last_holder : job.holder;
  j["node"] = slot.empty() ? nlohmann::json() : nlohmann::json(msg::node_of_holder(slot));
  // Done, its sources still on their way to this archive folder (moved just
  // after "done" is durable); null once they are there.
  j["archive_pending"] = job.state == JobState::Done && !job.archive_pending.empty()
                             ? nlohmann::json(job.archive_pending)
                             : nlohmann::json();
  // Done without converting: the job that converted the same VM (same dedup key).
  if (!job.duplicate_of.empty()) j["duplicate_of"] = job.duplicate_of;
  j["queue_position"] = queue_position ? nlohmann::json(*queue_position) : nlohmann::json();
  if (job.last_error)
    j["last_error"] = {{"kind", to_string(job.last_error->kind)},
                       {"reason", job.last_error->reason},
                       {"phase", job.last_error->phase}};
  else
    j["last_error"] = nullptr;
  if (progress)
    j["progress"] = {{"phase", progress->phase},         {"percent", progress->percent},
                     {"bytes_done", progress->bytes_done}, {"bytes_total", progress->bytes_total},
                     {"rate_bps", progress->rate_bps},     {"eta_s", progress->eta_s},
                     {"message", progress->message}};
  else
    j["progress"] = nullptr;
  return j;
}

}  // namespace h2k

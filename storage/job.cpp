#include "storage/job.hpp"

#include <array>
#include <utility>

#include "storage/storage_error.hpp"

namespace h2k {
namespace {

constexpr std::array<std::pair<JobState, const char*>, 6> kStates{{
    {JobState::Queued, "queued"},
    {JobState::Running, "running"},
    {JobState::RetryWait, "retry_wait"},
    {JobState::Done, "done"},
    {JobState::Failed, "failed"},
    {JobState::Cancelled, "cancelled"},
}};

constexpr std::array<std::pair<JobPriority, const char*>, 3> kPriorities{{
    {JobPriority::Low, "low"},
    {JobPriority::Normal, "normal"},
    {JobPriority::High, "high"},
}};

[[noreturn]] void bad_field(const std::string& what, const std::string& field, const std::string& why) {
  throw StorageError(what + ": field '" + field + "': " + why);
}

template <typename T>
T field(const nlohmann::json& j, const std::string& what, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) bad_field(what, name, "missing");
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    bad_field(what, name, e.what());
  }
}

}  // namespace

const char* to_string(JobState s) {
  for (auto& [v, name] : kStates)
    if (v == s) return name;
  return "unknown";
}

const char* to_string(JobPriority p) {
  for (auto& [v, name] : kPriorities)
    if (v == p) return name;
  return "unknown";
}

std::optional<JobState> job_state_from_string(std::string_view s) {
  for (auto& [v, name] : kStates)
    if (s == name) return v;
  return std::nullopt;
}

std::optional<JobPriority> job_priority_from_string(std::string_view s) {
  for (auto& [v, name] : kPriorities)
    if (s == name) return v;
  return std::nullopt;
}

bool is_final(JobState s) {
  return s == JobState::Done || s == JobState::Failed || s == JobState::Cancelled;
}

std::vector<std::filesystem::path> Job::source_paths(const std::filesystem::path& watch_root) const {
  std::vector<std::filesystem::path> out;
  out.reserve(sources.size());
  for (auto& s : sources) out.push_back(source_root == kWatchRoot ? watch_root / s : s);
  return out;
}

bool lease_matches(const Job& job, std::uint64_t epoch, const std::string& holder) {
  return job.state == JobState::Running && job.epoch == epoch && job.holder == holder;
}

bool was_allowed_to_publish(const Job& job) {
  return job.epoch != 0 && job.publishing_epoch == job.epoch && !job.output_path.empty();
}

bool has_published(const Job& job, const std::function<bool(const std::filesystem::path&)>& folder_exists) {
  return was_allowed_to_publish(job) && folder_exists(job.output_path);
}

bool is_valid_job_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

nlohmann::json to_json(const Job& job) {
  nlohmann::json sources = nlohmann::json::array();
  for (auto& s : job.sources) sources.push_back(s.generic_string());
  nlohmann::json j = {
      {"v", 2},
      {"id", job.id},
      {"source_root", job.source_root},
      {"sources", std::move(sources)},
      {"file_type", job.file_type},
      {"priority", to_string(job.priority)},
      {"state", to_string(job.state)},
      {"attempts", job.attempts},
      {"interrupted", job.interrupted},
      {"crashes", job.crashes},
      {"epoch", job.epoch},
      {"holder", job.holder},
      {"publishing_epoch", job.publishing_epoch},
      {"archive_pending", job.archive_pending},
      {"next_attempt_at", job.next_attempt_at},
      {"created_at", job.created_at},
      {"started_at", job.started_at},
      {"finished_at", job.finished_at},
      {"output_path", job.output_path.generic_string()},
      {"dedup_key", job.dedup_key},
      {"enqueue_seq", job.enqueue_seq},
  };
  if (!job.duplicate_of.empty()) j["duplicate_of"] = job.duplicate_of;
  if (!job.last_holder.empty()) j["last_holder"] = job.last_holder;
  if (!job.needs.empty()) j["needs"] = job.needs;
  if (job.last_error)
    j["last_error"] = {{"kind", to_string(job.last_error->kind)},
                       {"reason", job.last_error->reason},
                       {"phase", job.last_error->phase}};
  else
    j["last_error"] = nullptr;
  if (job.export_source) j["export_source"] = to_json(*job.export_source);
  return j;
}

nlohmann::json to_json(const ExportSource& x) {
  return {{"vcenter", x.vcenter},       {"vm", x.vm},
          {"datacenter", x.datacenter}, {"username", x.username},
          {"thumbprint", x.thumbprint}, {"ca_file", x.ca_file},
          {"insecure", x.insecure},     {"shutdown", x.shutdown},
          {"define", x.define},         {"exported", x.exported},
          {"exported_epoch", x.exported_epoch}, {"export_dir", x.export_dir}};
}

ExportSource export_source_from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) bad_field(what, "export_source", "not a JSON object");
  ExportSource x;
  x.vcenter = field<std::string>(j, what, "vcenter");
  x.vm = field<std::string>(j, what, "vm");
  x.datacenter = j.value("datacenter", std::string());
  x.username = j.value("username", std::string());
  x.thumbprint = j.value("thumbprint", std::string());
  x.ca_file = j.value("ca_file", std::string());
  x.insecure = j.value("insecure", false);
  x.shutdown = j.value("shutdown", false);
  x.define = j.value("define", false);
  x.exported = j.value("exported", false);
  x.exported_epoch = j.value("exported_epoch", std::uint64_t{0});
  x.export_dir = j.value("export_dir", std::string());
  return x;
}

Job job_from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) throw StorageError(what + ": not a JSON object");
  Job job;
  job.id = field<std::string>(j, what, "id");
  job.source_root = field<std::string>(j, what, "source_root");
  for (auto& s : field<std::vector<std::string>>(j, what, "sources")) job.sources.emplace_back(s);
  if (job.source_root != kWatchRoot && job.source_root != kExternalRoot && job.source_root != kVsphereRoot) {
    // Version 1 stored this host's absolute root: read it as external
    // (absolute) paths; the scheduler turns those inside its watch folder
    // back into "watch" ones at start (JobScheduler::start).
    if (!std::filesystem::path(job.source_root).is_absolute())
      bad_field(what, "source_root", "unknown root '" + job.source_root + "'");
    for (auto& s : job.sources) s = std::filesystem::path(job.source_root) / s;
    job.source_root = kExternalRoot;
  }
  job.file_type = field<std::string>(j, what, "file_type");
  const auto priority = field<std::string>(j, what, "priority");
  if (auto p = job_priority_from_string(priority)) job.priority = *p;
  else bad_field(what, "priority", "unknown value '" + priority + "'");
  const auto state = field<std::string>(j, what, "state");
  if (auto s = job_state_from_string(state)) job.state = *s;
  else bad_field(what, "state", "unknown value '" + state + "'");
  job.attempts = field<int>(j, what, "attempts");
  // Fields added in version 2 (absent from version 1 records).
  job.interrupted = j.value("interrupted", 0);
  job.crashes = j.value("crashes", 0);
  job.epoch = j.value("epoch", std::uint64_t{0});
  job.holder = j.value("holder", std::string());
  job.last_holder = j.value("last_holder", std::string());  // absent before 2026-12-05
  job.publishing_epoch = j.value("publishing_epoch", std::uint64_t{0});
  job.archive_pending = j.value("archive_pending", std::string());
  job.next_attempt_at = field<std::int64_t>(j, what, "next_attempt_at");
  job.created_at = field<std::int64_t>(j, what, "created_at");
  job.started_at = field<std::int64_t>(j, what, "started_at");
  job.finished_at = field<std::int64_t>(j, what, "finished_at");
  job.output_path = field<std::string>(j, what, "output_path");
  job.dedup_key = field<std::string>(j, what, "dedup_key");
  job.duplicate_of = j.value("duplicate_of", std::string());
  if (j.contains("needs")) job.needs = field<std::vector<std::string>>(j, what, "needs");
  job.enqueue_seq = field<std::uint64_t>(j, what, "enqueue_seq");
  if (auto it = j.find("last_error"); it != j.end() && !it->is_null()) {
    JobError e;
    e.kind = error_kind_from_string(field<std::string>(*it, what, "kind"));
    e.reason = field<std::string>(*it, what, "reason");
    e.phase = field<std::string>(*it, what, "phase");
    job.last_error = std::move(e);
  }
  if (auto it = j.find("export_source"); it != j.end() && !it->is_null())
    job.export_source = export_source_from_json(*it, what);
  if (job.source_root == kVsphereRoot && !job.export_source) bad_field(what, "export_source", "missing (vsphere job)");
  return job;
}

}  // namespace h2k

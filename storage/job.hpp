#pragma once
// One conversion job as the daemon persists it. Plain values; JobStore owns
// the transitions between states and keeps its indexes in step with them.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/error.hpp"

namespace h2k {

enum class JobState { Queued, Running, RetryWait, Done, Failed, Cancelled };
enum class JobPriority { Low, Normal, High };

const char* to_string(JobState s);        // "queued", "running", "retry_wait", "done", "failed", "cancelled"
const char* to_string(JobPriority p);     // "low", "normal", "high"
std::optional<JobState> job_state_from_string(std::string_view s);
std::optional<JobPriority> job_priority_from_string(std::string_view s);
inline std::ostream& operator<<(std::ostream& os, JobState s) { return os << to_string(s); }
inline std::ostream& operator<<(std::ostream& os, JobPriority p) { return os << to_string(p); }
// Done, failed and cancelled jobs never change state again.
bool is_final(JobState s);

// Why the last attempt failed: the engine's error kind (decides retries), its
// reason, and the pipeline phase it happened in ("copy", "guest", ...).
struct JobError {
  ErrorKind kind = ErrorKind::Internal;
  std::string reason;
  std::string phase;
};

// What a producer (the watcher, the control socket) knows about new work.
struct NewJob {
  std::string id;                              // empty: JobStore assigns one
  // Source files relative to source_root (the watched share), kept apart so
  // the share can be re-mounted elsewhere without rewriting every job.
  std::filesystem::path source_root;
  std::vector<std::filesystem::path> sources;  // first is the primary file (the .ova, .vmx, ...)
  std::string file_type;                       // "ova", "vmdk", "vhdx", ...
  JobPriority priority = JobPriority::Normal;
  // The folder the conversion publishes (output_dir/<name>); may be set later
  // with JobStore::set_output_path, but before publishing (crash recovery
  // treats an existing output_path as "published").
  std::filesystem::path output_path;
  std::string dedup_key;                       // empty: not deduplicated
};

struct Job {
  std::string id;
  std::filesystem::path source_root;
  std::vector<std::filesystem::path> sources;
  std::string file_type;
  JobPriority priority = JobPriority::Normal;
  JobState state = JobState::Queued;
  int attempts = 0;                   // claims so far (an interrupted run counts)
  std::int64_t next_attempt_at = 0;   // unix ms; meaningful in RetryWait
  std::optional<JobError> last_error;
  std::int64_t created_at = 0;        // unix ms; 0 = not yet
  std::int64_t started_at = 0;        // last claim
  std::int64_t finished_at = 0;
  std::filesystem::path output_path;
  std::string dedup_key;
  std::uint64_t enqueue_seq = 0;      // FIFO order within a priority; assigned by JobStore

  // source_root / sources[i]
  std::vector<std::filesystem::path> source_paths() const;
};

// Ids become part of RocksDB keys ("job/<id>"), so they are restricted to
// [A-Za-z0-9._-], 1..128 characters.
bool is_valid_job_id(std::string_view id);

// The stored JSON form. from_json throws StorageError naming `what` (the key)
// and the field that is missing or malformed.
nlohmann::json to_json(const Job& job);
Job job_from_json(const nlohmann::json& j, const std::string& what);

}  // namespace h2k

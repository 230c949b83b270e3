#pragma once
// One conversion job as the daemon persists it. Plain values; JobStore owns
// the transitions between states and keeps its indexes in step with them.
#include <cstdint>
#include <filesystem>
#include <functional>
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

// Paths are stored relative to a NAMED root, never as this host's absolute
// paths, so a job reads the same on a host that mounts the share elsewhere:
//   "watch"    the watch folder (the shared queue): sources dropped there
//   "external" a file the operator queued from outside the queue (queue-job):
//              its one source is stored as an absolute path and never moved
//   output paths are always relative to the output folder ("output").
inline constexpr const char* kWatchRoot = "watch";
inline constexpr const char* kExternalRoot = "external";
//   "vsphere"  a VM still to be exported from vCenter (the export phase):
//              its one source is the VM's name or inventory path; once
//              exported the job's sources are the exported files ("watch")
inline constexpr const char* kVsphereRoot = "vsphere";

// Where a job's VM comes from when it is exported from vSphere first
// (hyperctl convert --vm). Never a password: credentials live in the
// submitter's request (memory only) or the exporter's own configuration.
struct ExportSource {
  std::string vcenter;     // host[:port]
  std::string vm;          // name or inventory path
  std::string datacenter;  // "" = any
  std::string username;
  std::string thumbprint;  // SHA-256 pin, "" = verify against CAs
  std::string ca_file;
  bool insecure = false;
  bool shutdown = false;   // shut a running guest down first
  bool define = false;     // define the libvirt domain after converting
  // The export phase is over: the job's sources are its exported files.
  bool exported = false;
  std::uint64_t exported_epoch = 0;  // the lease whose export was accepted
  std::string export_dir;            // relative to the watch root, once exported
};

// What a producer (the watcher, the control socket) knows about new work.
struct NewJob {
  std::string id;                              // empty: JobStore assigns one
  std::string source_root = kWatchRoot;        // kWatchRoot or kExternalRoot
  std::vector<std::filesystem::path> sources;  // first is the primary file (the .ova, .vmx, ...)
  std::string file_type;                       // "ova", "vmdk", "vhdx", ...
  JobPriority priority = JobPriority::Normal;
  std::string dedup_key;                       // empty: not deduplicated
  std::optional<ExportSource> export_source;   // with source_root kVsphereRoot
};

struct Job {
  std::string id;
  std::string source_root = kWatchRoot;  // named root of `sources` (see above)
  std::vector<std::filesystem::path> sources;
  std::string file_type;
  JobPriority priority = JobPriority::Normal;
  JobState state = JobState::Queued;
  int attempts = 0;                   // runs started (claims); an interrupted run counts
  // Runs that ended through no fault of the job (the daemon killed or
  // stopped, its slot lost): shown in `attempts` but not charged against
  // retry_policy.max_retries.
  int interrupted = 0;
  // Of those, how many ended with the daemon itself dying (kill -9, a
  // crash): a job that takes the daemon down every time must not be
  // retried forever (JobStore::recover_after_crash's max_crashes).
  int crashes = 0;
  // The lease. Every claim bumps `epoch` (never reset, not even by
  // retry-job) in the same write batch that names the `holder` (a slot,
  // later a node's slot); every report and the publish carry both, and one
  // that does not match the running job's lease is stale.
  std::uint64_t epoch = 0;
  std::string holder;                 // "" unless running
  // The holder of the last run, kept when it ends: the node (and slot) that
  // converted a done job, or failed it. Set by every claim; never a lease.
  std::string last_holder;
  // The epoch the scheduler allowed to publish into output_path (fenced
  // publish): after a crash, the job is done iff this equals `epoch` and the
  // folder exists; 0 = no publish was allowed in this epoch.
  std::uint64_t publishing_epoch = 0;
  std::int64_t next_attempt_at = 0;   // unix ms; meaningful in RetryWait
  std::optional<JobError> last_error;
  std::int64_t created_at = 0;        // unix ms; 0 = not yet
  std::int64_t started_at = 0;        // last claim
  std::int64_t finished_at = 0;
  // Relative to the output root: the folder reserved for this job (unique
  // among the store's jobs, see JobStore::reserve_output) and, once done,
  // the published folder.
  std::filesystem::path output_path;
  // Done jobs whose sources still have to be moved here (relative to the
  // watch root, e.g. ".processed/2026-12-03"): set in the done batch, cleared
  // once archived, so a crash mid-archive finishes the move exactly once.
  std::string archive_pending;
  std::string dedup_key;
  // The job another one already converted this VM in (same dedup key, found
  // when the converting node hashed the files): this job converted nothing.
  // Set while running (JobStore::note_duplicate), kept once done.
  std::string duplicate_of;
  // Capabilities a converter node found this guest needs and lacked itself
  // (a Windows guest from a bare disk: "virtio-win"); only a node that has
  // them gets the job from then on. Descriptions (OVF, VMX) say it earlier.
  std::vector<std::string> needs;
  std::uint64_t enqueue_seq = 0;      // FIFO order within a priority; assigned by JobStore
  // A vSphere VM (hyperctl convert --vm): exported first, then converted.
  std::optional<ExportSource> export_source;
  // In its export phase: an exporter, not a converter, takes it next.
  bool needs_export() const { return source_root == kVsphereRoot; }

  // The sources as paths on this host, given where the watch root is mounted.
  std::vector<std::filesystem::path> source_paths(const std::filesystem::path& watch_root) const;
  // Runs charged against the retry budget.
  int charged_attempts() const { return attempts - interrupted; }
};

// True when a report (progress, outcome, publish) carrying (epoch, holder)
// comes from the current lease of `job`.
bool lease_matches(const Job& job, std::uint64_t epoch, const std::string& holder);

// True when the job's current epoch was allowed to publish (fenced publish):
// its holder may rename its staging folder into output_path at any moment.
bool was_allowed_to_publish(const Job& job);

// True when the job's current epoch was allowed to publish (fenced publish)
// and its folder is there: the attempt finished, whatever happened after.
// `folder_exists` is given the folder relative to the output root.
bool has_published(const Job& job, const std::function<bool(const std::filesystem::path&)>& folder_exists);

// Ids become part of RocksDB keys ("job/<id>"), so they are restricted to
// [A-Za-z0-9._-], 1..128 characters.
bool is_valid_job_id(std::string_view id);

// The stored JSON form. from_json throws StorageError naming `what` (the key)
// and the field that is missing or malformed.
nlohmann::json to_json(const Job& job);
Job job_from_json(const nlohmann::json& j, const std::string& what);
nlohmann::json to_json(const ExportSource& x);
ExportSource export_source_from_json(const nlohmann::json& j, const std::string& what);

}  // namespace h2k

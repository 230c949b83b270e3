#pragma once
// The daemon's durable job state: a RocksDB database, by convention at
// <state_dir>/state.rocksdb on the coordinator's local disk (the caller passes the path).
//
// Every state transition writes the job record and its secondary index
// entries (state/, queue/, retry/, out/, and dedup/ on success) in ONE
// WriteBatch: after kill -9 or a power cut a transition is either wholly
// there or wholly absent. With sync_writes (the default) each write is
// fsynced before it returns; the daemon uses group commit instead (see
// JobStoreOptions). Key layout: storage/job_keys.hpp.
//
// Times are unix milliseconds passed in by the caller (no clock inside), so
// the scheduler decides what "now" is and tests need no sleeping.
// Thread-safe: mutations are serialised by an internal mutex; reads are not
// blocked. One process at a time: RocksDB locks the database, and a second
// JobStore on the same path fails with a StorageError.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/dedup_index.hpp"
#include "storage/job.hpp"
#include "storage/storage_error.hpp"

namespace h2k {

struct JobStoreOptions {
  // true: fsync the write-ahead log on every write.
  // false: group commit. Writes wait in the process (RocksDB's log buffer)
  // until the CALLER calls sync(), before anything outside the process depends
  // on them (a reply, an assignment sent, a file moved): many transitions then
  // share one write and one fsync of the log, and kill -9 or a power cut can
  // only drop transitions nobody acted on.
  bool sync_writes = true;
};

struct StateCounts {
  std::size_t queued = 0, running = 0, retry_wait = 0, done = 0, failed = 0, cancelled = 0;
  std::size_t of(JobState s) const;
  std::size_t total() const { return queued + running + retry_wait + done + failed + cancelled; }
};

// Which queue a slot takes work from: conversions, or VMs still to be
// exported from vSphere (each has its own ranks; see job_keys.hpp).
enum class JobQueue { Convert, Export };

struct JobCounters {
  StateCounts by_state;
  std::uint64_t retries_scheduled = 0;  // mark_retry_wait calls ever (the guide's total_retried)
};

struct RecoveryResult {
  std::vector<std::string> requeued;   // were running, output not published: queued again
  std::vector<std::string> completed;  // were running, output already published: marked done
  std::vector<std::string> failed;     // running at max_crashes daemon deaths in a row: failed for good
};

// Whether a folder (relative to the output root) exists on disk.
using OutputExists = std::function<bool(const std::filesystem::path& relative_folder)>;

class JobStore {
public:
  // Opens (creating if missing, parent folders included) the database.
  explicit JobStore(const std::filesystem::path& db_path, JobStoreOptions options = {});
  ~JobStore();
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  const std::filesystem::path& path() const;

  // Adds a queued job (created_at = now). Assigns an id ("job-<n>") when
  // draft.id is empty; a given id must be valid and unused. Sources must be
  // relative paths that stay inside source_root.
  Job enqueue(NewJob draft, std::int64_t now_ms);
  // Same for many jobs, in one atomic batch (e.g. the watcher's start-up scan).
  std::vector<Job> enqueue_all(std::vector<NewJob> drafts, std::int64_t now_ms);

  // Writes `job` as given (insert or replace) with matching index entries;
  // for the control socket's edits (priority, state overrides). A job
  // without an enqueue_seq gets the next one.
  void put(Job job);

  std::optional<Job> get(const std::string& id) const;
  // Jobs in `state`, in enqueue order.
  std::vector<Job> list(JobState state) const;

  // Moves retry_wait jobs whose time has come (next_attempt_at <= now) back
  // to queued, keeping their enqueue order, then takes the first queued job
  // (high before normal before low, FIFO within a priority) and leases it to
  // `holder`: running, attempts + 1, epoch + 1, started_at = now, in one
  // batch. nullopt: nothing ready.
  // `eligible` (optional) skips jobs that may not start now (a per-source
  // limit): the first eligible one is taken, looking at most
  // kMaxSkippedPerClaim ineligible ones per priority (deeper jobs wait until
  // the head moves), so a claim stays cheap with a long queue.
  static constexpr int kMaxSkippedPerClaim = 1000;
  std::optional<Job> claim_next_ready(std::int64_t now_ms, const std::string& holder,
                                      const std::function<bool(const Job&)>& eligible = {},
                                      JobQueue queue = JobQueue::Convert);
  // The earliest next_attempt_at among retry_wait jobs (for the scheduler's timer).
  std::optional<std::int64_t> next_retry_at() const;

  // Reserves the folder a running job will publish into (relative to the
  // output root): `subdir/vm_name`, or `subdir/vm_name-<id>` (then -2, -3...)
  // when another job of this store holds that name (out/ keys) or the folder
  // exists on disk. A job that already holds a reservation not yet on disk
  // keeps it (its rerun after a crash or a retry publishes under the same
  // name). Record and out/ key in one batch.
  // `dedup_key` (when not "") is recorded on the job in the same batch: the
  // key its converting node computed (cluster mode), indexed once done.
  Job reserve_output(const std::string& id, const std::filesystem::path& subdir, const std::string& vm_name,
                     const OutputExists& exists, const std::string& dedup_key = "");
  // A running job's files turned out (hashed by its converting node) to be
  // a VM job `original` already converted: records the key and duplicate_of
  // on the running job; mark_duplicate ends it once its slot has reported.
  Job note_duplicate(const std::string& id, const std::string& dedup_key, const std::string& original);
  // running -> done, converted by another job (duplicate_of, set by
  // note_duplicate): output_path is the original's; the dedup index keeps
  // pointing at the original. `archive_pending` as for mark_done.
  Job mark_duplicate(const std::string& id, std::int64_t now_ms, const std::string& archive_pending = "");
  // Fenced publish: records that the current epoch may rename its staging
  // folder into output_path (publishing_epoch = epoch). Call sync() before
  // letting the converter rename.
  Job begin_publish(const std::string& id);
  // running -> done; also records dedup/<dedup_key> -> id when the job has a
  // key. `archive_pending` (relative to the watch root; "" = nothing to
  // move) is where its sources still have to go.
  Job mark_done(const std::string& id, std::int64_t now_ms, const std::string& archive_pending = "");
  // The export phase of a vSphere job is over (its lease `epoch` is still
  // current, else StorageError): running -> queued for conversion, with the
  // exported files (relative to the watch root; the export manifest first)
  // as its sources, in one batch. The conversion gets a fresh retry budget.
  Job mark_exported(const std::string& id, std::uint64_t epoch, const std::filesystem::path& export_dir,
                    std::vector<std::filesystem::path> sources, const std::string& file_type);
  // done: the sources were archived (archive_pending cleared), for every job
  // of `ids` in one batch (the scheduler archives the jobs of a group commit,
  // then clears their marks with one write).
  std::vector<Job> mark_archived(const std::vector<std::string>& ids);
  // running -> queued at once (the lease is dropped: its slot was lost, or
  // its run was interrupted). `charged`: the run counts against the retry
  // budget (the failure was the job's own); otherwise it is counted in
  // `interrupted`.
  Job requeue(const std::string& id, bool charged);
  // running -> queued, not charged, now needing `needs` too (its node found
  // the guest needs a capability it lacks): only a node that has them gets it.
  Job requeue_needing(const std::string& id, const std::vector<std::string>& needs);
  // running -> failed (final).
  Job mark_failed(const std::string& id, JobError error, std::int64_t now_ms);
  // running -> retry_wait until next_attempt_at_ms.
  Job mark_retry_wait(const std::string& id, JobError error, std::int64_t next_attempt_at_ms);
  // queued, retry_wait or running -> cancelled (a running job's converter must
  // already have stopped).
  Job cancel(const std::string& id, std::int64_t now_ms);

  // For start-up, before any claim: every job left running by a previous
  // process is queued again (its run counted as interrupted), unless its
  // current epoch was allowed to publish and output_path exists (the engine
  // publishes by renaming a finished folder into place): that job is marked
  // done, with archive_pending = archive_dir(job), so nothing is ever
  // published twice. Queued and retry_wait jobs are kept.
  // A job found running for the max_crashes-th time (0 = no limit) is
  // failed for good instead (error kind internal, phase "recovery"): it may
  // be what kills the daemon.
  // Jobs for which `keep_running` says true are left as they are (cluster:
  // a lease held by another node, which may still be converting).
  RecoveryResult recover_after_crash(std::int64_t now_ms, const OutputExists& exists,
                                     const std::function<std::string(const Job&)>& archive_dir, int max_crashes = 0,
                                     const std::function<bool(const Job&)>& keep_running = {});

  // Group commit: makes every write so far durable (one fsync of the log).
  // Cheap when nothing was written since the last call.
  void sync();

  // A random id made when the database was created: names this store's
  // staging folders, so a sweep never touches another daemon's.
  const std::string& instance_id() const;

  // A cluster coordinator's share id (actors/cluster/share_marker.hpp),
  // recorded at the first start that found or made the share's marker: a
  // later start refuses a share that does not hold it. "": none recorded.
  std::string share_id() const;
  // Records it at once (synced: not waiting for a group commit).
  void remember_share_id(const std::string& id);

  // (job id, primary source) of every job still holding files in the watch
  // folder (queued, retry_wait, running, done until archived): an index, so
  // start-up does not parse every queued record.
  std::vector<std::pair<std::string, std::string>> watch_sources() const;
  // Done jobs whose sources are still to be archived (an index: start-up
  // does not read every job ever done).
  std::vector<Job> list_archive_pending() const;
  // One-time migration of version-1 records (absolute paths) to named roots.
  bool paths_migrated() const;
  void mark_paths_migrated();

  JobCounters counters() const;

  // The index of successful conversions (a view on this store).
  DedupIndex dedup_index();

  // Cross-checks records against every index entry and counter; returns the
  // problems found (empty when consistent). For start-up diagnostics and tests.
  std::vector<std::string> check_consistency() const;

private:
  Job requeue_with(const std::string& id, bool charged, const std::vector<std::string>& needs);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace h2k

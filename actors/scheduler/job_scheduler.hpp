#pragma once
// The scheduler's decisions, without actors: what to do when the watcher
// finds a VM, a conversion ends, the clock ticks or the operator sends a
// command. Durable state lives in the JobStore (RocksDB); this class keeps
// only what a restart may lose (live progress, the pause flag). Each call
// returns the effects (assignments for slots, events for stats and the
// notifier) for the scheduler actor to send AFTER JobStore::sync() (group
// commit: see JobStoreOptions).
//
// Jobs are leases (storage/job.hpp): a report (planned, progress, publish,
// outcome) is accepted only from the current (epoch, holder) of a running
// job; anything else is stale: logged, counted (stale_results()) and
// dropped, never trusted and never fatal. No input makes these calls throw.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/common/fault_injection.hpp"
#include "actors/scheduler/job_journal.hpp"
#include "actors/scheduler/node_registry.hpp"
#include "actors/scheduler/source_archiver.hpp"
#include "messages/interfaces.hpp"
#include "messages/messages.hpp"
#include "storage/dedup_key.hpp"
#include "storage/job_store.hpp"
#include "storage/retry_policy.hpp"

namespace h2k {

struct SchedulerSettings {
  std::filesystem::path watch_root;   // sources of queued files are relative to it
  std::filesystem::path output_root;  // outputs go to output_root/<date>/<vm>
  std::size_t slots = 2;              // max_concurrent_jobs: slots of this process (0: a coordinator that converts nothing)
  // export.max_concurrent_exports: export slots of this process (vSphere
  // jobs in their export phase; 0: this process exports nothing). They
  // follow the converter slots in the slot table; holders "<node>/export-<n>".
  std::size_t export_slots = 0;
  RetryPolicy retry;
  bool enable_deduplication = true;
  // Content deduplication in a cluster: watchers compute no content key
  // (several of them would each read every file); the slot converting a job
  // without a key computes it with this method and sends it in job_planned,
  // where a VM already converted is found. nullopt: keys come from the watcher.
  std::optional<DedupMethod> dedup_on_converter;
  bool archive_processed = true;
  std::string version = "0.1.0";
  std::int64_t started_at_ms = 0;
  // Watchdog: a running job with no report for this long is cancelled and
  // retried (error_kind timeout); a slot that does not answer the cancel
  // within stall_kill_grace_ms is killed and replaced.
  std::int64_t job_stall_timeout_ms = 900'000;
  std::int64_t stall_kill_grace_ms = 120'000;
  // An archive batch (moving done jobs' sources) unanswered this long is
  // logged, and again each time as long again passes: the share is stuck.
  std::int64_t archive_stall_warning_ms = 60'000;
  std::string node = "local";         // this process's name; holders are "<node>/slot-<n>"
  // Cluster mode (0: single host). A remote node silent for longer than
  // node_timeout_ms is dead: its leases go elsewhere. After a restart, leases
  // held by remote nodes are kept for hold_remote_leases_ms, for their nodes
  // to reconnect and claim them (work finished or running meanwhile is not
  // redone), then requeued.
  std::int64_t node_timeout_ms = 0;
  // The share's id (actors/cluster/share_marker.hpp): a node that does not
  // report it (share not mounted, another share, hung) gets no job, a
  // failure it reports meanwhile is not charged, and its running jobs move
  // once that lasts node_timeout_ms. "": not checked (single host).
  std::string share_id;
  // Where this coordinator mounts the share (with share_id): the scheduler
  // actor reads the marker there every share_check_interval_ms. While it
  // is missing or another's, the files this process moves there wait
  // (archiving, a failed job's sources and report, intake of files it
  // cannot see), and its own slots, if it converts too, get no job.
  // Empty: not checked (single host).
  std::filesystem::path share_root;
  std::int64_t share_check_interval_ms = 5000;
  // Jobs running at once per source (the first folder of a job's files
  // under the watch root; top-level files are not limited). 0: no limit.
  int per_source_limit = 0;
  std::int64_t hold_remote_leases_ms = 0;
  // Whether the cluster's links are encrypted (cluster.tls): a submitter's
  // vSphere password goes to a remote export node only then; over plain TCP
  // that node uses its own credentials (VSPHERE_PASSWORD, credentials_file).
  bool remote_links_encrypted = false;
  // This process's own converter capabilities ("kvm", "virtio-win"): in a
  // cluster, a job needing one goes only to a node that has it.
  std::vector<std::string> capabilities;
  // A job found running after this many daemon deaths is failed for good
  // (it may be what kills the daemon); 0 = no limit.
  int max_crash_recoveries = 3;
  FaultPlan faults;                    // test-only (H2K_FAULT)
};

struct SchedulerEffects {
  std::vector<std::pair<std::size_t, msg::job_assignment>> assignments;  // slot index, job
  std::vector<std::pair<std::size_t, std::string>> cancels;             // slot index, job id
  std::vector<std::size_t> kill_slots;  // slots to kill and replace (stalled, did not answer a cancel)
  // Done jobs whose sources are to be archived once "done" is durable: the
  // caller syncs the store, then calls JobScheduler::archive_pending_sources.
  std::vector<std::string> archives;
  std::vector<msg::job_event> events;
  bool finished = false;  // drain/stop is complete: the daemon may exit
};

class JobScheduler {
public:
  JobScheduler(SchedulerSettings settings, std::shared_ptr<JobStore> store, std::shared_ptr<spdlog::logger> log);

  // Start-up: crash recovery (jobs that were running are queued again, or
  // marked done when their output was published), then the first dispatch.
  SchedulerEffects start(std::int64_t now_ms);

  // A watcher's report. Files it names that are not in the queue (any
  // more) make it moot; `missing`, when given, is set instead and nothing
  // is done: the caller first makes sure its share is there (an unmounted
  // share hides every file, and a dropped report is not sent again).
  SchedulerEffects on_found(const msg::vm_found& vm, std::int64_t now_ms, bool* missing = nullptr);
  SchedulerEffects on_problem(const msg::watch_problem& p, std::int64_t now_ms, bool* missing = nullptr);
  // Reserves the job's output folder; returns it (relative to the output
  // root), or "" for a stale lease or a store failure.
  msg::plan_reply on_planned(const msg::job_planned& p, std::int64_t now_ms, SchedulerEffects& fx);
  // Fenced publish: true once "epoch E publishes" is recorded (the caller
  // syncs the store before answering).
  bool on_publish(const msg::publish_request& r, std::int64_t now_ms, SchedulerEffects& fx);
  void on_progress(const msg::job_progress& p, std::int64_t now_ms, SchedulerEffects& fx);
  SchedulerEffects on_outcome(const msg::job_outcome& o, std::int64_t now_ms);
  SchedulerEffects on_tick(std::int64_t now_ms);
  // Node silence is judged at each tick and, so that a dead node's jobs
  // move at node_timeout and not up to a tick later, also at the moment the
  // first node would fall silent (wall clock; none without remote nodes or
  // node_timeout): the caller checks then with on_silence_check.
  std::optional<std::int64_t> next_silence_check_ms() const;
  SchedulerEffects on_silence_check(std::int64_t now_ms);
  // The coordinator itself did not run for `paused_ms` (stopped, starved,
  // or its wall clock stepped forward; see tick_gap_credit.hpp): that long
  // is not counted as silence against its nodes, as a report gap against
  // running jobs (the stall watchdog) or against leases kept for nodes to
  // reconnect. Call before the tick that noticed it.
  void on_coordinator_pause(std::int64_t paused_ms, std::int64_t now_ms);
  // Archiving, in two halves so the file moves can run off the actor's
  // thread (source_archiver): the requests for the done jobs among
  // `job_ids` (call only after JobStore::sync() made "done" durable), then
  // the results, whose marks are cleared in one store write. A job whose
  // files could not be moved keeps its mark (logged; the next start tries
  // again) and its files stay known, never taken for a new VM.
  std::vector<msg::archive_request> archive_requests(const std::vector<std::string>& job_ids) const;
  void on_archived(const std::vector<msg::archive_result>& results);
  // Both halves at once, on this thread (start-up; tests).
  void archive_pending_sources(const std::vector<std::string>& job_ids);
  const SchedulerSettings& settings() const { return settings_; }
  // A slot's actor died. `charged`: the failure is the job's own (an
  // exception escaping its conversion; a stalled job) rather than the slot
  // being killed from outside. Its job goes back to the queue at once (or
  // fails for good when charged and out of retries); the caller has already
  // spawned the replacement slot.
  SchedulerEffects on_slot_lost(std::size_t slot, bool charged, const std::string& reason, std::int64_t now_ms);
  // Cluster: a node registers (again). The welcome says which of the leases
  // it claims are no longer its (cancel them); `slot_indices` are where its
  // slots' handles go in the caller's slot table (numbered 1.. in order).
  struct NodeJoin {
    msg::node_welcome welcome;
    std::vector<std::size_t> slot_indices;
    SchedulerEffects fx;
  };
  NodeJoin on_node_hello(const msg::node_hello& h, std::int64_t now_ms);
  // The node's connection dropped. Its leases stay its own: a node whose
  // process lives reconnects within its backoff and claims them again (a
  // reset connection must not restart its conversions). It gets no new job
  // meanwhile; a node that does not come back falls silent and is lost at
  // node_timeout (on_tick).
  void on_node_disconnected(const std::string& node, const std::string& reason, std::int64_t now_ms);
  // A node's heartbeat; false: this incarnation is not a member (any more).
  bool on_node_status(const msg::node_status& s, std::int64_t now_ms);
  // Whether this coordinator reads its own share (SchedulerSettings::
  // share_root), whether its own slots are held to that check too, and what
  // a read of its share saw. Before the first read: usable (the start
  // checked it).
  bool watches_own_share() const;
  bool checks_own_share() const;
  SchedulerEffects on_own_share(const msg::share_view& seen, std::int64_t now_ms);
  bool own_share_ok() const { return own_share_problem_.empty(); }
  // What the archiver checks before and after its moves (source_archiver.hpp).
  ArchiveShare archive_share() const;
  const std::string& own_share_problem() const { return own_share_problem_; }
  // Whether one of these files (relative to the watch root) is not where
  // this process looks: gone from the queue, or its share not mounted here.
  bool sources_missing(const std::vector<std::string>& sources) const;
  // The caller's commit made the store durable: the staging folders of the
  // stale attempts noted since (remove_staging_of) go now, in one walk of
  // the output folder (while this coordinator's share is unusable, they
  // wait for it).
  void remove_waiting_staging();
  // Jobs failed for good whose sources and error report wait for the share.
  std::size_t failures_awaiting_share() const { return failure_files_waiting_.size(); }
  // Leases taken back after their publish permission, judged when the share is back.
  std::size_t leases_awaiting_share() const { return leases_awaiting_share_.size(); }
  // Whether `holder` ("<node>/slot-<n>") is one of this process's slots.
  bool is_own_holder(const std::string& holder) const;
  // The node died (its connection dropped) or fell silent: its jobs get new
  // leases elsewhere, not charged; whatever it sends later is stale.
  SchedulerEffects on_node_lost(const std::string& node, const std::string& reason, std::int64_t now_ms);
  bool slot_is_exporter(std::size_t slot) const { return slot < slots_.size() && slots_[slot].exporter; }
  // Journal lines for the events about to go out (hyperctl logs).
  void journal_events(const std::vector<msg::job_event>& events);
  bool slot_is_local(std::size_t slot) const { return slot < slots_.size() && slots_[slot].node == settings_.node; }
  const std::string& node_of_slot(std::size_t slot) const { return slots_.at(slot).node; }
  const NodeRegistry& nodes() const { return nodes_; }
  // Every node as the stats actor shows it (metrics per node).
  msg::cluster_state cluster_state(std::int64_t now_ms) const;
  bool cluster_mode() const { return settings_.node_timeout_ms > 0; }
  // Commands of the control socket (all but `stats`, which the stats actor answers).
  msg::control_reply on_control(const msg::control_command& c, std::int64_t now_ms, SchedulerEffects& fx);

  msg::queue_state queue_state() const;
  const std::string& mode() const { return mode_; }
  std::size_t running() const;
  std::size_t slot_count() const { return slots_.size(); }
  std::string holder_of(std::size_t slot) const;
  std::uint64_t stale_results() const { return stale_results_; }
  void set_slots_alive(std::size_t n) { slots_alive_ = n; }
  // Counts a stale report and explains it in the log (also for the actor's
  // own checks).
  void note_stale(const std::string& what, const std::string& job_id, std::uint64_t epoch, const std::string& holder,
                  std::int64_t now_ms, SchedulerEffects& fx);

private:
  struct Slot {
    std::string node;          // whose slot: settings_.node for this process's own
    std::size_t number = 1;    // slot-<number> (export-<number>) on that node
    bool exporter = false;     // takes jobs of the export queue (JobQueue::Export)
    bool available = true;     // false: its node is gone (until it registers again)
    std::string job_id;        // "" when free
    std::string source;        // its job's source (per_source limit), "" when not limited
    std::uint64_t epoch = 0;   // of the lease it holds
    std::int64_t last_report_ms = 0;
    std::int64_t cancel_sent_ms = 0;  // watchdog: when the stalled attempt was cancelled
    bool stalled = false;
  };
  // The slot holding the current lease (job, epoch, holder), if any.
  std::optional<std::size_t> lease_slot(const std::string& job_id, std::uint64_t epoch, const std::string& holder) const;
  void free_slot(std::size_t i);
  void assign(std::size_t i, std::string job_id, std::uint64_t epoch, std::int64_t now_ms);
  // The best free slot for the next job: on a node that is up and not
  // draining, the one with the most free scratch per running job.
  // `skip`: nodes passed over in this round (nothing they may take).
  std::optional<std::size_t> pick_slot(bool exporter, const std::set<std::string>& skip = {}) const;
  // The job's source for limits.per_source: the first folder of its primary
  // file under the watch root; "" (not limited) for top-level and external files.
  std::string source_of(const Job& job) const;
  // Takes a lease back from its holder (slot or node lost, orphan expired):
  // done if that epoch had published, failed when charged and out of
  // attempts, queued again otherwise. An epoch that was allowed to publish
  // is fenced first (fence_staging), so its holder cannot publish later.
  void release_lease(const std::string& id, const std::string& who, bool charged, const std::string& reason,
                     std::int64_t now_ms, SchedulerEffects& fx);
  nlohmann::json node_views(std::int64_t now_ms) const;
  // A node's available slots and the jobs running in them (both node views).
  struct SlotUse {
    std::size_t total = 0;
    std::vector<std::string> running;
  };
  SlotUse slot_use(const NodeInfo& n) const;
  // Marks the node down and takes its leases back (no dispatch: the caller's).
  void lose_node(const std::string& node, const std::string& reason, std::int64_t now_ms, SchedulerEffects& fx);
  // Every node silent past node_timeout is lost; true if any was.
  bool lose_silent_nodes(std::int64_t now_ms, SchedulerEffects& fx);
  // The share as a node reports it: "" when it is the coordinator's, else why not.
  std::string share_problem_of(const msg::share_view& seen) const;
  void note_share(NodeInfo& n, const msg::share_view& seen, std::int64_t now_ms);
  // Running jobs of nodes that could not use the share for node_timeout
  // get new leases elsewhere (not charged); their attempts are cancelled.
  void move_jobs_off_shareless_nodes(std::int64_t now_ms, SchedulerEffects& fx);
  // Every running job of node `n` gets a new lease elsewhere (not charged),
  // its staging removed; `cancel`: its attempts are told to stop. Returns
  // how many.
  std::size_t take_back_jobs(NodeInfo& n, const std::string& reason, bool cancel, std::int64_t now_ms,
                             SchedulerEffects& fx);
  // Whether `relative` exists under the output root (an error reads as no).
  bool output_exists(const std::filesystem::path& relative) const;
  // The staging tag of the job's current lease: names its staging folder,
  // and is recorded in the report of the folder it publishes.
  std::string attempt_tag(const Job& job) const;
  // The job's current epoch was allowed to publish and its reserved folder
  // is in place, not written by another attempt (its report's staging tag).
  bool published_by_current_epoch(const Job& job) const;
  // The staging folder of a stale attempt goes once the release of its
  // lease is durable: remove_waiting_staging, after the commit.
  void remove_staging_of(const std::string& job_id, std::uint64_t epoch);
  // The lost holder of `job` (lease `job.epoch`) was allowed to publish and
  // may not have renamed yet: takes its staging folder out of its reach.
  void fence_lost_publish(const Job& job, const std::string& who);
  SchedulerEffects handle_outcome(msg::job_outcome o, std::size_t slot, std::int64_t now_ms);
  void migrate_legacy_paths();

  void dispatch(std::int64_t now_ms, SchedulerEffects& fx);
  void finish_if_idle(SchedulerEffects& fx);
  msg::job_event event_for(const Job& job, const std::string& kind, std::int64_t now_ms) const;
  void fail_for_good(Job job, const JobError& error, const std::vector<std::string>& log_tail,
                     const std::vector<std::string>& details, std::int64_t now_ms,
                     SchedulerEffects& fx);
  // The file half of a failure: its sources to .errors/, its export
  // folders removed, its report written there (named `name`).
  void set_aside_failed(Job job, const nlohmann::json& report, const std::string& name);
  std::string archive_dir_for(const Job& job, std::int64_t now_ms) const;
  std::optional<std::size_t> slot_of(const std::string& job_id) const;
  std::vector<Job> queued_in_order() const;  // high before normal before low, FIFO within
  std::optional<std::size_t> queue_position(const Job& job) const;
  nlohmann::json view(const Job& job) const;
  nlohmann::json view(const Job& job, std::optional<std::size_t> position) const;
  msg::control_reply queue_job(const nlohmann::json& args, std::int64_t now_ms, SchedulerEffects& fx);
  msg::control_reply list_jobs(const nlohmann::json& args) const;
  // hyperctl convert --vm: a vSphere VM to export, then convert.
  msg::control_reply convert_vm(const nlohmann::json& args, std::int64_t now_ms, SchedulerEffects& fx);
  msg::control_reply job_log(const std::string& id, const nlohmann::json& args) const;
  // An exporter's "exported": the job goes to the conversion queue with its files.
  // `holder_share_problem`: why the exporter's node cannot use the share
  // ("" = it can): a rejected export is then not charged.
  void handle_exported(const msg::job_outcome& o, const Job& current, const std::string& holder_share_problem,
                       std::int64_t now_ms, SchedulerEffects& fx);
  // Removes the job's export folders under <watch>/.exports except the one
  // of `keep_epoch` (0: all): stale or abandoned attempts.
  void remove_export_dirs(const std::string& job_id, std::uint64_t keep_epoch) const;
  // Capabilities the job's guest needs (job_needs.hpp), memoised by primary file.
  const std::vector<std::string>& needs_of(const Job& job) const;
  bool node_can_convert(const NodeInfo& node, const Job& job) const;
  mutable std::map<std::string, std::vector<std::string>> needs_;
  // The sources' total size, read from the disk once per job and kept until
  // its final event (succeeded, failed, duplicate, cancelled): every event
  // carries it, and a stat per event was two file system calls per job on
  // the dispatch path. A queued source no longer changes (the watcher
  // reports only stable files), so the first figure stays right.
  std::uint64_t source_bytes(const Job& job) const;
  mutable std::unordered_map<std::string, std::uint64_t> source_bytes_;
  mutable std::set<std::string> needs_logged_;  // jobs whose missing capability was logged
  // The export request (ExportSource JSON), with the submitter's password when it may travel to that slot.
  std::string export_request_of(const Job& job, bool with_password) const;

  SchedulerSettings settings_;
  std::shared_ptr<JobStore> store_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<Slot> slots_;
  // Running job -> its slot, and the number of busy slots: every report
  // (plan, publish, progress, outcome) finds its slot by job id, and a
  // coordinator of thousands of nodes must not scan its whole slot table
  // for each. Kept by assign() and free_slot(), the only places that change
  // a slot's job.
  std::unordered_map<std::string, std::size_t> slot_of_job_;
  std::size_t busy_slots_ = 0;
  std::string mode_ = "running";  // running, paused, draining, stopping
  std::map<std::string, msg::job_progress> progress_;
  // Primary source (relative to the watch root) -> job, for jobs not final:
  // the watcher reports files still in the queue after a restart again.
  std::map<std::string, std::string> active_sources_;
  // Sources of cancelled jobs still lying in the queue: not picked up again.
  std::set<std::string> ignored_sources_;
  // Running jobs the operator cancelled, until their converter answers.
  std::set<std::string> cancel_requested_;
  std::uint64_t stale_results_ = 0;
  std::size_t slots_alive_ = 0;  // told by the actor (set_slots_alive)
  NodeRegistry nodes_;
  // Coordinator restart: leases of remote nodes kept until they reconnect.
  struct OrphanLease {
    std::uint64_t epoch = 0;
    std::string holder;
    std::int64_t deadline_ms = 0;
  };
  std::map<std::string, OrphanLease> orphans_;
  JobJournal journal_;
  // vCenter passwords given with convert-vm, by job id: memory only (never
  // in the store, a log or a view); a restart forgets them, and the
  // exporter then uses its own credentials (vsphere.credentials_file).
  std::map<std::string, std::string> export_passwords_;
  // This coordinator's view of its own share ("" = usable), and the failed
  // jobs whose files wait for it (memory only: after a restart their files
  // are in the queue, found again by the watcher).
  std::string own_share_problem_;
  struct FailureFiles {
    std::string job_id;
    nlohmann::json report;
    std::string name;
  };
  std::vector<FailureFiles> failure_files_waiting_;
  // Leases taken back while this coordinator cannot see its share, whose
  // holder was allowed to publish (release_lease): judged when it is back.
  struct LeaseAwaitingShare {
    std::string holder;
    bool charged = false;
    std::string reason;
  };
  std::map<std::string, LeaseAwaitingShare> leases_awaiting_share_;
  // Staging folders of stale attempts (job, epoch) to remove after the
  // next commit (or once the share is back).
  std::set<std::pair<std::string, std::uint64_t>> staging_waiting_;
};

}  // namespace h2k

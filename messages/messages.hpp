#pragma once
// The typed messages hyper2kvm's actors exchange. Plain structs of strings
// and numbers, each with a CAF 0.17 `inspect` overload, so every one can be
// serialized and sent to another node unchanged (cluster mode). Paths are
// always RELATIVE: sources to the watch root (the shared queue), outputs to
// the output root, so nodes that mount the share elsewhere agree on them.
// Kinds and states travel as their lowercase names (see storage/job.hpp).
//
// Register all of them with register_messages(cfg) (register_messages.hpp)
// on every node: CAF 0.17 silently delivers an unregistered type as an
// empty message across a process boundary.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

namespace h2k::msg {

// --- atoms (CAF 0.17: at most 10 characters) ------------------------------
using scan_atom = caf::atom_constant<caf::atom("scan")>;      // watcher: scan the queue now
using tick_atom = caf::atom_constant<caf::atom("tick")>;      // periodic housekeeping
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;  // converter: cancel the job (id)
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;    // write/deliver now and reply (shutdown)
using save_atom = caf::atom_constant<caf::atom("save")>;      // stats: coalesced write (self-sent)
using commit_atom = caf::atom_constant<caf::atom("commit")>;  // scheduler: group commit point (self-sent)
using probe_atom = caf::atom_constant<caf::atom("probe")>;    // cluster node: read the share's marker now
using done_atom = caf::atom_constant<caf::atom("done")>;      // converter: its worker has reported (self-sent)
using silence_atom = caf::atom_constant<caf::atom("silence")>;  // scheduler: a node may fall silent now (self-sent)

// --- watcher -> scheduler ------------------------------------------------

// A VM whose files are all present and stable.
struct vm_found {
  std::vector<std::string> sources;  // relative to the watch root; primary file first
  std::string file_type;             // "ova", "ovf", "vmx", "vmdk", "vhd", "vhdx", "raw", "qcow2", "manifest"
  std::uint64_t total_bytes = 0;     // all sources together
  std::string dedup_key;             // "" when deduplication is off
  std::string priority = "normal";   // low, normal, high
};

// Something the watcher cannot turn into a job (yet).
struct watch_problem {
  std::string file;                  // relative to the watch root
  std::string reason;                // names the file and what is wrong
  std::string error_kind;            // ErrorKind name, e.g. "invalid_input", "timeout"
  bool permanent = false;            // true: give up on the file (-> .errors/); false: still watching
  std::uint64_t file_size = 0;
  std::vector<std::string> related;  // the VM's other files present (set aside with it when permanent)
};

// --- scheduler -> converter ----------------------------------------------

// A lease: the job is the holder's until a report with another epoch is
// accepted. Every message about the job carries (job_id, epoch, holder) back;
// the scheduler drops any whose lease is no longer current (stale).
struct job_assignment {
  std::string job_id;
  std::uint64_t epoch = 0;           // bumped by every assignment of this job
  std::string holder;                // the slot (later node/slot) holding the lease
  std::string source_root = "watch"; // "watch": sources relative to the watch root; "external": absolute
  std::vector<std::string> sources;
  std::string file_type;
  int attempt = 1;                   // 1 = first try
  std::string output_subdir;         // relative to the output root, e.g. "2026-11-22"
  std::string staging_tag;           // names the staging folder: ".<vm>.partial-<tag>"
  // source_root "vsphere" (an exporter's job): what to export, as JSON (the
  // job's ExportSource; plus "password" when the submitter gave one: held in
  // the coordinator's memory only, never stored or logged).
  std::string export_request;
  bool define_domain = false;        // define the libvirt domain once published (hyperctl convert --define)
  // Content deduplication in a cluster: "md5" or "xxh128" when the slot that
  // converts the job computes its dedup key (one read of the files, by the
  // node that reads them anyway, instead of one per watcher) and sends it in
  // job_planned; "" = nothing to compute (the key is known, or dedup is off).
  std::string dedup_method;
};

// --- converter -> scheduler (-> stats) -----------------------------------

// The converter knows the VM's name: the scheduler reserves the output
// folder for the lease (unique among its jobs and on disk) and answers it,
// relative to the output root; "" = refused (the lease is no longer current).
struct job_planned {
  std::string job_id;
  std::uint64_t epoch = 0;
  std::string holder;
  std::string output_subdir;         // e.g. "2026-11-22"
  std::string vm_name;
  std::string dedup_key;             // computed by the slot (job_assignment.dedup_method); "" = none
};

// The scheduler's answer to job_planned: the reserved folder, or why none.
struct plan_reply {
  std::string output_folder;         // relative to the output root; "" = refused
  // Set when the slot's dedup_key names a VM another job already converted:
  // that job's id. The slot converts nothing and reports "duplicate".
  std::string duplicate_of;
};

// Fenced publish: asked once the staging folder is complete, before the
// rename. The scheduler durably records "epoch E publishes into its folder"
// and answers true; false = stale lease, do not publish.
struct publish_request {
  std::string job_id;
  std::uint64_t epoch = 0;
  std::string holder;
};

struct job_progress {
  std::string job_id;
  std::uint64_t epoch = 0;
  std::string holder;
  std::string phase;                 // "export", "load", "copy", "guest", ...
  double percent = 0;                // of the whole job, 0..100
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  double rate_bps = 0;
  double eta_s = -1;                 // -1: unknown
  std::string message;
};

struct job_outcome {
  std::string job_id;
  std::uint64_t epoch = 0;
  std::string holder;
  std::string status;                // "succeeded", "failed", "cancelled", "duplicate"
  std::string output_path;           // relative to the output root ("" unless succeeded)
  std::string error_kind;            // ErrorKind name ("" on success)
  std::string error_file;            // the file the error is about
  std::string error;                 // human-readable reason
  std::string phase;                 // pipeline phase that failed
  std::vector<std::string> log_tail; // the job's last log lines
  std::vector<std::string> warnings;
  double duration_s = 0;
  std::uint64_t bytes_converted = 0; // bytes written to the output disks
  std::vector<std::string> error_details;  // lines behind the error (a failed verification boot's console tail)
  // status "exported" (an exporter's job): the export folder (output_path,
  // relative to the WATCH root) and its files, export manifest first.
  std::vector<std::string> files;
  // error_kind "missing_capability": what this guest turned out to need that
  // the node lacks (kCapabilityVirtioWin); the job goes to a node that has it.
  std::vector<std::string> needs;
};

// The node of a lease holder ("<node>/slot-<n>", "<node>/export-<n>"): what
// job-status and the reports show. "" for no holder.
inline std::string node_of_holder(const std::string& holder) { return holder.substr(0, holder.rfind('/')); }

// Capabilities a converter node offers (node_hello.capabilities) and a job
// may need: Windows drivers, and a usable KVM.
inline constexpr const char* kCapabilityVirtioWin = "virtio-win";
inline constexpr const char* kCapabilityKvm = "kvm";

// --- scheduler -> stats, notifier ----------------------------------------

// One thing that happened to a job, as stats and notifications need it.
struct job_event {
  std::string kind;      // queued, started, succeeded, failed, retry_scheduled, duplicate, cancelled, rejected,
                         // stalled (watchdog), slot_lost, stale_result (a late/duplicate report dropped)
  std::string job_id;
  std::string filename;  // primary source, relative to the watch root
  std::string file_type;
  std::uint64_t file_size = 0;
  int attempt = 0;       // attempts so far
  int max_retries = 0;
  std::int64_t next_retry_at_ms = 0;  // unix ms, retry_scheduled only
  std::string error;
  std::string previous_error;         // succeeded after a retry: what failed before
  std::string phase;
  std::string output_path;            // relative to the output root
  double duration_s = 0;
  std::uint64_t bytes_converted = 0;
  std::int64_t at_ms = 0;             // unix ms
  std::string origin;                 // "vsphere://<vcenter>/<vm>" for a job exported from vSphere, else ""
};

// The events of one commit, in order: one message per commit instead of one
// per event keeps the scheduler's sends (and its receivers' wake-ups) off
// the per-job path.
struct job_events {
  std::vector<job_event> events;
};

// The scheduler's counts after every change.
struct queue_state {
  std::uint64_t queued = 0;      // waiting for a slot (retry waits not included)
  std::uint64_t retry_wait = 0;
  std::uint64_t running = 0;
  std::string mode;              // running, paused, draining, stopping
};

// --- control -> scheduler / stats ----------------------------------------

// One control-socket command, already parsed: `args_json` is the request's
// JSON object (the reply to `status` etc. is built by the receiver).
struct control_command {
  std::string command;
  std::string args_json;
};

struct control_reply {
  bool ok = true;
  std::string body_json;  // a JSON object; on failure {"error": "..."}
};

// --- scheduler <-> its archiver (one process) ----------------------------

// A done job's sources to move into its archive folder, all paths relative
// to the watch root. The scheduler sends them only once "done" is durable.
struct archive_request {
  std::string job_id;
  std::vector<std::string> sources;
  std::string archive_dir;  // e.g. ".processed/2026-12-04"
  std::string export_dir;   // an exported VM's folder, removed once empty ("" = none)
};

// The jobs of one group commit, archived together.
struct archive_batch {
  std::vector<archive_request> jobs;
};

struct archive_result {
  std::string job_id;
  std::vector<std::string> moved;  // where each file went (relative to the watch root)
  std::string error;               // "" = every file is in the archive folder
};

struct archive_report {
  std::vector<archive_result> jobs;
};

// --- inspect overloads (CAF 0.17 style) ----------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vm_found& x) {
  return f(caf::meta::type_name("h2k::msg::vm_found"), x.sources, x.file_type, x.total_bytes, x.dedup_key,
           x.priority);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, watch_problem& x) {
  return f(caf::meta::type_name("h2k::msg::watch_problem"), x.file, x.reason, x.error_kind, x.permanent,
           x.file_size, x.related);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_assignment& x) {
  return f(caf::meta::type_name("h2k::msg::job_assignment"), x.job_id, x.epoch, x.holder, x.source_root, x.sources,
           x.file_type, x.attempt, x.output_subdir, x.staging_tag, x.export_request, x.define_domain,
           x.dedup_method);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_planned& x) {
  return f(caf::meta::type_name("h2k::msg::job_planned"), x.job_id, x.epoch, x.holder, x.output_subdir, x.vm_name,
           x.dedup_key);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plan_reply& x) {
  return f(caf::meta::type_name("h2k::msg::plan_reply"), x.output_folder, x.duplicate_of);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_request& x) {
  return f(caf::meta::type_name("h2k::msg::publish_request"), x.job_id, x.epoch, x.holder);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_progress& x) {
  return f(caf::meta::type_name("h2k::msg::job_progress"), x.job_id, x.epoch, x.holder, x.phase, x.percent, x.bytes_done,
           x.bytes_total, x.rate_bps, x.eta_s, x.message);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_outcome& x) {
  return f(caf::meta::type_name("h2k::msg::job_outcome"), x.job_id, x.epoch, x.holder, x.status, x.output_path, x.error_kind,
           x.error_file, x.error, x.phase, x.log_tail, x.warnings, x.duration_s, x.bytes_converted,
           x.error_details, x.files, x.needs);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_event& x) {
  return f(caf::meta::type_name("h2k::msg::job_event"), x.kind, x.job_id, x.filename, x.file_type, x.file_size,
           x.attempt, x.max_retries, x.next_retry_at_ms, x.error, x.previous_error, x.phase, x.output_path,
           x.duration_s, x.bytes_converted, x.at_ms, x.origin);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_events& x) {
  return f(caf::meta::type_name("h2k::msg::job_events"), x.events);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_state& x) {
  return f(caf::meta::type_name("h2k::msg::queue_state"), x.queued, x.retry_wait, x.running, x.mode);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, control_command& x) {
  return f(caf::meta::type_name("h2k::msg::control_command"), x.command, x.args_json);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, control_reply& x) {
  return f(caf::meta::type_name("h2k::msg::control_reply"), x.ok, x.body_json);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, archive_request& x) {
  return f(caf::meta::type_name("h2k::msg::archive_request"), x.job_id, x.sources, x.archive_dir, x.export_dir);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, archive_batch& x) {
  return f(caf::meta::type_name("h2k::msg::archive_batch"), x.jobs);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, archive_result& x) {
  return f(caf::meta::type_name("h2k::msg::archive_result"), x.job_id, x.moved, x.error);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, archive_report& x) {
  return f(caf::meta::type_name("h2k::msg::archive_report"), x.jobs);
}

}  // namespace h2k::msg

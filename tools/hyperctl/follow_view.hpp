#pragma once
// `hyperctl convert --follow` / `--batch` and `hyperctl logs`: the pure part.
// A job view (job-status's "job", see the protocol in
// actors/control_protocol/control_protocol.hpp) becomes the lines a human
// wants to see; the batch throttle decides how many more VMs may start their
// export. No I/O here, so all of it is unit tested
// (tests/unit/hyperctl_follow/hyperctl_follow_test.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace h2k::hyperctl {

// Where a followed job is, as the operator sees it.
enum class FollowStage {
  connect,     // vSphere job queued for an export slot
  export_,     // vSphere job exporting its disks (progress.phase "export")
  queued,      // waiting for a converter slot (queue_position)
  converting,  // running: load, copy, guest, verify, ...
  retry_wait,  // an attempt failed, another one is scheduled
  done,
  failed,
  cancelled,
};

// done, failed and cancelled: nothing will change any more.
bool is_final_state(const std::string& state);
FollowStage follow_stage(const nlohmann::json& job);
const char* stage_name(FollowStage stage);

// One disk of an export, from one line "<file name> <bytes_done> <bytes_total>"
// of progress.message (the name may contain spaces: the two numbers are the
// last two words). total == 0: the size is not known.
struct DiskProgress {
  std::string name;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};

// Lines that are not "<name> <unsigned> <unsigned>" are skipped.
std::vector<DiskProgress> parse_export_disks(const std::string& message);

// "  disk-0.vmdk  [#####---------------]  25.0%  1.0 GiB of 4.0 GiB" or, size
// unknown, "  disk-0.vmdk  1.0 GiB so far" (never a made-up percentage).
std::string render_disk_line(const DiskProgress& disk, std::size_t name_width = 0);
// Percent over all disks; nullopt when there are none or one has no known size.
std::optional<double> export_total_percent(const std::vector<DiskProgress>& disks);

// The live lines of a followed job (the block redrawn in place on a
// terminal): "connect: ...", "export: ..." with one bar per disk and a
// total, "queued (position N) ...", "converting: copy 45%", ...
std::vector<std::string> render_follow_lines(const nlohmann::json& job);

// One line for logs and pipes ("export: 40% of 2 disks (1.2 GiB of 3.0 GiB)").
std::string render_follow_summary(const nlohmann::json& job);

// Changes when the stage, the conversion phase, the percent's decile or the
// attempt changes: a pipe gets a new summary line only then.
std::string follow_change_key(const nlohmann::json& job);

// "attempt 2 failed: io: read error (phase copy); retrying at 2026-...".
std::string render_retry_notice(const nlohmann::json& job);
// "job ID failed: kind: reason (phase P)" / "job ID was cancelled".
std::string render_failure(const nlohmann::json& job);

// "done: OUTPUT" and how to import it into libvirt: `virsh define
// <domain_xml>`; without domain_xml `found_xml` (an .xml the caller found in
// the output folder on this host); else only where the output is.
std::vector<std::string> render_done_lines(const nlohmann::json& job, const std::optional<std::string>& found_xml);

// The .xml to suggest for `virsh define` among the file names of the output
// folder: "<vm>.xml" if present, else the only .xml; nullopt otherwise.
std::optional<std::string> pick_domain_xml(const std::vector<std::string>& file_names, const std::string& vm);

// A vSphere job still in its export phase (vsphere.exported false, or a view
// without "vsphere") that is not final: it holds one of the batch's slots.
bool holds_export_slot(const nlohmann::json& job);
// How many more VMs a batch may submit now: parallel minus its jobs that hold
// an export slot (never negative, never more than `pending`).
std::size_t batch_submit_allowance(const std::vector<nlohmann::json>& jobs, std::size_t parallel,
                                   std::size_t pending);

// A batch file: one VM name per line; blank lines and '#' comments skipped,
// surrounding spaces trimmed.
std::vector<std::string> parse_vm_list(const std::string& text);

// Batch summary table: VM JOB STATE RESULT (output folder or error).
struct BatchEntry {
  std::string vm;
  std::string job_id;          // empty: the submission was refused
  std::string submit_error;    // the daemon's error for a refused submission
  nlohmann::json view;         // last job view seen (null before the first)
};
std::string render_batch_summary(const std::vector<BatchEntry>& entries);
// Failed, cancelled, refused at submission, or not done (any state but done).
bool batch_entry_failed(const BatchEntry& entry);

}  // namespace h2k::hyperctl

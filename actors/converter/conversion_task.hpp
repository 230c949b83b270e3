#pragma once
// One job's conversion as plain functions (no actors): turn a job_assignment
// into the engine's ConvertRequest, pick the folder the VM will be published
// in, run convert_vm, and describe the result as a job_outcome. The
// converter actor runs this on its worker thread.
#include <cstdint>
#include <deque>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "actors/common/fault_injection.hpp"
#include "actors/settings/conversion_settings.hpp"
#include "engine/core/progress.hpp"
#include "engine/pipeline/convert.hpp"
#include "messages/messages.hpp"

namespace h2k {

struct ConverterSettings {
  std::filesystem::path watch_root;    // job sources are relative to it
  std::filesystem::path output_root;   // job outputs are relative to it
  ConversionSettings conversion;       // daemon.yaml `conversion:`
  std::filesystem::path self_exe;      // implements `__guest-fix` (isolation of libguestfs)
  int guest_fix_timeout_s = 3 * 3600;
  FaultPlan faults;                    // test-only (H2K_FAULT); unarmed in production
  // How long a slot waits for the scheduler to answer (output folder,
  // permission to publish). Cluster nodes wait longer: their coordinator
  // link holds requests while the coordinator restarts.
  std::chrono::seconds scheduler_timeout{60};
  // A cluster converter without virtio-win hands a Windows guest back (its
  // coordinator sends it to a node with the drivers); one host converts it
  // on emulated devices.
  bool windows_requires_virtio_win = false;
};

ConvertRequest make_convert_request(const ConverterSettings& settings, const msg::job_assignment& job);

// The VM's name as the engine would give it (reads only the input's
// headers). The scheduler turns it into a reserved output folder, unique
// among its jobs ("<name>" or "<name>-<job id>"): two exports of "web01"
// converted at once never collide.
std::string source_vm_name(const ConvertRequest& request);

// The source path the engine reads: the watch root joined with a "watch"
// source, an "external" source as it is.
std::filesystem::path source_path(const ConverterSettings& settings, const msg::job_assignment& job);

// `p` relative to `root` when it lies below it, else `p` unchanged (paths in
// messages are relative to a named root; anything else stays as it is).
std::string relative_to(const std::filesystem::path& p, const std::filesystem::path& root);

// Maps the engine's per-phase progress onto the whole job (0..100 %), so an
// operator sees one bar that never goes backwards.
double job_percent(const ProgressEvent& e);

// The last lines of a job's log, for error reports.
class LogTail {
public:
  explicit LogTail(std::size_t max_lines = 30) : max_(max_lines) {}
  void add(std::string line);
  std::vector<std::string> lines() const { return {lines_.begin(), lines_.end()}; }

private:
  std::size_t max_;
  std::deque<std::string> lines_;
};

// Fills `out` with a failed (or cancelled) conversion: status, the error's
// kind, file, reason, details and phase; for missing_capability, what the
// guest needs that this node lacks (out.needs).
void set_failure(msg::job_outcome& out, const ConversionError& e, const std::string& phase);

// Runs the conversion; never throws (every failure becomes a "failed" or
// "cancelled" outcome naming the file, the reason and the phase).
msg::job_outcome run_conversion(const ConvertRequest& request, const std::string& job_id,
                                const std::filesystem::path& output_root,
                                const std::function<void(const msg::job_progress&)>& progress,
                                const CancelToken& cancel, LogTail& log);

}  // namespace h2k

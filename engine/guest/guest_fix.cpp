#include <chrono>

#include "engine/guest/guest_files.hpp"
#include "engine/guest/guest_fix.hpp"
#include "engine/guest/guest_fix_launch_callback.hpp"
#include "engine/guest/guestfs_session.hpp"
#include "engine/guest/inspector.hpp"
#include "engine/guest/linux_fix_context.hpp"
#include "engine/guest/windows/windows_fixer.hpp"

namespace h2k {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void emit(const ProgressSink& progress, const std::string& phase, double percent, const std::string& message) {
  if (!progress) return;
  ProgressEvent ev;
  ev.phase = phase;
  ev.percent = percent;
  ev.message = message;
  progress(ev);
}

void fix_windows_guest(GuestfsSession& session, const GuestInspection& inspection, const GuestFixOptions& options,
                       GuestFixReport& report) {
  // fix_windows sets disk_bus/nic_model itself: virtio only when it could
  // install the virtio-win drivers, otherwise SATA/e1000e and an untouched guest.
  fix_windows(session.handle(), inspection.result, inspection.root, options, report);
  report.fixes_applied = !report.fixes.empty();
  if (!report.fixes_applied)
    report.skip_reason = "Windows guest left unchanged (no usable virtio-win drivers); the domain uses " +
                         report.disk_bus + " disks and an " + report.nic_model + " NIC";
}

}  // namespace

GuestFixReport fix_guest_with_launch_callback(const std::vector<DiskForFix>& disks, const GuestFixOptions& options,
                                              const ProgressSink& progress, const std::function<void()>& on_launched) {
  GuestFixReport report;
  if (!options.enabled) {
    report.skip_reason = "guest fixes disabled";
    return report;
  }
  auto start = Clock::now();
  emit(progress, "inspect", 0, "starting the libguestfs appliance");
  GuestfsSession session(disks, options.guestfs);
  session.launch();
  if (on_launched) on_launched();
  emit(progress, "inspect", 50, "inspecting the guest operating system");
  GuestInspection inspection = inspect_and_mount(session, report.warnings);
  report.inspection = inspection.result;
  report.inspect_seconds = seconds_since(start);
  emit(progress, "inspect", 100,
       inspection.result.found_os ? "found " + os_display_name(inspection.result) : "no operating system found");

  auto fix_start = Clock::now();
  const std::string& os = inspection.result.os_type;
  if (inspection.result.found_os && os == "linux") {
    GuestFiles files(session);
    fix_linux(files, inspection, options, progress, report);
    report.fixes_applied = true;
  } else if (inspection.result.found_os && os == "windows") {
    emit(progress, "fix", 0, "converting the Windows guest");
    fix_windows_guest(session, inspection, options, report);
  } else {
    // No OS (a data disk, an encrypted or unsupported system): nothing to fix.
    // disk_bus stays virtio: data disks are what virtio is for, and for an
    // unrecognised system no bus is known to be safer; the warning tells the
    // operator to check.
    report.fixes_applied = false;
    report.skip_reason = inspection.result.found_os ? "unsupported operating system type '" + os + "'"
                                                    : "no operating system found";
    report.warnings.push_back(inspection.result.found_os
                                  ? "unsupported operating system type '" + os +
                                        "': disks copied unchanged; the guest may not boot on virtio"
                                  : "no operating system found: disks copied unchanged; the guest may not boot on virtio");
  }
  emit(progress, "fix", 95, "flushing and shutting down the appliance");
  session.shutdown();
  report.fix_seconds = seconds_since(fix_start);
  emit(progress, "fix", 100, report.fixes_applied ? std::to_string(report.fixes.size()) + " change(s) applied"
                                                  : "guest left unchanged");
  return report;
}

GuestFixReport fix_guest(const std::vector<DiskForFix>& disks, const GuestFixOptions& options,
                         const ProgressSink& progress) {
  return fix_guest_with_launch_callback(disks, options, progress, {});
}

}  // namespace h2k

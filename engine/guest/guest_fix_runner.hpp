#pragma once
// Runs the guest fix in a child process (`<self_exe> __guest-fix <request.json>`)
// so a hung or crashing libguestfs appliance can always be killed: the product
// must never hang when KVM is broken. The child speaks one JSON object per
// stdout line:
//   {"event":"launched"}
//   {"event":"progress","phase":"fix","item":"...","percent":40,"message":"..."}
//   {"event":"result","report":{...GuestFixReport...}}
//   {"event":"error","kind":"appliance_launch","file":"...","reason":"..."}
#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>

#include "engine/core/progress.hpp"
#include "engine/guest/guest_fix.hpp"

namespace h2k {

// Throws ConversionError:
//   ApplianceLaunch  no "launched" within options.guestfs.launch_timeout_s (child killed),
//                    or the child reported that the appliance did not start;
//   Timeout          the whole fix took longer than `overall_timeout`;
//   Cancelled        `cancel` was set;
//   Internal         the child crashed or exited without a result (with its stderr tail);
//   any kind the child reported for its own error.
// The child's process group (qemu included) is killed in every failure case.
GuestFixReport run_guest_fix_isolated(const std::vector<DiskForFix>& disks, const GuestFixOptions& options,
                                      const ProgressSink& progress, const CancelToken& cancel,
                                      const std::filesystem::path& self_exe,
                                      std::optional<std::chrono::seconds> overall_timeout);

// The child side: reads the request written by run_guest_fix_isolated, runs
// fix_guest and prints the JSON lines above. Returns the process exit code
// (0 result printed, 1 error printed, 2 unreadable request).
int guest_fix_child_main(const std::filesystem::path& request_json);

}  // namespace h2k

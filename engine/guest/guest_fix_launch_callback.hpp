#pragma once
// fix_guest, plus a callback the moment the appliance is up. The isolated
// child uses it to send {"event":"launched"}, which is what lets the parent
// tell "appliance hangs at launch" (kill quickly) from "fix takes long" (wait).
#include <functional>

#include "engine/guest/guest_fix.hpp"

namespace h2k {

GuestFixReport fix_guest_with_launch_callback(const std::vector<DiskForFix>& disks, const GuestFixOptions& options,
                                              const ProgressSink& progress, const std::function<void()>& on_launched);

}  // namespace h2k

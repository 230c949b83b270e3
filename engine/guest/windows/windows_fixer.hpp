#pragma once
// Windows guest conversion, modelled on virt-v2v's: installs the virtio-win
// storage and network drivers so the guest boots from a virtio disk, and
// disables VMware Tools. Without usable virtio-win drivers the guest is left
// untouched and the domain must use SATA + e1000e, which Windows drives inbox.
#include <string>

#include <guestfs.h>

#include "engine/guest/guest_fix.hpp"

namespace h2k {

// `g` is launched, inspected, with the guest's filesystems mounted (root at /);
// `root` is the inspection root device. Sets report.disk_bus / nic_model to what
// the guest can boot with, appends a FixRecord for every file written and every
// registry value changed, and warnings for what the user must do later.
// Throws ConversionError(GuestFix, <guest path>, reason) when a guest file or a
// registry hive cannot be read, parsed or written.
void fix_windows(guestfs_h* g, const InspectionResult& inspection, const std::string& root,
                 const GuestFixOptions& options, GuestFixReport& report);

}  // namespace h2k

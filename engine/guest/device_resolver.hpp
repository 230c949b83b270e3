#pragma once
// Maps device names as the GUEST used them (fstab, root=, resume=) to the
// filesystem UUID the rewriters put in their place. Built from what the
// appliance saw, so it is a pure function that tests can drive directly.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/guest/guest_fix.hpp"
#include "engine/guest/linux/rewriters.hpp"

namespace h2k {

struct ApplianceDevices {
  std::vector<std::string> devices;                 // whole disks in the order added (/dev/sda, /dev/sdb)
  std::vector<std::string> partitions;              // /dev/sda1, /dev/sda2, ...
  std::map<std::string, std::string> mountpoints;   // guest mountpoint -> appliance device (inspection)
  std::vector<FilesystemInfo> filesystems;          // with type and UUID
};

// The appliance device that a guest kernel name (/dev/sdb2, /dev/hda1,
// /dev/xvda, /dev/vdc3) denotes. The disks are added in the guest's boot
// order, so the N-th guest disk is the N-th appliance disk whatever its bus
// letter prefix was. nullopt when the name is not of that form or the device
// does not exist in the appliance.
std::optional<std::string> appliance_device_for_guest_name(const std::string& guest_device,
                                                           const ApplianceDevices& devices);

// The resolver handed to linux_guest rewriters. Resolution order: guest kernel
// name by disk index; otherwise the mountpoint (inspection's mountpoint table,
// or the only swap filesystem for "swap"). A name and a mountpoint that
// disagree, several swap areas, or a filesystem without UUID give nullopt —
// the rewriter then leaves the line as is and warns, which beats a wrong guess.
linux_guest::DeviceResolver make_device_resolver(ApplianceDevices devices);

}  // namespace h2k

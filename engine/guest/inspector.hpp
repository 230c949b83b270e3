#pragma once
// Finds the operating system on the launched appliance's disks, mounts its
// filesystems read-write the way its fstab does, and describes what it found
// (InspectionResult) plus the device tables the DeviceResolver needs.
#include <string>
#include <vector>

#include "engine/guest/device_resolver.hpp"
#include "engine/guest/guest_fix.hpp"
#include "engine/guest/guestfs_session.hpp"

namespace h2k {

// GPT partition type GUID of an EFI System Partition.
inline constexpr const char* kEspGptType = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

struct GuestInspection {
  InspectionResult result;
  std::string root;          // libguestfs root filesystem; "" when no OS was found
  ApplianceDevices devices;  // appliance view: disks, partitions, mountpoints, filesystems
};

// A name for messages: the product name, prefixed by the distro when the
// product name is only a version (libguestfs gives "12.4" for Debian).
std::string os_display_name(const InspectionResult& r);

// Inspects and, when an OS is found, mounts it at the appliance's / (so guest
// paths can be used as is). Several operating systems: the first root is used
// and a warning says so. Throws ConversionError(GuestFix) when the root
// filesystem cannot be mounted.
GuestInspection inspect_and_mount(GuestfsSession& session, std::vector<std::string>& warnings);

}  // namespace h2k

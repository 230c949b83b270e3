#pragma once
// Finds the operating system on the launched appliance's disks, mounts its
// filesystems read-write the way its fstab does, and describes what it found
// (InspectionResult) plus the device tables the DeviceResolver needs.
#include <string>
#include <vector>

#include <map>

#include "engine/guest/block_devices.hpp"
#include "engine/guest/guest_fix.hpp"
#include "engine/guest/guest_mounts.hpp"
#include "engine/guest/guestfs_session.hpp"

namespace h2k {

// GPT partition type GUID of an EFI System Partition.
inline constexpr const char* kEspGptType = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

// The appliance's view of the disks, as libguestfs lists them.
struct ApplianceDevices {
  std::vector<std::string> devices;                 // whole disks in the order added (/dev/sda, /dev/sdb)
  std::vector<std::string> partitions;              // /dev/sda1, /dev/sda2, ...
  std::map<std::string, std::string> mountpoints;   // guest mountpoint -> appliance device (as mounted)
  std::vector<FilesystemInfo> filesystems;          // with type and UUID
};

struct GuestInspection {
  InspectionResult result;
  std::string root;          // libguestfs root filesystem; "" when no OS was found
  ApplianceDevices devices;  // appliance view: disks, partitions, mountpoints, filesystems
  BlockDeviceTable blocks;   // every device with the identities the guest can name it by
  MountPlan mounts;          // Linux: the guest's fstab, each line resolved to a device
};

// A name for messages: the product name, prefixed by the distro when the
// product name is only a version (libguestfs gives "12.4" for Debian).
std::string os_display_name(const InspectionResult& r);

// Inspects and, when an OS is found, mounts it at the appliance's / (so guest
// paths can be used as is). A Linux guest is mounted as it mounts itself: its
// fstab is read from the root and every line resolved against the disks' own
// identities (UUID, LABEL, PARTUUID, by-path, LVM, md, btrfs subvol=...).
// Several operating systems: the first root is used and a warning says so.
// Throws ConversionError(GuestFix) when the root filesystem cannot be mounted,
// or when a mount the guest requires (no nofail/noauto) names no device of
// the VM or cannot be mounted: fixing a guest whose /boot was not found would
// report success for a guest that cannot boot.
GuestInspection inspect_and_mount(GuestfsSession& session, std::vector<std::string>& warnings);

}  // namespace h2k

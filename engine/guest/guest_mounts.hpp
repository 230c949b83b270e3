#pragma once
// Which device each of the guest's fstab lines names, resolved the way the
// guest itself resolves it (block_devices.hpp), and mounting them in the
// appliance so every fix lands where the guest reads it: the kernel and
// initramfs in the real /boot, grub's files on the ESP, /var on a second disk.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/guest/block_devices.hpp"
#include "engine/guest/linux/fstab_entries.hpp"
#include "engine/guest/linux/rewriters.hpp"

namespace h2k {

struct PlannedMount {
  linux_guest::FstabEntry entry;
  std::optional<std::size_t> device;   // index into BlockDeviceTable::devices; nullopt: unresolved
  std::string via;                     // how it resolved ("filesystem UUID", ...)
  std::string error;                   // why it did not
};

struct MountPlan {
  std::vector<PlannedMount> entries;   // every fstab line on a VM disk, in file order

  // The entry mounted at `mountpoint` ("swap" finds the first swap entry).
  const PlannedMount* at(const std::string& mountpoint) const;
  // One message per line the guest needs (no nofail/noauto) that names no
  // device of the VM; swap is left out (a missing swap does not stop a boot).
  std::vector<std::string> unresolved_required() const;
  // Filesystems to mount in the appliance below "/", parents first.
  std::vector<const PlannedMount*> mount_order() const;
};

MountPlan plan_guest_mounts(const std::vector<linux_guest::FstabEntry>& fstab, const BlockDeviceTable& table);

// A "btrfsvol:" mountable split at its device, when the device is one of
// `devices`: the longest listed name followed by '/' (device names and
// subvolume names may both hold slashes: /dev/vg/root, @/var). nullopt for
// anything else.
inline constexpr std::string_view kBtrfsVolPrefix = "btrfsvol:";
struct BtrfsVolName {
  std::string device;  // "/dev/sda1", "/dev/vg/root"
  std::string volume;  // "@", "@/var", ...
};
std::optional<BtrfsVolName> split_btrfsvol(const std::string& mountable, const std::vector<std::string>& devices);

// The device under a libguestfs mountable, among the table's devices:
// "btrfsvol:/dev/vg/root/@" -> "/dev/vg/root"; any other name as it is.
std::string device_of_mountable(const std::string& mountable, const BlockDeviceTable& table);

// "fstab line 3 \"/dev/disk/by-path/... /boot ext4 defaults 0 2\"" for messages.
std::string describe_fstab_line(const linux_guest::FstabEntry& e);

// The resolver the text rewriters use (fstab, root=, resume=, crypttab):
// device name -> the stable name to write instead. A name that resolves to
// another device than the one mounted at its mount point gives nullopt: the
// rewriter then leaves the line and warns, which beats a wrong guess.
linux_guest::DeviceResolver make_stable_name_resolver(const BlockDeviceTable& table, const MountPlan& plan,
                                                      const std::string& root_device);

}  // namespace h2k

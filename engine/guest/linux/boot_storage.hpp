#pragma once
// What an initramfs must hold for the guest to reach its root on virtio:
// the virtio bus and disk drivers, the root filesystem's driver, and the
// storage layers under the root (LVM, md RAID) with their userspace tools.
// A host-only initramfs built on VMware may lack any of these (dracut
// hostonly, initramfs-tools MODULES=list), so the converter both configures
// them and checks the rebuilt image for them.
#include <string>
#include <vector>

namespace h2k::linux_guest {

enum class RootLayer { Plain, Lvm, Raid };

struct BootStorageNeeds {
  std::vector<std::string> modules;          // kernel modules: virtio_blk, virtio_pci, xfs, dm_mod, ...
  std::vector<std::string> dracut_modules;   // dracut modules to add: lvm, mdraid, btrfs
  std::vector<std::string> tools;            // programs the image must contain: lvm, mdadm
  std::string why;                           // "root on LVM (xfs)" for messages
};

// `root_fs_type` as blkid names it ("ext4", "xfs", "btrfs"); `layer` what the
// root filesystem sits on.
BootStorageNeeds boot_storage_needs(const std::string& root_fs_type, RootLayer layer);

// The kernel module that mounts `fs_type` ("ext3" -> "ext4"), "" when none is needed.
std::string filesystem_module(const std::string& fs_type);

// True when `module` (either '-' or '_' spelling, any .ko compression) is in
// a file listing (lsinitramfs/lsinitrd output, or modules.builtin).
bool listing_has_module(const std::string& listing, const std::string& module);
// True when a program named `tool` (".../sbin/lvm", ".../bin/mdadm") is in the listing.
bool listing_has_tool(const std::string& listing, const std::string& tool);

}  // namespace h2k::linux_guest

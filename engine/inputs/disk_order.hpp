#pragma once
// Boot order of disks when the source does not state one. VMware's BIOS lists
// hard disks by controller type (IDE, then SATA, then SCSI, then NVMe), then by
// controller number, then by unit; the first one is the boot disk. OVF and
// VMX readers share this rule so both give the same answer for the same VM.
#include <string_view>

namespace h2k {

struct DiskSlot {
  std::string_view controller;  // "ide", "sata", "scsi", "nvme", "" (unknown: last)
  int bus = 0;                  // controller number
  int unit = 0;                 // position on the controller
};

// Rank of a controller type in the default order (lower boots first).
int controller_rank(std::string_view controller);

// Strict weak order: true when `a` comes before `b` in the default boot order.
bool default_boot_before(const DiskSlot& a, const DiskSlot& b);

}  // namespace h2k

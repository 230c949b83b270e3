// Which device specs stop naming the right disk when the guest moves from
// VMware/Hyper-V (pvscsi, lsilogic, ide, nvme, xen) to virtio-blk (/dev/vdX).
#include <cctype>
#include <string_view>

#include "engine/guest/linux/rewriters.hpp"

namespace h2k::linux_guest {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "<prefix><letters><digits>", e.g. sda, sdab12, hdb2, xvda1.
bool is_lettered_disk(std::string_view name, std::string_view prefix) {
  if (!starts_with(name, prefix)) return false;
  std::size_t i = prefix.size();
  std::size_t letters = 0;
  while (i < name.size() && std::islower(static_cast<unsigned char>(name[i]))) { ++i; ++letters; }
  if (letters == 0) return false;
  while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
  return i == name.size();
}

}  // namespace

bool is_unstable_device_spec(const std::string& spec_in) {
  std::string_view spec = spec_in;
  // Hardware paths: the PCI address and controller change with the bus.
  if (starts_with(spec, "/dev/disk/by-path/")) return true;
  if (starts_with(spec, "/dev/disk/by-id/")) {
    std::string_view id = spec.substr(std::string_view("/dev/disk/by-id/").size());
    // Software ids (device-mapper, md, LVM PV) are written in the metadata and
    // survive the move; scsi-/wwn-/ata-/nvme- ids are the virtual disk's
    // serial, which VMware invents and virtio does not report.
    if (starts_with(id, "dm-") || starts_with(id, "md-") || starts_with(id, "lvm-pv-uuid-")) return false;
    return !id.empty();
  }
  // Smart Array / NVMe controllers become virtio-blk too.
  if (starts_with(spec, "/dev/cciss/") || starts_with(spec, "/dev/ida/")) return true;
  if (starts_with(spec, "/dev/nvme")) return true;
  // Device-mapper minors are numbered at boot, in whatever order devices appear.
  if (starts_with(spec, "/dev/dm-")) return true;
  if (!starts_with(spec, "/dev/")) return false;   // UUID=, LABEL=, PARTUUID=, tmpfs, host:/export ...
  std::string_view name = spec.substr(5);
  // SCSI/SATA, IDE and Xen disks all become /dev/vdX. /dev/vdX itself is kept:
  // on KVM virtio disks keep that name. /dev/mapper/*, /dev/<vg>/<lv>, /dev/mdN,
  // /dev/sr0 (the CD drive) and /dev/disk/by-uuid|label|partuuid/* are stable.
  return is_lettered_disk(name, "sd") || is_lettered_disk(name, "hd") || is_lettered_disk(name, "xvd");
}

}  // namespace h2k::linux_guest

#pragma once
// Every block device of the converted VM as the appliance sees it, with the
// identities a guest can name it by (filesystem UUID and label, PARTUUID,
// PARTLABEL, disk position, LVM and md names), and the resolution of a device
// name written in the guest (fstab, root=, crypttab) to one of them.
//
// The guest's names are resolved against the disks' OWN identities, never the
// appliance's names: inside the appliance the guest's /boot may be /dev/sdb1,
// and its by-path name (the VMware controller's PCI address) exists nowhere.
// Pure functions over plain data, so every spec form is unit-tested.
#include <optional>
#include <string>
#include <vector>

namespace h2k {

struct BlockDevice {
  enum class Kind { Disk, Partition, LogicalVolume, Raid };
  Kind kind = Kind::Partition;
  std::string device;       // appliance name: /dev/sda1, /dev/vg_sys/root, /dev/md127
  int disk_index = -1;      // disks and partitions: position of the disk in boot order (0 = first)
  int partition = 0;        // partitions: partition number
  std::string fs_type;      // ext4, xfs, btrfs, swap, vfat, crypto_LUKS, LVM2_member, ... ("" unknown)
  std::string fs_uuid;
  std::string fs_label;
  std::string part_uuid;    // GPT partition GUID, or "<MBR signature>-<NN>" for MBR partitions
  std::string part_label;   // GPT partition name
  std::string vg, lv;       // logical volumes
  std::string vg_uuid, lv_uuid;   // without dashes, as dm-uuid-LVM-<vg><lv> spells them
  std::string md_name;      // md arrays: "host:name" or "name"
  std::string md_uuid;      // md arrays: "a1b2c3d4:..." as mdadm prints it
};

struct BlockDeviceTable {
  std::vector<BlockDevice> devices;
  int disk_count = 0;
};

// What a guest device name resolved to, and how (for the report).
struct SpecResolution {
  const BlockDevice* device = nullptr;
  std::string via;      // "filesystem UUID", "PARTUUID", "disk 2 partition 1 (by-path SCSI target 1)", ...
  std::string error;    // why it did not resolve (set when device is null)
  explicit operator bool() const { return device != nullptr; }
};

// Resolves `spec` as the guest names a device: UUID=, LABEL=, PARTUUID=,
// PARTLABEL=, /dev/disk/by-{uuid,label,partuuid,partlabel,id,path}/...,
// /dev/sdXN, /dev/hdXN, /dev/vdXN, /dev/xvdXN, /dev/nvmeCnNpP, /dev/cciss/cCdDpP,
// /dev/mapper/VG-LV, /dev/VG/LV, /dev/mdN, /dev/md/NAME, by-id dm-name-/dm-uuid-LVM-/md-uuid-/md-name-.
// `fstype` (from fstab; "" or "auto" when unknown) only breaks ties between
// disks for hardware names (by-path/by-id serials) whose disk cannot be
// derived from the name itself.
SpecResolution resolve_device_spec(const std::string& spec, const BlockDeviceTable& table,
                                   const std::string& fstype = "");

// The name the guest should use for `d` on any hardware: the LV path for
// logical volumes, else UUID=, else PARTUUID=; "" when it has none of them.
std::string stable_spec_for(const BlockDevice& d);

// True when `spec` names a device the same way on virtio as on the source
// hardware (UUID=, LABEL=, PARTUUID=, PARTLABEL=, by-uuid/label/partuuid/
// partlabel, LVM and md names, /dev/vdX as virtio names it).
bool is_stable_on_virtio(const std::string& spec);

// How the converted guest will see `d` on virtio-blk: /dev/vda1, /dev/mapper/vg-lv, /dev/md/name.
std::string virtio_name(const BlockDevice& d);

// "/dev/mapper/" name of an LV: dashes in the VG and LV names doubled.
std::string mapper_name(const std::string& vg, const std::string& lv);

// ext2/ext3/ext4 are one family: the ext4 driver mounts all three.
bool same_fs_family(const std::string& a, const std::string& b);

}  // namespace h2k

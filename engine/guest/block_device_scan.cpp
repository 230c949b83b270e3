#include "engine/guest/block_device_scan.hpp"

#include <guestfs.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "engine/guest/guestfs_strings.hpp"

namespace h2k {
namespace {

using Kind = BlockDevice::Kind;

// An identity libguestfs cannot read (no filesystem, not GPT, ...) is simply
// absent: it cannot be used to resolve a name, which is all that matters.
std::string optional_string(GuestfsSession& s, char* value) {
  s.clear_last_error();
  return value ? take_string(value) : std::string();
}

std::string without_dashes(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '-'), s.end());
  return s;
}

void read_filesystem(GuestfsSession& s, BlockDevice& d) {
  guestfs_h* g = s.handle();
  d.fs_type = optional_string(s, guestfs_vfs_type(g, d.device.c_str()));
  if (d.fs_type == "unknown") d.fs_type.clear();
  if (d.fs_type.empty()) return;
  d.fs_uuid = optional_string(s, guestfs_vfs_uuid(g, d.device.c_str()));
  d.fs_label = optional_string(s, guestfs_vfs_label(g, d.device.c_str()));
}

// The MBR disk signature (4 bytes at offset 440, little endian) that MBR
// PARTUUIDs are made of: "4832b0a1-01".
std::string mbr_signature(GuestfsSession& s, const std::string& disk) {
  std::size_t size = 0;
  char* bytes = guestfs_pread_device(s.handle(), disk.c_str(), 4, 440, &size);
  if (!bytes) {
    s.clear_last_error();
    return {};
  }
  std::string sig;
  if (size == 4) {
    auto b = [&](int i) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[i])); };
    unsigned value = b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", value);
    if (value != 0) sig = buf;
  }
  std::free(bytes);
  return sig;
}

}  // namespace

BlockDeviceTable scan_block_devices(GuestfsSession& s) {
  guestfs_h* g = s.handle();
  BlockDeviceTable t;
  char** disks_raw = guestfs_list_devices(g);
  if (!disks_raw) s.fail(ErrorKind::GuestFix, s.disk_name(), "cannot list the appliance disks");
  auto disks = take_list(disks_raw);
  t.disk_count = static_cast<int>(disks.size());
  std::vector<std::string> part_types, signatures;
  for (std::size_t i = 0; i < disks.size(); ++i) {
    BlockDevice d;
    d.kind = Kind::Disk;
    d.device = disks[i];
    d.disk_index = static_cast<int>(i);
    read_filesystem(s, d);   // a filesystem on the whole disk (no partition table)
    t.devices.push_back(d);
    part_types.push_back(optional_string(s, guestfs_part_get_parttype(g, disks[i].c_str())));
    signatures.push_back(part_types.back() == "msdos" ? mbr_signature(s, disks[i]) : std::string());
  }

  char** parts_raw = guestfs_list_partitions(g);
  if (!parts_raw) s.fail(ErrorKind::GuestFix, s.disk_name(), "cannot list the appliance partitions");
  for (const auto& part : take_list(parts_raw)) {
    BlockDevice d;
    d.kind = Kind::Partition;
    d.device = part;
    std::string disk = optional_string(s, guestfs_part_to_dev(g, part.c_str()));
    int num = guestfs_part_to_partnum(g, part.c_str());
    s.clear_last_error();
    auto it = std::find(disks.begin(), disks.end(), disk);
    if (it == disks.end() || num <= 0) continue;   // an md member or other non-disk partition
    std::size_t index = static_cast<std::size_t>(it - disks.begin());
    d.disk_index = static_cast<int>(index);
    d.partition = num;
    if (part_types[index] == "gpt") {
      d.part_uuid = optional_string(s, guestfs_part_get_gpt_guid(g, disk.c_str(), num));
      d.part_label = optional_string(s, guestfs_part_get_name(g, disk.c_str(), num));
    } else if (!signatures[index].empty()) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "-%02x", num);
      d.part_uuid = signatures[index] + buf;
    }
    read_filesystem(s, d);
    t.devices.push_back(d);
  }

  if (char** lvs = guestfs_lvs(g)) {
    for (const auto& lv : take_list(lvs)) {
      // libguestfs names LVs /dev/VG/LV.
      auto slash = lv.find('/', 5);
      if (lv.rfind("/dev/", 0) != 0 || slash == std::string::npos) continue;
      BlockDevice d;
      d.kind = Kind::LogicalVolume;
      d.device = lv;
      d.vg = lv.substr(5, slash - 5);
      d.lv = lv.substr(slash + 1);
      d.lv_uuid = without_dashes(optional_string(s, guestfs_lvuuid(g, lv.c_str())));
      d.vg_uuid = without_dashes(optional_string(s, guestfs_vguuid(g, d.vg.c_str())));
      read_filesystem(s, d);
      t.devices.push_back(d);
    }
  }
  s.clear_last_error();

  if (char** mds = guestfs_list_md_devices(g)) {
    for (const auto& md : take_list(mds)) {
      BlockDevice d;
      d.kind = Kind::Raid;
      d.device = md;
      if (char** detail = guestfs_md_detail(g, md.c_str())) {
        auto kv = take_list(detail);
        for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
          if (kv[i] == "name") d.md_name = kv[i + 1];
          if (kv[i] == "uuid") d.md_uuid = kv[i + 1];
        }
      }
      read_filesystem(s, d);
      t.devices.push_back(d);
    }
  }
  s.clear_last_error();
  return t;
}

}  // namespace h2k

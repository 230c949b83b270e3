#pragma once
// VMware .vmx reader. Pure: text in, VmxConfig out. Disk file names are
// returned as written; resolving them against the .vmx folder is file I/O
// and lives in the loader.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/inputs/source_vm.hpp"

namespace h2k {

struct VmxDisk {
  std::string device;            // "scsi0:1"
  std::string controller;        // "scsi", "sata", "ide", "nvme"
  std::string controller_model;  // "lsilogic", "lsilogicsas", "pvscsi", "buslogic", "ahci", "nvme", ""
  int bus = 0;
  int unit = 0;
  std::string file_name;         // as written ("web01.vmdk", "/vmfs/volumes/ds1/web01/web01_1.vmdk")
  int boot_order = 0;            // 1-based
};

struct VmxNic {
  std::string mac;      // normalised; empty when none
  std::string model;    // virtualDev ("vmxnet3", "e1000", "e1000e", "vlance")
  std::string network;  // networkName
};

struct VmxConfig {
  std::string name;              // displayName
  int vcpus = 1;                 // numvcpus (VMware's default is 1)
  std::uint64_t memory_mib = 0;  // memsize; 0 when absent
  Firmware firmware = Firmware::Bios;
  std::string os_hint;           // guestOS
  std::vector<VmxDisk> disks;    // in boot order
  std::vector<VmxNic> nics;
  std::vector<std::string> warnings;
  std::map<std::string, std::string> values;  // every key, lower-cased
};

// Throws ConversionError(InvalidInput) naming `name` when nothing in the
// text is a `key = "value"` line, or a device is described inconsistently.
VmxConfig parse_vmx(std::string_view text, const std::string& name);

}  // namespace h2k

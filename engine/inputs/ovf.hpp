#pragma once
// OVF descriptor reader (DMTF OVF 1.x/2.x and the older VMware 0.9 form).
// Pure: XML text in, OvfEnvelope out. Elements and attributes are matched by
// local name, so the vSphere, DMTF CIM, Hyper-V and VirtualBox namespace
// spellings all read the same.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/inputs/source_vm.hpp"

namespace h2k {

struct OvfFile {                      // References/File
  std::string id;                     // ovf:id
  std::string href;                   // ovf:href, relative to the descriptor
  std::optional<std::uint64_t> size;  // ovf:size
  std::string compression;            // ovf:compression ("gzip"); empty = none
  bool chunked = false;               // ovf:chunkSize present: split into href.000000000, ...
};

struct OvfDisk {                      // DiskSection/Disk, joined with its hardware item
  std::string disk_id;                // ovf:diskId ("vmdisk1")
  std::string file_id;                // ovf:fileRef
  std::string href;                   // the referenced File's href
  std::optional<std::uint64_t> file_size;
  std::uint64_t capacity_bytes = 0;   // 0 when not stated
  std::string format_url;             // ovf:format
  std::string format_detail;          // "streamOptimized", "sparse", "vhd", ... (from the URL)
  std::string controller;             // "scsi", "ide", "sata", "nvme", "" when not attached
  std::string controller_model;       // "lsilogic", "lsilogicsas", "pvscsi", "buslogic", "ahci", ...
  int controller_bus = 0;
  int unit = 0;                       // AddressOnParent
  int boot_order = 0;                 // 1-based position in boot order
};

struct OvfNic {
  std::string mac;      // normalised; empty when not given
  std::string model;    // "vmxnet3", "e1000", "e1000e", ...
  std::string network;  // Connection
};

struct OvfEnvelope {
  std::string name;
  int vcpus = 0;
  std::uint64_t memory_mib = 0;
  Firmware firmware = Firmware::Unknown;
  std::string os_hint;
  std::vector<OvfFile> files;
  std::vector<OvfDisk> disks;         // in boot order
  std::vector<OvfNic> nics;
  std::vector<std::string> warnings;
};

// Parses an OVF descriptor. `name` identifies it in errors ("web01.ova:web01.ovf").
// Throws ConversionError: InvalidInput when the text is not an OVF envelope,
// has no VirtualSystem, or a disk refers to a missing file or disk; Unsupported
// for compressed or chunked file references and multi-VM (vApp) envelopes.
OvfEnvelope parse_ovf(std::string_view xml, const std::string& name);

// Bytes per unit for an OVF/CIM allocation unit string ("byte * 2^20",
// "MegaBytes", "KB", ...); nullopt when the unit is not understood.
std::optional<std::uint64_t> allocation_unit_bytes(std::string_view units);

}  // namespace h2k

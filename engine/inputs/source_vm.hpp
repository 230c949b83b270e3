#pragma once
// The source VM as the engine understands it, whatever form it arrived in
// (OVA, OVF, VMX, a bare disk). Inputs fill it; copy, guest and output read it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/formats/disk_format.hpp"

namespace h2k {

enum class Firmware { Unknown, Bios, Efi };
const char* to_string(Firmware f);

// Where a disk's bytes are: a whole file, or a byte range inside a container
// (an uncompressed disk inside an OVA is read in place, never extracted).
struct DiskLocation {
  std::filesystem::path file;          // absolute path of the file holding the bytes
  std::uint64_t offset = 0;            // byte offset inside `file`
  std::optional<std::uint64_t> length; // set when the disk is a slice of `file`
};

struct SourceDisk {
  std::string id;                      // stable name used for output files ("disk1")
  std::filesystem::path display_path;  // what the user knows it as (file, or "web01.ova:web01-disk1.vmdk")
  FileKind format = FileKind::Raw;     // format of the bytes at `location`
  std::string format_detail;           // e.g. "streamOptimized"
  DiskLocation location;
  std::vector<std::filesystem::path> parts; // every file the disk needs (descriptor + extents)
  std::uint64_t virtual_size = 0;      // guest-visible size in bytes (0 = unknown yet)
  std::uint64_t stored_size = 0;       // bytes on the source storage
  std::string controller;              // "scsi", "ide", "sata", "nvme", "" when unknown
  std::string controller_model;        // "lsilogic", "pvscsi", ...
  int boot_order = 0;                  // 1-based; 0 when unknown
};

struct SourceNic {
  std::string mac;                     // lower-case "00:50:56:aa:bb:cc"; empty = none given
  std::string model;                   // source model ("vmxnet3", "e1000", ...)
  std::string network;                 // source network/port group name
};

struct SourceVm {
  std::string name;
  std::filesystem::path source_path;   // the file the user gave us
  FileKind source_kind = FileKind::Unknown;
  int vcpus = 0;                       // 0 = unknown, use default
  std::uint64_t memory_mib = 0;        // 0 = unknown, use default
  Firmware firmware = Firmware::Unknown;
  std::string os_hint;                 // e.g. "debian10_64Guest", "windows9Server64Guest"
  std::vector<SourceDisk> disks;       // in boot order
  std::vector<SourceNic> nics;
  std::vector<std::string> warnings;   // things the input parser noticed
};

nlohmann::json to_json(const SourceVm& vm);

}  // namespace h2k

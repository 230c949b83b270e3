#pragma once
// The export's manifest.json: hypersdk "Artifact Manifest v1", the format
// `hyper2kvm convert manifest.json` and the daemon's watcher read
// (engine/inputs/artifact_manifest.hpp). It is the last file an export
// writes, so its appearance means the export is whole.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace h2k::vsphere {

struct ExportedDisk {
  std::string id;                     // "disk-0"
  std::filesystem::path local_path;   // relative to the manifest's folder
  std::uint64_t bytes = 0;
  std::string sha256;                 // lowercase hex
  int boot_order = 0;                 // 0 = first
  std::string disk_type;              // e.g. "streamOptimized"
};

struct ExportedNic {
  std::string mac;
  std::string network;
  std::string model;
};

struct ExportManifestData {
  std::string vm_name;
  std::string vcenter;                // host[:port] it came from
  int cpu = 0;                        // 0 = unknown (key left out)
  std::uint64_t memory_mib = 0;       // 0 = unknown
  std::string firmware;               // "bios", "uefi" or "" (unknown)
  std::string os_hint;                // vSphere guestId, e.g. "ubuntu64Guest"
  std::string ovf;                    // the OVF descriptor's file name, "" if none
  std::vector<ExportedDisk> disks;
  std::vector<ExportedNic> nics;
};

std::string export_manifest_json(const ExportManifestData& data);

// Writes under a temporary name in the same folder, fsyncs, renames to `path`.
void write_export_manifest(const std::filesystem::path& path, const ExportManifestData& data);

}  // namespace h2k::vsphere

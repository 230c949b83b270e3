#pragma once
// The hypersdk "Artifact Manifest v1" (manifest.json): an export host's
// description of a VM it has exported, naming each disk file with its size
// and checksum. The CLI converts the VM it describes; the daemon's watcher
// reads it to learn which disk files a job needs and whether they arrived whole.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/progress.hpp"
#include "engine/inputs/source_vm.hpp"

namespace h2k {

struct ManifestDisk {
  std::string id;
  std::string source_format;             // lower case: vmdk, qcow2, raw, vhd, vhdx, img
  std::uint64_t bytes = 0;
  std::filesystem::path local_path;      // as written in the manifest
  std::filesystem::path resolved_path;   // absolute path the bytes are read from
  std::string sha256;                    // lowercase hex, "" when no checksum given
  int boot_order_hint = 999;
  std::string disk_type;
};

struct ManifestNic {
  std::string mac;                       // normalised "00:50:56:aa:bb:cc"; "" when none or invalid
  std::string network;
  std::string model;
};

struct ArtifactManifest {
  std::string manifest_version;
  std::string vm_name;                   // source.vm_name; "" when absent
  int cpu = 0;                           // 0 = not given
  std::uint64_t memory_mib = 0;          // 0 = not given
  Firmware firmware = Firmware::Unknown;
  std::string os_hint;
  std::vector<ManifestDisk> disks;       // in the manifest's order
  std::vector<ManifestNic> nics;
  std::vector<std::string> warnings;
};

// Validates and reads `json_text`. `manifest_path` names the manifest in
// errors and is the base of relative local_paths. Throws
// ConversionError(InvalidInput, manifest_path, "<json key>: <what is wrong>")
// for missing or mistyped keys, Unsupported for a manifest_version other than
// 1.x. Disk files need not exist yet (the watcher reads manifests of exports
// still in transfer); resolved_path is where they are expected.
ArtifactManifest parse_artifact_manifest(std::string_view json_text, const std::filesystem::path& manifest_path);

// Reads (max 16 MiB) and parses the manifest file.
ArtifactManifest read_artifact_manifest(const std::filesystem::path& manifest_path);

// Checks every disk: present, size == bytes, sha256 matches (streamed in
// 4 MiB blocks). Returns one message per problem, each naming the disk file
// and what is wrong; empty = all good. Throws ConversionError(Cancelled) when
// `cancel` is set (checked between blocks); progress(done_bytes, total_bytes)
// counts the bytes hashed.
std::vector<std::string> verify_manifest_disks(const ArtifactManifest& m, const CancelToken& cancel,
                                               const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace h2k

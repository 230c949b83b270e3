// A hypersdk Artifact Manifest (manifest.json) with the disk files it names.
#include <algorithm>
#include <numeric>
#include <system_error>

#include "engine/core/error.hpp"
#include "engine/inputs/artifact_manifest.hpp"
#include "engine/inputs/loaders.hpp"

namespace h2k {
namespace {

// Whether the probed format is the one the manifest claims. "img" is the
// exporters' name for a raw image.
bool format_agrees(const std::string& claimed, FileKind probed) {
  if (claimed == "vmdk") return probed == FileKind::VmdkDescriptor || probed == FileKind::VmdkSparse;
  if (claimed == "vhd") return probed == FileKind::Vhd;
  if (claimed == "vhdx") return probed == FileKind::Vhdx;
  if (claimed == "qcow2") return probed == FileKind::Qcow2;
  return probed == FileKind::Raw;  // "raw", "img"
}

// Every disk file must be there, whole, before anything is hashed or probed:
// a short file is an unfinished transfer, and the message says which.
void check_files(const std::filesystem::path& manifest, const ArtifactManifest& m) {
  for (const ManifestDisk& d : m.disks) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(d.resolved_path, ec))
      throw_invalid(manifest.string(), "disk '" + d.id + "' file " + d.resolved_path.string() +
                                           " does not exist (local_path '" + d.local_path.string() + "')");
    const auto size = std::filesystem::file_size(d.resolved_path, ec);
    if (ec) throw ConversionError(ErrorKind::Io, d.resolved_path.string(), "cannot read its size: " + ec.message());
    if (size != d.bytes)
      throw_invalid(manifest.string(), "disk '" + d.id + "' file " + d.resolved_path.string() + " is " +
                                           std::to_string(size) + " bytes, the manifest says " + std::to_string(d.bytes) +
                                           (size < d.bytes ? " (a truncated or unfinished transfer)" : ""));
  }
}

}  // namespace

SourceVm load_manifest(const std::filesystem::path& manifest, const LoadOptions& options) {
  ArtifactManifest m = read_artifact_manifest(manifest);
  SourceVm vm;
  vm.name = m.vm_name;
  vm.vcpus = m.cpu;
  vm.memory_mib = m.memory_mib;
  vm.firmware = m.firmware;
  vm.os_hint = m.os_hint;
  vm.warnings = m.warnings;
  for (const auto& n : m.nics) vm.nics.push_back(SourceNic{n.mac, n.model, n.network});

  check_files(manifest, m);
  const bool has_checksums =
      std::any_of(m.disks.begin(), m.disks.end(), [](const ManifestDisk& d) { return !d.sha256.empty(); });
  if (options.verify_manifest) {
    // LoadOptions carries no cancel token; a CLI Ctrl-C ends the process anyway.
    auto problems = verify_manifest_disks(m, CancelToken{});
    if (!problems.empty()) throw_invalid(manifest.string(), problems.front());
  } else if (has_checksums) {
    vm.warnings.push_back("the manifest's disk checksums were not verified (verification turned off)");
  }

  // Lower boot_order_hint boots first; disks with equal hints keep the manifest's order.
  std::vector<std::size_t> order(m.disks.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return m.disks[a].boot_order_hint < m.disks[b].boot_order_hint;
  });
  for (std::size_t i : order) {
    const ManifestDisk& d = m.disks[i];
    SourceDisk disk = describe_disk_file(d.resolved_path, vm.warnings);
    if (!format_agrees(d.source_format, disk.format))
      vm.warnings.push_back("disk '" + d.id + "' (" + d.resolved_path.filename().string() + "): the manifest says " +
                            d.source_format + ", the file is " + to_string(disk.format) + "; it is read as " +
                            to_string(disk.format));
    vm.disks.push_back(std::move(disk));
  }
  return vm;
}

}  // namespace h2k

// Standalone disk files: a VMDK descriptor with its extents, or one image file.
#include <system_error>

#include "engine/core/error.hpp"
#include "engine/formats/disk_header.hpp"
#include "engine/inputs/disk_inspection.hpp"
#include "engine/inputs/loaders.hpp"

namespace h2k {

SourceDisk describe_disk_file(const std::filesystem::path& file, std::vector<std::string>& warnings) {
  FileByteSource src(file);
  ProbeResult probe = probe_disk(src);
  // For a VMDK descriptor this also checks every extent and lists it in
  // parts; the location stays the descriptor, which qemu-img follows.
  DiskHeaderInfo header = inspect_disk_header(file, probe.kind);
  SourceDisk disk;
  disk.display_path = file;
  disk.location.file = file;
  disk.format = header.kind;
  disk.format_detail = header.detail;
  disk.virtual_size = header.virtual_size;
  disk.parts = header.parts;
  for (const auto& part : disk.parts) {
    std::error_code ec;
    auto size = std::filesystem::file_size(part, ec);
    if (!ec) disk.stored_size += size;
  }
  for (auto& w : header.warnings) warnings.push_back(file.filename().string() + ": " + w);
  return disk;
}

SourceVm load_disk_file(const std::filesystem::path& path) {
  SourceVm vm;
  SourceDisk disk = describe_disk_file(path, vm.warnings);
  vm.warnings.push_back("a bare disk image carries no VM settings: CPU count, memory and firmware use defaults");
  vm.disks.push_back(std::move(disk));
  return vm;
}

}  // namespace h2k

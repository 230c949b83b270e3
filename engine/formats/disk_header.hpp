#pragma once
// One call the inputs layer makes for every disk before copying it: read the
// header the format needs, validate it, and return the guest-visible size, or
// throw a ConversionError that names the file and says what is wrong.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/formats/byte_source.hpp"
#include "engine/formats/disk_format.hpp"

namespace h2k {

struct DiskHeaderInfo {
  FileKind kind = FileKind::Unknown;
  std::uint64_t virtual_size = 0;              // bytes the guest sees
  std::string detail;                          // "streamOptimized", "dynamic", "qcow2 v3", ...
  std::vector<std::string> warnings;           // worth telling the user; not fatal
  std::vector<std::filesystem::path> parts;    // path overload: the file plus any extents it names
};

// Validates the disk of `kind` held by `src` (a file or a slice of an OVA).
// A VMDK descriptor is parsed but its extents are not looked for (a slice has
// no folder); use the path overload for that. Throws ConversionError:
// InvalidInput for truncated/corrupted/non-disk data, Unsupported for disks
// that need something we do not convert (parents, encryption, devices).
DiskHeaderInfo inspect_disk_header(const ByteSource& src, FileKind kind);

// Same for a whole file; for a VMDK descriptor also checks every extent
// (present, long enough, valid sparse header) and lists them in `parts`.
DiskHeaderInfo inspect_disk_header(const std::filesystem::path& path, FileKind kind);

}  // namespace h2k

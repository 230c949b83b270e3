#include "engine/copy/disk_copier.hpp"

#include <nlohmann/json.hpp>

#include "engine/core/error.hpp"
#include "engine/formats/disk_format.hpp"

namespace h2k {

std::string qemu_source_spec(const SourceDisk& disk) {
  const std::string display = disk.display_path.empty() ? disk.location.file.string() : disk.display_path.string();
  const std::string driver = qemu_driver(disk.format);
  if (driver.empty())
    throw ConversionError(ErrorKind::Unsupported, display,
                          std::string("not a disk image qemu-img can read (") + to_string(disk.format) + ")");
  if (disk.location.file.empty()) throw ConversionError(ErrorKind::Internal, display, "disk has no location");

  // An absolute name: a relative one would be resolved against qemu-img's cwd,
  // and one containing ':' before any '/' would be taken for a protocol.
  nlohmann::json file_node = {{"driver", "file"}, {"filename", std::filesystem::absolute(disk.location.file).string()}};
  const bool is_slice = disk.location.length.has_value() || disk.location.offset != 0;
  if (is_slice) {
    // The raw driver with offset/size exposes a byte range of the container
    // (a disk inside an OVA) as a whole device: the disk is read in place.
    nlohmann::json slice = {{"driver", "raw"}, {"offset", disk.location.offset}, {"file", file_node}};
    if (disk.location.length) slice["size"] = *disk.location.length;
    file_node = std::move(slice);
  }
  // The format driver is named explicitly: probing is unsafe (a raw guest disk
  // may start with another format's magic), and read-only guarantees the
  // source is never modified, even by format drivers that repair on open.
  nlohmann::json spec = {{"driver", driver}, {"read-only", true}, {"file", file_node}};
  try {
    return "json:" + spec.dump();
  } catch (const nlohmann::json::type_error&) {
    // dump() refuses bytes that are not UTF-8; qemu's JSON parser would too.
    throw ConversionError(ErrorKind::Unsupported, display,
                          "the file name is not valid UTF-8, so it cannot be passed to qemu-img; rename the file");
  }
}

}  // namespace h2k

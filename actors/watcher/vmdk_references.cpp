// A .vmdk's parts: the extents its text descriptor names. Anything else in a
// .vmdk (sparse, stream-optimized, or not a VMDK at all) is a single file.
#include "actors/watcher/vm_references.hpp"
#include "engine/core/fs.hpp"
#include "engine/formats/disk_format.hpp"
#include "engine/formats/vmdk.hpp"

namespace h2k {
namespace {

constexpr std::uintmax_t kMaxDescriptorBytes = 1u << 20;  // as inspect_disk_header

}  // namespace

FileReferences vmdk_references(const std::filesystem::path& watch_dir, const std::filesystem::path& file) {
  FileReferences refs;
  if (probe_file(watch_dir / file).kind != FileKind::VmdkDescriptor) return refs;
  // The parser refuses absolute and ".." extent names (InvalidInput).
  const VmdkDescriptor d = parse_vmdk_descriptor(read_text_file(watch_dir / file, kMaxDescriptorBytes), file.string());
  for (const VmdkExtent& e : d.extents) {
    if (e.type == VmdkExtentType::Zero) continue;
    auto part = part_in_watch_dir(file, e.filename);
    if (!part) {  // unreachable while the parser refuses such names; kept for safety
      refs.fault = FileFault{ErrorKind::InvalidInput, "extent '" + e.filename + "' is outside the watch folder"};
      continue;
    }
    bool known = false;
    for (const auto& p : refs.parts) known = known || p.path == *part;
    if (!known) refs.parts.push_back(PartRef{*part, true, "extent '" + e.filename + "'", std::nullopt});
  }
  return refs;
}

}  // namespace h2k

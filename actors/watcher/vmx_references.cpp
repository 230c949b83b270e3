// A VMX's parts: the disk files it attaches, found the way the VMX loader
// finds them, so the group is exactly what the converter will read.
#include <system_error>

#include "actors/watcher/vm_references.hpp"
#include "engine/core/fs.hpp"
#include "engine/inputs/vmx.hpp"

namespace h2k {
namespace {

constexpr std::uintmax_t kMaxVmxBytes = 4u << 20;  // as the VMX loader

}  // namespace

FileReferences vmx_references(const std::filesystem::path& watch_dir, const std::filesystem::path& file) {
  const VmxConfig vmx = parse_vmx(read_text_file(watch_dir / file, kMaxVmxBytes), file.string());
  FileReferences refs;
  for (const VmxDisk& d : vmx.disks) {
    const std::string what = "disk " + d.device + " (" + d.file_name + ")";
    const std::filesystem::path written(d.file_name);
    std::optional<std::filesystem::path> part;
    if (written.is_relative()) {
      part = part_in_watch_dir(file, d.file_name);
    } else if (auto inside = path_in_watch_dir(watch_dir, written)) {
      part = inside;
    } else {
      // The loader reads an absolute path (often /vmfs/volumes/... from the
      // ESXi host) when it exists, else the file of that name beside the
      // .vmx. One that exists outside the queue would be read from there.
      std::error_code ec;
      if (!std::filesystem::exists(written, ec))
        part = part_in_watch_dir(file, written.filename().string());
    }
    if (!part) {
      refs.fault = FileFault{ErrorKind::InvalidInput,
                             what + " is outside the watch folder (the daemon reads only its queue)"};
      continue;
    }
    refs.parts.push_back(PartRef{*part, true, what, std::nullopt});
  }
  return refs;
}

}  // namespace h2k

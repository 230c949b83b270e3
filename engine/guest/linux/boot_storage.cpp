#include "engine/guest/linux/boot_storage.hpp"

#include <algorithm>
#include <sstream>

#include "engine/guest/linux/rewriters.hpp"

namespace h2k::linux_guest {

std::string filesystem_module(const std::string& fs_type) {
  if (fs_type == "ext2" || fs_type == "ext3" || fs_type == "ext4") return "ext4";
  if (fs_type == "xfs" || fs_type == "btrfs" || fs_type == "f2fs" || fs_type == "jfs" || fs_type == "reiserfs" ||
      fs_type == "nilfs2")
    return fs_type;
  return {};
}

BootStorageNeeds boot_storage_needs(const std::string& root_fs_type, RootLayer layer) {
  BootStorageNeeds n;
  // virtio_blk finds the disk, virtio_pci the bus it sits on.
  n.modules = {"virtio_blk", "virtio_pci"};
  std::string fs_module = filesystem_module(root_fs_type);
  if (!fs_module.empty()) n.modules.push_back(fs_module);
  if (root_fs_type == "btrfs") n.dracut_modules.push_back("btrfs");
  n.why = "root filesystem " + (root_fs_type.empty() ? std::string("of unknown type") : root_fs_type);
  switch (layer) {
    case RootLayer::Lvm:
      n.modules.push_back("dm_mod");
      n.dracut_modules.push_back("lvm");
      n.tools.push_back("lvm");
      n.why += " on LVM";
      break;
    case RootLayer::Raid:
      n.modules.push_back("md_mod");
      n.dracut_modules.push_back("mdraid");
      n.tools.push_back("mdadm");
      n.why += " on md RAID";
      break;
    case RootLayer::Plain:
      break;
  }
  return n;
}

bool listing_has_module(const std::string& listing, const std::string& module) {
  std::string dashed = module, underscored = module;
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  std::replace(underscored.begin(), underscored.end(), '-', '_');
  for (const auto& name : {underscored, dashed})
    if (listing.find("/" + name + ".ko") != std::string::npos) return true;
  return false;
}

bool listing_has_tool(const std::string& listing, const std::string& tool) {
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    // lsinitrd prints ls -l style lines: the path is the last word.
    auto space = line.rfind(' ');
    std::string path = space == std::string::npos ? line : line.substr(space + 1);
    if (path == tool || (path.size() > tool.size() && path.compare(path.size() - tool.size() - 1, std::string::npos, "/" + tool) == 0)) {
      if (path.find("bin/") != std::string::npos || path == tool) return true;
    }
  }
  return false;
}

}  // namespace h2k::linux_guest

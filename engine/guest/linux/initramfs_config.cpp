// Making the initramfs carry the virtio drivers: the guest was built on VMware,
// so a host-only initramfs holds vmw_pvscsi/mptspi but not virtio_blk, and the
// root disk is never found on KVM.
#include <string>

#include "engine/guest/linux/module_names.hpp"
#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {

// virtio_ring and virtio (the bus) are not listed: every initramfs tool
// resolves module dependencies (modules.dep) and both are dependencies of
// virtio_pci/virtio_blk, so naming them would add nothing. virtio_scsi covers
// a virtio-scsi controller, virtio_console the guest agent channel.
const std::vector<std::string> kVirtioModules = {"virtio_blk", "virtio_scsi", "virtio_net", "virtio_pci",
                                                 "virtio_console"};

namespace {
constexpr const char* kInitramfsToolsHeader =
    "# hyper2kvm: virtio drivers, so the converted guest finds its disks on KVM";
}

RewriteResult add_initramfs_tools_modules(const std::string& text, const std::vector<std::string>& modules) {
  RewriteResult result;
  // Syntax (initramfs-tools(7)): one "module_name [args ...]" per line, '#' comments.
  std::vector<std::string> present;
  bool has_header = false;
  for (const auto& line : detail::split_lines(text)) {
    if (detail::display_line(line.text) == kInitramfsToolsHeader) has_header = true;
    if (detail::is_comment_or_blank(line.text)) continue;
    present.push_back(detail::split_words(line.text).front());
  }
  auto missing = detail::missing_modules(present, modules);
  if (missing.empty()) {
    result.content = text;
    return result;
  }
  result.content = text;
  if (!result.content.empty() && result.content.back() != '\n') result.content += '\n';
  if (!has_header) result.content += std::string(kInitramfsToolsHeader) + "\n";
  for (const auto& m : missing) {
    result.content += m + "\n";
    result.changes.push_back({0, "", m});
  }
  return result;
}

std::string dracut_virtio_conf(const std::vector<std::string>& modules, const std::vector<std::string>& dracut_modules) {
  std::string list;
  for (const auto& m : modules) list += m + " ";
  std::string dmods;
  for (const auto& m : dracut_modules) dmods += m + " ";
  // dracut concatenates every add_drivers+= it reads, so the value must start
  // and end with a space or it glues onto its neighbours ("...pvscsivirtio_blk").
  return "# Written by hyper2kvm: include the virtio drivers in every initramfs so the\n"
         "# converted guest finds its root disk on KVM (a host-only initramfs built on\n"
         "# VMware/Hyper-V lacks them).\n"
         "add_drivers+=\" " + list + "\"\n" +
         (dmods.empty() ? std::string() : "add_dracutmodules+=\" " + dmods + "\"\n");
}

}  // namespace h2k::linux_guest

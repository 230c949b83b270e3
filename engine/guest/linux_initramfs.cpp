// Initramfs: a VMware guest's initramfs holds the drivers for its VMware disk
// controller (often only those, with MODULES=list or dracut hostonly), so on
// virtio it cannot find its root. We add the virtio modules to the guest's own
// initramfs configuration, rebuild with the guest's own tool, and then CHECK
// the result: an initramfs without virtio_blk means an unbootable guest, which
// must be an error here rather than a kernel panic later.
#include <algorithm>

#include "engine/guest/linux_fix_context.hpp"

namespace h2k {
namespace {

namespace lg = linux_guest;

enum class InitramfsTool { None, InitramfsTools, Dracut, Mkinitcpio };

const char* tool_name(InitramfsTool t) {
  switch (t) {
    case InitramfsTool::InitramfsTools: return "initramfs-tools";
    case InitramfsTool::Dracut: return "dracut";
    case InitramfsTool::Mkinitcpio: return "mkinitcpio";
    case InitramfsTool::None: break;
  }
  return "none";
}

// The installed tool wins over leftover configuration folders (a Debian guest
// switched to dracut may still have /etc/initramfs-tools).
InitramfsTool detect_tool(LinuxFixContext& ctx) {
  auto& f = ctx.files;
  bool itools_conf = f.is_dir("/etc/initramfs-tools");
  bool dracut_conf = f.is_file("/etc/dracut.conf") || f.is_dir("/etc/dracut.conf.d");
  bool mkinit_conf = f.is_file("/etc/mkinitcpio.conf");
  if (itools_conf && !ctx.find_tool("update-initramfs").empty()) return InitramfsTool::InitramfsTools;
  if (!ctx.find_tool("dracut").empty()) return InitramfsTool::Dracut;
  if (mkinit_conf && !ctx.find_tool("mkinitcpio").empty()) return InitramfsTool::Mkinitcpio;
  if (itools_conf) return InitramfsTool::InitramfsTools;
  if (dracut_conf) return InitramfsTool::Dracut;
  if (mkinit_conf) return InitramfsTool::Mkinitcpio;
  return InitramfsTool::None;
}

void configure_modules(LinuxFixContext& ctx, InitramfsTool tool) {
  switch (tool) {
    case InitramfsTool::InitramfsTools: {
      const std::string path = "/etc/initramfs-tools/modules";
      if (!ctx.files.is_file(path)) ctx.files.write(path, "");
      ctx.rewrite_file("initramfs", path, [](const std::string& t) { return lg::add_initramfs_tools_modules(t); });
      break;
    }
    case InitramfsTool::Dracut: {
      const std::string path = "/etc/dracut.conf.d/60-hyper2kvm-virtio.conf";
      std::string content = lg::dracut_virtio_conf();
      std::string before = ctx.files.is_file(path) ? ctx.files.read(path) : "";
      if (before != content) {
        ctx.files.write(path, content);
        ctx.record("initramfs", path, before, content, "virtio drivers for dracut");
      }
      break;
    }
    case InitramfsTool::Mkinitcpio:
      ctx.rewrite_file("initramfs", "/etc/mkinitcpio.conf",
                       [](const std::string& t) { return lg::add_mkinitcpio_modules(t); });
      break;
    case InitramfsTool::None:
      break;
  }
}

// The initramfs image a kernel boots with, per tool naming convention.
std::string initramfs_path(LinuxFixContext& ctx, InitramfsTool tool, const std::string& kver) {
  std::vector<std::string> candidates;
  if (tool == InitramfsTool::InitramfsTools) candidates = {"/boot/initrd.img-" + kver};
  else if (tool == InitramfsTool::Dracut) candidates = {"/boot/initramfs-" + kver + ".img", "/boot/initrd-" + kver};
  for (const auto& c : {"/boot/initrd.img-" + kver, "/boot/initramfs-" + kver + ".img", "/boot/initrd-" + kver})
    candidates.push_back(c);
  for (const auto& c : candidates)
    if (ctx.files.is_file(c)) return c;
  return candidates.front();
}

void rebuild(LinuxFixContext& ctx, InitramfsTool tool, const std::vector<std::string>& kernels) {
  ctx.step("rebuilding initramfs (this takes a few minutes under TCG)", 45);
  std::vector<std::pair<std::string, std::string>> commands;   // command, initramfs it writes
  switch (tool) {
    case InitramfsTool::InitramfsTools:
      for (const auto& k : kernels) {
        std::string image = initramfs_path(ctx, tool, k);
        // -u only refreshes existing images; -c creates a missing one.
        commands.push_back({"update-initramfs " + std::string(ctx.files.is_file(image) ? "-u" : "-c") + " -k " +
                                shell_quote(k),
                            image});
      }
      break;
    case InitramfsTool::Dracut:
      for (const auto& k : kernels) {
        std::string image = initramfs_path(ctx, tool, k);
        commands.push_back({"dracut -f " + shell_quote(image) + " " + shell_quote(k), image});
      }
      break;
    case InitramfsTool::Mkinitcpio:
      commands.push_back({"mkinitcpio -P", "/boot"});
      break;
    case InitramfsTool::None:
      return;
  }
  std::size_t i = 0;
  for (const auto& [command, image] : commands) {
    ctx.step("rebuilding initramfs: " + command, 45 + 30.0 * static_cast<double>(i++) / commands.size());
    auto r = ctx.files.sh(std::string(kGuestShellPrelude) + command);
    if (!r.ok)
      throw ConversionError(ErrorKind::GuestFix, image, "initramfs rebuild '" + command + "' failed: " + r.error);
    ctx.record("initramfs", image, "", "rebuilt", command);
  }
}

// Lists the files inside an initramfs with the guest's own lister (it knows
// the compression the guest uses: zstd, xz, early microcode archives, ...).
std::string list_initramfs(LinuxFixContext& ctx, InitramfsTool tool, const std::string& image) {
  std::vector<std::string> listers;
  if (tool == InitramfsTool::Dracut) listers = {"lsinitrd", "lsinitramfs"};
  else if (tool == InitramfsTool::Mkinitcpio) listers = {"lsinitcpio", "lsinitrd"};
  else listers = {"lsinitramfs", "lsinitrd"};
  std::string errors;
  for (const auto& lister : listers) {
    if (ctx.find_tool(lister).empty()) continue;
    auto r = ctx.files.sh(std::string(kGuestShellPrelude) + lister + " " + shell_quote(image));
    if (r.ok) return r.output;
    errors += lister + ": " + r.error + "; ";
  }
  throw ConversionError(ErrorKind::GuestFix, image,
                        "cannot list the initramfs to verify it holds virtio drivers (" +
                            (errors.empty() ? std::string("no lsinitramfs/lsinitrd in the guest") : errors) + ")");
}

bool module_in(const std::string& listing, const std::string& module) {
  // Module files may be compressed (virtio_blk.ko.xz, .ko.zst) and some
  // listings spell the name with dashes.
  std::string dashed = module;
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  for (const auto& name : {module, dashed})
    if (listing.find("/" + name + ".ko") != std::string::npos) return true;
  return false;
}

// Drivers without which a virtio guest cannot reach its root disk.
const std::vector<std::string> kBootCriticalModules = {"virtio_blk", "virtio_pci"};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Throws GuestFix naming the image when a boot-critical driver is neither
// built into the kernel (modules.builtin) nor inside the image.
void verify_image(LinuxFixContext& ctx, InitramfsTool tool, const std::string& kver, const std::string& image) {
  std::string builtin_path = "/lib/modules/" + kver + "/modules.builtin";
  std::string builtin = ctx.files.is_file(builtin_path) ? ctx.files.read(builtin_path) : "";
  std::vector<std::string> needed;
  for (const auto& m : kBootCriticalModules)
    if (!module_in(builtin, m)) needed.push_back(m);
  if (needed.empty()) return;
  if (!ctx.files.is_file(image))
    throw ConversionError(ErrorKind::GuestFix, image, "kernel " + kver + " has no initramfs");
  std::string listing = list_initramfs(ctx, tool, image);
  std::vector<std::string> missing;
  for (const auto& m : needed)
    if (!module_in(listing, m)) missing.push_back(m);
  if (!missing.empty())
    throw ConversionError(ErrorKind::GuestFix, image,
                          "initramfs for kernel " + kver + " lacks " + join(missing) +
                              ": the guest cannot find its disk on virtio");
}

}  // namespace

void fix_initramfs(LinuxFixContext& ctx) {
  ctx.step("adding virtio drivers to the initramfs configuration", 40);
  InitramfsTool tool = detect_tool(ctx);
  if (tool == InitramfsTool::None) {
    ctx.warn("no initramfs tool found (initramfs-tools, dracut, mkinitcpio): virtio drivers were not added");
    return;
  }
  configure_modules(ctx, tool);
  const auto& kernels = ctx.inspection.result.kernels;
  if (kernels.empty()) {
    ctx.warn(std::string("no installed kernel found: the ") + tool_name(tool) +
             " configuration names the virtio drivers, but no initramfs was rebuilt");
    return;
  }
  if (ctx.options.rebuild_initramfs) {
    rebuild(ctx, tool, kernels);
  } else {
    ctx.warn("initramfs rebuild disabled: the virtio drivers are configured and will be included "
             "the next time the guest rebuilds its initramfs");
  }
  ctx.step("verifying the initramfs holds virtio drivers", 78);
  std::vector<std::pair<std::string, std::string>> images;   // kernel version, image
  if (tool == InitramfsTool::Mkinitcpio) {
    // mkinitcpio names images per kernel package, not per version.
    for (const auto& image : ctx.files.list_matching("/boot", "initramfs-", ".img"))
      if (image.find("-fallback") == std::string::npos) images.push_back({kernels.front(), image});
  } else {
    for (const auto& k : kernels) images.push_back({k, initramfs_path(ctx, tool, k)});
  }
  for (const auto& [kver, image] : images) {
    try {
      verify_image(ctx, tool, kver, image);
    } catch (const ConversionError& e) {
      // We rebuilt it: a bad image is our failure. Not rebuilt on request:
      // the operator chose this, so it is a warning they must read.
      if (ctx.options.rebuild_initramfs) throw;
      ctx.warn(e.what() + std::string(" (initramfs rebuild disabled)"));
    }
  }
}

}  // namespace h2k

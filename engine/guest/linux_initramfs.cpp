// Initramfs: a VMware guest's initramfs holds the drivers for its VMware disk
// controller (often only those, with MODULES=list or dracut hostonly), so on
// virtio it cannot find its root. We add the virtio modules to the guest's own
// initramfs configuration, rebuild with the guest's own tool, and then CHECK
// the result: an initramfs without virtio_blk means an unbootable guest, which
// must be an error here rather than a kernel panic later.
#include <algorithm>

#include "engine/guest/linux/boot_storage.hpp"
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

// The virtio drivers plus what the root itself needs (its filesystem's
// driver, dm_mod under LVM): a MODULES=list or hostonly configuration made
// on VMware may name only what that hardware needed.
std::vector<std::string> modules_to_add(const lg::BootStorageNeeds& needs) {
  std::vector<std::string> modules = lg::kVirtioModules;
  for (const auto& m : needs.modules)
    if (std::find(modules.begin(), modules.end(), m) == modules.end()) modules.push_back(m);
  return modules;
}

void configure_modules(LinuxFixContext& ctx, InitramfsTool tool) {
  const lg::BootStorageNeeds needs = root_storage_needs(ctx);
  const std::vector<std::string> modules = modules_to_add(needs);
  switch (tool) {
    case InitramfsTool::InitramfsTools: {
      const std::string path = "/etc/initramfs-tools/modules";
      if (!ctx.files.is_file(path)) ctx.files.write(path, "");
      ctx.rewrite_file("initramfs", path, [&](const std::string& t) { return lg::add_initramfs_tools_modules(t, modules); });
      break;
    }
    case InitramfsTool::Dracut: {
      const std::string path = "/etc/dracut.conf.d/60-hyper2kvm-virtio.conf";
      std::string content = lg::dracut_virtio_conf(modules, needs.dracut_modules);
      std::string before = ctx.files.is_file(path) ? ctx.files.read(path) : "";
      if (before != content) {
        ctx.files.write(path, content);
        ctx.record("initramfs", path, before, content, "virtio drivers for dracut");
      }
      break;
    }
    case InitramfsTool::Mkinitcpio:
      ctx.rewrite_file("initramfs", "/etc/mkinitcpio.conf",
                       [&](const std::string& t) { return lg::add_mkinitcpio_modules(t, modules); });
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

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The images the boot loader will load, one per installed kernel.
std::vector<std::pair<std::string, std::string>> boot_images(LinuxFixContext& ctx, InitramfsTool tool) {
  const auto& kernels = ctx.inspection.result.kernels;
  std::vector<std::pair<std::string, std::string>> images;   // kernel version, image
  if (tool == InitramfsTool::Mkinitcpio) {
    // mkinitcpio names images per kernel package, not per version.
    for (const auto& image : ctx.files.list_matching("/boot", "initramfs-", ".img"))
      if (image.find("-fallback") == std::string::npos && !kernels.empty()) images.push_back({kernels.front(), image});
  } else {
    for (const auto& k : kernels) images.push_back({k, initramfs_path(ctx, tool, k)});
  }
  return images;
}

// One image against what the root needs: every module either built into
// the kernel (modules.builtin) or inside the image, every tool inside it.
GuestCheck check_image(LinuxFixContext& ctx, InitramfsTool tool, const std::string& kver, const std::string& image,
                       const lg::BootStorageNeeds& needs) {
  GuestCheck c{"initramfs " + kver, false, ""};
  std::string builtin_path = "/lib/modules/" + kver + "/modules.builtin";
  std::string builtin = ctx.files.is_file(builtin_path) ? ctx.files.read(builtin_path) : "";
  bool all_builtin = needs.tools.empty() && std::all_of(needs.modules.begin(), needs.modules.end(), [&](const std::string& m) {
                       return lg::listing_has_module(builtin, m);
                     });
  if (all_builtin) {
    c.ok = true;
    c.detail = "kernel " + kver + " has " + join(needs.modules) + " built in";
    return c;
  }
  if (!ctx.files.is_file(image)) {
    c.detail = image + " does not exist: kernel " + kver + " has no initramfs";
    return c;
  }
  std::string listing;
  try {
    listing = list_initramfs(ctx, tool, image);
  } catch (const ConversionError& e) {
    c.detail = e.what();
    return c;
  }
  std::vector<std::string> missing, in_image, built_in;
  for (const auto& m : needs.modules) {
    if (lg::listing_has_module(builtin, m)) built_in.push_back(m);
    else if (lg::listing_has_module(listing, m)) in_image.push_back(m);
    else missing.push_back(m);
  }
  for (const auto& t : needs.tools) {
    if (lg::listing_has_tool(listing, t)) in_image.push_back(t);
    else missing.push_back(t + " (program)");
  }
  std::string have = image + " holds " + (in_image.empty() ? std::string("none of them") : join(in_image)) +
                     (built_in.empty() ? "" : "; built into the kernel: " + join(built_in));
  if (!missing.empty()) {
    c.detail = image + " lacks " + join(missing) + ", needed on virtio for the " + needs.why + " (" + have +
               "): the guest cannot mount its root";
    return c;
  }
  c.ok = true;
  c.detail = have;
  return c;
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
  // Whether each image really holds what the root needs is checked by the
  // final audit (check_initramfs_images), together with everything else.
}

lg::BootStorageNeeds root_storage_needs(const LinuxFixContext& ctx) {
  const auto& in = ctx.inspection;
  const std::string root = device_of_mountable(in.root, in.blocks);
  for (const auto& d : in.blocks.devices) {
    if (d.device != root) continue;
    lg::RootLayer layer = d.kind == BlockDevice::Kind::LogicalVolume ? lg::RootLayer::Lvm
                          : d.kind == BlockDevice::Kind::Raid         ? lg::RootLayer::Raid
                                                                      : lg::RootLayer::Plain;
    return lg::boot_storage_needs(d.fs_type, layer);
  }
  return lg::boot_storage_needs("", lg::RootLayer::Plain);
}

std::vector<GuestCheck> check_initramfs_images(LinuxFixContext& ctx) {
  std::vector<GuestCheck> checks;
  InitramfsTool tool = detect_tool(ctx);
  const lg::BootStorageNeeds needs = root_storage_needs(ctx);
  if (ctx.inspection.result.kernels.empty()) {
    checks.push_back({"kernel", false, "no installed kernel found in /boot and /lib/modules"});
    return checks;
  }
  for (const auto& [kver, image] : boot_images(ctx, tool)) checks.push_back(check_image(ctx, tool, kver, image, needs));
  return checks;
}

}  // namespace h2k

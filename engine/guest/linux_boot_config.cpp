// Boot configuration: every place a Linux guest names its root, resume or
// mounted devices by a kernel name that changes on virtio (/dev/sda1 ->
// /dev/vda1) is rewritten to UUID=, then GRUB's config is regenerated and
// checked again.
#include <algorithm>
#include <cctype>

#include "engine/guest/linux_fix_context.hpp"

namespace h2k {
namespace {

namespace lg = linux_guest;

// RHEL 8 BLS entries say "options $kernelopts"; the value lives in grubenv,
// a fixed-size block that must be edited with grub2-editenv, not rewritten.
bool fix_grubenv_kernelopts(LinuxFixContext& ctx) {
  const std::string env = "/boot/grub2/grubenv";
  if (!ctx.files.is_file(env)) return false;
  std::string text = ctx.files.read(env);
  auto pos = text.find("\nkernelopts=");
  if (pos == std::string::npos && text.rfind("kernelopts=", 0) == 0) pos = 0;
  else if (pos != std::string::npos) ++pos;
  if (pos == std::string::npos) return false;
  auto end = text.find('\n', pos);
  std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
  lg::RewriteResult r = lg::rewrite_kernel_cmdline_text(line, ctx.resolve);
  for (const auto& w : r.warnings) ctx.warn(env + ": " + w);
  if (!r.changed()) return false;
  std::string tool = ctx.find_tool("grub2-editenv");
  if (tool.empty()) {
    ctx.warn(env + ": kernelopts names an unstable device but grub2-editenv is missing; left as is");
    return false;
  }
  std::string value = r.content;
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  auto cmd = ctx.files.sh(std::string(kGuestShellPrelude) + shell_quote(tool) + " " + shell_quote(env) + " set " +
                          shell_quote(value));
  if (!cmd.ok) throw ConversionError(ErrorKind::GuestFix, env, "grub2-editenv failed: " + cmd.error);
  for (const auto& c : r.changes) ctx.record("kernel-cmdline", env, c.before, c.after, "via grub2-editenv");
  return true;
}

}  // namespace

// Every grub.cfg a GRUB install may read, BIOS and EFI.
std::vector<std::string> grub_configs(LinuxFixContext& ctx) {
  std::vector<std::string> out;
  for (const char* p : {"/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"})
    if (ctx.files.is_file(p)) out.push_back(p);
  for (const auto& vendor : ctx.files.list("/boot/efi/EFI")) {
    std::string p = "/boot/efi/EFI/" + vendor + "/grub.cfg";
    if (ctx.files.is_file(p)) out.push_back(p);
  }
  return out;
}

bool uses_bls(LinuxFixContext& ctx) {
  if (ctx.files.list_matching("/boot/loader/entries", "", ".conf").empty()) return false;
  if (!ctx.files.is_file("/etc/default/grub")) return true;  // systemd-boot: entries are the config
  std::string grub = ctx.files.read("/etc/default/grub");
  return grub.find("GRUB_ENABLE_BLSCFG=true") != std::string::npos ||
         grub.find("GRUB_ENABLE_BLSCFG=\"true\"") != std::string::npos;
}

std::string esp_mountpoint(const LinuxFixContext& ctx) {
  for (const char* mp : {"/boot/efi", "/efi", "/boot"}) {
    auto it = ctx.inspection.devices.mountpoints.find(mp);
    if (it == ctx.inspection.devices.mountpoints.end()) continue;
    for (const auto& d : ctx.inspection.blocks.devices)
      if (d.device == it->second && d.fs_type == "vfat") return mp;
  }
  return {};
}

// The grub.cfg that grub(2)-mkconfig should write, preferring the one the
// firmware actually reads. EFI stubs that only `configfile` elsewhere are skipped.
std::string main_grub_config(LinuxFixContext& ctx) {
  auto configs = grub_configs(ctx);
  for (const auto& c : configs) {
    if (c.rfind("/boot/efi/", 0) != 0) continue;
    std::string text = ctx.files.read(c);
    bool stub = text.find("configfile") != std::string::npos && text.find("linux") == std::string::npos;
    if (!stub && ctx.inspection.result.firmware == Firmware::Efi) return c;
  }
  for (const auto& c : configs)
    if (c.rfind("/boot/efi/", 0) != 0) return c;
  return configs.empty() ? std::string() : configs.front();
}

bool fix_boot_config(LinuxFixContext& ctx) {
  bool changed = false;
  ctx.step("rewriting /etc/fstab", 5);
  changed |= ctx.rewrite_file("fstab", "/etc/fstab",
                              [&](const std::string& t) { return lg::rewrite_fstab(t, ctx.resolve); });
  ctx.rewrite_file("crypttab", "/etc/crypttab",
                   [&](const std::string& t) { return lg::rewrite_crypttab(t, ctx.resolve); });

  ctx.step("rewriting kernel command lines", 10);
  changed |= ctx.rewrite_file("kernel-cmdline", "/etc/default/grub",
                              [&](const std::string& t) { return lg::rewrite_default_grub(t, ctx.resolve); });
  auto cmdline = [&](const std::string& t) { return lg::rewrite_kernel_cmdline_text(t, ctx.resolve); };
  for (const auto& cfg : grub_configs(ctx)) changed |= ctx.rewrite_file("kernel-cmdline", cfg, cmdline);
  for (const auto& entry : ctx.files.list_matching("/boot/loader/entries", "", ".conf"))
    changed |= ctx.rewrite_file("kernel-cmdline", entry, cmdline);
  changed |= ctx.rewrite_file("kernel-cmdline", "/etc/kernel/cmdline", cmdline);
  changed |= fix_grubenv_kernelopts(ctx);
  return changed;
}

void regenerate_bootloader_config(LinuxFixContext& ctx) {
  auto configs = grub_configs(ctx);
  // Nothing to regenerate: no GRUB, or BLS (the entries we edited are the
  // configuration). Otherwise always: the kernel command line, the initramfs
  // images and the device GRUB finds /boot on may all have changed, and a
  // config regenerated where the guest reads it (the /boot filesystem, now
  // mounted) is the one the boot will use.
  if (configs.empty() || uses_bls(ctx)) return;

  std::string command, target;
  if (ctx.is_deb_family() && !ctx.find_tool("update-grub").empty()) {
    command = "update-grub";
    target = "/boot/grub/grub.cfg";
  } else {
    std::string tool = ctx.find_tool("grub2-mkconfig");
    if (tool.empty()) tool = ctx.find_tool("grub-mkconfig");
    if (tool.empty()) {
      ctx.warn("no grub-mkconfig in the guest: " + configs.front() + " was edited in place, not regenerated");
      return;
    }
    target = main_grub_config(ctx);
    command = tool + " -o " + target;
  }
  ctx.step("regenerating the GRUB configuration (" + command + ")", 85);
  auto r = ctx.files.sh(std::string(kGuestShellPrelude) + command);
  if (!r.ok) {
    // grub-mkconfig writes a temporary file and only replaces grub.cfg on
    // success, so the file we already edited in place is still there.
    ctx.warn("regenerating " + target + " with '" + command + "' failed (" + r.error +
             "); the in-place edited configuration is kept");
    return;
  }
  ctx.record("grub-regenerate", target, "", command);
  // Inside the appliance the guest's disk is /dev/sda too, so a regenerated
  // config can name root=/dev/sdX again (e.g. when UUIDs are disabled by a
  // drop-in we did not see). Check every config once more.
  for (const auto& cfg : grub_configs(ctx))
    ctx.rewrite_file("kernel-cmdline", cfg,
                     [&](const std::string& t) { return lg::rewrite_kernel_cmdline_text(t, ctx.resolve); },
                     "after regeneration");
}

namespace {

bool ci_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

std::string find_case_insensitive(LinuxFixContext& ctx, const std::string& dir, const std::string& name) {
  for (const auto& entry : ctx.files.list(dir))
    if (ci_equal(entry, name)) return dir + "/" + entry;
  return {};
}

void ensure_efi_fallback_loader(LinuxFixContext& ctx) {
  if (ctx.inspection.result.firmware != Firmware::Efi) return;
  const std::string esp = esp_mountpoint(ctx);
  if (esp.empty()) {
    ctx.warn("UEFI guest without a mounted EFI System Partition: the removable-media boot path was not checked");
    return;
  }
  std::string efi = find_case_insensitive(ctx, esp, "EFI");
  if (efi.empty()) return;   // the audit reports the missing loader
  std::string boot_dir = find_case_insensitive(ctx, efi, "BOOT");
  if (!boot_dir.empty() && !find_case_insensitive(ctx, boot_dir, "BOOTX64.EFI").empty()) return;

  // The guest's own loader, as its installer put it in EFI/<vendor>/: shim
  // first (it chains grubx64.efi from its own folder, so both are copied).
  for (const auto& vendor : ctx.files.list(efi)) {
    std::string dir = efi + "/" + vendor;
    if (ci_equal(vendor, "BOOT") || !ctx.files.is_dir(dir)) continue;
    std::string loader;
    for (const char* name : {"shimx64.efi", "grubx64.efi", "systemd-bootx64.efi"}) {
      loader = find_case_insensitive(ctx, dir, name);
      if (!loader.empty()) break;
    }
    if (loader.empty()) continue;
    if (boot_dir.empty()) {
      boot_dir = efi + "/BOOT";
      ctx.files.mkdir_p(boot_dir);
    }
    const std::string target = boot_dir + "/BOOTX64.EFI";
    auto r = ctx.files.sh(std::string(kGuestShellPrelude) + "cp " + shell_quote(loader) + " " + shell_quote(target));
    if (!r.ok) throw ConversionError(ErrorKind::GuestFix, target, "cannot copy the EFI boot loader: " + r.error);
    ctx.record("bootloader", target, "", "copy of " + loader,
               "removable-media path: a KVM domain's fresh NVRAM has no boot entry for " + vendor);
    // What the loader reads from its own folder comes along: grubx64.efi
    // (for shim), mmx64.efi, and the grub.cfg stub that finds /boot.
    for (const char* extra : {"grubx64.efi", "mmx64.efi", "grub.cfg"}) {
      std::string from = find_case_insensitive(ctx, dir, extra);
      if (from.empty() || from == loader || !find_case_insensitive(ctx, boot_dir, extra).empty()) continue;
      std::string to = boot_dir + "/" + extra;
      auto c = ctx.files.sh(std::string(kGuestShellPrelude) + "cp " + shell_quote(from) + " " + shell_quote(to));
      if (!c.ok) throw ConversionError(ErrorKind::GuestFix, to, "cannot copy " + from + ": " + c.error);
      ctx.record("bootloader", to, "", "copy of " + from, "needed next to the fallback loader");
    }
    return;
  }
}

}  // namespace h2k

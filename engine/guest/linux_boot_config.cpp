// Boot configuration: every place a Linux guest names its root, resume or
// mounted devices by a kernel name that changes on virtio (/dev/sda1 ->
// /dev/vda1) is rewritten to UUID=, then GRUB's config is regenerated and
// checked again.
#include <algorithm>

#include "engine/guest/linux_fix_context.hpp"

namespace h2k {
namespace {

namespace lg = linux_guest;

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

// The grub.cfg that grub(2)-mkconfig should write, preferring the one the
// firmware actually reads. EFI stubs that only `configfile` elsewhere are skipped.
std::string main_grub_config(LinuxFixContext& ctx, const std::vector<std::string>& configs) {
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

}  // namespace

bool fix_boot_config(LinuxFixContext& ctx) {
  bool changed = false;
  ctx.step("rewriting /etc/fstab", 5);
  changed |= ctx.rewrite_file("fstab", "/etc/fstab",
                              [&](const std::string& t) { return lg::rewrite_fstab(t, ctx.resolve); });

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

void regenerate_bootloader_config(LinuxFixContext& ctx, bool boot_config_changed) {
  auto configs = grub_configs(ctx);
  // Nothing to regenerate: no GRUB, nothing we changed, or BLS (the entries
  // we edited are the configuration).
  if (configs.empty() || !boot_config_changed || uses_bls(ctx)) return;

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
    target = main_grub_config(ctx, configs);
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

}  // namespace h2k

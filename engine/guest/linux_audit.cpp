// The final audit: after every fix, read the guest the way it will boot on
// virtio and check each thing a boot needs. Nothing here trusts what the
// fixes meant to do; it reads the files back. A failed check fails the
// conversion, so "success" always means a guest that can find its disks,
// its root, its kernel and its initramfs.
#include <algorithm>
#include <set>

#include "engine/guest/linux/fstab_entries.hpp"
#include "engine/guest/linux/grub_menu.hpp"
#include "engine/guest/linux_fix_context.hpp"

namespace h2k {
namespace {

namespace lg = linux_guest;

std::string describe(const BlockDevice& d, const std::string& via) {
  return virtio_name(d) + (d.fs_type.empty() ? "" : " (" + d.fs_type + ")") + ", by " + via;
}

// A device name as the converted guest will look it up on virtio.
GuestCheck check_device_name(const std::string& check_name, const std::string& spec, const std::string& fstype,
                             const BlockDeviceTable& table) {
  GuestCheck c{check_name, false, ""};
  if (!is_stable_on_virtio(spec)) {
    c.detail = spec + " names the source hardware (a controller's disk name, path or serial) and will not exist on virtio";
    return c;
  }
  SpecResolution r = resolve_device_spec(spec, table, fstype);
  if (!r) {
    c.detail = spec + ": " + r.error;
    return c;
  }
  c.ok = true;
  c.detail = spec + " -> " + describe(*r.device, r.via);
  return c;
}

void check_fstab(LinuxFixContext& ctx, std::vector<GuestCheck>& checks) {
  if (!ctx.files.is_file("/etc/fstab")) return;
  for (const auto& e : lg::parse_fstab(ctx.files.read("/etc/fstab"))) {
    if (!e.on_vm_disk()) continue;
    if (e.is_swap() || !e.required()) {
      // The boot goes on without these; a broken one is worth a warning only.
      GuestCheck c = check_device_name("fstab " + e.mountpoint, e.spec, e.fstype, ctx.inspection.blocks);
      if (!c.ok) ctx.warn(describe_fstab_line(e) + ": " + c.detail + " (not required for booting)");
      continue;
    }
    checks.push_back(check_device_name("fstab " + e.mountpoint, e.spec, e.fstype, ctx.inspection.blocks));
  }
}

// The boot entries the firmware will reach: grub.cfg's menu, or BLS entries.
struct LoaderConfig {
  std::string file;
  std::vector<lg::BootEntry> entries;
};

LoaderConfig read_loader_config(LinuxFixContext& ctx) {
  LoaderConfig cfg;
  std::string grub = main_grub_config(ctx);
  if (!grub.empty()) {
    cfg.file = grub;
    cfg.entries = lg::parse_grub_menu(ctx.files.read(grub));
  }
  // grub with blscfg, or systemd-boot: the entries are the configuration.
  if (cfg.entries.empty() || uses_bls(ctx)) {
    auto bls = ctx.files.list_matching("/boot/loader/entries", "", ".conf");
    if (!bls.empty()) {
      cfg.file = cfg.file.empty() ? "/boot/loader/entries" : cfg.file + " + /boot/loader/entries";
      for (const auto& f : bls) cfg.entries.push_back(lg::parse_bls_entry(ctx.files.read(f)));
    }
  }
  return cfg;
}

// BLS entries on RHEL 8 say "options $kernelopts": the value is in grubenv.
std::string expand_kernelopts(LinuxFixContext& ctx, const std::string& cmdline) {
  if (cmdline.find("$kernelopts") == std::string::npos) return cmdline;
  for (const char* env : {"/boot/grub2/grubenv", "/boot/grub/grubenv"}) {
    if (!ctx.files.is_file(env)) continue;
    std::string text = ctx.files.read(env);
    auto pos = text.find("kernelopts=");
    if (pos == std::string::npos) continue;
    auto end = text.find('\n', pos);
    std::string value = text.substr(pos + 11, end == std::string::npos ? std::string::npos : end - pos - 11);
    std::string out = cmdline;
    out.replace(out.find("$kernelopts"), 11, value);
    return out;
  }
  return cmdline;
}

std::string existing_guest_path(LinuxFixContext& ctx, const std::string& loader_path) {
  for (const auto& p : lg::guest_path_candidates(loader_path))
    if (ctx.files.is_file(p)) return p;
  return {};
}

void check_boot_loader(LinuxFixContext& ctx, std::vector<GuestCheck>& checks) {
  LoaderConfig cfg = read_loader_config(ctx);
  if (cfg.entries.empty()) {
    checks.push_back({"bootloader", false,
                      cfg.file.empty() ? "no GRUB configuration or boot loader entries found in /boot"
                                       : cfg.file + " has no boot entry with a kernel"});
    return;
  }
  std::set<std::string> seen_params;
  std::vector<std::string> problems;
  std::string default_entry;
  for (const auto& e : cfg.entries) {
    if (e.kernel.empty()) continue;
    std::string kernel = existing_guest_path(ctx, e.kernel);
    if (kernel.empty()) problems.push_back("'" + e.title + "': kernel " + e.kernel + " does not exist");
    std::vector<std::string> initrds;
    for (const auto& i : e.initrds) {
      std::string path = existing_guest_path(ctx, i);
      if (path.empty()) problems.push_back("'" + e.title + "': initramfs " + i + " does not exist");
      else initrds.push_back(path);
    }
    if (default_entry.empty() && !kernel.empty())
      default_entry = "'" + e.title + "': " + kernel + (initrds.empty() ? "" : " + " + initrds.front());
    std::string cmdline = expand_kernelopts(ctx, e.cmdline);
    for (const char* key : {"root", "resume"})
      for (const auto& value : lg::kernel_params(cmdline, key)) {
        if (!seen_params.insert(std::string(key) + "=" + value).second) continue;
        // Only device names: root=ZFS=..., resume=none and friends are not ours to check.
        bool device_like = value.rfind("/dev/", 0) == 0 || value.find('=') != std::string::npos;
        if (!device_like || value == "none") continue;
        GuestCheck c = check_device_name(std::string(key) + "=" + value, value, "", ctx.inspection.blocks);
        if (std::string(key) == "resume" && !c.ok) {
          ctx.warn(cfg.file + ": resume=" + value + ": " + c.detail + " (resume from hibernation only)");
          continue;
        }
        checks.push_back(c);
      }
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    checks.push_back({"bootloader " + cfg.file, false, all});
  } else {
    checks.push_back({"bootloader " + cfg.file, true,
                      std::to_string(cfg.entries.size()) + " entries; default " + default_entry});
  }
}

void check_efi_fallback(LinuxFixContext& ctx, std::vector<GuestCheck>& checks) {
  if (ctx.inspection.result.firmware != Firmware::Efi) return;
  std::string esp = esp_mountpoint(ctx);
  GuestCheck c{"efi fallback loader", false, ""};
  if (esp.empty()) {
    c.detail = "UEFI guest, but no EFI System Partition is mounted from its fstab";
  } else {
    std::string efi = find_case_insensitive(ctx, esp, "EFI");
    std::string boot = efi.empty() ? "" : find_case_insensitive(ctx, efi, "BOOT");
    std::string loader = boot.empty() ? "" : find_case_insensitive(ctx, boot, "BOOTX64.EFI");
    c.ok = !loader.empty();
    c.detail = c.ok ? loader + " present: the guest boots with a fresh NVRAM"
                    : esp + "/EFI/BOOT/BOOTX64.EFI is missing: with no NVRAM boot entry the firmware finds nothing to boot";
  }
  checks.push_back(c);
}

}  // namespace

void audit_linux_guest(LinuxFixContext& ctx) {
  ctx.step("auditing the converted guest (fstab, root=, initramfs, boot loader)", 97);
  std::vector<GuestCheck> checks;
  check_fstab(ctx, checks);
  check_boot_loader(ctx, checks);
  for (auto& c : check_initramfs_images(ctx)) checks.push_back(std::move(c));
  check_efi_fallback(ctx, checks);
  ctx.report.checks = checks;

  std::string failures;
  std::size_t failed = 0;
  for (const auto& c : checks) {
    if (c.ok) continue;
    ++failed;
    failures += (failures.empty() ? "" : "; ") + c.name + ": " + c.detail;
  }
  if (failed)
    throw ConversionError(ErrorKind::GuestFix, ctx.inspection.root,
                          "the converted guest would not boot on virtio: " + std::to_string(failed) + " of " +
                              std::to_string(checks.size()) + " checks failed (" + failures + ")");
}

}  // namespace h2k

#pragma once
// What every Linux fix step works with: the mounted guest, the inspection,
// the options, the device resolver, and the report each change is recorded in.
#include <functional>
#include <string>

#include "engine/core/progress.hpp"
#include "engine/guest/guest_files.hpp"
#include "engine/guest/guest_fix.hpp"
#include "engine/guest/inspector.hpp"
#include "engine/guest/linux/boot_storage.hpp"
#include "engine/guest/linux/rewriters.hpp"

namespace h2k {

struct LinuxFixContext {
  GuestFiles& files;
  const GuestInspection& inspection;
  const GuestFixOptions& options;
  linux_guest::DeviceResolver resolve;
  GuestFixReport& report;
  const ProgressSink& progress;

  // A "fix" progress event (percent within the fix phase).
  void step(const std::string& message, double percent) const;
  void record(const std::string& action, const std::string& file, const std::string& before,
              const std::string& after, const std::string& note = "");
  void warn(const std::string& message);

  // Reads `path`, applies `rewrite`, writes the file back only if it changed
  // and records one FixRecord per changed line (warnings prefixed with the
  // file). Returns true when the file changed. A missing file is no change.
  bool rewrite_file(const std::string& action, const std::string& path,
                    const std::function<linux_guest::RewriteResult(const std::string&)>& rewrite,
                    const std::string& note = "");

  bool is_deb_family() const;   // Debian, Ubuntu and derivatives
  bool has_systemd() const;
  // Absolute guest path of the program `name` in the usual sbin/bin folders, "" if absent.
  std::string find_tool(const std::string& name) const;
};

// The individual steps, in the order fix_linux runs them.
// fstab, /etc/default/grub, grub.cfg, BLS, /etc/kernel/cmdline; true when something changed.
bool fix_boot_config(LinuxFixContext& ctx);
void pin_network_interface_names(LinuxFixContext& ctx);
void fix_initramfs(LinuxFixContext& ctx);              // virtio + root storage modules, rebuild
void regenerate_bootloader_config(LinuxFixContext& ctx);
// UEFI: the removable-media path \EFI\BOOT\BOOTX64.EFI, which firmware with
// no boot entry for the guest (a new KVM domain's NVRAM) falls back to.
void ensure_efi_fallback_loader(LinuxFixContext& ctx);
void apply_vmware_tools_action(LinuxFixContext& ctx);
void request_selinux_relabel(LinuxFixContext& ctx);

// The final audit: reads the guest as it will boot on virtio (fstab, root=,
// each initramfs, the boot loader's entries, the EFI fallback path) and
// records one GuestCheck each in the report. Throws ConversionError(GuestFix)
// naming every failed check: a guest that will not boot is never a success.
void audit_linux_guest(LinuxFixContext& ctx);

// What the initramfs must hold for this guest's root (virtio, its
// filesystem's driver, LVM/md), and each installed kernel's image checked for it.
linux_guest::BootStorageNeeds root_storage_needs(const LinuxFixContext& ctx);
std::vector<GuestCheck> check_initramfs_images(LinuxFixContext& ctx);

// Every grub.cfg a GRUB install may read, BIOS and EFI.
std::vector<std::string> grub_configs(LinuxFixContext& ctx);
// The grub.cfg that grub-mkconfig writes and the boot reads ("" when no GRUB).
std::string main_grub_config(LinuxFixContext& ctx);
bool uses_bls(LinuxFixContext& ctx);
// `name` in `dir` compared case-insensitively (FAT keeps the case it was
// written with: EFI/BOOT vs efi/boot); the full path, "" when absent.
std::string find_case_insensitive(LinuxFixContext& ctx, const std::string& dir, const std::string& name);
// The ESP's mountpoint in the guest ("/boot/efi", "/efi"), "" when none is mounted.
std::string esp_mountpoint(const LinuxFixContext& ctx);

// Runs the steps above on a mounted Linux guest.
void fix_linux(GuestFiles& files, const GuestInspection& inspection, const GuestFixOptions& options,
               const ProgressSink& progress, GuestFixReport& report);

// Prefix for commands run in the guest: a PATH that finds sbin tools, and no
// interactive prompts from package tools.
inline constexpr const char* kGuestShellPrelude =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH; "
    "DEBIAN_FRONTEND=noninteractive; export DEBIAN_FRONTEND; ";

}  // namespace h2k

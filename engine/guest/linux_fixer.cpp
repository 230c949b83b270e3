// The Linux conversion, step by step. Order matters: device names first (so
// everything later sees the final fstab), network pins before the initramfs
// rebuild (so .link files land in the initramfs), GRUB regeneration after the
// rebuild (so it lists the new images), and the audit last, reading back
// everything the boot will read.
#include "engine/guest/linux_fix_context.hpp"

namespace h2k {

void request_selinux_relabel(LinuxFixContext& ctx) {
  const std::string config = "/etc/selinux/config";
  if (!ctx.files.is_file(config)) return;
  if (!linux_guest::selinux_needs_relabel(ctx.files.read(config))) return;
  // Files we wrote carry no SELinux label; an enforcing guest would deny
  // access to them (e.g. the .link files) until relabelled on first boot.
  ctx.files.touch("/.autorelabel");
  ctx.record("selinux", "/.autorelabel", "", "created", "relabel on first boot");
}

void fix_linux(GuestFiles& files, const GuestInspection& inspection, const GuestFixOptions& options,
               const ProgressSink& progress, GuestFixReport& report) {
  LinuxFixContext ctx{files,  inspection,
                      options, make_stable_name_resolver(inspection.blocks, inspection.mounts, inspection.root),
                      report, progress};
  fix_boot_config(ctx);
  pin_network_interface_names(ctx);
  fix_initramfs(ctx);
  regenerate_bootloader_config(ctx);
  ensure_efi_fallback_loader(ctx);
  apply_vmware_tools_action(ctx);
  request_selinux_relabel(ctx);
  audit_linux_guest(ctx);
}

}  // namespace h2k

#pragma once
// What every Linux fix step works with: the mounted guest, the inspection,
// the options, the device resolver, and the report each change is recorded in.
#include <functional>
#include <string>

#include "engine/core/progress.hpp"
#include "engine/guest/guest_files.hpp"
#include "engine/guest/guest_fix.hpp"
#include "engine/guest/inspector.hpp"
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
void fix_initramfs(LinuxFixContext& ctx);              // virtio modules, rebuild, verify
void regenerate_bootloader_config(LinuxFixContext& ctx, bool boot_config_changed);
void apply_vmware_tools_action(LinuxFixContext& ctx);
void request_selinux_relabel(LinuxFixContext& ctx);

// Runs the steps above on a mounted Linux guest.
void fix_linux(GuestFiles& files, const GuestInspection& inspection, const GuestFixOptions& options,
               const ProgressSink& progress, GuestFixReport& report);

// Prefix for commands run in the guest: a PATH that finds sbin tools, and no
// interactive prompts from package tools.
inline constexpr const char* kGuestShellPrelude =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH; "
    "DEBIAN_FRONTEND=noninteractive; export DEBIAN_FRONTEND; ";

}  // namespace h2k

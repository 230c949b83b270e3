#pragma once
// How each job is converted (daemon.yaml `conversion:`, what `hyper2kvm
// convert` takes as options). Plain data for the converter; parsed and
// checked by the node's configuration (h2k_daemon_config). Uses the
// engine's option types header-only: no engine library is linked.
#include <filesystem>

#include "engine/copy/disk_copier.hpp"  // OutputFormat
#include "engine/guest/guest_fix.hpp"   // VmwareToolsAction, GuestfsSettings
#include "engine/verify/accel.hpp"      // AccelChoice

namespace h2k {

struct ConversionSettings {
  OutputFormat output_format = OutputFormat::Qcow2;
  bool guest_fixes = true;
  VmwareToolsAction vmware_tools = VmwareToolsAction::Remove;
  bool rebuild_initramfs = true;
  std::filesystem::path virtio_win_dir;  // empty: Windows guests keep SATA + e1000e
  // output_dir as the KVM hosts see it: the domain XML's disk paths start
  // with it (empty: output_dir as this host sees it).
  std::filesystem::path domain_output_dir;
  // libvirt connection a job asking for it (hyperctl convert --define)
  // defines its domain on, once published (key libvirt_uri).
  std::string libvirt_uri = "qemu:///system";
  GuestfsSettings libguestfs;            // backend, backend_settings, launch_timeout_s, memsize_mib
  // Without force_tcg and with a /dev/kvm: how long the appliance launch
  // timed at start may take with KVM before this host falls back to TCG
  // (key libguestfs.kvm_probe_timeout; 0: /dev/kvm is trusted untimed).
  int kvm_probe_timeout_s = 180;
  // Boot each converted guest (on throwaway overlays) before publishing it;
  // a guest that does not reach its default target fails the job.
  bool verify_boot = false;
  int verify_boot_timeout_s = 300;       // key verify_boot_timeout (a duration, 30s..24h)
  AccelChoice verify_boot_accel = AccelChoice::Auto;
};

}  // namespace h2k

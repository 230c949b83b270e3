#pragma once
// Whether KVM really works on this host, measured rather than assumed: a
// /dev/kvm that answers its ioctl can still hang a Linux kernel forever
// (nested KVM), and then every conversion would wait out its appliance
// launch timeout. A daemon or converter node with KVM allowed therefore
// times one libguestfs appliance launch at start, in an isolated child that
// is killed at the deadline, and falls back to TCG when it does not come up.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "engine/guest/guest_fix.hpp"  // GuestfsSettings
#include "engine/verify/accel.hpp"

namespace h2k {

struct ApplianceLaunchTiming {
  bool launched = false;
  double seconds = 0;   // launch to ready (launched) or until given up
  std::string problem;  // why not launched
};

// Launches (then shuts down) an appliance with `settings` on a 1 MiB scratch
// disk in `<self_exe> __appliance-probe REQUEST.json`; gives up after
// `timeout` and kills the child and everything it started.
ApplianceLaunchTiming time_appliance_launch(const GuestfsSettings& settings, const std::filesystem::path& self_exe,
                                            std::chrono::seconds timeout);

// The child side. Returns its exit code (0 launched, 1 failed, 2 unreadable request).
int appliance_probe_child_main(const std::filesystem::path& request_json);

// How this host's conversions run, decided once at start.
struct HostAccel {
  Accel accel = Accel::Tcg;
  std::string backend_settings;  // the libguestfs settings conversions use (force_tcg added on a fallback)
  std::string why;               // for the log
  bool fell_back = false;        // KVM allowed but no appliance launched with it
};

// Auto follows choose_accel (force_tcg in the settings, /dev/kvm unusable:
// TCG, nothing launched), except that KVM must also launch an appliance
// within `probe_timeout` (0: trusted without a launch); `launch_with_kvm` is
// called for that only. On a failed launch the settings get force_tcg so the
// conversions do not try KVM either. Explicit kvm/tcg are taken as asked.
HostAccel decide_host_accel(AccelChoice choice, const std::string& backend_settings, bool kvm_is_usable,
                            std::chrono::seconds probe_timeout,
                            const std::function<ApplianceLaunchTiming()>& launch_with_kvm);

}  // namespace h2k

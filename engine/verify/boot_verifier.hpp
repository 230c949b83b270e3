#pragma once
// The verification boot: boots the converted disks under qemu, on throwaway
// overlays, with the bus, NIC model, MAC and firmware the domain will use,
// and says whether the guest reached its default target (see boot_verdict.hpp
// for what counts). The converted disks are never written; the scratch
// folder (overlays, console log, QMP socket, UEFI variables) is removed in
// every path; qemu runs in its own process group, dies with the thread that
// started it, and is killed on timeout, cancel or error.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/progress.hpp"
#include "engine/guest/guest_fix.hpp"   // GuestfsSettings
#include "engine/verify/accel.hpp"
#include "engine/verify/boot_watch.hpp"
#include "engine/verify/qemu_boot_command.hpp"

namespace h2k {

struct BootVerifyRequest {
  std::string subject;                     // what errors name (the VM file the operator gave)
  std::vector<BootDisk> disks;             // converted disks, boot order; each boots through an overlay
  std::vector<BootNic> nics;
  Firmware firmware = Firmware::Bios;
  std::uint64_t memory_mib = 2048;
  int vcpus = 2;
  bool rtc_localtime = false;
  AccelChoice accel = AccelChoice::Auto;
  BootWatchTimings timings;                // timings.timeout: the whole boot (default 300 s)
  GuestfsSettings guestfs;                 // journal read-back; its force_tcg also means "no KVM" for Auto
  std::filesystem::path self_exe;          // runs the journal read-back isolated; empty: in this process
  std::filesystem::path scratch_parent;    // empty: the temp folder (TMPDIR)
  std::string qemu_binary = "qemu-system-x86_64";
  std::string qemu_img = "qemu-img";
};

struct BootVerification {
  std::string status;                      // "passed", "failed", "inconclusive"
  bool passed = false;
  std::string evidence = "none";           // "serial", "journal", "none"
  std::string evidence_line;
  std::string reason;
  std::string accel;                       // "kvm" or "tcg": what was used
  std::string firmware;                    // "bios" or "efi"
  std::string disk_bus;                    // bus of the boot disk
  std::string nic_model;
  double seconds = 0;                      // boot time until the decision
  std::string stopped;                     // how the boot ended: console_evidence, timeout, silent_idle, guest
  bool guest_powered_off = false;          // it powered off (asked via ACPI, or by itself)
  int guest_reboots = 0;
  std::vector<std::string> console_tail;   // last serial console lines
  std::vector<std::string> journal_tail;   // last journal messages of the boot (when read)
};

nlohmann::json to_json(const BootVerification& v);

// Throws ConversionError for what keeps the boot from being tried at all
// (qemu or OVMF missing, qemu refusing its command line, no scratch space:
// Internal/Unsupported/Io) and Cancelled; a guest that does not boot is a
// result (status "failed"), not an exception.
BootVerification verify_boot(const BootVerifyRequest& request, const ProgressSink& progress,
                             const CancelToken& cancel);

}  // namespace h2k

#include "actors/common/failure_suggestion.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string_view>

namespace h2k {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool mentions(const std::string& text, std::initializer_list<std::string_view> needles) {
  for (auto n : needles)
    if (text.find(n) != std::string::npos) return true;
  return false;
}

constexpr const char* kNoSpace =
    "The output filesystem is full. Free space in the output directory (old conversions, the work folder) or "
    "point output_dir at a larger filesystem; a conversion needs about the allocated size of the source disks.";

// Advice the error text makes more precise than its kind does. Checked first
// because the same cause can surface under several kinds (a full disk shows
// up as an I/O error from a subprocess, a missing /dev/kvm as a timeout).
std::string by_keywords(const std::string& e) {
  if (mentions(e, {"no space left", "enospc", "disk quota"})) return kNoSpace;
  if (mentions(e, {"sha256 mismatch", "sha1 mismatch", "checksum mismatch", "digest mismatch"}))
    return "The file's checksum does not match its manifest (.mf): it changed or was cut short in transit. Copy "
           "it again from the source (compare sha256sum on both ends) or export the VM again, then queue the new "
           "copy.";
  if (mentions(e, {"permission denied", "operation not permitted", "requires root"}))
    return "The daemon lacks permission. Run it as root (the systemd unit does) or give its user read access "
           "to the queue and write access to the work and output directories; libguestfs also needs access to "
           "/dev/kvm.";
  if (mentions(e, {"/dev/kvm", "kvm is not available", "kvm not available"}))
    return "KVM is missing or not usable for the libguestfs appliance. Check that /dev/kvm exists and is "
           "readable and writable by the daemon, or set conversion.libguestfs.backend_settings: force_tcg "
           "(slower, but works without KVM).";
  if (mentions(e, {"truncated", "past the end", "beyond the end", "unexpected end", "short read"}))
    return "The file is shorter than its own headers say: the copy is incomplete. Wait until the transfer has "
           "finished, copy the file again and compare its size with the source.";
  if (mentions(e, {"missing extent", "extent file", "extent not found"}))
    return "The VMDK descriptor names an extent (data) file that is not in the queue. Put the -flat.vmdk or "
           "-sNNN.vmdk files next to the descriptor, or export the VM as a single OVA.";
  if (mentions(e, {"snapshot", "differencing", "parent disk", "avhdx"}))
    return "The disk depends on a snapshot or parent disk. Consolidate the snapshots in the source "
           "(VMware: Snapshots > Consolidate; Hyper-V: merge the .avhdx checkpoints) and export the VM again.";
  if (mentions(e, {"converted guest failed to boot", "converted guest did not reach", "converted guest powered off",
                   "converted guest never wrote"}))
    return "The verification boot of the converted guest failed (details: its last console lines). Boot the "
           "source VM once to check it is healthy, look for what the console shows (a missing disk or driver, "
           "an fstab entry, a root= the guest cannot find), fix it in the source and export it again; raise "
           "conversion.verify_boot_timeout on a slow host, or set conversion.verify_boot: false to publish "
           "without the check.";
  return {};
}

std::string by_kind(const std::string& kind) {
  if (kind == "invalid_input")
    return "The file is damaged, truncated or not the format its name says. Export the VM again from the "
           "source, check that the transfer completed (size and checksum), and queue the new copy.";
  if (kind == "unsupported")
    return "The input is valid but uses something hyper2kvm does not convert. Re-export it as a plain OVA or "
           "VMDK without snapshots, or convert the disk with qemu-img first, and queue it again.";
  if (kind == "io_error")
    return "Reading or writing failed. Check the storage behind the queue, work and output directories "
           "(dmesg, NFS/SMB mount state).";
  if (kind == "no_space")
    return kNoSpace;
  if (kind == "timeout" || kind == "appliance_launch")
    return "The libguestfs appliance did not start or finish in time. Run libguestfs-test-tool to see why; "
           "check that /dev/kvm exists and is usable by the daemon, or set "
           "conversion.libguestfs.backend_settings: force_tcg where KVM is missing or nested; on a slow or busy "
           "host raise conversion.libguestfs.launch_timeout.";
  if (kind == "guest_fix")
    return "The disks were copied but changing the guest failed (see phase and log_tail). Shut the source VM "
           "down cleanly (not suspended; Windows: no fast startup/hibernation) and export it again, or convert "
           "with conversion.guest_fixes: false and adjust the guest by hand.";
  if (kind == "cancelled")
    return "The job was cancelled (control command or daemon shutdown). Queue the file again to convert it.";
  return "An unexpected failure. Report it with this file and the daemon log (journalctl -u hyper2kvm).";
}

}  // namespace

std::string suggest_fix(const std::string& error_kind, const std::string& error) {
  std::string specific = by_keywords(lower(error));
  return specific.empty() ? by_kind(error_kind) : specific;
}

}  // namespace h2k

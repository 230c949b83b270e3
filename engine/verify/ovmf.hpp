#pragma once
// Where this host keeps OVMF (UEFI for qemu): the firmware and the template
// of its variable store, without Secure Boot (as the domain asks libvirt
// for: the source VM's Secure Boot state is unknown, and many Linux
// bootloaders are unsigned).
#include <filesystem>
#include <optional>

namespace h2k {

struct OvmfFiles {
  std::filesystem::path code;   // read-only firmware
  std::filesystem::path vars;   // variable store template: each boot gets its own copy
};

// Looks under `root` ("/" on a real host) in the distributions' places:
// Debian/Ubuntu (/usr/share/OVMF, 4M first), Fedora/RHEL (/usr/share/edk2/ovmf),
// Arch (/usr/share/edk2/x64), SUSE (/usr/share/qemu). nullopt: none installed.
std::optional<OvmfFiles> find_ovmf(const std::filesystem::path& root = "/");

}  // namespace h2k

#pragma once
// The qemu command line of a verification boot, built from a small spec: the
// converted guest's disks (overlays) on the bus the domain gives them, its
// NICs with the domain's model and MAC on a user-mode network that reaches
// nothing, its firmware, memory and vCPUs; serial console into a file and a
// QMP socket to power it off. A pure function: no files are touched.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/inputs/source_vm.hpp"   // Firmware
#include "engine/verify/accel.hpp"

namespace h2k {

struct BootDisk {
  std::filesystem::path path;   // the image qemu opens (an overlay of the converted disk)
  std::string format;           // qemu format name: "qcow2", "raw"
  std::string bus = "virtio";   // "virtio", "sata" or "scsi", as in the domain
};

struct BootNic {
  std::string mac;                // as in the domain ("" : qemu picks one)
  std::string model = "virtio";   // domain model: "virtio", "e1000e", "e1000", "rtl8139", "vmxnet3"
};

struct QemuBootSpec {
  std::string qemu_binary = "qemu-system-x86_64";
  Accel accel = Accel::Tcg;
  Firmware firmware = Firmware::Bios;
  std::filesystem::path ovmf_code;   // EFI: the firmware (read-only)
  std::filesystem::path ovmf_vars;   // EFI: this boot's own, writable copy of the variable store
  std::uint64_t memory_mib = 2048;
  int vcpus = 2;
  bool rtc_localtime = false;        // Windows keeps the RTC in local time (as the domain's clock)
  std::vector<BootDisk> disks;       // boot order: the first one boots
  std::vector<BootNic> nics;
  std::filesystem::path serial_log;  // the guest's first serial port (ttyS0 / COM1) is written here
  std::filesystem::path qmp_socket;  // QMP server (unix socket) for system_powerdown and quit
  bool no_reboot = false;            // true: a guest reboot ends qemu instead of restarting the guest
};

// Throws std::invalid_argument for a spec qemu cannot be given (no disks, an
// unknown bus or NIC model, EFI without firmware files, no serial log or QMP
// socket path).
std::vector<std::string> qemu_boot_argv(const QemuBootSpec& spec);

// A value for a qemu "key=value,..." option: commas are doubled so a path
// with a comma stays one value.
std::string qemu_option_value(const std::string& value);

}  // namespace h2k

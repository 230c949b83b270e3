#pragma once
// Guest conversion: inspect the converted disks with libguestfs and make the
// guest boot on KVM/virtio. Runs against the OUTPUT disks (the source is never
// opened for writing). Every change is recorded as a FixRecord.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/progress.hpp"
#include "engine/inputs/source_vm.hpp"

namespace h2k {

// libguestfs appliance settings. The defaults work where KVM is broken:
// direct backend, TCG, and a launch deadline so a hung appliance is an error.
struct GuestfsSettings {
  std::string backend = "direct";
  std::string backend_settings = "force_tcg";   // "" = libguestfs default (KVM when available)
  int launch_timeout_s = 600;
  int memsize_mib = 1024;
  int smp = 1;
  std::string cachedir;   // empty = inherit LIBGUESTFS_CACHEDIR; created if missing
};

enum class VmwareToolsAction { Keep, Disable, Remove };
const char* to_string(VmwareToolsAction a);

struct GuestFixOptions {
  bool enabled = true;                         // false: copy only, report "skipped"
  VmwareToolsAction vmware_tools = VmwareToolsAction::Remove;
  bool rebuild_initramfs = true;
  std::filesystem::path virtio_win_dir;        // empty: no Windows drivers available
  // A Windows guest and no usable virtio_win_dir: refuse (ErrorKind::
  // MissingCapability) instead of keeping emulated devices. Set by cluster
  // converter nodes, whose coordinator then sends the job to a node with the
  // drivers; one host keeps the emulated devices (and says so).
  bool windows_requires_virtio_win = false;
  std::vector<SourceNic> nics;                 // source NICs (MACs) for name pinning
  GuestfsSettings guestfs;
};

struct DiskForFix {
  std::filesystem::path path;
  std::string format;   // "qcow2" or "raw"
};

struct FixRecord {
  std::string action;   // "fstab", "kernel-cmdline", "grub-regenerate", "initramfs", "network", "vmware-tools", "selinux", "windows-driver", "registry"
  std::string file;     // guest path (or hive path) changed
  std::string before;   // the line/value before ("" for additions)
  std::string after;    // the line/value after ("" for removals)
  std::string note;
};

// One thing the final audit checked on the converted guest, read as it will
// boot on virtio (report.json "checks").
struct GuestCheck {
  std::string name;     // "fstab /boot", "root= UUID=...", "initramfs 6.1.0-13-amd64", "bootloader ...", ...
  bool ok = false;
  std::string detail;   // what was found, or why it fails
};

struct FilesystemInfo {
  std::string device;       // appliance device name (/dev/sda1)
  std::string type;         // ext4, xfs, swap, ntfs, vfat, ...
  std::string uuid;
  std::string label;
  std::string mountpoint;   // from the guest's fstab, "" if not mounted
};

struct InspectionResult {
  bool found_os = false;
  std::string os_type;          // "linux", "windows", "unknown"
  std::string distro;           // "debian", "rhel", "ubuntu", "windows", ...
  std::string product_name;
  int major_version = 0;
  int minor_version = 0;
  std::string arch;
  std::string root_device;
  std::string package_format;   // "deb", "rpm", ...
  std::string hostname;
  Firmware firmware = Firmware::Unknown;   // EFI when an ESP with a bootloader is found
  std::vector<std::string> kernels;         // installed kernel versions (Linux)
  std::vector<FilesystemInfo> filesystems;
};

struct GuestFixReport {
  InspectionResult inspection;
  std::vector<FixRecord> fixes;
  std::vector<GuestCheck> checks;   // the final audit; any failed check fails the conversion
  std::vector<std::string> warnings;
  bool fixes_applied = false;     // false: disks copied as they were
  std::string skip_reason;        // why fixes were not applied
  // What the domain must use for this guest to boot:
  std::string disk_bus = "virtio";   // "virtio" or "sata" (Windows without virtio-win)
  std::string nic_model = "virtio";  // "virtio" or "e1000e"
  // MACs the guest's own network configuration pins (udev NAME= rules, HWADDR=,
  // mac-address=, ...), in the order found: the best knowledge of the source
  // MACs when the input (a bare disk) carried no VM metadata.
  std::vector<std::string> guest_config_macs;
  double inspect_seconds = 0;
  double fix_seconds = 0;
};

nlohmann::json to_json(const GuestFixReport& r);
GuestFixReport guest_fix_report_from_json(const nlohmann::json& j);
nlohmann::json to_json(const GuestFixOptions& o);
GuestFixOptions guest_fix_options_from_json(const nlohmann::json& j);

// In-process: opens the disks with libguestfs (read-write), inspects, fixes.
// Throws ConversionError(ApplianceLaunch) when the appliance cannot start.
GuestFixReport fix_guest(const std::vector<DiskForFix>& disks, const GuestFixOptions& options,
                         const ProgressSink& progress);

}  // namespace h2k

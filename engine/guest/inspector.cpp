#include "engine/guest/inspector.hpp"

#include <guestfs.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <strings.h>

#include "engine/guest/block_device_scan.hpp"
#include "engine/guest/guest_files.hpp"
#include "engine/guest/guestfs_strings.hpp"
#include "engine/guest/inspected_root.hpp"

namespace h2k {
namespace {

// libguestfs reports "unknown" for facts it could not find; we keep "" there.
std::string known(std::string s) { return s == "unknown" ? std::string() : s; }

std::vector<std::string> required_list(GuestfsSession& s, char** list, const std::string& what) {
  if (!list) s.fail(ErrorKind::GuestFix, s.disk_name(), what);
  return take_list(list);
}

void read_os_facts(GuestfsSession& s, const std::string& root, InspectionResult& r) {
  guestfs_h* g = s.handle();
  r.os_type = known(take_string(guestfs_inspect_get_type(g, root.c_str())));
  if (r.os_type.empty()) r.os_type = "unknown";
  r.distro = known(take_string(guestfs_inspect_get_distro(g, root.c_str())));
  r.product_name = known(take_string(guestfs_inspect_get_product_name(g, root.c_str())));
  r.major_version = std::max(0, guestfs_inspect_get_major_version(g, root.c_str()));
  r.minor_version = std::max(0, guestfs_inspect_get_minor_version(g, root.c_str()));
  r.arch = known(take_string(guestfs_inspect_get_arch(g, root.c_str())));
  r.package_format = known(take_string(guestfs_inspect_get_package_format(g, root.c_str())));
  r.hostname = known(take_string(guestfs_inspect_get_hostname(g, root.c_str())));
  r.root_device = root;
  s.clear_last_error();  // "unknown" answers are not errors worth reporting later
}

void read_appliance_disks(GuestfsSession& s, ApplianceDevices& out) {
  guestfs_h* g = s.handle();
  out.devices = required_list(s, guestfs_list_devices(g), "cannot list the appliance disks");
  out.partitions = required_list(s, guestfs_list_partitions(g), "cannot list the appliance partitions");
}

// Mountpoints and filesystems; btrfs subvolume names as the API accepts them
// (InspectedRoot::accepted: libguestfs 1.48 may return another disk's name).
void read_device_tables(GuestfsSession& s, const InspectedRoot* root, GuestInspection& out) {
  guestfs_h* g = s.handle();
  if (root) {
    auto pairs =
        required_list(s, guestfs_inspect_get_mountpoints(g, root->root.c_str()), "cannot read the guest's mountpoints");
    for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) out.devices.mountpoints[pairs[i]] = root->accepted(pairs[i + 1]);
  }
  auto fs_pairs = required_list(s, guestfs_list_filesystems(g), "cannot list the guest filesystems");
  for (std::size_t i = 0; i + 1 < fs_pairs.size(); i += 2) {
    FilesystemInfo fs;
    fs.device = root ? root->accepted(fs_pairs[i]) : fs_pairs[i];
    fs.type = fs_pairs[i + 1];
    if (fs.type != "unknown" && !fs.type.empty()) {
      // Not every filesystem has a UUID or label (and btrfs subvolumes are not
      // devices); those stay "" and simply cannot be used for resolution.
      fs.uuid = take_string(guestfs_vfs_uuid(g, fs.device.c_str()));
      fs.label = take_string(guestfs_vfs_label(g, fs.device.c_str()));
    }
    for (const auto& [mp, dev] : out.devices.mountpoints)
      if (dev == fs.device) fs.mountpoint = mp;
    out.result.filesystems.push_back(fs);
  }
  s.clear_last_error();
  out.devices.filesystems = out.result.filesystems;
}

// True when the ESP, mounted read-only on its own, holds an EFI bootloader.
bool esp_holds_bootloader(GuestfsSession& s, const std::string& esp) {
  guestfs_h* g = s.handle();
  if (guestfs_mount_ro(g, esp.c_str(), "/") == -1) {
    s.clear_last_error();
    return false;
  }
  bool found = false;
  if (char** files = guestfs_find(g, "/")) {
    for (const auto& f : take_list(files)) {
      if (f.size() < 4) continue;
      bool in_efi_dir = strncasecmp(f.c_str(), "efi/", 4) == 0;
      bool is_efi = strcasecmp(f.c_str() + f.size() - 4, ".efi") == 0;
      if (in_efi_dir && is_efi) found = true;
    }
  }
  guestfs_umount_all(g);
  s.clear_last_error();
  return found;
}

Firmware detect_firmware(GuestfsSession& s, const ApplianceDevices& d) {
  if (d.devices.empty()) return Firmware::Unknown;
  guestfs_h* g = s.handle();
  const std::string& boot = d.devices.front();
  std::string parttype = take_string(guestfs_part_get_parttype(g, boot.c_str()));
  s.clear_last_error();
  if (parttype != "gpt") return Firmware::Bios;
  struct guestfs_partition_list* parts = guestfs_part_list(g, boot.c_str());
  if (!parts) {
    s.clear_last_error();
    return Firmware::Bios;
  }
  std::vector<std::string> esps;
  for (std::uint32_t i = 0; i < parts->len; ++i) {
    int num = parts->val[i].part_num;
    std::string type = take_string(guestfs_part_get_gpt_type(g, boot.c_str(), num));
    if (strcasecmp(type.c_str(), kEspGptType) != 0) continue;
    std::string dev = boot + (std::isdigit(static_cast<unsigned char>(boot.back())) ? "p" : "") + std::to_string(num);
    esps.push_back(dev);
  }
  guestfs_free_partition_list(parts);
  s.clear_last_error();
  if (esps.empty()) return Firmware::Bios;
  if (d.mountpoints.count("/boot/efi") || d.mountpoints.count("/efi")) return Firmware::Efi;
  for (const auto& esp : esps)
    if (esp_holds_bootloader(s, esp)) return Firmware::Efi;
  return Firmware::Bios;
}

// Non-Linux guests: the mountpoints libguestfs' inspection found.
void mount_inspected_filesystems(GuestfsSession& s, const GuestInspection& in, std::vector<std::string>& warnings) {
  std::vector<std::pair<std::string, std::string>> mounts(in.devices.mountpoints.begin(), in.devices.mountpoints.end());
  // Parents before children: "/" then "/boot" then "/boot/efi".
  std::stable_sort(mounts.begin(), mounts.end(),
                   [](const auto& a, const auto& b) { return a.first.size() < b.first.size(); });
  if (mounts.empty() || mounts.front().first != "/") mounts.insert(mounts.begin(), {"/", in.root});
  guestfs_h* g = s.handle();
  for (const auto& [mp, dev] : mounts) {
    if (guestfs_mount(g, dev.c_str(), mp.c_str()) == 0) continue;
    if (mp == "/") s.fail(ErrorKind::GuestFix, dev, "cannot mount the guest's root filesystem read-write");
    warnings.push_back("cannot mount " + dev + " at " + mp + " (" + s.last_error() +
                       "): files below " + mp + " are left unchanged");
    s.clear_last_error();
  }
}

// Linux guests: the root, then every fstab line the way the guest mounts it.
void mount_linux_filesystems(GuestfsSession& s, GuestInspection& in, std::vector<std::string>& warnings) {
  guestfs_h* g = s.handle();
  if (guestfs_mount(g, in.root.c_str(), "/") != 0)
    s.fail(ErrorKind::GuestFix, in.root, "cannot mount the guest's root filesystem read-write");
  GuestFiles files(s);
  if (!files.is_file("/etc/fstab")) {
    warnings.push_back("the guest has no /etc/fstab: only its root filesystem was mounted");
    in.devices.mountpoints = {{"/", in.root}};
    return;
  }
  in.mounts = plan_guest_mounts(linux_guest::parse_fstab(files.read("/etc/fstab")), in.blocks);
  auto unresolved = in.mounts.unresolved_required();
  if (!unresolved.empty()) {
    std::string all;
    for (const auto& u : unresolved) all += (all.empty() ? "" : "; ") + u;
    throw ConversionError(ErrorKind::GuestFix, "/etc/fstab",
                          "the guest requires a mount that names no device of the VM (" + all +
                              "); without it the guest stops in emergency mode. Add the missing disk to the "
                              "conversion, or mark the line nofail in the source");
  }
  for (const auto& p : in.mounts.entries)
    if (!p.device && !p.entry.is_swap())
      warnings.push_back(describe_fstab_line(p.entry) + ": " + p.error + " (optional mount: skipped)");

  in.devices.mountpoints = {{"/", in.root}};
  for (const PlannedMount* p : in.mounts.mount_order()) {
    const BlockDevice& d = in.blocks.devices[*p->device];
    const std::string& mp = p->entry.mountpoint;
    if (!files.is_dir(mp)) files.mkdir_p(mp);
    std::string subvol = p->entry.option("subvol");
    std::string options = subvol.empty() ? "" : "subvol=" + subvol;
    if (guestfs_mount_options(g, options.c_str(), d.device.c_str(), mp.c_str()) == 0) {
      in.devices.mountpoints[mp] = d.device;
      continue;
    }
    std::string why = s.last_error();
    s.clear_last_error();
    if (p->entry.required())
      throw ConversionError(ErrorKind::GuestFix, "/etc/fstab",
                            describe_fstab_line(p->entry) + ": " + d.device + " (" + p->via +
                                ") cannot be mounted: " + why);
    warnings.push_back(describe_fstab_line(p->entry) + ": cannot mount " + d.device + " (" + why +
                       "): files below " + mp + " are left unchanged");
  }
  for (auto& fs : in.result.filesystems) {
    fs.mountpoint.clear();
    for (const auto& [mp, dev] : in.devices.mountpoints)
      if (dev == fs.device) fs.mountpoint = mp;
  }
  in.devices.filesystems = in.result.filesystems;
  if (in.devices.mountpoints.count("/boot/efi") || in.devices.mountpoints.count("/efi"))
    in.result.firmware = Firmware::Efi;
}

// Kernel versions that have both modules and a kernel image, so initramfs
// rebuilds are not attempted for leftovers of removed kernels.
std::vector<std::string> installed_kernels(GuestfsSession& s) {
  GuestFiles files(s);
  std::vector<std::string> kernels;
  for (const auto& v : files.list("/lib/modules")) {
    if (!files.is_dir("/lib/modules/" + v)) continue;
    if (files.exists("/boot/vmlinuz-" + v) || files.exists("/boot/vmlinux-" + v) ||
        files.exists("/lib/modules/" + v + "/vmlinuz"))
      kernels.push_back(v);
  }
  if (kernels.empty() && !files.is_dir("/lib/modules")) {
    for (const auto& path : files.list_matching("/boot", "vmlinuz-", ""))
      kernels.push_back(path.substr(std::string("/boot/vmlinuz-").size()));
  }
  return kernels;
}

}  // namespace

std::string os_display_name(const InspectionResult& r) {
  if (r.product_name.empty()) return r.distro.empty() ? r.os_type : r.distro;
  bool has_letters = std::any_of(r.product_name.begin(), r.product_name.end(),
                                 [](unsigned char c) { return std::isalpha(c); });
  return has_letters || r.distro.empty() ? r.product_name : r.distro + " " + r.product_name;
}

GuestInspection inspect_and_mount(GuestfsSession& s, std::vector<std::string>& warnings) {
  GuestInspection out;
  auto roots = required_list(s, guestfs_inspect_os(s.handle()), "libguestfs inspection failed");
  if (roots.size() > 1) {
    std::string all;
    for (const auto& r : roots) all += (all.empty() ? "" : ", ") + r;
    warnings.push_back("several operating systems found (" + all + "); converting the first, " + roots.front());
  }
  read_appliance_disks(s, out.devices);
  std::optional<InspectedRoot> root;
  if (!roots.empty()) {
    std::vector<std::string> names = out.devices.devices;
    names.insert(names.end(), out.devices.partitions.begin(), out.devices.partitions.end());
    root = accepted_root(s, roots.front(), names);
    out.root = root->root;
    out.result.found_os = true;
    read_os_facts(s, out.root, out.result);
  } else {
    out.result.os_type = "unknown";
  }
  read_device_tables(s, root ? &*root : nullptr, out);
  out.blocks = scan_block_devices(s);
  out.result.firmware = detect_firmware(s, out.devices);
  if (out.result.found_os) {
    if (out.result.os_type == "linux") {
      mount_linux_filesystems(s, out, warnings);
      out.result.kernels = installed_kernels(s);
    } else {
      mount_inspected_filesystems(s, out, warnings);
    }
  }
  return out;
}

}  // namespace h2k

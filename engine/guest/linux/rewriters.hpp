#pragma once
// Pure text transformations of Linux guest configuration files. No libguestfs
// here: each takes file contents and returns new contents plus what changed,
// so they are unit-tested on real file contents. The GuestFixer reads and
// writes the files and records the changes.
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace h2k::linux_guest {

struct LineChange {
  int line = 0;          // 1-based line number in the original text (0 for appended lines)
  std::string before;    // "" for an added line
  std::string after;     // "" for a removed line
};

struct RewriteResult {
  std::string content;                // the new file contents (== input when nothing changed)
  std::vector<LineChange> changes;
  std::vector<std::string> warnings;  // e.g. "cannot resolve /dev/disk/by-path/...: left as is"
  bool changed() const { return !changes.empty(); }
};

// Maps a device spec the guest used (e.g. "/dev/sda1", "/dev/hdb2",
// "/dev/disk/by-id/scsi-36000c29...-part1", "/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part2")
// plus the mount point it is used for ("" when unknown, "swap" for swap) to the
// name to write in its place, one that holds on any hardware: "UUID=<uuid>" or,
// for an LVM volume, "/dev/mapper/<vg>-<lv>". nullopt: unknown, leave the line as is.
using DeviceResolver = std::function<std::optional<std::string>(const std::string& spec, const std::string& mountpoint)>;

// True for specs that name a kernel device which changes on virtio
// (/dev/sdX, /dev/hdX, /dev/xvdX, /dev/vdX (kept), /dev/disk/by-path/..., /dev/disk/by-id/...
// /dev/cciss/... and /dev/dm-N). UUID=, LABEL=, PARTUUID=, /dev/mapper/..., /dev/<vg>/<lv> and md
// devices are stable and return false.
bool is_unstable_device_spec(const std::string& spec);

// Rewrites fstab lines whose first field is an unstable device spec to the resolver's stable name.
// Comments, spacing and options are preserved; unresolvable entries are warned about.
RewriteResult rewrite_fstab(const std::string& fstab, const DeviceResolver& resolve);

// /etc/crypttab: rewrites the encrypted device (second field) when it is an
// unstable name, to the resolver's stable name (the LUKS header's UUID=).
RewriteResult rewrite_crypttab(const std::string& crypttab, const DeviceResolver& resolve);

// Rewrites root=, resume= (and resume_offset stays) kernel parameters naming
// unstable devices to root=UUID=... inside any text (a kernel command line,
// /etc/default/grub GRUB_CMDLINE_LINUX*, grub.cfg "linux" lines, BLS "options" lines,
// /etc/kernel/cmdline). `mount for root=` is "/", for resume= it is "swap".
RewriteResult rewrite_kernel_cmdline_text(const std::string& text, const DeviceResolver& resolve);

// /etc/default/grub: makes sure GRUB_DISABLE_LINUX_UUID is not "true" (comments
// it out) so a regenerated grub.cfg names the root by UUID, and rewrites root=/resume=
// in GRUB_CMDLINE_LINUX / GRUB_CMDLINE_LINUX_DEFAULT.
RewriteResult rewrite_default_grub(const std::string& text, const DeviceResolver& resolve);

// Initramfs driver configuration, per tool. Each adds the modules (default
// virtio_blk virtio_scsi virtio_net virtio_pci virtio_console) once, keeping the rest.
extern const std::vector<std::string> kVirtioModules;
RewriteResult add_initramfs_tools_modules(const std::string& etc_initramfs_tools_modules,
                                          const std::vector<std::string>& modules = kVirtioModules);
// Content for /etc/dracut.conf.d/60-hyper2kvm-virtio.conf: the drivers, plus
// the dracut modules the root needs (lvm, mdraid, btrfs), so a hostonly
// image built in the conversion appliance still holds them.
std::string dracut_virtio_conf(const std::vector<std::string>& modules = kVirtioModules,
                               const std::vector<std::string>& dracut_modules = {});
// /etc/mkinitcpio.conf: adds modules to MODULES=(...)
RewriteResult add_mkinitcpio_modules(const std::string& mkinitcpio_conf,
                                     const std::vector<std::string>& modules = kVirtioModules);

// A network interface the guest configures by name, and the MAC it belongs to.
struct InterfacePin {
  std::string name;   // "ens192", "eth0"
  std::string mac;    // lower-case
  std::string source; // file that told us (for the report)
};

// /etc/udev/rules.d/70-persistent-net.rules: keeps MAC-matched NAME= rules but
// drops match keys that only hold on VMware hardware (DRIVERS=="vmxnet3", "e1000",
// ATTR{dev_id}, KERNELS=="0000:0b:00.0", ...), so the rule still matches the
// same MAC on virtio-net. Returns the pins it found in `pins_out`.
RewriteResult rewrite_persistent_net_rules(const std::string& rules, std::vector<InterfacePin>* pins_out);

// Interface names configured in common network config files, so the fixer can
// pin them by MAC when the name would change on KVM (ens192 -> enp1s0):
//   /etc/network/interfaces (+ interfaces.d), netplan YAML, ifcfg-*, NetworkManager
//   keyfiles (interface-name=, mac-address=), systemd-networkd .network ([Match] Name=/MACAddress=).
// Each returns the interface names (and MACs where the file has them).
std::vector<InterfacePin> interfaces_from_debian_interfaces(const std::string& text, const std::string& file);
std::vector<InterfacePin> interfaces_from_netplan(const std::string& yaml, const std::string& file);
std::vector<InterfacePin> interfaces_from_ifcfg(const std::string& text, const std::string& file);
std::vector<InterfacePin> interfaces_from_nm_keyfile(const std::string& text, const std::string& file);
std::vector<InterfacePin> interfaces_from_networkd(const std::string& text, const std::string& file);

// A systemd .link file pinning `name` to `mac`
// (/etc/systemd/network/10-hyper2kvm-<name>.link). Works with systemd-udevd on
// any modern distro whatever tool configures the address.
std::string systemd_link_file(const InterfacePin& pin);
// Equivalent udev rule line, for guests without systemd .link support.
std::string udev_name_rule(const InterfacePin& pin);

// Pairs configured interface names with source MACs: names that already have a
// MAC keep it; if exactly one name lacks a MAC and exactly one source MAC is
// unclaimed, they are paired; otherwise names are paired with unclaimed MACs in
// order and a warning says so.
std::vector<InterfacePin> pair_interfaces_with_macs(const std::vector<InterfacePin>& configured,
                                                    const std::vector<std::string>& source_macs,
                                                    std::vector<std::string>* warnings);

// /etc/selinux/config: true when SELINUX=enforcing or permissive (relabel needed).
bool selinux_needs_relabel(const std::string& selinux_config);

// VMware tools package names to remove (open-vm-tools, open-vm-tools-desktop,
// vmware-tools...), and the systemd units to disable when keeping them installed.
extern const std::vector<std::string> kVmwareToolsPackages;
extern const std::vector<std::string> kVmwareToolsUnits;

}  // namespace h2k::linux_guest

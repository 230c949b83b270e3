#pragma once
// Boot entries as the boot loader reads them: grub.cfg menu entries (as
// grub-mkconfig writes them) and BLS snippets. The audit checks that each
// entry's kernel and initramfs exist and that its root= resolves on virtio.
#include <string>
#include <vector>

namespace h2k::linux_guest {

struct BootEntry {
  std::string title;
  std::string kernel;                 // path as the boot loader names it ("/vmlinuz-6.1.0-13-amd64")
  std::vector<std::string> initrds;
  std::string cmdline;                // kernel arguments after the kernel path
};

// Entries of a grub.cfg (submenus flattened), in file order.
std::vector<BootEntry> parse_grub_menu(const std::string& grub_cfg);
// One BLS entry (/boot/loader/entries/*.conf).
BootEntry parse_bls_entry(const std::string& text);

// Values of `key` ("root", "resume") on a kernel command line, in order.
std::vector<std::string> kernel_params(const std::string& cmdline, const std::string& key);

// Boot-loader paths ("($root)/@/boot/vmlinuz-x", "/vmlinuz-x") as the guest
// paths they may denote, most likely first: the path itself, below /boot (a
// separate /boot filesystem), and without a leading btrfs subvolume folder.
std::vector<std::string> guest_path_candidates(const std::string& loader_path);

}  // namespace h2k::linux_guest

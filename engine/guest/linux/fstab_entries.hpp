#pragma once
// /etc/fstab read as the guest's boot reads it: which lines name a block
// device that must be present for the guest to come up (no nofail/noauto),
// which are swap, and which are virtual or network filesystems that have no
// device on the converted disks at all.
#include <string>
#include <vector>

namespace h2k::linux_guest {

struct FstabEntry {
  int line = 0;                      // 1-based line number
  std::string text;                  // the line as written (for messages)
  std::string spec;                  // first field: UUID=..., /dev/sda1, LABEL=...
  std::string mountpoint;            // second field, octal escapes decoded ("none"/"swap" for swap)
  std::string fstype;                // third field ("auto" when missing)
  std::vector<std::string> options;  // fourth field split on ','

  bool is_swap() const;
  // The boot waits for this entry: neither "nofail" nor "noauto".
  bool required() const;
  // A filesystem on a disk of the VM (not proc/tmpfs/nfs/cifs/bind/removable
  // media): the converted disks must hold its device.
  bool on_vm_disk() const;
  // Value of option `key` ("subvol" -> "@home"), "" when absent.
  std::string option(const std::string& key) const;
  bool has_option(const std::string& key) const;
};

std::vector<FstabEntry> parse_fstab(const std::string& text);

// "UUID=x" / "LABEL=x" / ... as the kernel and mount(8) read them: surrounding
// quotes stripped ("UUID=\"x\"" is accepted by util-linux).
std::string unquote_tag_value(const std::string& spec);

}  // namespace h2k::linux_guest

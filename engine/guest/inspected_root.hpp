#pragma once
// The root filesystem libguestfs' inspection found, under the name the rest
// of the libguestfs API accepts.
//
// Why this exists: libguestfs 1.48 (Debian 12) returns a btrfs subvolume as
// "btrfsvol:<device>/<volume>" with the appliance kernel's own device name,
// but translates the device of every name it is given into the order of
// /dev/disk/by-path (device-name-translation.c; fixed upstream in 1.58 by
// c7b204bce, "Fix btrfs volume reverse translation"). When the kernel probes
// a VM's disks in another order than by-path lists them (it varies from one
// appliance launch to the next), the root inspect_os returned names another
// disk: every inspect_get_* call on it fails with "root device not found" and
// mounting it would mount the wrong filesystem. The fix here finds the name
// that translates back to the same device, by asking inspection itself.
#include <optional>
#include <string>
#include <vector>

#include "engine/guest/guest_mounts.hpp"
#include "engine/guest/guestfs_session.hpp"

namespace h2k {

// A "btrfsvol:" name as inspect_os returns it: split at a listed device
// (split_btrfsvol), else at the first slash after /dev/ (a kernel name
// libguestfs does not list: the appliance's own disk took a lower letter).
std::optional<BtrfsVolName> split_returned_btrfsvol(const std::string& mountable,
                                                    const std::vector<std::string>& devices);

// The same subvolume on each other listed device, in the listed order: the
// names to try when `mountable`'s device is not the one libguestfs means.
std::vector<std::string> btrfsvol_alternatives(const std::string& mountable, const std::vector<std::string>& devices);

// `mountable` with its btrfsvol device `from` replaced by `to` (unchanged when
// it is not a subvolume of `from`).
std::string rename_btrfsvol_device(const std::string& mountable, const std::string& from, const std::string& to);

struct InspectedRoot {
  std::string root;            // the name the libguestfs API accepts
  std::string returned;        // what inspect_os returned
  std::string returned_device; // its device when the two differ ("/dev/sdb1"), else ""
  std::string device;          // the device libguestfs accepts for it ("/dev/sda1"), else ""
  bool renamed() const { return root != returned; }
  // Any btrfsvol name libguestfs returned for the same device, renamed the
  // same way (inspect_get_mountpoints, list_filesystems).
  std::string accepted(const std::string& mountable) const {
    return renamed() ? rename_btrfsvol_device(mountable, returned_device, device) : mountable;
  }
};

// For a btrfs subvolume, the one name on a listed device (`devices`: whole
// disks and partitions as libguestfs lists them) that inspection accepts;
// any other root as returned when inspection accepts it. Throws
// ConversionError(GuestFix) with libguestfs' message when none is accepted.
InspectedRoot accepted_root(GuestfsSession& session, const std::string& returned,
                            const std::vector<std::string>& devices);

}  // namespace h2k

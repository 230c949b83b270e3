// VMware guest tools do nothing on KVM but log errors and, for the kernel
// modules of the old tarball install, can break initramfs rebuilds.
#include "engine/guest/linux/rewriters.hpp"

namespace h2k::linux_guest {

// Debian/Ubuntu and RHEL/SUSE/Photon names. VMware's OSP rpms
// ("vmware-tools-core", "vmware-tools-esx-nox", ...) are matched by the fixer
// with the "vmware-tools-" prefix.
const std::vector<std::string> kVmwareToolsPackages = {
    "open-vm-tools",          "open-vm-tools-desktop",     "open-vm-tools-sdmp",
    "open-vm-tools-containerinfo", "open-vm-tools-salt-minion", "vmware-tools",
};

// Debian/Ubuntu name the daemon open-vm-tools.service and vgauth.service;
// RHEL/SUSE vmtoolsd.service and vgauthd.service; the tarball install
// vmware-tools.service; open-vm-tools-desktop mounts the vmblock FUSE fs.
const std::vector<std::string> kVmwareToolsUnits = {
    "open-vm-tools.service", "vmtoolsd.service",     "vgauth.service",
    "vgauthd.service",       "vmware-tools.service", "run-vmblock\\x2dfuse.mount",
};

}  // namespace h2k::linux_guest

#pragma once
// The OVF descriptor of an exported VM: vCenter's own (OvfManager.CreateDescriptor,
// naming the files as they were downloaded), or, when that call fails, a
// minimal one built from what the inventory says (CPUs, memory, disks, NICs),
// enough for `hyper2kvm convert <vm>.ovf`.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/vsphere/inventory.hpp"

namespace h2k::vsphere {

struct OvfFile {
  std::string device_key;  // the lease's device key ("/vm-57/ParaVirtualSCSIController0:0")
  std::string path;        // local file name, "disk-0.vmdk"
  std::uint64_t size = 0;
  bool disk = true;
};

// OvfManager.CreateDescriptor. Throws VsphereError.
std::string create_ovf_descriptor(const VsphereSession& session, const MoRef& vm, const std::string& name,
                                  const std::vector<OvfFile>& files);

// A minimal OVF 1.0 envelope (References, DiskSection, NetworkSection,
// VirtualSystem with CPUs, memory, disk and NIC items).
std::string minimal_ovf_descriptor(const VmInfo& vm, const std::vector<OvfFile>& files);

}  // namespace h2k::vsphere

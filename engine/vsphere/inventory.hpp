#pragma once
// The VMs of a vCenter (or ESXi host): listing, finding one by name or
// inventory path, and reading what a conversion needs to know about it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/vsphere/vm_hardware.hpp"
#include "engine/vsphere/vsphere_session.hpp"

namespace h2k::vsphere {

struct VmSummary {
  std::string name;
  std::string path;         // inventory path, "/DC0/vm/folder/name"
  MoRef moref;
  std::string power_state;  // poweredOn, poweredOff, suspended
  int num_cpu = 0;
  int memory_mb = 0;
  bool template_ = false;
};

struct VmInfo {
  std::string name;
  MoRef moref;
  std::string power_state;
  int num_cpu = 0;
  int memory_mb = 0;
  std::string firmware;  // "bios" or "efi"
  std::string guest_id;
  std::string guest_full_name;
  std::string uuid;      // config.uuid (BIOS UUID)
  std::vector<VmDisk> disks;
  std::vector<VmNic> nics;
};

// All VMs (templates included), in inventory path order; with `datacenter`
// only that datacenter's (an unknown one is a VsphereError naming it).
std::vector<VmSummary> list_vms(const VsphereSession& session, const std::optional<std::string>& datacenter = {});

// A name with '/' is an inventory path ("/DC0/vm/folder/vm"; relative to
// "/<datacenter>/vm/" when `datacenter` is given); otherwise a VM name that
// must match exactly one VM. Throws VsphereError("VM 'x' not found on HOST"
// ...) or, for a name several VMs share, an error listing their paths.
MoRef find_vm(const VsphereSession& session, std::string_view name_or_path,
              const std::optional<std::string>& datacenter = {});

VmInfo vm_info(const VsphereSession& session, const MoRef& vm);

nlohmann::json to_json(const VmSummary& vm);
nlohmann::json to_json(const VmInfo& vm);

}  // namespace h2k::vsphere

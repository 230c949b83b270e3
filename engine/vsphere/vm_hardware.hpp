#pragma once
// A VM's disks and NICs read from its config.hardware.device array (the
// <val> of that property, an ArrayOfVirtualDevice). Pure XML reading, no
// server calls: a NIC on a distributed port group carries the port group's
// key here; inventory.cpp turns keys into names.
#include <cstdint>
#include <string>
#include <vector>

#include <pugixml.hpp>

namespace h2k::vsphere {

struct VmDisk {
  int key = 0;
  std::string label;            // "Hard disk 1"
  std::uint64_t capacity_bytes = 0;
  std::string controller_type;  // pvscsi, lsilogic, lsilogic-sas, buslogic, ide, sata, nvme ("" if unknown)
  int controller_bus = 0;
  int unit_number = 0;
  std::string file_name;        // "[datastore] vm/vm.vmdk"
  bool thin = false;
};

struct VmNic {
  std::string label;            // "Network adapter 1"
  std::string mac;
  std::string network;          // network name (port group name for a distributed switch)
  std::string portgroup_key;    // distributed port group key ("dvportgroup-13"), else ""
  std::string adapter_type;     // vmxnet3, vmxnet2, vmxnet, e1000, e1000e, pcnet32, sriov ("" if unknown)
  bool connected = false;
};

struct VmHardware {
  std::vector<VmDisk> disks;
  std::vector<VmNic> nics;
};

// The device list of config.hardware.device (the <val> element).
VmHardware parse_vm_hardware(pugi::xml_node devices);

// "ParaVirtualSCSIController" -> "pvscsi", "VirtualVmxnet3" -> "vmxnet3";
// "" for a type that is not a disk controller / network adapter.
std::string controller_type_name(const std::string& xsi_type);
std::string adapter_type_name(const std::string& xsi_type);

}  // namespace h2k::vsphere

#include "engine/vsphere/vm_hardware.hpp"

#include <map>

#include "engine/vsphere/soap_xml.hpp"

namespace h2k::vsphere {
namespace {

int to_int(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoi(s);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

std::string controller_type_name(const std::string& t) {
  static const std::map<std::string, std::string> kNames = {
      {"ParaVirtualSCSIController", "pvscsi"},   {"VirtualLsiLogicController", "lsilogic"},
      {"VirtualLsiLogicSASController", "lsilogic-sas"}, {"VirtualBusLogicController", "buslogic"},
      {"VirtualIDEController", "ide"},          {"VirtualAHCIController", "sata"},
      {"VirtualSATAController", "sata"},        {"VirtualNVMEController", "nvme"},
  };
  auto it = kNames.find(t);
  return it == kNames.end() ? std::string() : it->second;
}

std::string adapter_type_name(const std::string& t) {
  static const std::map<std::string, std::string> kNames = {
      {"VirtualVmxnet3", "vmxnet3"}, {"VirtualVmxnet3Vrdma", "vmxnet3"}, {"VirtualVmxnet2", "vmxnet2"},
      {"VirtualVmxnet", "vmxnet"},   {"VirtualE1000", "e1000"},           {"VirtualE1000e", "e1000e"},
      {"VirtualPCNet32", "pcnet32"}, {"VirtualSriovEthernetCard", "sriov"},
  };
  auto it = kNames.find(t);
  return it == kNames.end() ? std::string() : it->second;
}

VmHardware parse_vm_hardware(pugi::xml_node devices) {
  struct Controller {
    std::string type;
    int bus = 0;
  };
  std::map<int, Controller> controllers;
  std::vector<pugi::xml_node> disk_nodes;
  VmHardware hw;
  for (pugi::xml_node d : children(devices, "VirtualDevice")) {
    const std::string type = xsi_type(d);
    const std::string label = child_text(child(d, "deviceInfo"), "label");
    if (const std::string ctl = controller_type_name(type); !ctl.empty()) {
      controllers[to_int(child_text(d, "key"))] = {ctl, to_int(child_text(d, "busNumber"))};
    } else if (type == "VirtualDisk") {
      disk_nodes.push_back(d);
    } else if (const std::string adapter = adapter_type_name(type); !adapter.empty()) {
      VmNic nic;
      nic.label = label;
      nic.adapter_type = adapter;
      nic.mac = child_text(d, "macAddress");
      nic.connected = child_text(child(d, "connectable"), "connected") == "true";
      pugi::xml_node backing = child(d, "backing");
      if (pugi::xml_node port = child(backing, "port"))
        nic.portgroup_key = child_text(port, "portgroupKey");
      else
        nic.network = child_text(backing, "deviceName");  // standard switch, or an opaque network's name
      if (nic.network.empty() && child(backing, "opaqueNetworkId"))
        nic.network = child_text(backing, "opaqueNetworkId");
      hw.nics.push_back(std::move(nic));
    }
  }
  // Disks after the loop: a controller may come after its disks in the array.
  for (pugi::xml_node d : disk_nodes) {
    VmDisk disk;
    disk.key = to_int(child_text(d, "key"));
    disk.label = child_text(child(d, "deviceInfo"), "label");
    const std::string bytes = child_text(d, "capacityInBytes");
    disk.capacity_bytes = !bytes.empty() ? to_u64(bytes) : to_u64(child_text(d, "capacityInKB")) * 1024;
    disk.unit_number = to_int(child_text(d, "unitNumber"));
    if (auto it = controllers.find(to_int(child_text(d, "controllerKey"))); it != controllers.end()) {
      disk.controller_type = it->second.type;
      disk.controller_bus = it->second.bus;
    }
    pugi::xml_node backing = child(d, "backing");
    disk.file_name = child_text(backing, "fileName");
    disk.thin = child_text(backing, "thinProvisioned") == "true";
    hw.disks.push_back(std::move(disk));
  }
  return hw;
}

}  // namespace h2k::vsphere

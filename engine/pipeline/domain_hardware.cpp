#include "engine/pipeline/domain_hardware.hpp"

namespace h2k {

DomainSpec domain_spec_for(const SourceVm& vm, const GuestFixReport& guest, const std::vector<OutputDisk>& disks) {
  DomainSpec spec;
  spec.name = vm.name;
  if (vm.memory_mib) spec.memory_mib = vm.memory_mib;
  if (vm.vcpus > 0) spec.vcpus = vm.vcpus;
  spec.firmware = vm.firmware != Firmware::Unknown               ? vm.firmware
                  : guest.inspection.firmware != Firmware::Unknown ? guest.inspection.firmware
                                                                   : Firmware::Bios;
  spec.os_family = guest.inspection.os_type.empty() ? "unknown" : guest.inspection.os_type;
  int order = 1;
  for (const auto& od : disks) spec.disks.push_back({od.path, od.format, guest.disk_bus, order++});
  for (const auto& nic : vm.nics) spec.nics.push_back({nic.mac, guest.nic_model, "default"});
  return spec;
}

}  // namespace h2k

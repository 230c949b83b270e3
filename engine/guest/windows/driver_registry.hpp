#pragma once
// Registry edits that make Windows load virtio drivers it has never seen a
// device for: the service entries, the boot-critical device mappings, and the
// driver search path. Plain hive edits (no libguestfs) so they are tested on
// hive files directly.
#include <string>
#include <vector>

#include "engine/guest/windows/registry_editor.hpp"
#include "engine/guest/windows/registry_hive.hpp"

namespace h2k::windows {

// "ControlSet001" from SYSTEM\Select\Current: the control set Windows boots
// with. Throws ConversionError(GuestFix, hive name) when Select\Current is missing.
std::string current_control_set(const RegistryHive& system);

// The storage drivers we can make boot-critical, and the PCI ids of their
// devices (legacy and virtio 1.0), as "VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00".
// Each device is listed with and without SUBSYS so a match does not depend on
// the subsystem id the hypervisor reports.
const std::vector<std::string>& virtio_storage_pci_ids(const std::string& service);   // "viostor" or "vioscsi"

// SCSI adapter device class, the class of both virtio storage drivers.
extern const char* const kScsiAdapterClassGuid;

// Registers `service` ("viostor" or "vioscsi") as a boot-start SCSI miniport:
//  - <cs>\Services\<service>: Type=1, Start=0, ErrorControl=1, Group="SCSI miniport",
//    ImagePath="system32\drivers\<service>.sys"
//  - <cs>\Control\CriticalDeviceDatabase\pci#<id> {Service, ClassGUID} per PCI id
//    (Windows 7 / 2008 R2 and older find boot drivers there)
//  - when the hive has a DriverDatabase (Windows 8 / 2012 and newer, which no
//    longer read the CriticalDeviceDatabase): DeviceIds, DriverInfFiles and
//    DriverPackages entries binding the PCI ids to the service.
void register_boot_storage_driver(RegistryEditor& system, const std::string& control_set,
                                  const std::string& service);

// Registers a network miniport service (netkvm): demand start, group NDIS.
// Plug and Play binds it to the NIC from its .inf at first boot.
void register_network_driver(RegistryEditor& system, const std::string& control_set,
                             const std::string& service);

// Appends `folder` (e.g. "%SystemRoot%\Drivers\VirtIO") to
// SOFTWARE\Microsoft\Windows\CurrentVersion\DevicePath unless it is already
// listed, so Plug and Play finds the .inf files of the other virtio devices.
// Returns true when it changed the value.
bool add_driver_search_folder(RegistryEditor& software, const std::string& folder);

}  // namespace h2k::windows

#pragma once
// VMware Tools on a Windows guest that now runs on KVM. Its installer cannot
// run offline (and refuses to run outside VMware), so we disable its services
// and drivers; the user uninstalls the package after the first boot.
#include <string>
#include <vector>

#include "engine/guest/windows/registry_editor.hpp"

namespace h2k::windows {

// Services and drivers installed by VMware Tools that are useless on KVM.
// VMware's storage and NIC drivers (pvscsi, vmxnet3) are not listed: their
// devices are gone, so they never load, and disabling them would only break a
// move back to VMware.
extern const std::vector<std::string> kVmwareToolsServices;

// Sets Start=4 (disabled) on each of kVmwareToolsServices present in the
// control set. Disabled services that are class filter drivers (vmmouse under
// the Mouse class UpperFilters) are also removed from the UpperFilters and
// LowerFilters lists under Control\Class: a device stack with a disabled filter fails to start,
// which would leave the guest without a mouse. Returns the services it disabled.
std::vector<std::string> disable_vmware_tools(RegistryEditor& system, const std::string& control_set);

}  // namespace h2k::windows

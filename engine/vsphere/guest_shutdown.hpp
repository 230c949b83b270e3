#pragma once
// Powering a VM off for an export the gentle way: ShutdownGuest (the guest OS
// shuts down through VMware Tools), then wait for poweredOff.
#include <atomic>
#include <chrono>
#include <string>

#include "engine/vsphere/vsphere_session.hpp"

namespace h2k::vsphere {

// Asks the guest to shut down and polls runtime.powerState until poweredOff.
// Throws ConversionError(Timeout) naming the VM after `timeout`,
// ConversionError(Cancelled) when `cancel` is set, VsphereError when vSphere
// refuses (e.g. ToolsUnavailable: no VMware Tools to ask).
void shutdown_guest_and_wait(const VsphereSession& session, const MoRef& vm, const std::string& vm_name,
                             std::chrono::seconds timeout, const std::atomic<bool>& cancel);

}  // namespace h2k::vsphere

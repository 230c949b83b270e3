#include "engine/vsphere/guest_shutdown.hpp"

#include <thread>

#include "engine/core/error.hpp"
#include "engine/vsphere/soap_xml.hpp"

namespace h2k::vsphere {

void shutdown_guest_and_wait(const VsphereSession& session, const MoRef& vm, const std::string& vm_name,
                             std::chrono::seconds timeout, const std::atomic<bool>& cancel) {
  try {
    session.call("<ShutdownGuest xmlns=\"urn:vim25\">" + vm.xml("_this") + "</ShutdownGuest>");
  } catch (const VsphereError& e) {
    throw VsphereError("cannot shut down the guest of VM " + vm_name + ": " + e.what(), e.fault);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const pugi::xml_document r = retrieve_properties(session, vm, {"runtime.powerState"});
    const std::string state = property_value(r, "runtime.powerState").child_value();
    if (state == "poweredOff") return;
    if (std::chrono::steady_clock::now() >= deadline)
      throw ConversionError(ErrorKind::Timeout, "",
                            "VM " + vm_name + " is still " + state + " " + std::to_string(timeout.count()) +
                                " s after ShutdownGuest; power it off or raise --shutdown-timeout");
    for (int i = 0; i < 20; ++i) {
      if (cancel.load()) throw ConversionError(ErrorKind::Cancelled, "", "export of VM " + vm_name + " cancelled during the guest shutdown");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace h2k::vsphere

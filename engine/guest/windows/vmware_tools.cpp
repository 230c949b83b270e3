#include "engine/guest/windows/vmware_tools.hpp"

#include <algorithm>
#include <cctype>

namespace h2k::windows {
namespace {

constexpr std::uint32_t kStartDisabled = 4;

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

void remove_class_filters(RegistryEditor& system, const std::string& control_set,
                          const std::vector<std::string>& disabled) {
  RegistryHive& hive = system.hive();
  const std::string class_root = control_set + "\\Control\\Class";
  const auto classes = hive.find(class_root);
  if (!classes) return;
  for (const auto& class_guid : hive.child_names(*classes)) {
    const std::string key = class_root + "\\" + class_guid;
    const auto node = hive.find(key);
    if (!node) continue;
    for (const char* list_name : {"UpperFilters", "LowerFilters"}) {
      const auto value = hive.get(*node, list_name);
      const auto filters = value ? as_multi_string(*value) : std::nullopt;
      if (!filters) continue;
      std::vector<std::string> kept;
      for (const auto& f : *filters) {
        const bool is_disabled = std::any_of(disabled.begin(), disabled.end(),
                                             [&](const std::string& d) { return iequals(d, f); });
        if (!is_disabled) kept.push_back(f);
      }
      if (kept.size() != filters->size())
        system.set(key, list_name, RegValue::multi_string(kept),
                   "VMware Tools filter driver disabled: a stack with a disabled filter does not start");
    }
  }
}

}  // namespace

const std::vector<std::string> kVmwareToolsServices = {
    "VMTools",       // the tools daemon (vmtoolsd)
    "VGAuthService", // guest authentication
    "vmvss",         // VSS snapshot provider
    "vm3dservice",   // SVGA helper service
    "vmci",          // VMCI bus driver
    "vsock",         // VMCI sockets
    "vmhgfs",        // shared folders
    "vmmemctl",      // balloon
    "vmrawdsk",      // raw disk helper
    "vm3dmp", "vm3dmp_loader", "vm3dmp-debug", "vm3dmp-stats",   // SVGA display driver
    "vmmouse", "vmusbmouse",   // pointer filter drivers
    "vnetWFP", "vsepflt",      // NSX guest introspection
};

std::vector<std::string> disable_vmware_tools(RegistryEditor& system, const std::string& control_set) {
  RegistryHive& hive = system.hive();
  std::vector<std::string> disabled;
  for (const auto& service : kVmwareToolsServices) {
    const std::string key = control_set + "\\Services\\" + service;
    const auto node = hive.find(key);
    if (!node) continue;
    disabled.push_back(service);
    system.set(key, "Start", RegValue::dword(kStartDisabled), "VMware Tools service disabled for KVM");
  }
  if (!disabled.empty()) remove_class_filters(system, control_set, disabled);
  return disabled;
}

}  // namespace h2k::windows

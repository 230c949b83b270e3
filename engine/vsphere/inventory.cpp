#include "engine/vsphere/inventory.hpp"

#include <algorithm>
#include <map>

#include "engine/vsphere/container_view.hpp"

namespace h2k::vsphere {
namespace {

int to_int(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoi(s);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string host_of(const VsphereSession& session) { return authority(session.endpoint()); }

// SearchIndex.FindByInventoryPath: "" when nothing is there.
MoRef find_by_inventory_path(const VsphereSession& session, const std::string& path) {
  const pugi::xml_document r = session.call("<FindByInventoryPath xmlns=\"urn:vim25\">" +
                                            session.service().search_index.xml("_this") + "<inventoryPath>" +
                                            xml_escape(path) + "</inventoryPath></FindByInventoryPath>");
  return moref_of(child(body_element(r), "returnval"));
}

std::string trim_slashes(std::string_view s) {
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

MoRef datacenter_vm_folder(const VsphereSession& session, const std::string& datacenter) {
  const MoRef dc = find_by_inventory_path(session, trim_slashes(datacenter));
  if (dc.empty() || dc.type != "Datacenter")
    throw VsphereError("datacenter '" + datacenter + "' not found on " + host_of(session) +
                       (dc.empty() ? "" : " (that path is a " + dc.type + ")"),
                       "NotFound");
  const pugi::xml_document r = retrieve_properties(session, dc, {"vmFolder"});
  pugi::xml_node folder = property_value(r, "vmFolder");
  if (!folder) throw VsphereError(host_of(session) + ": datacenter '" + datacenter + "' has no vmFolder");
  return moref_of(folder);
}

// Inventory paths from the folders' and datacenters' names and parents (the
// root folder, "Datacenters", is not part of a path).
class PathBuilder {
public:
  PathBuilder(const VsphereSession& session) : root_(session.service().root_folder) {
    for (auto& o : retrieve_from_view(session, root_, {{"Folder", {"name", "parent"}}, {"Datacenter", {"name", "parent"}}}))
      nodes_[o.obj.value] = {o.text("name"), o.text("parent")};
  }
  std::string path(const std::string& name, const std::string& parent) const {
    std::string out = "/" + name;
    std::string at = parent;
    for (int depth = 0; depth < 64 && !at.empty() && at != root_.value; ++depth) {
      auto it = nodes_.find(at);
      if (it == nodes_.end()) break;
      out = "/" + it->second.name + out;
      at = it->second.parent;
    }
    return out;
  }

private:
  struct Node {
    std::string name, parent;
  };
  MoRef root_;
  std::map<std::string, Node> nodes_;
};

// Inventory path names escape '/' (and '%') as %2f / %25; show them as typed.
std::string unescape_name(std::string name) {
  for (auto [from, to] : {std::pair{"%2f", "/"}, std::pair{"%2F", "/"}, std::pair{"%25", "%"}}) {
    for (auto pos = name.find(from); pos != std::string::npos; pos = name.find(from, pos + 1)) name.replace(pos, 3, to);
  }
  return name;
}

}  // namespace

std::vector<VmSummary> list_vms(const VsphereSession& session, const std::optional<std::string>& datacenter) {
  const MoRef container =
      datacenter && !datacenter->empty() ? datacenter_vm_folder(session, *datacenter) : session.service().root_folder;
  const auto objects = retrieve_from_view(
      session, container,
      {{"VirtualMachine",
        {"name", "parent", "runtime.powerState", "config.hardware.numCPU", "config.hardware.memoryMB",
         "config.template"}}});
  const PathBuilder paths(session);
  std::vector<VmSummary> vms;
  for (const auto& o : objects) {
    VmSummary vm;
    vm.name = unescape_name(o.text("name"));
    vm.path = paths.path(o.text("name"), o.text("parent"));
    vm.moref = o.obj;
    vm.power_state = o.text("runtime.powerState");
    vm.num_cpu = to_int(o.text("config.hardware.numCPU"));
    vm.memory_mb = to_int(o.text("config.hardware.memoryMB"));
    vm.template_ = o.text("config.template") == "true";
    vms.push_back(std::move(vm));
  }
  std::sort(vms.begin(), vms.end(), [](const VmSummary& a, const VmSummary& b) { return a.path < b.path; });
  return vms;
}

MoRef find_vm(const VsphereSession& session, std::string_view name_or_path, const std::optional<std::string>& datacenter) {
  const std::string wanted(name_or_path);
  const bool has_dc = datacenter && !datacenter->empty();
  if (wanted.find('/') != std::string::npos) {
    const std::string path = has_dc && wanted.front() != '/' ? trim_slashes(*datacenter) + "/vm/" + trim_slashes(wanted)
                                                             : trim_slashes(wanted);
    const MoRef found = find_by_inventory_path(session, path);
    if (found.empty()) throw VsphereError("VM '" + wanted + "' not found on " + host_of(session) + " (no inventory path /" + path + ")",
                                          "NotFound");
    if (found.type != "VirtualMachine")
      throw VsphereError("'" + wanted + "' on " + host_of(session) + " is a " + found.type + ", not a VM", "NotFound");
    return found;
  }
  std::vector<VmSummary> matches;
  for (auto& vm : list_vms(session, datacenter))
    if (vm.name == wanted) matches.push_back(std::move(vm));
  if (matches.empty())
    throw VsphereError("VM '" + wanted + "' not found on " + host_of(session) +
                       (has_dc ? " in datacenter " + *datacenter : std::string()) +
                       " (`hyperctl vms list` shows the VMs)",
                       "NotFound");
  if (matches.size() > 1) {
    std::string list;
    for (const auto& vm : matches) list += (list.empty() ? "" : ", ") + vm.path + " (" + vm.moref.value + ")";
    throw VsphereError(std::to_string(matches.size()) + " VMs on " + host_of(session) + " are named '" + wanted +
                       "': " + list + "; give the inventory path instead",
                       "AmbiguousName");
  }
  return matches.front().moref;
}

VmInfo vm_info(const VsphereSession& session, const MoRef& vm) {
  const pugi::xml_document r = retrieve_properties(
      session, vm,
      {"name", "runtime.powerState", "config.hardware.numCPU", "config.hardware.memoryMB", "config.firmware",
       "config.guestId", "config.guestFullName", "config.uuid", "config.hardware.device"});
  VmInfo info;
  info.moref = vm;
  info.name = unescape_name(property_value(r, "name").child_value());
  info.power_state = property_value(r, "runtime.powerState").child_value();
  info.num_cpu = to_int(property_value(r, "config.hardware.numCPU").child_value());
  info.memory_mb = to_int(property_value(r, "config.hardware.memoryMB").child_value());
  info.firmware = property_value(r, "config.firmware").child_value();
  if (info.firmware.empty()) info.firmware = "bios";  // vSphere's default when unset
  info.guest_id = property_value(r, "config.guestId").child_value();
  info.guest_full_name = property_value(r, "config.guestFullName").child_value();
  info.uuid = property_value(r, "config.uuid").child_value();
  VmHardware hw = parse_vm_hardware(property_value(r, "config.hardware.device"));
  info.disks = std::move(hw.disks);
  info.nics = std::move(hw.nics);
  // A NIC on a distributed switch names its port group by key; show its name.
  std::map<std::string, std::string> portgroup_names;
  for (auto& nic : info.nics) {
    if (nic.portgroup_key.empty() || !nic.network.empty()) continue;
    auto it = portgroup_names.find(nic.portgroup_key);
    if (it == portgroup_names.end()) {
      std::string name = nic.portgroup_key;
      try {
        const pugi::xml_document pg =
            retrieve_properties(session, {"DistributedVirtualPortgroup", nic.portgroup_key}, {"name"});
        if (std::string n = property_value(pg, "name").child_value(); !n.empty()) name = unescape_name(n);
      } catch (const VsphereError& e) {
        if (e.fault.empty()) throw;  // the connection is gone: nothing else will work either
      }
      it = portgroup_names.emplace(nic.portgroup_key, name).first;
    }
    nic.network = it->second;
  }
  return info;
}

nlohmann::json to_json(const VmSummary& vm) {
  return {{"name", vm.name},         {"path", vm.path},         {"moref", vm.moref.value},
          {"power_state", vm.power_state}, {"num_cpu", vm.num_cpu}, {"memory_mb", vm.memory_mb},
          {"template", vm.template_}};
}

nlohmann::json to_json(const VmInfo& vm) {
  nlohmann::json disks = nlohmann::json::array();
  for (const auto& d : vm.disks)
    disks.push_back({{"key", d.key},
                     {"label", d.label},
                     {"capacity_bytes", d.capacity_bytes},
                     {"controller_type", d.controller_type},
                     {"controller_bus", d.controller_bus},
                     {"unit_number", d.unit_number},
                     {"file_name", d.file_name},
                     {"thin", d.thin}});
  nlohmann::json nics = nlohmann::json::array();
  for (const auto& n : vm.nics)
    nics.push_back({{"label", n.label},
                    {"mac", n.mac},
                    {"network", n.network},
                    {"adapter_type", n.adapter_type},
                    {"connected", n.connected}});
  return {{"name", vm.name},
          {"moref", vm.moref.value},
          {"power_state", vm.power_state},
          {"num_cpu", vm.num_cpu},
          {"memory_mb", vm.memory_mb},
          {"firmware", vm.firmware},
          {"guest_id", vm.guest_id},
          {"guest_full_name", vm.guest_full_name},
          {"uuid", vm.uuid},
          {"disks", std::move(disks)},
          {"nics", std::move(nics)}};
}

}  // namespace h2k::vsphere

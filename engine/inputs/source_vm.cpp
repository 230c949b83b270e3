#include "engine/inputs/source_vm.hpp"

namespace h2k {

const char* to_string(Firmware f) {
  switch (f) {
    case Firmware::Unknown: return "unknown";
    case Firmware::Bios: return "bios";
    case Firmware::Efi: return "efi";
  }
  return "unknown";
}

namespace {

nlohmann::json to_json(const SourceDisk& d) {
  nlohmann::json location = {{"file", d.location.file.string()}, {"offset", d.location.offset}};
  location["length"] = d.location.length ? nlohmann::json(*d.location.length) : nlohmann::json(nullptr);
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& p : d.parts) parts.push_back(p.string());
  return {
      {"id", d.id},
      {"display_path", d.display_path.string()},
      {"format", to_string(d.format)},
      {"format_detail", d.format_detail},
      {"location", location},
      {"parts", parts},
      {"virtual_size", d.virtual_size},
      {"stored_size", d.stored_size},
      {"controller", d.controller},
      {"controller_model", d.controller_model},
      {"boot_order", d.boot_order},
  };
}

}  // namespace

nlohmann::json to_json(const SourceVm& vm) {
  nlohmann::json disks = nlohmann::json::array();
  for (const auto& d : vm.disks) disks.push_back(to_json(d));
  nlohmann::json nics = nlohmann::json::array();
  for (const auto& n : vm.nics) nics.push_back({{"mac", n.mac}, {"model", n.model}, {"network", n.network}});
  return {
      {"name", vm.name},
      {"source_path", vm.source_path.string()},
      {"source_kind", to_string(vm.source_kind)},
      {"vcpus", vm.vcpus},
      {"memory_mib", vm.memory_mib},
      {"firmware", to_string(vm.firmware)},
      {"os_hint", vm.os_hint},
      {"disks", disks},
      {"nics", nics},
      {"warnings", vm.warnings},
  };
}

}  // namespace h2k

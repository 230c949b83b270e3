// JSON form of the guest-fix options and report. It is the wire format
// between the parent and the isolated `__guest-fix` child, and what the
// conversion report embeds, so unknown keys are ignored and missing keys keep
// their defaults (an older parent can talk to a newer child).
#include <nlohmann/json.hpp>

#include "engine/core/error.hpp"
#include "engine/guest/guest_fix.hpp"

namespace h2k {
namespace {

using nlohmann::json;

// Firmware names are spelled here instead of calling to_string(Firmware) so
// h2k_guest does not need to link the input readers for three words.
const char* firmware_name(Firmware f) {
  switch (f) {
    case Firmware::Bios: return "bios";
    case Firmware::Efi: return "efi";
    case Firmware::Unknown: break;
  }
  return "unknown";
}

Firmware firmware_from_name(const std::string& s) {
  if (s == "bios") return Firmware::Bios;
  if (s == "efi") return Firmware::Efi;
  return Firmware::Unknown;
}

VmwareToolsAction vmware_tools_action_from_string(const std::string& s) {
  if (s == "keep") return VmwareToolsAction::Keep;
  if (s == "disable") return VmwareToolsAction::Disable;
  if (s == "remove") return VmwareToolsAction::Remove;
  throw ConversionError(ErrorKind::InvalidInput, "guest-fix options",
                        "unknown vmware_tools action '" + s + "' (expected keep, disable or remove)");
}

// Reads `key` into `out` when present; a value of the wrong type is an error
// naming the key (a silently defaulted option would change what we do).
template <typename T>
void read_opt(const json& j, const char* key, T& out, const char* what) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const json::exception& e) {
    throw ConversionError(ErrorKind::InvalidInput, what,
                          std::string("field '") + key + "' has the wrong type: " + e.what());
  }
}

const json& object_or_empty(const json& j, const char* key) {
  static const json empty = json::object();
  auto it = j.find(key);
  return (it != j.end() && it->is_object()) ? *it : empty;
}

const json& array_or_empty(const json& j, const char* key) {
  static const json empty = json::array();
  auto it = j.find(key);
  return (it != j.end() && it->is_array()) ? *it : empty;
}

json fix_record_to_json(const FixRecord& r) {
  return {{"action", r.action}, {"file", r.file}, {"before", r.before}, {"after", r.after}, {"note", r.note}};
}

FixRecord fix_record_from_json(const json& j) {
  FixRecord r;
  const char* what = "guest-fix report";
  read_opt(j, "action", r.action, what);
  read_opt(j, "file", r.file, what);
  read_opt(j, "before", r.before, what);
  read_opt(j, "after", r.after, what);
  read_opt(j, "note", r.note, what);
  return r;
}

json check_to_json(const GuestCheck& c) { return {{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}}; }

GuestCheck check_from_json(const json& j) {
  GuestCheck c;
  const char* what = "guest-fix report";
  read_opt(j, "name", c.name, what);
  read_opt(j, "ok", c.ok, what);
  read_opt(j, "detail", c.detail, what);
  return c;
}

json filesystem_to_json(const FilesystemInfo& f) {
  return {{"device", f.device}, {"type", f.type}, {"uuid", f.uuid}, {"label", f.label}, {"mountpoint", f.mountpoint}};
}

FilesystemInfo filesystem_from_json(const json& j) {
  FilesystemInfo f;
  const char* what = "guest-fix report";
  read_opt(j, "device", f.device, what);
  read_opt(j, "type", f.type, what);
  read_opt(j, "uuid", f.uuid, what);
  read_opt(j, "label", f.label, what);
  read_opt(j, "mountpoint", f.mountpoint, what);
  return f;
}

json inspection_to_json(const InspectionResult& i) {
  json fss = json::array();
  for (const auto& f : i.filesystems) fss.push_back(filesystem_to_json(f));
  return {{"found_os", i.found_os},
          {"os_type", i.os_type},
          {"distro", i.distro},
          {"product_name", i.product_name},
          {"major_version", i.major_version},
          {"minor_version", i.minor_version},
          {"arch", i.arch},
          {"root_device", i.root_device},
          {"package_format", i.package_format},
          {"hostname", i.hostname},
          {"firmware", firmware_name(i.firmware)},
          {"kernels", i.kernels},
          {"filesystems", fss}};
}

InspectionResult inspection_from_json(const json& j) {
  InspectionResult i;
  const char* what = "guest-fix report";
  read_opt(j, "found_os", i.found_os, what);
  read_opt(j, "os_type", i.os_type, what);
  read_opt(j, "distro", i.distro, what);
  read_opt(j, "product_name", i.product_name, what);
  read_opt(j, "major_version", i.major_version, what);
  read_opt(j, "minor_version", i.minor_version, what);
  read_opt(j, "arch", i.arch, what);
  read_opt(j, "root_device", i.root_device, what);
  read_opt(j, "package_format", i.package_format, what);
  read_opt(j, "hostname", i.hostname, what);
  std::string firmware;
  read_opt(j, "firmware", firmware, what);
  i.firmware = firmware_from_name(firmware);
  read_opt(j, "kernels", i.kernels, what);
  for (const auto& f : array_or_empty(j, "filesystems")) i.filesystems.push_back(filesystem_from_json(f));
  return i;
}

}  // namespace

const char* to_string(VmwareToolsAction a) {
  switch (a) {
    case VmwareToolsAction::Keep: return "keep";
    case VmwareToolsAction::Disable: return "disable";
    case VmwareToolsAction::Remove: return "remove";
  }
  return "remove";
}

json to_json(const GuestFixReport& r) {
  json fixes = json::array();
  for (const auto& f : r.fixes) fixes.push_back(fix_record_to_json(f));
  json checks = json::array();
  for (const auto& c : r.checks) checks.push_back(check_to_json(c));
  return {{"inspection", inspection_to_json(r.inspection)},
          {"fixes", fixes},
          {"checks", checks},
          {"warnings", r.warnings},
          {"fixes_applied", r.fixes_applied},
          {"skip_reason", r.skip_reason},
          {"disk_bus", r.disk_bus},
          {"nic_model", r.nic_model},
          {"guest_config_macs", r.guest_config_macs},
          {"inspect_seconds", r.inspect_seconds},
          {"fix_seconds", r.fix_seconds}};
}

GuestFixReport guest_fix_report_from_json(const json& j) {
  if (!j.is_object()) throw ConversionError(ErrorKind::InvalidInput, "guest-fix report", "not a JSON object");
  GuestFixReport r;
  const char* what = "guest-fix report";
  r.inspection = inspection_from_json(object_or_empty(j, "inspection"));
  for (const auto& f : array_or_empty(j, "fixes")) r.fixes.push_back(fix_record_from_json(f));
  for (const auto& c : array_or_empty(j, "checks")) r.checks.push_back(check_from_json(c));
  read_opt(j, "warnings", r.warnings, what);
  read_opt(j, "fixes_applied", r.fixes_applied, what);
  read_opt(j, "skip_reason", r.skip_reason, what);
  read_opt(j, "disk_bus", r.disk_bus, what);
  read_opt(j, "nic_model", r.nic_model, what);
  read_opt(j, "guest_config_macs", r.guest_config_macs, what);
  read_opt(j, "inspect_seconds", r.inspect_seconds, what);
  read_opt(j, "fix_seconds", r.fix_seconds, what);
  return r;
}

json to_json(const GuestFixOptions& o) {
  json nics = json::array();
  for (const auto& n : o.nics) nics.push_back({{"mac", n.mac}, {"model", n.model}, {"network", n.network}});
  const auto& g = o.guestfs;
  return {{"enabled", o.enabled},
          {"vmware_tools", to_string(o.vmware_tools)},
          {"rebuild_initramfs", o.rebuild_initramfs},
          {"virtio_win_dir", o.virtio_win_dir.string()},
          {"windows_requires_virtio_win", o.windows_requires_virtio_win},
          {"nics", nics},
          {"guestfs",
           {{"backend", g.backend},
            {"backend_settings", g.backend_settings},
            {"launch_timeout_s", g.launch_timeout_s},
            {"memsize_mib", g.memsize_mib},
            {"smp", g.smp},
            {"cachedir", g.cachedir}}}};
}

GuestFixOptions guest_fix_options_from_json(const json& j) {
  const char* what = "guest-fix options";
  if (!j.is_object()) throw ConversionError(ErrorKind::InvalidInput, what, "not a JSON object");
  GuestFixOptions o;
  read_opt(j, "enabled", o.enabled, what);
  std::string tools;
  read_opt(j, "vmware_tools", tools, what);
  if (!tools.empty()) o.vmware_tools = vmware_tools_action_from_string(tools);
  read_opt(j, "rebuild_initramfs", o.rebuild_initramfs, what);
  std::string virtio_win;
  read_opt(j, "virtio_win_dir", virtio_win, what);
  o.virtio_win_dir = virtio_win;
  read_opt(j, "windows_requires_virtio_win", o.windows_requires_virtio_win, what);
  for (const auto& n : array_or_empty(j, "nics")) {
    SourceNic nic;
    read_opt(n, "mac", nic.mac, what);
    read_opt(n, "model", nic.model, what);
    read_opt(n, "network", nic.network, what);
    o.nics.push_back(nic);
  }
  const json& g = object_or_empty(j, "guestfs");
  read_opt(g, "backend", o.guestfs.backend, what);
  read_opt(g, "backend_settings", o.guestfs.backend_settings, what);
  read_opt(g, "launch_timeout_s", o.guestfs.launch_timeout_s, what);
  read_opt(g, "memsize_mib", o.guestfs.memsize_mib, what);
  read_opt(g, "smp", o.guestfs.smp, what);
  read_opt(g, "cachedir", o.guestfs.cachedir, what);
  return o;
}

}  // namespace h2k

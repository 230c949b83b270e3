#include "engine/guest/windows/driver_registry.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "engine/core/error.hpp"

namespace h2k::windows {
namespace {

constexpr std::uint32_t kServiceTypeKernelDriver = 1;
constexpr std::uint32_t kStartBoot = 0;
constexpr std::uint32_t kStartDemand = 3;
constexpr std::uint32_t kErrorControlNormal = 1;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

void add_service(RegistryEditor& system, const std::string& control_set, const std::string& service,
                 std::uint32_t start, const std::string& group, const std::string& note) {
  const std::string key = control_set + "\\Services\\" + service;
  system.set(key, "Type", RegValue::dword(kServiceTypeKernelDriver), note);
  system.set(key, "Start", RegValue::dword(start), note);
  system.set(key, "ErrorControl", RegValue::dword(kErrorControlNormal), note);
  system.set(key, "Group", RegValue::string(group), note);
  // Relative to %SystemRoot%, the form Windows itself writes for drivers.
  system.set(key, "ImagePath", RegValue::expand_string("system32\\drivers\\" + service + ".sys"), note);
}

// "{4D36E97B-E325-11CE-BFC1-08002BE10318}" in its in-memory (mixed-endian) layout.
std::string guid_bytes(const std::string& guid) {
  std::string hex;
  for (char c : guid)
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
  if (hex.size() != 32) throw std::invalid_argument("malformed GUID " + guid);
  std::string b;
  for (std::size_t i = 0; i < 32; i += 2) b += char(std::stoi(hex.substr(i, 2), nullptr, 16));
  // Data1 (4 bytes), Data2 and Data3 (2 bytes each) are little-endian; Data4 is a byte array.
  std::reverse(b.begin(), b.begin() + 4);
  std::reverse(b.begin() + 4, b.begin() + 6);
  std::reverse(b.begin() + 6, b.begin() + 8);
  return b;
}

void add_critical_device_entries(RegistryEditor& system, const std::string& control_set,
                                 const std::string& service, const std::string& note) {
  for (const auto& id : virtio_storage_pci_ids(service)) {
    const std::string key = control_set + "\\Control\\CriticalDeviceDatabase\\pci#" + lower(id);
    system.set(key, "Service", RegValue::string(service), note);
    system.set(key, "ClassGUID", RegValue::string(kScsiAdapterClassGuid), note);
  }
}

// Windows 8+ looks boot devices up in the DriverDatabase instead. We add a
// driver package entry for a placeholder .inf: enough for the kernel to bind
// the PCI id to the service at boot; Plug and Play later installs the real
// viostor.inf from the DevicePath folder and replaces it.
void add_driver_database_entries(RegistryEditor& system, const std::string& service, const std::string& note) {
  const std::string inf = "h2k-" + service + ".inf";
  const std::string package = inf + "_h2k";
  const std::string configuration = "h2k_" + service + "_boot";
  const std::string ddb = "DriverDatabase";

  system.set(ddb + "\\DriverInfFiles\\" + inf, "", RegValue::multi_string({package}), note);
  system.set(ddb + "\\DriverInfFiles\\" + inf, "Active", RegValue::string(package), note);
  system.set(ddb + "\\DriverInfFiles\\" + inf, "Configurations", RegValue::multi_string({configuration}), note);

  // Package "Version": 8-byte header, the device class GUID, then a zero
  // driver date and version. Windows 10 / Server 2016 refuse a package
  // entry without it.
  const std::string header("\x00\xff\x09\x00\x00\x00\x00\x00", 8);
  const std::string version = header + guid_bytes(kScsiAdapterClassGuid) + std::string(24, '\0');
  system.set(ddb + "\\DriverPackages\\" + package, "Version", RegValue::binary(version), note);
  const std::string config_key = ddb + "\\DriverPackages\\" + package + "\\Configurations\\" + configuration;
  system.set(config_key, "ConfigFlags", RegValue::dword(0), note);
  system.set(config_key, "Service", RegValue::string(service), note);

  for (const auto& id : virtio_storage_pci_ids(service)) {
    // Rank/flags blob Windows stores for a driver matched on a hardware id.
    system.set(ddb + "\\DeviceIds\\PCI\\" + id, inf, RegValue::binary(std::string("\x01\xff\x00\x00", 4)), note);
    system.set(ddb + "\\DriverPackages\\" + package + "\\Descriptors\\PCI\\" + id, "Configuration",
               RegValue::string(configuration), note);
  }
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

}  // namespace

const char* const kScsiAdapterClassGuid = "{4D36E97B-E325-11CE-BFC1-08002BE10318}";

std::string current_control_set(const RegistryHive& system) {
  const auto select = system.find("Select");
  const auto current = select ? system.get_dword(*select, "Current") : std::nullopt;
  if (!current || *current == 0 || *current > 999)
    throw ConversionError(ErrorKind::GuestFix, system.name(),
                          "no valid Select\\Current value: cannot tell which control set Windows boots");
  char name[32];
  std::snprintf(name, sizeof name, "ControlSet%03u", *current);
  if (!system.find(name))
    throw ConversionError(ErrorKind::GuestFix, system.name(),
                          std::string("Select\\Current names ") + name + ", which does not exist");
  return name;
}

const std::vector<std::string>& virtio_storage_pci_ids(const std::string& service) {
  // Subsystem ids: legacy devices report the virtio device type (2 = block,
  // 8 = SCSI), virtio 1.0 devices report 0x1100 (QEMU's default).
  static const std::vector<std::string> viostor = {
      "VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00", "VEN_1AF4&DEV_1001&REV_00",
      "VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01", "VEN_1AF4&DEV_1042&REV_01"};
  static const std::vector<std::string> vioscsi = {
      "VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00", "VEN_1AF4&DEV_1004&REV_00",
      "VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01", "VEN_1AF4&DEV_1048&REV_01"};
  if (service == "viostor") return viostor;
  if (service == "vioscsi") return vioscsi;
  throw std::invalid_argument("not a virtio storage driver: " + service);
}

void register_boot_storage_driver(RegistryEditor& system, const std::string& control_set,
                                  const std::string& service) {
  virtio_storage_pci_ids(service);   // rejects unknown services before any edit
  const std::string note = service + ": virtio boot disk driver, loaded at boot";
  add_service(system, control_set, service, kStartBoot, "SCSI miniport", note);
  add_critical_device_entries(system, control_set, service, note);
  if (system.hive().find("DriverDatabase")) add_driver_database_entries(system, service, note);
}

void register_network_driver(RegistryEditor& system, const std::string& control_set, const std::string& service) {
  add_service(system, control_set, service, kStartDemand, "NDIS", service + ": virtio network driver");
}

bool add_driver_search_folder(RegistryEditor& software, const std::string& folder) {
  const std::string key = "Microsoft\\Windows\\CurrentVersion";
  const auto node = software.hive().find(key);
  const auto existing = node ? software.hive().get_string(*node, "DevicePath") : std::nullopt;
  // Windows' own default when the value is absent.
  const std::string current = existing && !existing->empty() ? *existing : "%SystemRoot%\\inf";
  for (const auto& entry : split(current, ';'))
    if (lower(entry) == lower(folder)) return false;
  return software.set(key, "DevicePath", RegValue::expand_string(current + ";" + folder),
                      "Plug and Play searches this folder for virtio drivers");
}

}  // namespace h2k::windows

#include "engine/guest/device_resolver.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

namespace h2k {
namespace {

// "a" -> 0, "z" -> 25, "aa" -> 26 (the kernel's sd naming is bijective base 26).
std::optional<std::size_t> disk_index(const std::string& letters) {
  if (letters.empty() || letters.size() > 3) return std::nullopt;
  std::size_t value = 0;
  for (char c : letters) value = value * 26 + static_cast<std::size_t>(c - 'a' + 1);
  return value - 1;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

const FilesystemInfo* filesystem_on(const ApplianceDevices& d, const std::string& device) {
  for (const auto& fs : d.filesystems)
    if (fs.device == device) return &fs;
  return nullptr;
}

std::optional<std::string> only_swap_device(const ApplianceDevices& d) {
  std::optional<std::string> found;
  for (const auto& fs : d.filesystems) {
    if (fs.type != "swap") continue;
    if (found) return std::nullopt;  // several swap areas: which one is meant is unknowable
    found = fs.device;
  }
  return found;
}

std::optional<std::string> device_for_mountpoint(const ApplianceDevices& d, const std::string& mountpoint) {
  if (mountpoint.empty()) return std::nullopt;
  if (mountpoint == "swap") return only_swap_device(d);
  auto it = d.mountpoints.find(mountpoint);
  if (it == d.mountpoints.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::optional<std::string> appliance_device_for_guest_name(const std::string& guest_device,
                                                           const ApplianceDevices& d) {
  static const std::regex kernel_name(R"(^/dev/(sd|hd|xvd|vd)([a-z]+)([0-9]*)$)");
  std::smatch m;
  if (!std::regex_match(guest_device, m, kernel_name)) return std::nullopt;
  auto index = disk_index(m[2].str());
  if (!index || *index >= d.devices.size()) return std::nullopt;
  const std::string& disk = d.devices[*index];
  const std::string partition = m[3].str();
  if (partition.empty()) return contains(d.devices, disk) ? std::optional<std::string>(disk) : std::nullopt;
  // nvme-style appliance names need a "p" before the partition number.
  std::string name = disk + (std::isdigit(static_cast<unsigned char>(disk.back())) ? "p" : "") + partition;
  if (!contains(d.partitions, name)) return std::nullopt;
  return name;
}

linux_guest::DeviceResolver make_device_resolver(ApplianceDevices devices) {
  return [d = std::move(devices)](const std::string& spec, const std::string& mountpoint) -> std::optional<std::string> {
    std::optional<std::string> device = appliance_device_for_guest_name(spec, d);
    std::optional<std::string> by_mount = device_for_mountpoint(d, mountpoint);
    if (device && by_mount && *device != *by_mount) return std::nullopt;  // they disagree: do not guess
    if (!device) device = by_mount;
    if (!device) return std::nullopt;
    const FilesystemInfo* fs = filesystem_on(d, *device);
    if (!fs || fs->uuid.empty()) return std::nullopt;
    if (mountpoint == "swap" && fs->type != "swap") return std::nullopt;
    return fs->uuid;
  };
}

}  // namespace h2k

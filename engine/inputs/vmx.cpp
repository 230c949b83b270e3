#include "engine/inputs/vmx.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "engine/core/error.hpp"
#include "engine/inputs/disk_order.hpp"
#include "engine/inputs/mac_address.hpp"

namespace h2k {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// VMware writes characters that would break the quoting as "|XX" (hex):
// '"' is "|22", '|' is "|7C", '#' is "|23".
std::string decode_value(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '|' && i + 2 < v.size()) {
      int hi = hex_value(v[i + 1]), lo = hex_value(v[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += v[i];
  }
  return out;
}

std::optional<int> parse_small(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 7) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool is_true(std::string_view v) {
  std::string l = lower(trim(v));
  return l == "true" || l == "yes" || l == "1" || l == "on";
}

// "scsi0:1" -> {"scsi", 0, 1}.
struct DeviceName {
  std::string controller;
  int bus = 0;
  int unit = 0;
};

std::optional<DeviceName> parse_device(std::string_view dev) {
  for (std::string_view type : {"scsi", "sata", "ide", "nvme"}) {
    if (dev.substr(0, type.size()) != type) continue;
    std::string_view rest = dev.substr(type.size());
    auto colon = rest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto bus = parse_small(rest.substr(0, colon));
    auto unit = parse_small(rest.substr(colon + 1));
    if (!bus || !unit) return std::nullopt;
    return DeviceName{std::string(type), *bus, *unit};
  }
  return std::nullopt;
}

std::string scsi_model(std::string_view virtual_dev) {
  std::string v = lower(trim(virtual_dev));
  if (v == "lsisas1068") return "lsilogicsas";
  return v;  // "lsilogic", "pvscsi", "buslogic"
}

std::vector<std::string> split_list(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string part = lower(trim(list.substr(0, comma)));
    if (!part.empty()) out.push_back(part);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && lower(s.substr(s.size() - suffix.size())) == suffix;
}

}  // namespace

VmxConfig parse_vmx(std::string_view text, const std::string& name) {
  VmxConfig vmx;
  std::size_t line_no = 0, ignored = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      ++ignored;
      continue;
    }
    std::string key = lower(trim(line.substr(0, eq)));
    std::string_view raw = trim(line.substr(eq + 1));
    if (key.empty()) {
      ++ignored;
      continue;
    }
    std::string_view value = raw;
    if (!raw.empty() && raw[0] == '"') {
      auto close = raw.find('"', 1);
      value = close == std::string_view::npos ? raw.substr(1) : raw.substr(1, close - 1);
    }
    vmx.values[key] = decode_value(value);
  }
  if (vmx.values.empty()) throw_invalid(name, "no 'key = \"value\"' lines found; not a VMware .vmx file");
  if (ignored) vmx.warnings.push_back(std::to_string(ignored) + " line(s) without '=' were ignored");

  const auto get = [&](const std::string& key) -> std::string {
    auto it = vmx.values.find(key);
    return it == vmx.values.end() ? std::string() : it->second;
  };

  vmx.name = std::string(trim(get("displayname")));
  if (auto v = get("numvcpus"); !v.empty()) {
    auto n = parse_small(v);
    if (n && *n > 0 && *n <= 4096) vmx.vcpus = *n;
    else vmx.warnings.push_back("numvcpus '" + v + "' is not a valid CPU count; using 1");
  }
  if (auto v = get("memsize"); !v.empty()) {
    auto n = parse_small(v);
    if (n && *n > 0) vmx.memory_mib = static_cast<std::uint64_t>(*n);
    else vmx.warnings.push_back("memsize '" + v + "' is not a valid size in MiB; the default will be used");
  } else {
    vmx.warnings.push_back("no memsize in the .vmx; the default memory size will be used");
  }
  vmx.firmware = lower(trim(get("firmware"))) == "efi" ? Firmware::Efi : Firmware::Bios;
  vmx.os_hint = std::string(trim(get("guestos")));

  // Disks: "<ctl><bus>:<unit>.present = TRUE" plus .fileName / .deviceType.
  for (const auto& [key, value] : vmx.values) {
    constexpr std::string_view suffix = ".present";
    if (key.size() <= suffix.size() || key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    std::string dev = key.substr(0, key.size() - suffix.size());
    auto parsed = parse_device(dev);
    if (!parsed || !is_true(value)) continue;
    std::string device_type = lower(trim(get(dev + ".devicetype")));
    std::string file = get(dev + ".filename");
    if (device_type.find("cdrom") != std::string::npos || device_type.find("atapi") != std::string::npos) continue;
    if (device_type.empty() && ends_with_ci(file, ".iso")) continue;
    if (device_type.find("passthru") != std::string::npos) {
      vmx.warnings.push_back(dev + " is a pass-through device (" + device_type + "); it is not converted");
      continue;
    }
    if (file.empty()) {
      vmx.warnings.push_back(dev + " is present but has no fileName; it is skipped");
      continue;
    }
    std::string ctl = parsed->controller + std::to_string(parsed->bus);
    if (!is_true(get(ctl + ".present")))
      vmx.warnings.push_back(dev + " is on controller " + ctl + ", which is not marked present");
    VmxDisk disk;
    disk.device = dev;
    disk.controller = parsed->controller;
    disk.bus = parsed->bus;
    disk.unit = parsed->unit;
    disk.file_name = file;
    if (disk.controller == "scsi") disk.controller_model = scsi_model(get(ctl + ".virtualdev"));
    else if (disk.controller == "sata") disk.controller_model = "ahci";
    else if (disk.controller == "nvme") disk.controller_model = "nvme";
    vmx.disks.push_back(std::move(disk));
  }

  // Boot order: devices named in bios.hddOrder (then in bios.bootOrder) first,
  // in that order; the rest follow the default controller order.
  std::vector<std::string> explicit_order = split_list(get("bios.hddorder"));
  for (auto& d : split_list(get("bios.bootorder"))) explicit_order.push_back(d);
  const auto rank = [&](const VmxDisk& d) {
    auto it = std::find(explicit_order.begin(), explicit_order.end(), d.device);
    return static_cast<std::size_t>(it - explicit_order.begin());
  };
  std::stable_sort(vmx.disks.begin(), vmx.disks.end(), [&](const VmxDisk& a, const VmxDisk& b) {
    auto ra = rank(a), rb = rank(b);
    if (ra != rb) return ra < rb;
    return default_boot_before(DiskSlot{a.controller, a.bus, a.unit}, DiskSlot{b.controller, b.bus, b.unit});
  });
  bool any_explicit = std::any_of(vmx.disks.begin(), vmx.disks.end(),
                                  [&](const VmxDisk& d) { return rank(d) < explicit_order.size(); });
  if (!any_explicit && std::any_of(vmx.disks.begin(), vmx.disks.end(),
                                   [&](const VmxDisk& d) { return d.controller != vmx.disks.front().controller; }))
    vmx.warnings.push_back("no bios.hddOrder and disks sit on different controller types; assuming " +
                           vmx.disks.front().device + " is the boot disk");
  for (std::size_t i = 0; i < vmx.disks.size(); ++i) vmx.disks[i].boot_order = static_cast<int>(i + 1);

  // NICs: ethernetN.*, in N order.
  std::vector<std::pair<int, VmxNic>> nics;
  for (const auto& [key, value] : vmx.values) {
    constexpr std::string_view prefix = "ethernet", suffix = ".present";
    if (key.compare(0, prefix.size(), prefix) != 0 || key.size() <= prefix.size() + suffix.size() ||
        key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    auto n = parse_small(std::string_view(key).substr(prefix.size(), key.size() - prefix.size() - suffix.size()));
    if (!n || !is_true(value)) continue;
    std::string eth = "ethernet" + std::to_string(*n);
    VmxNic nic;
    nic.model = lower(trim(get(eth + ".virtualdev")));
    nic.network = std::string(trim(get(eth + ".networkname")));
    if (nic.network.empty()) nic.network = std::string(trim(get(eth + ".connectiontype")));
    std::string type = lower(trim(get(eth + ".addresstype")));
    std::string address = type == "static" ? get(eth + ".address") : get(eth + ".generatedaddress");
    if (address.empty()) address = get(eth + ".address");
    if (address.empty()) address = get(eth + ".generatedaddress");
    if (!address.empty()) {
      if (auto mac = normalise_mac(address)) nic.mac = *mac;
      else vmx.warnings.push_back(eth + ": MAC address '" + address + "' is not valid; a new one will be generated");
    }
    nics.emplace_back(*n, std::move(nic));
  }
  std::sort(nics.begin(), nics.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [n, nic] : nics) vmx.nics.push_back(std::move(nic));
  return vmx;
}

}  // namespace h2k

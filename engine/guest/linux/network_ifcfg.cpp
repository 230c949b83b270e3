// RHEL/SUSE ifcfg files (/etc/sysconfig/network-scripts/ifcfg-*,
// /etc/sysconfig/network/ifcfg-*): shell-style KEY=value.
#include <map>
#include <string>

#include "engine/guest/linux/interface_names.hpp"
#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {
namespace {

std::map<std::string, std::string> shell_assignments(const std::string& text) {
  std::map<std::string, std::string> vars;
  for (const auto& line : detail::split_lines(text)) {
    if (detail::is_comment_or_blank(line.text)) continue;
    std::string_view s = detail::trim(line.text);
    std::size_t eq = s.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string key(s.substr(0, eq));
    std::string_view v = s.substr(eq + 1);
    if (!v.empty() && (v.front() == '"' || v.front() == '\'')) {
      std::size_t close = v.find(v.front(), 1);
      v = v.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    } else {
      std::size_t end = 0;   // unquoted: up to a blank ("HWADDR=... # nic 1")
      while (end < v.size() && !detail::is_blank_char(v[end])) ++end;
      v = v.substr(0, end);
    }
    vars[key] = std::string(v);   // later assignments win, as when sourced
  }
  return vars;
}

std::string get(const std::map<std::string, std::string>& vars, const char* key) {
  auto it = vars.find(key);
  return it == vars.end() ? "" : it->second;
}

}  // namespace

std::vector<InterfacePin> interfaces_from_ifcfg(const std::string& text, const std::string& file) {
  auto vars = shell_assignments(text);
  // Bridges, bonds and teams have no NIC of their own; a VLAN rides on PHYSDEV.
  std::string type = detail::to_lower(get(vars, "TYPE"));
  if (type == "bridge" || type == "bond" || type == "team" || type == "teammaster" ||
      !get(vars, "BONDING_OPTS").empty())
    return {};
  std::string device = get(vars, "DEVICE");
  if (type == "vlan" || get(vars, "VLAN") == "yes") {
    if (!get(vars, "PHYSDEV").empty()) device = get(vars, "PHYSDEV");
  }
  if (device.empty()) {
    // initscripts take the device from the file name (ifcfg-ens192). NAME= is the
    // NetworkManager connection name ("System ens192"), used only if it is a
    // plausible interface name.
    std::string base = file.substr(file.find_last_of('/') + 1);
    if (base.rfind("ifcfg-", 0) == 0) device = base.substr(6);
    else if (auto n = detail::physical_interface_name(get(vars, "NAME"))) device = *n;
  }
  if (device.empty()) return {};
  // HWADDR matches the NIC; MACADDR overrides its address (then the NIC still has HWADDR).
  auto mac = detail::normalize_mac(get(vars, "HWADDR"));
  if (!mac) mac = detail::normalize_mac(get(vars, "MACADDR"));
  std::vector<InterfacePin> pins;
  detail::add_pin(pins, device, mac.value_or(""), file);
  return pins;
}

}  // namespace h2k::linux_guest

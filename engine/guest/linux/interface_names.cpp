#include "engine/guest/linux/interface_names.hpp"

#include <array>
#include <cctype>

#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest::detail {

std::optional<std::string> normalize_mac(std::string_view mac) {
  mac = trim(unquote(trim(mac)));
  std::string out;
  int groups = 0;
  std::size_t i = 0;
  while (i <= mac.size()) {
    std::size_t b = i;
    while (i < mac.size() && std::isxdigit(static_cast<unsigned char>(mac[i]))) ++i;
    std::size_t len = i - b;
    if (len != 2) return std::nullopt;
    out += to_lower(mac.substr(b, len));
    ++groups;
    if (i == mac.size()) break;
    if (mac[i] != ':' && mac[i] != '-') return std::nullopt;
    out += ':';
    ++i;
  }
  if (groups != 6) return std::nullopt;
  return out;
}

bool has_glob(std::string_view name) { return name.find_first_of("*?[") != std::string_view::npos; }

std::optional<std::string> physical_interface_name(std::string_view name) {
  name = trim(name);
  if (auto colon = name.find(':'); colon != std::string_view::npos) name = name.substr(0, colon);  // eth0:1
  if (auto dot = name.find('.'); dot != std::string_view::npos) name = name.substr(0, dot);        // ens192.100
  // Linux limits names to 15 bytes without '/' or blanks; "!" is a networkd negation.
  if (name.empty() || name.size() > 15 || has_glob(name) || name.front() == '!' ||
      name.find_first_of("/ \t") != std::string_view::npos)
    return std::nullopt;
  static constexpr std::array<std::string_view, 14> kVirtualPrefixes = {
      "lo", "br", "virbr", "vmbr", "bond", "team", "vlan", "docker", "veth", "tun", "tap", "wg", "dummy", "ppp"};
  for (auto prefix : kVirtualPrefixes) {
    if (name.substr(0, prefix.size()) != prefix) continue;
    if (prefix == "lo" && name != "lo") continue;   // only the loopback itself
    return std::nullopt;
  }
  return std::string(name);
}

void add_pin(std::vector<InterfacePin>& pins, std::string_view name, const std::string& mac,
             const std::string& file) {
  auto nic = physical_interface_name(name);
  if (!nic) return;
  for (auto& p : pins) {
    if (p.name != *nic) continue;
    if (p.mac.empty() && !mac.empty()) p.mac = mac;
    return;
  }
  pins.push_back({*nic, mac, file});
}

}  // namespace h2k::linux_guest::detail

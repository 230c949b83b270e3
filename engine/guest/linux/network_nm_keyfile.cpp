// NetworkManager keyfiles (/etc/NetworkManager/system-connections/*.nmconnection).
#include <optional>
#include <string>

#include "engine/guest/linux/ini_sections.hpp"
#include "engine/guest/linux/interface_names.hpp"
#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {
namespace {

// NetworkManager before 1.0 wrote mac-address as decimal bytes: "0;80;86;170;187;1;".
std::optional<std::string> mac_from_byte_list(const std::string& value) {
  std::string hex;
  int count = 0;
  std::size_t i = 0;
  while (i < value.size()) {
    std::size_t semi = value.find(';', i);
    std::string part = value.substr(i, semi == std::string::npos ? std::string::npos : semi - i);
    i = semi == std::string::npos ? value.size() : semi + 1;
    part = std::string(detail::trim(part));
    if (part.empty()) continue;
    if (part.size() > 3 || part.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    int byte = std::stoi(part);
    if (byte > 255) return std::nullopt;
    static constexpr char kDigits[] = "0123456789abcdef";
    if (count++ > 0) hex += ':';
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 15];
  }
  if (count != 6) return std::nullopt;
  return hex;
}

}  // namespace

std::vector<InterfacePin> interfaces_from_nm_keyfile(const std::string& text, const std::string& file) {
  std::string interface_name;
  std::string type;
  std::string mac;
  for (const auto& e : detail::parse_ini(text)) {
    if (e.section == "connection" && e.key == "interface-name") interface_name = e.value;
    if (e.section == "connection" && e.key == "type") type = e.value;
    // "[802-3-ethernet]" is the section name older NetworkManager writes.
    if ((e.section == "ethernet" || e.section == "802-3-ethernet") && e.key == "mac-address") {
      auto m = e.value.find(';') != std::string::npos ? mac_from_byte_list(e.value) : detail::normalize_mac(e.value);
      mac = m.value_or("");
    }
  }
  // Bridges, bonds, VLANs... are not NICs; a profile with no interface-name
  // follows its MAC (or any NIC) and keeps working whatever the name becomes.
  if (!(type.empty() || type == "ethernet" || type == "802-3-ethernet") || interface_name.empty()) return {};
  std::vector<InterfacePin> pins;
  detail::add_pin(pins, interface_name, mac, file);
  return pins;
}

}  // namespace h2k::linux_guest

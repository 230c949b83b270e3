// systemd-networkd .network files (/etc/systemd/network/*.network).
#include <string>
#include <vector>

#include "engine/guest/linux/ini_sections.hpp"
#include "engine/guest/linux/interface_names.hpp"
#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {

std::vector<InterfacePin> interfaces_from_networkd(const std::string& text, const std::string& file) {
  std::vector<std::string> names;
  std::vector<std::string> macs;
  for (const auto& e : detail::parse_ini(text)) {
    if (e.section != "Match") continue;
    // Both keys take space-separated lists; an empty assignment resets the list.
    if (e.key == "Name") {
      if (e.value.empty()) names.clear();
      for (const auto& w : detail::split_words(e.value)) names.push_back(std::string(detail::unquote(w)));
    } else if (e.key == "MACAddress" || e.key == "PermanentMACAddress") {
      if (e.value.empty()) macs.clear();
      for (const auto& w : detail::split_words(e.value))
        if (auto m = detail::normalize_mac(w)) macs.push_back(*m);
    }
  }
  // Globs ("en*") and negations match whatever the NIC is called: nothing to pin.
  std::vector<std::string> exact;
  for (const auto& n : names)
    if (!n.empty() && !detail::has_glob(n) && n.front() != '!') exact.push_back(n);
  std::vector<InterfacePin> pins;
  for (const auto& n : exact) detail::add_pin(pins, n, exact.size() == 1 && macs.size() == 1 ? macs[0] : "", file);
  return pins;
}

}  // namespace h2k::linux_guest

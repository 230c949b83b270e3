// /etc/network/interfaces (ifupdown): which NIC names the guest brings up.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "engine/guest/linux/interface_names.hpp"
#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {
namespace {

bool is_stanza_keyword(const std::string& w) {
  return w == "iface" || w == "auto" || w == "mapping" || w == "source" || w == "source-directory" ||
         w.rfind("allow-", 0) == 0;
}

bool is_one_of(const std::string& w, std::initializer_list<const char*> options) {
  return std::any_of(options.begin(), options.end(), [&](const char* o) { return w == o; });
}

}  // namespace

std::vector<InterfacePin> interfaces_from_debian_interfaces(const std::string& text, const std::string& file) {
  std::vector<std::string> names;                // in order of first mention
  std::map<std::string, std::string> macs;       // hwaddress of an iface stanza
  std::set<std::string> virtual_names;           // stanzas that build a bridge, bond or VLAN
  std::vector<std::string> member_names;         // their ports/slaves/raw devices: real NICs
  auto mention = [&](const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };

  std::string current;   // iface stanza the option lines belong to
  for (const auto& line : detail::split_lines(text)) {
    if (detail::is_comment_or_blank(line.text)) continue;
    auto words = detail::split_words(line.text);
    const std::string& kw = words[0];
    if (is_stanza_keyword(kw)) {
      current.clear();
      if (kw == "iface" && words.size() >= 2) {
        current = words[1];
        mention(current);
      } else if (kw == "auto" || kw.rfind("allow-", 0) == 0) {
        for (std::size_t i = 1; i < words.size(); ++i) mention(words[i]);
      }
      continue;
    }
    if (current.empty()) continue;
    if (kw == "hwaddress" && words.size() >= 2) {
      // "hwaddress ether 00:50:56:..." or "hwaddress 00:50:56:...". It sets the
      // MAC; pair_interfaces_with_macs warns if no source NIC has it.
      if (auto mac = detail::normalize_mac(words.back())) macs[current] = *mac;
    } else if (is_one_of(kw, {"bridge_ports", "bridge-ports", "bond-slaves", "bond_slaves", "slaves"})) {
      virtual_names.insert(current);
      for (std::size_t i = 1; i < words.size(); ++i)
        if (!is_one_of(words[i], {"none", "all"})) member_names.push_back(words[i]);
    } else if (is_one_of(kw, {"vlan-raw-device", "vlan_raw_device"}) && words.size() >= 2) {
      virtual_names.insert(current);
      member_names.push_back(words[1]);
    }
  }

  std::vector<InterfacePin> pins;
  for (const auto& n : names) {
    if (virtual_names.count(n)) continue;
    auto mac = macs.find(n);
    detail::add_pin(pins, n, mac == macs.end() ? "" : mac->second, file);
  }
  for (const auto& m : member_names) detail::add_pin(pins, m, "", file);
  return pins;
}

}  // namespace h2k::linux_guest

// 70-persistent-net.rules pins NIC names to MACs. The MAC survives the move
// (the domain keeps the source MACs) but other match keys describe the VMware
// or Hyper-V NIC (its driver, PCI address, PCI ids) and would stop the rule
// from matching virtio-net, leaving the guest with a name its network
// configuration does not know.
#include <array>
#include <regex>
#include <string>
#include <string_view>

#include "engine/guest/linux/interface_names.hpp"
#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {
namespace {

constexpr const char* kRulesFile = "/etc/udev/rules.d/70-persistent-net.rules";

struct UdevKey {
  std::size_t begin = 0;  // span of `KEY=="value"` in the line
  std::size_t end = 0;
  std::string key;
  std::string op;
  std::string value;
};

// Splits a rule line into its comma-separated `KEY op "value"` pairs;
// nullopt when the line is not in that shape (then it is left alone).
std::optional<std::vector<UdevKey>> parse_rule(std::string_view line) {
  std::vector<UdevKey> keys;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && (detail::is_blank_char(line[i]) || line[i] == ',')) ++i;
    if (i >= line.size() || line[i] == '#') break;
    UdevKey k;
    k.begin = i;
    while (i < line.size() && !detail::is_blank_char(line[i]) && std::string_view("=!+-:").find(line[i]) == std::string_view::npos) ++i;
    k.key = std::string(line.substr(k.begin, i - k.begin));
    while (i < line.size() && detail::is_blank_char(line[i])) ++i;
    std::size_t ob = i;
    while (i < line.size() && std::string_view("=!+-:").find(line[i]) != std::string_view::npos) ++i;
    k.op = std::string(line.substr(ob, i - ob));
    while (i < line.size() && detail::is_blank_char(line[i])) ++i;
    if (k.key.empty() || k.op.empty() || i >= line.size() || line[i] != '"') return std::nullopt;
    std::size_t close = line.find('"', i + 1);
    if (close == std::string_view::npos) return std::nullopt;
    k.value = std::string(line.substr(i + 1, close - i - 1));
    i = close + 1;
    k.end = i;
    keys.push_back(std::move(k));
  }
  if (keys.empty()) return std::nullopt;
  return keys;
}

bool is_pci_address(const std::string& v) {
  static const std::regex pci("^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$");
  return std::regex_match(v, pci);
}

// Match keys that only hold on the source hypervisor's virtual hardware.
bool matches_source_hardware_only(const UdevKey& k) {
  if (k.op != "==") return false;
  static constexpr std::array<std::string_view, 8> kSourceDrivers = {
      "vmxnet3", "vmxnet", "e1000", "e1000e", "pcnet32", "vlance", "hv_netvsc", "tulip"};
  if (k.key == "DRIVERS" || k.key == "DRIVER") {   // "?*" (any driver) is generic and stays
    for (auto d : kSourceDrivers)
      if (detail::to_lower(k.value) == d) return true;
    return false;
  }
  if (k.key == "KERNELS") return is_pci_address(k.value);
  // dev_id/dev_port tell ports of one multi-port card apart; PCI ids name the card.
  static constexpr std::array<std::string_view, 10> kHardwareAttrs = {
      "ATTR{dev_id}", "ATTR{dev_port}", "ATTRS{vendor}", "ATTRS{device}", "ATTRS{subsystem_vendor}",
      "ATTRS{subsystem_device}", "ENV{ID_PATH}", "ENV{ID_NET_NAME_PATH}", "ENV{ID_NET_NAME_SLOT}",
      "ENV{ID_NET_NAME_ONBOARD}"};
  for (auto a : kHardwareAttrs)
    if (k.key == a) return true;
  return false;
}

}  // namespace

RewriteResult rewrite_persistent_net_rules(const std::string& rules, std::vector<InterfacePin>* pins_out) {
  RewriteResult result;
  std::vector<InterfacePin> pins;
  auto lines = detail::split_lines(rules);
  for (std::size_t n = 0; n < lines.size(); ++n) {
    std::string& line = lines[n].text;
    if (detail::is_comment_or_blank(line)) continue;
    auto keys = parse_rule(line);
    if (!keys) continue;
    const UdevKey* name = nullptr;
    const UdevKey* address = nullptr;
    for (const auto& k : *keys) {
      if (k.key == "NAME" && (k.op == "=" || k.op == ":=")) name = &k;
      if ((k.key == "ATTR{address}" || k.key == "ATTRS{address}") && k.op == "==") address = &k;
    }
    if (!name || name->value.empty()) continue;   // not a naming rule
    const std::string where = "70-persistent-net.rules line " + std::to_string(n + 1);

    auto mac = address ? detail::normalize_mac(address->value) : std::nullopt;
    if (!mac) {
      // Matching by PCI path or driver only: the rule cannot match on KVM and
      // must not be widened (it would then name every NIC); the name is pinned
      // by MAC elsewhere once a MAC is paired with it.
      result.warnings.push_back(where + ": rule naming " + name->value +
                                " does not match a MAC address and will not match on KVM; left as is");
      pins.push_back({name->value, "", kRulesFile});
      continue;
    }

    // Rebuild the line from the kept keys, each with the separator that preceded it.
    std::string rebuilt = line.substr(0, keys->front().begin);
    bool first = true;
    for (std::size_t i = 0; i < keys->size(); ++i) {
      const UdevKey& k = (*keys)[i];
      if (matches_source_hardware_only(k)) continue;
      if (!first) rebuilt += line.substr((*keys)[i - 1].end, k.begin - (*keys)[i - 1].end);
      std::string text = line.substr(k.begin, k.end - k.begin);
      // sysfs shows MACs in lower case and == is case-sensitive: an upper-case
      // MAC never matched, not even on VMware.
      if (&k == address) {
        std::size_t quote = text.find('"');
        text.replace(quote + 1, k.value.size(), *mac);
      }
      rebuilt += text;
      first = false;
    }
    rebuilt += line.substr(keys->back().end);
    pins.push_back({name->value, *mac, kRulesFile});
    if (rebuilt != line) {
      result.changes.push_back({static_cast<int>(n + 1), detail::display_line(line), detail::display_line(rebuilt)});
      line = std::move(rebuilt);
    }
  }
  result.content = result.changes.empty() ? rules : detail::join_lines(lines);
  if (pins_out) *pins_out = std::move(pins);
  return result;
}

}  // namespace h2k::linux_guest

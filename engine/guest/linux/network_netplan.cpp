// Netplan YAML (/etc/netplan/*.yaml, Ubuntu 18.04+): the ethernets section.
#include <string>

#include <yaml-cpp/yaml.h>

#include "engine/guest/linux/interface_names.hpp"
#include "engine/guest/linux/rewriters.hpp"

namespace h2k::linux_guest {
namespace {

std::string scalar(const YAML::Node& node) {
  return node && node.IsScalar() ? node.as<std::string>() : std::string();
}

}  // namespace

std::vector<InterfacePin> interfaces_from_netplan(const std::string& yaml, const std::string& file) {
  std::vector<InterfacePin> pins;
  try {
    const YAML::Node root = YAML::Load(yaml);
    const YAML::Node network = root.IsMap() ? root["network"] : YAML::Node();
    const YAML::Node ethernets = network && network.IsMap() ? network["ethernets"] : YAML::Node();
    if (!ethernets || !ethernets.IsMap()) return pins;
    for (const auto& entry : ethernets) {
      const std::string id = entry.first.as<std::string>();
      const YAML::Node config = entry.second;
      if (!config.IsMap() && !config.IsNull()) continue;
      const YAML::Node match = config.IsMap() ? config["match"] : YAML::Node();
      const std::string set_name = config.IsMap() ? scalar(config["set-name"]) : "";
      std::string mac = match && match.IsMap() ? scalar(match["macaddress"]) : "";
      if (mac.empty() && config.IsMap()) mac = scalar(config["macaddress"]);   // sets the MAC, like ifupdown's hwaddress
      auto normalized = detail::normalize_mac(mac).value_or("");
      if (!set_name.empty()) {
        detail::add_pin(pins, set_name, normalized, file);
      } else if (match && match.IsMap()) {
        // Without set-name the id is only a label and the match (by MAC or
        // driver) finds the NIC whatever its name; only a literal name pins.
        std::string name = scalar(match["name"]);
        if (!name.empty()) detail::add_pin(pins, name, normalized, file);
      } else {
        detail::add_pin(pins, id, normalized, file);   // the id is the interface name
      }
    }
  } catch (const YAML::Exception&) {
    // Netplan itself refuses a file it cannot parse, so it configures nothing to pin.
    return {};
  }
  return pins;
}

}  // namespace h2k::linux_guest

#pragma once
// Shared by the network-config parsers: what counts as a physical interface
// name worth pinning, and MAC address normal form.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/guest/linux/rewriters.hpp"

namespace h2k::linux_guest::detail {

// "00:50:56:AA:BB:01" / "00-50-56-aa-bb-01" -> "00:50:56:aa:bb:01"; nullopt if not a MAC.
std::optional<std::string> normalize_mac(std::string_view mac);

bool has_glob(std::string_view name);

// The NIC a configured name stands for: aliases (eth0:1) and VLANs (ens192.100)
// are their parent; bridges, bonds, tunnels and other virtual devices
// (br0, bond0, vlan10, virbr0, docker0, tap0, wg0 ...) have no NIC behind them
// and globs ("en*") name none in particular: nullopt for those.
std::optional<std::string> physical_interface_name(std::string_view name);

// Appends a pin for `name` (via physical_interface_name), or fills in the MAC of
// an earlier pin for the same name that had none.
void add_pin(std::vector<InterfacePin>& pins, std::string_view name, const std::string& mac,
             const std::string& file);

}  // namespace h2k::linux_guest::detail

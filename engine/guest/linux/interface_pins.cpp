// Keeping interface names across the move: on KVM a NIC appears on another
// PCI slot with another driver, so its predictable name changes (ens192 ->
// enp1s0) and the guest's network config no longer applies. The MAC is kept
// by the conversion, so names are pinned to MACs.
#include <algorithm>
#include <cctype>
#include <string>

#include "engine/guest/linux/interface_names.hpp"
#include "engine/guest/linux/rewriters.hpp"
#include "engine/guest/linux/text_lines.hpp"

namespace h2k::linux_guest {
namespace {

// "eth2" < "eth10", "ens192" < "ens224": predictable names count up with the
// slot, which follows the NIC order of the source VM.
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      std::string na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      na.erase(0, std::min(na.find_first_not_of('0'), na.size()));
      nb.erase(0, std::min(nb.find_first_not_of('0'), nb.size()));
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

}  // namespace

std::string systemd_link_file(const InterfacePin& pin) {
  // systemd-udevd leaves names that userspace gave (VLANs, bonds sharing the
  // MAC) alone, so matching the MAC alone is safe here.
  return "# Written by hyper2kvm: this NIC was " + pin.name + " on the source hypervisor and its\n"
         "# network configuration uses that name. On KVM it is a virtio NIC whose\n"
         "# predictable name would differ, so the name is pinned to its MAC address.\n"
         "[Match]\n"
         "MACAddress=" + pin.mac + "\n"
         "\n"
         "[Link]\n"
         "Name=" + pin.name + "\n";
}

std::string udev_name_rule(const InterfacePin& pin) {
  // DRIVERS=="?*" as udev's own rule generator wrote it: only a device with a
  // driver (the NIC) matches, not a VLAN or bridge that carries the same MAC.
  return "SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", ATTR{address}==\"" + pin.mac + "\", NAME=\"" +
         pin.name + "\"\n";
}

std::vector<InterfacePin> pair_interfaces_with_macs(const std::vector<InterfacePin>& configured,
                                                    const std::vector<std::string>& source_macs,
                                                    std::vector<std::string>* warnings) {
  auto warn = [&](std::string w) {
    if (warnings) warnings->push_back(std::move(w));
  };

  // One entry per name (several files may configure it); one with a MAC wins.
  std::vector<InterfacePin> names;
  for (const auto& c : configured) {
    InterfacePin pin = c;
    if (!pin.mac.empty()) pin.mac = detail::normalize_mac(pin.mac).value_or(detail::to_lower(pin.mac));
    auto same = std::find_if(names.begin(), names.end(), [&](const InterfacePin& p) { return p.name == pin.name; });
    if (same == names.end()) names.push_back(pin);
    else if (same->mac.empty() && !pin.mac.empty()) *same = pin;
  }

  std::vector<std::string> sources;
  for (const auto& m : source_macs) {
    std::string mac = detail::normalize_mac(m).value_or(detail::to_lower(m));
    if (std::find(sources.begin(), sources.end(), mac) == sources.end()) sources.push_back(mac);
  }

  std::vector<InterfacePin> pinned;
  std::vector<std::string> claimed;
  std::vector<InterfacePin> unpaired;
  for (const auto& n : names) {
    if (n.mac.empty()) {
      unpaired.push_back(n);
      continue;
    }
    if (std::find(claimed.begin(), claimed.end(), n.mac) != claimed.end()) {
      warn("interface " + n.name + " (" + n.source + ") has MAC " + n.mac +
           ", already pinned to another name: not pinned");
      continue;
    }
    if (!sources.empty() && std::find(sources.begin(), sources.end(), n.mac) == sources.end())
      warn("interface " + n.name + " (" + n.source + ") is configured with MAC " + n.mac +
           " which no source NIC has; pinned to it anyway");
    claimed.push_back(n.mac);
    pinned.push_back(n);
  }

  std::vector<std::string> unclaimed;
  for (const auto& s : sources)
    if (std::find(claimed.begin(), claimed.end(), s) == claimed.end()) unclaimed.push_back(s);

  if (unpaired.size() == 1 && unclaimed.size() == 1) {
    pinned.push_back({unpaired[0].name, unclaimed[0], unpaired[0].source});
    return pinned;
  }
  std::stable_sort(unpaired.begin(), unpaired.end(),
                   [](const InterfacePin& a, const InterfacePin& b) { return natural_less(a.name, b.name); });
  for (std::size_t i = 0; i < unpaired.size(); ++i) {
    const auto& n = unpaired[i];
    if (i < unclaimed.size()) {
      warn("interface " + n.name + " (" + n.source + ") has no MAC in its configuration; paired by order with " +
           "source NIC " + unclaimed[i] + " (names in natural order, NICs in source order)");
      pinned.push_back({n.name, unclaimed[i], n.source});
    } else {
      warn("interface " + n.name + " (" + n.source + ") has no MAC and no source NIC is left for it: not pinned");
    }
  }
  return pinned;
}

}  // namespace h2k::linux_guest

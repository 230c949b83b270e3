// Network interface names: VMware names NICs ens192/ens160/eth0 by their PCI
// slot; on KVM the same guest would call them enp1s0, and its network config
// would no longer match. The domain keeps the source MAC, so each configured
// name is pinned to its MAC (systemd .link file, or a udev rule without
// systemd). Runs before the initramfs rebuild so the pins land in it too.
#include <algorithm>
#include <set>

#include "engine/guest/linux_fix_context.hpp"

namespace h2k {
namespace {

namespace lg = linux_guest;

using Parser = std::vector<lg::InterfacePin> (*)(const std::string&, const std::string&);

void collect(LinuxFixContext& ctx, const std::vector<std::string>& paths, Parser parse,
             std::vector<lg::InterfacePin>& out) {
  for (const auto& p : paths) {
    if (!ctx.files.is_file(p)) continue;
    auto pins = parse(ctx.files.read(p), p);
    out.insert(out.end(), pins.begin(), pins.end());
  }
}

std::vector<std::string> files_in(LinuxFixContext& ctx, const std::string& dir, const std::string& prefix = "",
                                  const std::string& suffix = "") {
  return ctx.files.list_matching(dir, prefix, suffix);
}

std::vector<lg::InterfacePin> configured_interfaces(LinuxFixContext& ctx) {
  std::vector<lg::InterfacePin> found;
  std::vector<std::string> debian = {"/etc/network/interfaces"};
  for (const auto& f : files_in(ctx, "/etc/network/interfaces.d")) debian.push_back(f);
  collect(ctx, debian, &lg::interfaces_from_debian_interfaces, found);
  collect(ctx, files_in(ctx, "/etc/netplan", "", ".yaml"), &lg::interfaces_from_netplan, found);
  collect(ctx, files_in(ctx, "/etc/sysconfig/network-scripts", "ifcfg-"), &lg::interfaces_from_ifcfg, found);
  collect(ctx, files_in(ctx, "/etc/sysconfig/network", "ifcfg-"), &lg::interfaces_from_ifcfg, found);
  collect(ctx, files_in(ctx, "/etc/NetworkManager/system-connections"), &lg::interfaces_from_nm_keyfile, found);
  collect(ctx, files_in(ctx, "/etc/systemd/network", "", ".network"), &lg::interfaces_from_networkd, found);
  // The loopback interface never changes name and has no MAC to pin.
  found.erase(std::remove_if(found.begin(), found.end(), [](const lg::InterfacePin& p) { return p.name == "lo"; }),
              found.end());
  return found;
}

}  // namespace

void pin_network_interface_names(LinuxFixContext& ctx) {
  ctx.step("pinning network interface names to their MAC addresses", 30);
  std::vector<lg::InterfacePin> udev_pins;
  ctx.rewrite_file("network", "/etc/udev/rules.d/70-persistent-net.rules", [&](const std::string& t) {
    return lg::rewrite_persistent_net_rules(t, &udev_pins);
  });
  // Only a rule that matches a MAC keeps working on KVM (the domain keeps the
  // source MAC); a rule matching a PCI path does not, so its name still needs a pin.
  std::set<std::string> already_pinned;
  for (const auto& p : udev_pins)
    if (!p.mac.empty()) already_pinned.insert(p.name);

  std::vector<std::string> macs;
  for (const auto& nic : ctx.options.nics)
    if (!nic.mac.empty()) macs.push_back(nic.mac);
  auto configured = configured_interfaces(ctx);
  auto remember_mac = [&](const std::string& mac) {
    auto& seen = ctx.report.guest_config_macs;
    if (!mac.empty() && std::find(seen.begin(), seen.end(), mac) == seen.end()) seen.push_back(mac);
  };
  for (const auto& p : udev_pins) remember_mac(p.mac);
  for (const auto& p : configured) remember_mac(p.mac);
  if (configured.empty()) return;
  // Names a udev rule already pins claim their MAC, so the remaining names
  // pair with the remaining source NICs.
  for (const auto& p : udev_pins) configured.push_back(p);
  std::vector<std::string> warnings;
  auto pins = lg::pair_interfaces_with_macs(configured, macs, &warnings);
  for (const auto& w : warnings) ctx.warn(w);

  const bool systemd = ctx.has_systemd();
  std::string udev_rules;   // for guests without systemd, one file for all pins
  const std::string udev_file = "/etc/udev/rules.d/70-hyper2kvm-net.rules";
  for (const auto& pin : pins) {
    if (already_pinned.count(pin.name) || pin.mac.empty()) continue;
    if (systemd) {
      std::string path = "/etc/systemd/network/10-hyper2kvm-" + pin.name + ".link";
      std::string content = lg::systemd_link_file(pin);
      std::string before = ctx.files.is_file(path) ? ctx.files.read(path) : "";
      if (before == content) continue;
      ctx.files.write(path, content);
      ctx.record("network", path, before, content, "pins " + pin.name + " to " + pin.mac + " (named in " + pin.source + ")");
    } else {
      udev_rules += lg::udev_name_rule(pin);
      if (udev_rules.back() != '\n') udev_rules += '\n';
    }
  }
  if (!udev_rules.empty()) {
    std::string before = ctx.files.is_file(udev_file) ? ctx.files.read(udev_file) : "";
    if (before != udev_rules) {
      ctx.files.write(udev_file, udev_rules);
      ctx.record("network", udev_file, before, udev_rules, "pins interface names to source MACs");
    }
  }
}

}  // namespace h2k

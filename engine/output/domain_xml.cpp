#include "engine/output/domain_xml.hpp"

#include <map>
#include <sstream>

#include <pugixml.hpp>

#include "engine/output/disk_target.hpp"
#include "engine/output/domain_spec_checks.hpp"

namespace h2k {
namespace {

pugi::xml_node child(pugi::xml_node parent, const char* name, const std::string& text = {}) {
  auto node = parent.append_child(name);
  if (!text.empty()) node.text().set(text.c_str());
  return node;
}

pugi::xml_node attr(pugi::xml_node node, const char* name, const std::string& value) {
  node.append_attribute(name).set_value(value.c_str());
  return node;
}

bool is_windows(const DomainSpec& spec) { return spec.os_family == "windows"; }

void add_os(pugi::xml_node domain, const DomainSpec& spec) {
  auto os = child(domain, "os");
  // Firmware autoselection (libvirt >= 5.2) finds the host's OVMF and creates
  // the per-VM NVRAM; no paths that differ between distros.
  if (spec.firmware == Firmware::Efi) attr(os, "firmware", "efi");
  attr(attr(child(os, "type", "hvm"), "arch", "x86_64"), "machine", "q35");
  if (spec.firmware == Firmware::Efi) {
    // A Secure Boot firmware with enrolled keys would refuse guests whose
    // bootloader is not signed (many Linux installs); the source VM's own
    // Secure Boot state is unknown here, so ask for a firmware without it.
    auto feature = child(child(os, "firmware"), "feature");
    attr(attr(feature, "enabled", "no"), "name", "secure-boot");
  }
  // No <boot dev=.../>: libvirt forbids mixing it with per-device boot order.
}

void add_features_cpu_clock(pugi::xml_node domain, const DomainSpec& spec) {
  auto features = child(domain, "features");
  child(features, "acpi");
  child(features, "apic");
  if (is_windows(spec)) {
    // Hyper-V enlightenments: Windows runs noticeably better (and avoids
    // spurious watchdog BSODs) when it knows it is virtualized.
    auto hv = attr(child(features, "hyperv"), "mode", "custom");
    attr(child(hv, "relaxed"), "state", "on");
    attr(child(hv, "vapic"), "state", "on");
    attr(attr(child(hv, "spinlocks"), "state", "on"), "retries", "8191");
  }
  // host-model rather than host-passthrough: the guest sees a named CPU model
  // close to the host, so the domain still starts (and migrates) on hosts with
  // a slightly different CPU.
  attr(attr(child(domain, "cpu"), "mode", "host-model"), "check", "partial");

  // Windows keeps the RTC in local time; Linux in UTC.
  auto clock = attr(child(domain, "clock"), "offset", is_windows(spec) ? "localtime" : "utc");
  attr(attr(child(clock, "timer"), "name", "rtc"), "tickpolicy", "catchup");
  attr(attr(child(clock, "timer"), "name", "pit"), "tickpolicy", "delay");
  attr(attr(child(clock, "timer"), "name", "hpet"), "present", "no");
  if (is_windows(spec)) attr(attr(child(clock, "timer"), "name", "hypervclock"), "present", "yes");
}

void add_disks(pugi::xml_node devices, const DomainSpec& spec) {
  // Without any boot order the guest would have no boot device at all.
  bool any_boot_order = false;
  for (const auto& d : spec.disks) any_boot_order = any_boot_order || d.boot_order > 0;
  std::map<std::string, int> next_index;   // per bus: vda, vdb / sda, sdb
  for (std::size_t i = 0; i < spec.disks.size(); ++i) {
    const DomainDisk& d = spec.disks[i];
    auto disk = attr(attr(child(devices, "disk"), "type", "file"), "device", "disk");
    auto driver = attr(attr(child(disk, "driver"), "name", "qemu"), "type", d.format);
    // io=native needs O_DIRECT, i.e. cache=none (or directsync); cache=none
    // also keeps guest data out of the host page cache. discard=unmap lets the
    // guest's TRIM keep the (sparse) image small.
    attr(attr(attr(driver, "cache", "none"), "io", "native"), "discard", "unmap");
    attr(child(disk, "source"), "file", d.path.string());
    attr(attr(child(disk, "target"), "dev", disk_target_name(d.bus, next_index[d.bus]++)), "bus", d.bus);
    const int order = d.boot_order > 0 ? d.boot_order : (!any_boot_order && i == 0 ? 1 : 0);
    if (order > 0) attr(child(disk, "boot"), "order", std::to_string(order));
  }
}

void add_nics(pugi::xml_node devices, const DomainSpec& spec) {
  for (const auto& nic : spec.nics) {
    auto iface = attr(child(devices, "interface"), "type", "network");
    // No MAC: libvirt generates one. A kept MAC keeps MAC-pinned guest config valid.
    if (!nic.mac.empty()) attr(child(iface, "mac"), "address", domain_checks::normalized_mac(spec.name, nic.mac));
    attr(child(iface, "source"), "network", nic.network);
    attr(child(iface, "model"), "type", nic.model);
  }
}

void add_other_devices(pugi::xml_node devices, const DomainSpec& spec) {
  attr(attr(child(devices, "controller"), "type", "usb"), "model", "qemu-xhci");
  // Serial console on a pty: `virsh console` works on a headless host.
  attr(child(attr(child(devices, "serial"), "type", "pty"), "target"), "port", "0");
  auto console = attr(child(devices, "console"), "type", "pty");
  attr(attr(child(console, "target"), "type", "serial"), "port", "0");
  auto agent = attr(child(devices, "channel"), "type", "unix");
  attr(attr(child(agent, "target"), "type", "virtio"), "name", "org.qemu.guest_agent.0");
  // A tablet gives an absolute pointer, so the VNC cursor follows the mouse.
  attr(attr(child(devices, "input"), "type", "tablet"), "bus", "usb");
  // VNC on loopback only: reachable through an SSH tunnel, never exposed.
  auto graphics = attr(attr(attr(child(devices, "graphics"), "type", "vnc"), "port", "-1"), "autoport", "yes");
  attr(graphics, "listen", "127.0.0.1");
  attr(attr(child(graphics, "listen"), "type", "address"), "address", "127.0.0.1");
  // virtio-vga keeps a VGA-compatible console for Linux; Windows has no
  // inbox virtio-gpu driver, so it gets plain VGA.
  auto video_model = child(child(devices, "video"), "model");
  attr(attr(attr(video_model, "type", is_windows(spec) ? "vga" : "virtio"), "heads", "1"), "primary", "yes");
  attr(child(devices, "memballoon"), "model", "virtio");
  auto rng = attr(child(devices, "rng"), "model", "virtio");
  attr(child(rng, "backend", "/dev/urandom"), "model", "random");
}

}  // namespace

std::string render_domain_xml(const DomainSpec& spec) {
  domain_checks::require_valid_spec(spec);
  pugi::xml_document doc;
  auto domain = attr(doc.append_child("domain"), "type", "kvm");
  child(domain, "name", spec.name);
  if (!spec.uuid.empty()) child(domain, "uuid", spec.uuid);
  attr(child(domain, "memory", std::to_string(spec.memory_mib)), "unit", "MiB");
  attr(child(domain, "currentMemory", std::to_string(spec.memory_mib)), "unit", "MiB");
  attr(child(domain, "vcpu", std::to_string(spec.vcpus)), "placement", "static");
  add_os(domain, spec);
  add_features_cpu_clock(domain, spec);
  child(domain, "on_poweroff", "destroy");
  child(domain, "on_reboot", "restart");
  child(domain, "on_crash", "destroy");
  auto pm = child(domain, "pm");
  attr(child(pm, "suspend-to-mem"), "enabled", "no");
  attr(child(pm, "suspend-to-disk"), "enabled", "no");
  auto devices = child(domain, "devices");
  add_disks(devices, spec);
  add_nics(devices, spec);
  add_other_devices(devices, spec);

  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent | pugi::format_no_declaration, pugi::encoding_utf8);
  return out.str();
}

}  // namespace h2k

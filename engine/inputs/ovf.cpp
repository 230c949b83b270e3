#include "engine/inputs/ovf.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <pugixml.hpp>

#include "engine/core/error.hpp"
#include "engine/inputs/disk_order.hpp"
#include "engine/inputs/mac_address.hpp"
#include "engine/inputs/ovf_xml.hpp"

namespace h2k {
namespace {

using namespace ovf_xml;

// CIM_ResourceAllocationSettingData.ResourceType values we use.
constexpr int kRtProcessor = 3;
constexpr int kRtMemory = 4;
constexpr int kRtIdeController = 5;
constexpr int kRtScsiController = 6;
constexpr int kRtEthernet = 10;
constexpr int kRtDisk = 17;
constexpr int kRtOtherStorage = 20;

// One rasd/sasd/epasd item of the VirtualHardwareSection, as text.
struct HwItem {
  std::size_t position = 0;  // document order, the last tie-breaker
  std::string instance_id;
  int resource_type = -1;
  std::string subtype;
  std::string parent;
  std::vector<std::string> host_resources;
  std::string address;
  std::string address_on_parent;
  std::string bus_number;
  std::string connection;
  std::string quantity;
  std::string units;
  std::string label;  // ElementName, for messages
  std::optional<int> boot_order;  // vmw:Config key="bootOrder" on the item
};

struct Controller {
  std::string type;   // "ide", "scsi", "sata", "nvme"
  std::string model;
  int bus = 0;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return lower(haystack).find(needle) != std::string::npos;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  bool neg = s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return neg ? -v : v;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

int small_int(std::string_view s, int fallback) {
  auto v = parse_int(s);
  return (v && *v >= 0 && *v < 1000000) ? static_cast<int>(*v) : fallback;
}

HwItem read_item(pugi::xml_node node, std::size_t position) {
  HwItem item;
  item.position = position;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view n = local_name(c.name());
    std::string value(trim(c.text().get()));
    if (n == "InstanceID" || n == "InstanceId") item.instance_id = value;  // "InstanceId": OVF 0.9
    else if (n == "ResourceType") item.resource_type = small_int(value, -1);
    else if (n == "ResourceSubType") item.subtype = value;
    else if (n == "Parent") item.parent = value;
    else if (n == "HostResource") item.host_resources.push_back(value);
    else if (n == "Address") item.address = value;
    else if (n == "AddressOnParent") item.address_on_parent = value;
    else if (n == "BusNumber") item.bus_number = value;
    else if (n == "Connection") item.connection = value;
    else if (n == "VirtualQuantity") item.quantity = value;
    else if (n == "AllocationUnits") item.units = value;
    else if (n == "ElementName") item.label = value;
    else if (n == "Config" && lower(attr(c, "key")) == "bootorder") {
      auto v = parse_int(attr(c, "value"));
      if (v && *v >= 0 && *v < 1000000) item.boot_order = static_cast<int>(*v);
    }
  }
  return item;
}

std::optional<Controller> classify_controller(const HwItem& item) {
  const std::string sub = lower(item.subtype);
  if (item.resource_type == kRtIdeController) return Controller{"ide", sub.find("piix4") != std::string::npos ? "piix4" : "", 0};
  if (item.resource_type == kRtScsiController || item.resource_type == kRtOtherStorage) {
    if (sub.find("nvme") != std::string::npos) return Controller{"nvme", "nvme", 0};
    if (sub.find("ahci") != std::string::npos || sub.find("sata") != std::string::npos)
      return Controller{"sata", "ahci", 0};
    if (item.resource_type == kRtOtherStorage) return std::nullopt;
    std::string model;
    if (sub == "lsilogic") model = "lsilogic";
    else if (sub == "lsilogicsas" || sub == "lsisas1068") model = "lsilogicsas";
    else if (sub == "virtualscsi" || sub == "pvscsi") model = "pvscsi";
    else if (sub == "buslogic") model = "buslogic";
    else if (sub.find("hyper-v") != std::string::npos) model = "hyperv";
    else model = sub;
    return Controller{"scsi", model, 0};
  }
  return std::nullopt;
}

// "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized" -> "streamOptimized".
std::string format_detail_from_url(std::string_view url) {
  auto hash = url.rfind('#');
  if (hash != std::string_view::npos) return std::string(url.substr(hash + 1));
  // Microsoft's VHD specification link, as written by Hyper-V and SCVMM.
  if (contains(url, "137171") || contains(url, "vhd")) return contains(url, "vhdx") ? "vhdx" : "vhd";
  return "";
}

// HostResource "ovf:/disk/vmdisk1" (also "ovf://disk/..", "/disk/..") -> ("disk", "vmdisk1").
std::pair<std::string, std::string> host_resource_target(std::string_view ref) {
  ref = trim(ref);
  for (std::string_view p : {"ovf://", "ovf:/", "/"}) {
    if (ref.substr(0, p.size()) == p) {
      ref.remove_prefix(p.size());
      break;
    }
  }
  auto slash = ref.find('/');
  if (slash == std::string_view::npos) return {"", std::string(ref)};
  return {std::string(ref.substr(0, slash)), std::string(ref.substr(slash + 1))};
}

// Every VirtualSystem in the envelope (nested in collections too), found
// iteratively: hostile descriptors may nest deeply.
std::vector<pugi::xml_node> find_virtual_systems(pugi::xml_node root) {
  std::vector<pugi::xml_node> out;
  pugi::xml_node n = root.first_child();
  while (n) {
    bool descend = true;
    if (n.type() == pugi::node_element && section_kind(n) == "VirtualSystem") {
      out.push_back(n);
      descend = false;
    }
    if (descend && n.first_child()) {
      n = n.first_child();
      continue;
    }
    while (n && !n.next_sibling() && n != root) n = n.parent();
    if (!n || n == root) break;
    n = n.next_sibling();
  }
  return out;
}

// vmw:Config / vmw:ExtraConfig key-value pairs directly under the hardware section.
std::map<std::string, std::string> read_config(pugi::xml_node hw) {
  std::map<std::string, std::string> out;
  for (pugi::xml_node c = hw.first_child(); c; c = c.next_sibling()) {
    std::string_view n = local_name(c.name());
    if (n == "Config" || n == "ExtraConfig") out.emplace(lower(attr(c, "key")), std::string(attr(c, "value")));
  }
  return out;
}

Firmware firmware_from_text(std::string_view value) {
  std::string v = lower(trim(value));
  if (v.find("efi") != std::string::npos) return Firmware::Efi;
  if (v.find("bios") != std::string::npos) return Firmware::Bios;
  return Firmware::Unknown;
}

Firmware detect_firmware(pugi::xml_node vs, pugi::xml_node hw, const std::map<std::string, std::string>& config) {
  if (auto it = config.find("firmware"); it != config.end()) {
    Firmware f = firmware_from_text(it->second);
    if (f != Firmware::Unknown) return f;
  }
  // Hyper-V: generation 2 VMs ("SubType:2") boot with UEFI only.
  std::string type(trim(child(child(hw, "System"), "VirtualSystemType").text().get()));
  if (contains(type, "subtype:2")) return Firmware::Efi;
  if (contains(type, "subtype:1")) return Firmware::Bios;
  if (contains(type, "efi")) return Firmware::Efi;
  // VirtualBox keeps its own machine description: <vbox:Machine>...<Firmware type="EFI"/>.
  pugi::xml_node fw = vs.find_node([](pugi::xml_node n) { return local_name(n.name()) == "Firmware"; });
  if (fw) return firmware_from_text(attr(fw, "type"));
  return Firmware::Unknown;
}

std::string os_hint(pugi::xml_node vs) {
  pugi::xml_node os = find_section(vs, "OperatingSystemSection");
  if (!os) return "";
  if (auto t = trim(attr(os, "osType")); !t.empty()) return std::string(t);
  if (auto d = trim(child(os, "Description").text().get()); !d.empty()) return std::string(d);
  if (auto id = trim(attr(os, "id")); !id.empty()) return "CIM OS type " + std::string(id);
  return "";
}

std::uint64_t memory_mib_from(const HwItem& item, const std::string& name, std::vector<std::string>& warnings) {
  auto qty = parse_u64(item.quantity);
  if (!qty) {
    warnings.push_back("memory item has no usable VirtualQuantity ('" + item.quantity + "'); memory left to the default");
    return 0;
  }
  std::string units = item.units.empty() ? "byte * 2^20" : item.units;
  auto unit = allocation_unit_bytes(units);
  if (!unit) {
    warnings.push_back("memory AllocationUnits '" + item.units + "' not understood; assuming MiB");
    unit = std::uint64_t{1} << 20;
  }
  if (*qty != 0 && *unit > UINT64_MAX / *qty) throw_invalid(name, "memory size " + item.quantity + " " + units + " is too large");
  std::uint64_t bytes = *qty * *unit;
  return (bytes + (1u << 20) - 1) >> 20;
}

struct BootHints {
  std::vector<std::string> instance_ids;  // vmw:BootOrderSection type="disk"
  std::vector<std::string> hdd_order;     // bios.hddOrder: "scsi0:0", ...
};

BootHints read_boot_hints(pugi::xml_node vs, const std::map<std::string, std::string>& config) {
  BootHints hints;
  for (pugi::xml_node c = vs.first_child(); c; c = c.next_sibling()) {
    if (section_kind(c) == "BootOrderSection" && lower(attr(c, "type")) == "disk") {
      if (auto id = trim(attr(c, "instanceId")); !id.empty()) hints.instance_ids.emplace_back(id);
    }
  }
  if (auto it = config.find("bios.hddorder"); it != config.end()) {
    std::string_view list = it->second;
    while (!list.empty()) {
      auto comma = list.find(',');
      std::string_view part = trim(list.substr(0, comma));
      if (!part.empty()) hints.hdd_order.push_back(lower(part));
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return hints;
}

struct AttachedDisk {
  OvfDisk disk;
  std::string item_instance_id;
  std::optional<int> item_boot_order;
  std::size_t position = 0;
  bool attached = false;
};

// Orders disks: explicit hints first (in their order), then the default rule.
void order_disks(std::vector<AttachedDisk>& disks, const BootHints& hints, std::vector<std::string>& warnings) {
  const auto explicit_rank = [&](const AttachedDisk& d) -> std::size_t {
    for (std::size_t i = 0; i < hints.instance_ids.size(); ++i)
      if (d.attached && d.item_instance_id == hints.instance_ids[i]) return i;
    std::string slot = d.disk.controller + std::to_string(d.disk.controller_bus) + ":" + std::to_string(d.disk.unit);
    for (std::size_t i = 0; i < hints.hdd_order.size(); ++i)
      if (d.attached && slot == hints.hdd_order[i]) return hints.instance_ids.size() + i;
    if (d.item_boot_order && *d.item_boot_order > 0)
      return hints.instance_ids.size() + hints.hdd_order.size() + static_cast<std::size_t>(*d.item_boot_order);
    return SIZE_MAX;
  };
  bool any_explicit = false;
  for (const auto& d : disks) any_explicit = any_explicit || explicit_rank(d) != SIZE_MAX;
  std::stable_sort(disks.begin(), disks.end(), [&](const AttachedDisk& a, const AttachedDisk& b) {
    std::size_t ra = explicit_rank(a), rb = explicit_rank(b);
    if (ra != rb) return ra < rb;
    if (a.attached != b.attached) return a.attached;
    DiskSlot sa{a.disk.controller, a.disk.controller_bus, a.disk.unit};
    DiskSlot sb{b.disk.controller, b.disk.controller_bus, b.disk.unit};
    if (default_boot_before(sa, sb)) return true;
    if (default_boot_before(sb, sa)) return false;
    return a.position < b.position;
  });
  if (!any_explicit && disks.size() > 1) {
    bool mixed = false;
    for (const auto& d : disks) mixed = mixed || d.disk.controller != disks.front().disk.controller;
    if (mixed)
      warnings.push_back("no boot order in the OVF and disks sit on different controller types; assuming '" +
                         disks.front().disk.disk_id + "' (" + disks.front().disk.controller + ") is the boot disk");
  }
  for (std::size_t i = 0; i < disks.size(); ++i) disks[i].disk.boot_order = static_cast<int>(i + 1);
}

}  // namespace

std::optional<std::uint64_t> allocation_unit_bytes(std::string_view units) {
  std::string u;
  for (char c : units)
    if (!std::isspace(static_cast<unsigned char>(c))) u += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u == "byte" || u == "bytes" || u == "b") return 1;
  if (u == "kilobytes" || u == "kb" || u == "kib") return std::uint64_t{1} << 10;
  if (u == "megabytes" || u == "mb" || u == "mib") return std::uint64_t{1} << 20;
  if (u == "gigabytes" || u == "gb" || u == "gib") return std::uint64_t{1} << 30;
  if (u == "terabytes" || u == "tb" || u == "tib") return std::uint64_t{1} << 40;
  // DMTF programmatic units: "byte * 2^20", "byte * 10^6".
  for (std::string_view prefix : {"byte*", "bytes*"}) {
    if (u.compare(0, prefix.size(), prefix) != 0) continue;
    std::string_view rest = std::string_view(u).substr(prefix.size());
    auto caret = rest.find('^');
    if (caret == std::string_view::npos) return std::nullopt;
    auto base = parse_u64(rest.substr(0, caret));
    auto exp = parse_u64(rest.substr(caret + 1));
    if (!base || !exp || (*base != 2 && *base != 10)) return std::nullopt;
    if ((*base == 2 && *exp > 62) || (*base == 10 && *exp > 18)) return std::nullopt;
    std::uint64_t v = 1;
    for (std::uint64_t i = 0; i < *exp; ++i) v *= *base;
    return v;
  }
  return std::nullopt;
}

OvfEnvelope parse_ovf(std::string_view xml, const std::string& name) {
  pugi::xml_document doc;
  // parse_default without parse_doctype content: entities are never expanded.
  pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default);
  if (!parsed)
    throw_invalid(name, std::string("not well-formed XML: ") + parsed.description() + " at byte " +
                            std::to_string(parsed.offset));
  pugi::xml_node envelope = doc.document_element();
  if (local_name(envelope.name()) != "Envelope")
    throw_invalid(name, "not an OVF descriptor: the root element is <" + std::string(envelope.name()) +
                            ">, expected <Envelope>");

  OvfEnvelope out;

  auto systems = find_virtual_systems(envelope);
  if (systems.empty()) throw_invalid(name, "the OVF has no VirtualSystem; there is no VM to convert");
  if (systems.size() > 1) {
    std::string ids;
    for (auto& s : systems) ids += (ids.empty() ? "" : ", ") + std::string(attr(s, "id"));
    throw ConversionError(ErrorKind::Unsupported, name,
                          "the OVF describes " + std::to_string(systems.size()) + " virtual machines (" + ids +
                              "); multi-VM vApps are not supported, export each VM on its own");
  }
  pugi::xml_node vs = systems.front();

  // References: every file the package holds.
  std::map<std::string, OvfFile> files;
  for (pugi::xml_node f : children(find_section(envelope, "References"), "File")) {
    OvfFile file;
    file.id = std::string(trim(attr(f, "id")));
    file.href = std::string(trim(attr(f, "href")));
    file.size = parse_u64(attr(f, "size"));
    file.compression = lower(trim(attr(f, "compression")));
    if (file.compression == "identity") file.compression.clear();
    file.chunked = !trim(attr(f, "chunkSize")).empty();
    if (file.id.empty()) throw_invalid(name, "a References/File has no ovf:id");
    // Compressed and chunked files cannot be read in place; they are refused
    // only when a disk uses them (below), since other files are never read.
    files.emplace(file.id, file);
    out.files.push_back(file);
  }

  // DiskSection: virtual disks and the files holding them.
  std::map<std::string, OvfDisk> disk_defs;
  std::vector<std::string> disk_order_in_section;
  for (pugi::xml_node d : children(find_section(envelope, "DiskSection"), "Disk")) {
    OvfDisk disk;
    disk.disk_id = std::string(trim(attr(d, "diskId")));
    if (disk.disk_id.empty()) throw_invalid(name, "a DiskSection/Disk has no ovf:diskId");
    disk.file_id = std::string(trim(attr(d, "fileRef")));
    disk.format_url = std::string(trim(attr(d, "format")));
    disk.format_detail = format_detail_from_url(disk.format_url);
    std::string_view cap = attr(d, "capacity");
    auto capacity = parse_u64(cap);
    std::string cap_units(trim(attr(d, "capacityAllocationUnits")));
    auto unit = allocation_unit_bytes(cap_units.empty() ? "byte" : cap_units);
    if (!capacity || !unit) {
      out.warnings.push_back("disk '" + disk.disk_id + "': capacity '" + std::string(cap) + "' " + cap_units +
                             " not understood; the size will be read from the disk image");
    } else if (*capacity != 0 && *unit > UINT64_MAX / *capacity) {
      throw_invalid(name, "disk '" + disk.disk_id + "': capacity " + std::string(cap) + " " + cap_units + " is too large");
    } else {
      disk.capacity_bytes = *capacity * *unit;
    }
    if (disk_defs.count(disk.disk_id)) throw_invalid(name, "disk id '" + disk.disk_id + "' is defined twice in DiskSection");
    disk_order_in_section.push_back(disk.disk_id);
    disk_defs.emplace(disk.disk_id, std::move(disk));
  }

  out.name = std::string(trim(child(vs, "Name").text().get()));
  if (out.name.empty()) out.name = std::string(trim(attr(vs, "id")));
  out.os_hint = os_hint(vs);

  auto hw_sections = find_sections(vs, "VirtualHardwareSection");
  if (hw_sections.empty()) {
    out.warnings.push_back("the OVF has no VirtualHardwareSection; CPU, memory, controllers and NICs use defaults");
  } else if (hw_sections.size() > 1) {
    out.warnings.push_back("the OVF has " + std::to_string(hw_sections.size()) +
                           " VirtualHardwareSections; using the first");
  }
  pugi::xml_node hw = hw_sections.empty() ? pugi::xml_node() : hw_sections.front();
  if (out.name.empty())
    out.name = std::string(trim(child(child(hw, "System"), "VirtualSystemIdentifier").text().get()));

  std::vector<HwItem> items;
  for (pugi::xml_node c = hw.first_child(); c; c = c.next_sibling()) {
    std::string_view n = local_name(c.name());
    if (n == "Item" || n == "StorageItem" || n == "EthernetPortItem") items.push_back(read_item(c, items.size()));
  }
  auto config = read_config(hw);
  out.firmware = detect_firmware(vs, hw, config);
  if (out.firmware == Firmware::Unknown)
    out.warnings.push_back("the OVF does not say whether the VM boots with BIOS or EFI");

  std::map<std::string, Controller> controllers;  // by InstanceID
  std::map<std::string, int> controllers_seen;    // per type, for default bus numbers
  bool have_cpu = false, have_mem = false;
  for (const auto& item : items) {
    if (item.resource_type == kRtProcessor && !have_cpu) {
      have_cpu = true;
      auto q = parse_int(item.quantity);
      if (q && *q > 0 && *q <= 4096) out.vcpus = static_cast<int>(*q);
      else out.warnings.push_back("processor item has no usable VirtualQuantity ('" + item.quantity + "')");
    } else if (item.resource_type == kRtMemory && !have_mem) {
      have_mem = true;
      out.memory_mib = memory_mib_from(item, name, out.warnings);
    } else if (auto ctl = classify_controller(item)) {
      int ordinal = controllers_seen[ctl->type]++;
      ctl->bus = small_int(!item.bus_number.empty() ? item.bus_number : item.address, ordinal);
      controllers[item.instance_id] = *ctl;
    } else if (item.resource_type == kRtEthernet) {
      OvfNic nic;
      nic.model = lower(item.subtype);
      nic.network = item.connection;
      if (!item.address.empty()) {
        if (auto mac = normalise_mac(item.address)) nic.mac = *mac;
        else out.warnings.push_back("NIC '" + item.label + "': MAC address '" + item.address + "' is not valid; a new one will be generated");
      }
      out.nics.push_back(nic);
    }
  }
  if (!have_cpu) out.warnings.push_back("the OVF states no CPU count; the default will be used");
  if (!have_mem) out.warnings.push_back("the OVF states no memory size; the default will be used");

  // Join disk items to their DiskSection entries and controllers.
  std::vector<AttachedDisk> disks;
  std::map<std::string, bool> used;
  for (const auto& item : items) {
    if (item.resource_type != kRtDisk) continue;
    if (item.host_resources.empty()) {
      out.warnings.push_back("disk item '" + item.label + "' has no backing disk (blank disk); it is skipped");
      continue;
    }
    auto [kind, target] = host_resource_target(item.host_resources.front());
    AttachedDisk a;
    if (kind == "disk") {
      auto it = disk_defs.find(target);
      if (it == disk_defs.end())
        throw_invalid(name, "hardware item '" + item.label + "' refers to disk '" + target +
                                "', which is not in the DiskSection");
      if (used[target]) {
        out.warnings.push_back("disk '" + target + "' is attached twice; using its first attachment");
        continue;
      }
      used[target] = true;
      a.disk = it->second;
    } else if (kind == "file") {
      a.disk.disk_id = target;  // a file attached directly, without a DiskSection entry
      a.disk.file_id = target;
    } else {
      throw_invalid(name, "hardware item '" + item.label + "' has an unrecognised HostResource '" +
                              item.host_resources.front() + "'");
    }
    a.attached = true;
    a.item_instance_id = item.instance_id;
    a.item_boot_order = item.boot_order;
    a.position = item.position;
    a.disk.unit = small_int(item.address_on_parent, static_cast<int>(item.position));
    if (auto c = controllers.find(item.parent); c != controllers.end()) {
      a.disk.controller = c->second.type;
      a.disk.controller_model = c->second.model;
      a.disk.controller_bus = c->second.bus;
    } else {
      out.warnings.push_back("disk '" + a.disk.disk_id + "' is on an unknown controller ('" + item.parent +
                             "'); the controller type is left to the converter");
    }
    disks.push_back(std::move(a));
  }
  for (const auto& id : disk_order_in_section) {
    if (used[id]) continue;
    out.warnings.push_back("disk '" + id + "' is not attached to any controller in the OVF; it is converted last");
    AttachedDisk a;
    a.disk = disk_defs[id];
    a.position = items.size() + disks.size();
    disks.push_back(std::move(a));
  }

  // Resolve files now that we know which ones the VM needs.
  for (auto& a : disks) {
    OvfDisk& d = a.disk;
    if (d.file_id.empty())
      throw ConversionError(ErrorKind::Unsupported, name,
                            "disk '" + d.disk_id + "' has no file (a blank disk created at deploy time); it cannot be converted");
    auto f = files.find(d.file_id);
    if (f == files.end())
      throw_invalid(name, "disk '" + d.disk_id + "' refers to file '" + d.file_id + "', which is not listed in References");
    const OvfFile& file = f->second;
    const std::string& href = file.href;
    if (!file.compression.empty())
      throw ConversionError(ErrorKind::Unsupported, name,
                            "disk file '" + href + "' is " + file.compression +
                                "-compressed (ovf:compression); compressed OVF references are not supported yet. "
                                "Re-export without compression, or decompress the file and edit the OVF");
    if (file.chunked)
      throw ConversionError(ErrorKind::Unsupported, name,
                            "disk file '" + href + "' is split into chunks (ovf:chunkSize); chunked OVF files are not supported");
    if (href.empty()) throw_invalid(name, "file '" + d.file_id + "' has no ovf:href");
    d.href = href;
    d.file_size = f->second.size;
  }

  order_disks(disks, read_boot_hints(vs, config), out.warnings);
  for (auto& a : disks) out.disks.push_back(std::move(a.disk));
  return out;
}

}  // namespace h2k

#include "engine/guest/block_devices.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <string_view>

namespace h2k {
namespace {

using Kind = BlockDevice::Kind;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool iequal(const std::string& a, const std::string& b) { return !a.empty() && lower(a) == lower(b); }

// udev escapes bytes in by-label/by-partlabel link names as \xNN ("my\x20disk").
std::string decode_udev_escapes(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && std::isxdigit(static_cast<unsigned char>(s[i + 2])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 3]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 2, 2), nullptr, 16));
      i += 3;
      continue;
    }
    out += s[i];
  }
  return out;
}

// "a" -> 0, "z" -> 25, "aa" -> 26 (the kernel's sd naming is bijective base 26).
std::optional<int> letters_index(const std::string& letters) {
  if (letters.empty() || letters.size() > 3) return std::nullopt;
  int value = 0;
  for (char c : letters) value = value * 26 + (c - 'a' + 1);
  return value - 1;
}

std::string disk_letters(int index) {
  std::string letters;
  int n = index;
  do {
    letters.insert(letters.begin(), static_cast<char>('a' + n % 26));
    n = n / 26;
  } while (n-- > 0);
  return letters;
}

SpecResolution found(const BlockDevice& d, std::string via) { return SpecResolution{&d, std::move(via), {}}; }
SpecResolution not_found(std::string why) { return SpecResolution{nullptr, {}, std::move(why)}; }

// The one device matching `pred`; several is an error (cloned disks share
// UUIDs, and picking one would be a guess). Multi-device btrfs shows its
// UUID on every member: the first member is the one to mount.
template <class Pred>
SpecResolution unique_match(const BlockDeviceTable& t, Pred pred, const std::string& what, const std::string& via) {
  std::vector<const BlockDevice*> hits;
  for (const auto& d : t.devices)
    if (pred(d)) hits.push_back(&d);
  if (hits.empty()) return not_found("no filesystem or partition on the VM's disks has " + what);
  bool all_btrfs = std::all_of(hits.begin(), hits.end(), [](const BlockDevice* d) { return d->fs_type == "btrfs"; });
  if (hits.size() > 1 && !all_btrfs) {
    std::string list;
    for (auto* d : hits) list += (list.empty() ? "" : ", ") + d->device;
    return not_found(std::to_string(hits.size()) + " devices have " + what + " (" + list + "): which one is meant is ambiguous");
  }
  return found(*hits.front(), via);
}

SpecResolution by_disk_position(const BlockDeviceTable& t, int disk, int partition, const std::string& via) {
  if (disk < 0 || disk >= t.disk_count)
    return not_found("it names disk " + std::to_string(disk + 1) + " but the VM has " + std::to_string(t.disk_count) +
                     " disk(s)");
  for (const auto& d : t.devices) {
    if (d.disk_index != disk) continue;
    if (partition == 0 && d.kind == Kind::Disk) return found(d, via);
    if (partition > 0 && d.kind == Kind::Partition && d.partition == partition) return found(d, via);
  }
  return not_found("disk " + std::to_string(disk + 1) + " has no partition " + std::to_string(partition));
}

SpecResolution by_lv(const BlockDeviceTable& t, const std::string& vg, const std::string& lv) {
  return unique_match(
      t, [&](const BlockDevice& d) { return d.kind == Kind::LogicalVolume && d.vg == vg && d.lv == lv; },
      "the LVM volume " + vg + "/" + lv, "LVM volume " + vg + "/" + lv);
}

// /dev/mapper/<vg>-<lv>: a single dash separates, dashes inside names are doubled.
std::optional<std::pair<std::string, std::string>> split_mapper_name(const std::string& name) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '-') continue;
    if (i + 1 < name.size() && name[i + 1] == '-') {
      ++i;
      continue;
    }
    auto undouble = [](std::string s) {
      std::string out;
      for (std::size_t k = 0; k < s.size(); ++k) {
        out += s[k];
        if (s[k] == '-' && k + 1 < s.size() && s[k + 1] == '-') ++k;
      }
      return out;
    };
    return std::make_pair(undouble(name.substr(0, i)), undouble(name.substr(i + 1)));
  }
  return std::nullopt;
}

SpecResolution by_mapper_name(const BlockDeviceTable& t, const std::string& name) {
  auto parts = split_mapper_name(name);
  if (parts) {
    auto r = by_lv(t, parts->first, parts->second);
    if (r) return r;
  }
  return not_found("/dev/mapper/" + name + " is not an LVM volume on the VM's disks (an encrypted or multipath " +
                   "device cannot be opened during conversion)");
}

// md arrays: the guest's /dev/md0 may be /dev/md127 in the appliance, so match
// the array's own name ("host:0" -> "0") and fall back to the only array.
SpecResolution by_md_name(const BlockDeviceTable& t, const std::string& name) {
  std::vector<const BlockDevice*> arrays;
  for (const auto& d : t.devices)
    if (d.kind == Kind::Raid) arrays.push_back(&d);
  for (auto* d : arrays) {
    std::string own = d->md_name.substr(d->md_name.find(':') == std::string::npos ? 0 : d->md_name.find(':') + 1);
    if (own == name || d->md_name == name) return found(*d, "md array name " + d->md_name);
  }
  if (arrays.size() == 1) return found(*arrays.front(), "the VM's only md array");
  return not_found("no md array named " + name + " on the VM's disks");
}

std::string strip_md_uuid(const std::string& s) {
  std::string out;
  for (char c : s)
    if (std::isxdigit(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// by-path and serial by-id names: the trailing "-partN" is the partition; the
// disk comes from the name where the controller numbering gives it (SCSI
// target = VMware unit number, ATA port), else from the only disk, else from
// the only disk whose partition N holds a filesystem of the fstab's type.
SpecResolution by_hardware_name(const BlockDeviceTable& t, const std::string& kind, const std::string& name,
                                const std::string& fstype) {
  static const std::regex part_suffix(R"(^(.*)-part([0-9]+)$)");
  static const std::regex scsi_address(R"(-scsi-[0-9]+:[0-9]+:([0-9]+):[0-9]+$)");
  static const std::regex ata_port(R"(-ata-([0-9]+)(\.[0-9]+)?$)");
  std::smatch m;
  std::string disk_name = name;
  int partition = 0;
  if (std::regex_match(name, m, part_suffix)) {
    disk_name = m[1].str();
    partition = std::stoi(m[2].str());
  }
  const bool typed = !fstype.empty() && fstype != "auto";
  auto fits = [&](const SpecResolution& r) { return r && (!typed || same_fs_family(r.device->fs_type, fstype)); };
  std::string what = "/dev/disk/" + kind + "/" + name;

  if (t.disk_count == 1) {
    auto r = by_disk_position(t, 0, partition, "the VM's only disk" + std::string(partition ? ", partition " + std::to_string(partition) : ""));
    if (!r) r.error = what + ": " + r.error;
    return r;
  }
  if (kind == "by-path") {
    std::optional<int> index;
    std::string how;
    if (std::regex_search(disk_name, m, scsi_address)) {
      index = std::stoi(m[1].str());
      how = "SCSI target " + m[1].str();
    } else if (std::regex_search(disk_name, m, ata_port)) {
      index = std::stoi(m[1].str()) - 1;
      how = "ATA port " + m[1].str();
    }
    if (index) {
      auto r = by_disk_position(t, *index, partition,
                                "disk " + std::to_string(*index + 1) + (partition ? " partition " + std::to_string(partition) : "") +
                                    " (" + how + ")");
      if (fits(r)) return r;
    }
  }
  // Last resort: the only disk whose partition N holds that filesystem type.
  std::vector<SpecResolution> candidates;
  for (int disk = 0; disk < t.disk_count; ++disk) {
    auto r = by_disk_position(t, disk, partition, "the only disk with a " + fstype + " filesystem in partition " + std::to_string(partition));
    if (fits(r)) candidates.push_back(r);
  }
  if (typed && candidates.size() == 1) return candidates.front();
  return not_found(what + " names a controller port or disk serial of the source hardware and " +
                   (candidates.empty() ? std::string("no disk of the VM matches it")
                                       : std::to_string(candidates.size()) + " disks could be meant") +
                   "; name it by UUID= in the source guest's fstab");
}

SpecResolution resolve_by_id(const BlockDeviceTable& t, const std::string& id, const std::string& fstype) {
  if (starts_with(id, "dm-name-")) return by_mapper_name(t, id.substr(8));
  if (starts_with(id, "dm-uuid-LVM-")) {
    std::string both = lower(id.substr(12));
    return unique_match(
        t, [&](const BlockDevice& d) { return d.kind == Kind::LogicalVolume && !d.vg_uuid.empty() && lower(d.vg_uuid + d.lv_uuid) == both; },
        "the LVM UUID " + id.substr(12), "LVM volume UUID");
  }
  if (starts_with(id, "md-uuid-")) {
    std::string want = strip_md_uuid(id.substr(8));
    return unique_match(
        t, [&](const BlockDevice& d) { return d.kind == Kind::Raid && strip_md_uuid(d.md_uuid) == want; },
        "the md UUID " + id.substr(8), "md array UUID");
  }
  if (starts_with(id, "md-name-")) return by_md_name(t, id.substr(8));
  if (starts_with(id, "lvm-pv-uuid-")) return not_found("/dev/disk/by-id/" + id + " is an LVM physical volume, not a filesystem");
  return by_hardware_name(t, "by-id", id, fstype);
}

}  // namespace

bool same_fs_family(const std::string& a, const std::string& b) {
  auto family = [](const std::string& s) { return (s == "ext2" || s == "ext3" || s == "ext4") ? std::string("ext") : s; };
  return family(a) == family(b);
}

std::string mapper_name(const std::string& vg, const std::string& lv) {
  auto dbl = [](const std::string& s) {
    std::string out;
    for (char c : s) out += c == '-' ? std::string("--") : std::string(1, c);
    return out;
  };
  return "/dev/mapper/" + dbl(vg) + "-" + dbl(lv);
}

SpecResolution resolve_device_spec(const std::string& spec, const BlockDeviceTable& t, const std::string& fstype) {
  auto tag = [&](std::string_view key) -> std::optional<std::string> {
    if (!starts_with(spec, key)) return std::nullopt;
    return spec.substr(key.size());
  };
  if (auto v = tag("UUID=")) return unique_match(t, [&](const BlockDevice& d) { return iequal(d.fs_uuid, *v); }, "UUID " + *v, "filesystem UUID");
  if (auto v = tag("/dev/disk/by-uuid/"))
    return unique_match(t, [&](const BlockDevice& d) { return iequal(d.fs_uuid, *v); }, "UUID " + *v, "filesystem UUID");
  if (auto v = tag("LABEL=")) return unique_match(t, [&](const BlockDevice& d) { return !v->empty() && d.fs_label == *v; }, "label " + *v, "filesystem label");
  if (auto v = tag("/dev/disk/by-label/")) {
    std::string label = decode_udev_escapes(*v);
    return unique_match(t, [&](const BlockDevice& d) { return !label.empty() && d.fs_label == label; }, "label " + label, "filesystem label");
  }
  for (std::string_view key : {"PARTUUID=", "/dev/disk/by-partuuid/"})
    if (auto v = tag(key))
      return unique_match(t, [&](const BlockDevice& d) { return iequal(d.part_uuid, *v); }, "PARTUUID " + *v, "PARTUUID");
  for (std::string_view key : {"PARTLABEL=", "/dev/disk/by-partlabel/"})
    if (auto v = tag(key)) {
      std::string label = decode_udev_escapes(*v);
      return unique_match(t, [&](const BlockDevice& d) { return !label.empty() && d.part_label == label; }, "partition name " + label, "PARTLABEL");
    }
  if (auto v = tag("/dev/disk/by-id/")) return resolve_by_id(t, *v, fstype);
  if (auto v = tag("/dev/disk/by-path/")) return by_hardware_name(t, "by-path", *v, fstype);
  if (auto v = tag("/dev/mapper/")) return by_mapper_name(t, *v);
  if (auto v = tag("/dev/md/")) return by_md_name(t, *v);
  if (starts_with(spec, "/dev/dm-"))
    return not_found(spec + " is numbered by the kernel at boot and names no particular volume");

  std::smatch m;
  static const std::regex lettered(R"(^/dev/(sd|hd|vd|xvd)([a-z]+)([0-9]*)$)");
  static const std::regex nvme(R"(^/dev/nvme([0-9]+)n([0-9]+)(p([0-9]+))?$)");
  static const std::regex cciss(R"(^/dev/(cciss|ida)/c([0-9]+)d([0-9]+)(p([0-9]+))?$)");
  static const std::regex md(R"(^/dev/md([0-9]+)$)");
  static const std::regex vg_lv(R"(^/dev/([^/]+)/([^/]+)$)");
  if (std::regex_match(spec, m, lettered)) {
    auto index = letters_index(m[2].str());
    int part = m[3].str().empty() ? 0 : std::stoi(m[3].str());
    if (!index) return not_found(spec + " is not a disk name");
    auto r = by_disk_position(t, *index, part, "kernel name: disk " + std::to_string(*index + 1) + (part ? " partition " + std::to_string(part) : ""));
    if (!r) r.error = spec + ": " + r.error;
    return r;
  }
  if (std::regex_match(spec, m, nvme)) {
    int part = m[4].str().empty() ? 0 : std::stoi(m[4].str());
    return by_disk_position(t, std::stoi(m[1].str()), part, "NVMe controller " + m[1].str());
  }
  if (std::regex_match(spec, m, cciss)) {
    int part = m[5].str().empty() ? 0 : std::stoi(m[5].str());
    return by_disk_position(t, std::stoi(m[3].str()), part, "Smart Array logical drive " + m[3].str());
  }
  if (std::regex_match(spec, m, md)) return by_md_name(t, m[1].str());
  if (std::regex_match(spec, m, vg_lv)) {
    auto r = by_lv(t, m[1].str(), m[2].str());
    if (r) return r;
    return not_found(spec + " is neither an LVM volume nor a disk on the VM's disks");
  }
  return not_found("unrecognised device name " + spec);
}

std::string stable_spec_for(const BlockDevice& d) {
  if (d.kind == Kind::LogicalVolume) return mapper_name(d.vg, d.lv);
  if (!d.fs_uuid.empty()) return "UUID=" + d.fs_uuid;
  if (!d.part_uuid.empty()) return "PARTUUID=" + d.part_uuid;
  return {};
}

bool is_stable_on_virtio(const std::string& spec) {
  for (std::string_view p : {"UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=", "/dev/disk/by-uuid/", "/dev/disk/by-label/",
                             "/dev/disk/by-partuuid/", "/dev/disk/by-partlabel/", "/dev/mapper/", "/dev/md", "/dev/vd"})
    if (starts_with(spec, p)) return true;
  if (starts_with(spec, "/dev/disk/by-id/")) {
    std::string_view id = std::string_view(spec).substr(16);
    return starts_with(id, "dm-") || starts_with(id, "md-");
  }
  static const std::regex vg_lv(R"(^/dev/([^/]+)/([^/]+)$)");
  // /dev/VG/LV: any two-level name that is not a hardware folder.
  if (std::regex_match(spec, vg_lv) && !starts_with(spec, "/dev/disk/") && !starts_with(spec, "/dev/cciss/") &&
      !starts_with(spec, "/dev/ida/"))
    return true;
  return false;
}

std::string virtio_name(const BlockDevice& d) {
  switch (d.kind) {
    case Kind::Disk: return "/dev/vd" + disk_letters(d.disk_index);
    case Kind::Partition: return "/dev/vd" + disk_letters(d.disk_index) + std::to_string(d.partition);
    case Kind::LogicalVolume: return mapper_name(d.vg, d.lv);
    case Kind::Raid: return d.md_name.empty() ? d.device : "/dev/md/" + d.md_name.substr(d.md_name.find(':') + 1);
  }
  return d.device;
}

}  // namespace h2k

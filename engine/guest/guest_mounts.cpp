#include "engine/guest/guest_mounts.hpp"

#include <algorithm>

namespace h2k {
namespace {

std::size_t depth(const std::string& path) { return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')); }

std::optional<std::size_t> index_of(const BlockDeviceTable& t, const BlockDevice* d) {
  if (!d) return std::nullopt;
  return static_cast<std::size_t>(d - t.devices.data());
}

}  // namespace

std::optional<BtrfsVolName> split_btrfsvol(const std::string& mountable, const std::vector<std::string>& devices) {
  if (!mountable.starts_with(kBtrfsVolPrefix)) return std::nullopt;
  std::string_view rest = std::string_view(mountable).substr(kBtrfsVolPrefix.size());
  const std::string* best = nullptr;
  for (const auto& d : devices)
    if (rest.size() > d.size() + 1 && rest.starts_with(d) && rest[d.size()] == '/' && (!best || d.size() > best->size()))
      best = &d;
  if (!best) return std::nullopt;
  return BtrfsVolName{*best, std::string(rest.substr(best->size() + 1))};
}

std::string device_of_mountable(const std::string& m, const BlockDeviceTable& table) {
  std::vector<std::string> names;
  for (const auto& d : table.devices) names.push_back(d.device);
  if (auto vol = split_btrfsvol(m, names)) return vol->device;
  return m;
}

const PlannedMount* MountPlan::at(const std::string& mountpoint) const {
  for (const auto& e : entries) {
    if (mountpoint == "swap" ? e.entry.is_swap() : (!e.entry.is_swap() && e.entry.mountpoint == mountpoint)) return &e;
  }
  return nullptr;
}

std::vector<std::string> MountPlan::unresolved_required() const {
  std::vector<std::string> out;
  for (const auto& e : entries)
    if (!e.device && e.entry.required() && !e.entry.is_swap())
      out.push_back(describe_fstab_line(e.entry) + ": " + e.error);
  return out;
}

std::vector<const PlannedMount*> MountPlan::mount_order() const {
  std::vector<const PlannedMount*> out;
  for (const auto& e : entries) {
    if (!e.device || e.entry.is_swap() || e.entry.has_option("noauto")) continue;
    if (e.entry.mountpoint.empty() || e.entry.mountpoint[0] != '/' || e.entry.mountpoint == "/") continue;
    out.push_back(&e);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const PlannedMount* a, const PlannedMount* b) { return depth(a->entry.mountpoint) < depth(b->entry.mountpoint); });
  return out;
}

std::string describe_fstab_line(const linux_guest::FstabEntry& e) {
  return "fstab line " + std::to_string(e.line) + " \"" + e.text + "\"";
}

MountPlan plan_guest_mounts(const std::vector<linux_guest::FstabEntry>& fstab, const BlockDeviceTable& table) {
  MountPlan plan;
  for (const auto& e : fstab) {
    if (!e.on_vm_disk()) continue;
    PlannedMount p;
    p.entry = e;
    SpecResolution r = resolve_device_spec(e.spec, table, e.fstype);
    if (r) {
      p.device = index_of(table, r.device);
      p.via = r.via;
    } else {
      p.error = r.error;
    }
    plan.entries.push_back(std::move(p));
  }
  return plan;
}

linux_guest::DeviceResolver make_stable_name_resolver(const BlockDeviceTable& table, const MountPlan& plan,
                                                      const std::string& root_device) {
  return [&table, &plan, root = device_of_mountable(root_device, table)](
             const std::string& spec, const std::string& mountpoint) -> std::optional<std::string> {
    // What is mounted there, as planned from fstab (the root: what inspection mounted).
    const BlockDevice* mounted = nullptr;
    if (const PlannedMount* p = mountpoint.empty() ? nullptr : plan.at(mountpoint); p && p->device)
      mounted = &table.devices[*p->device];
    if (!mounted && mountpoint == "/" && !root.empty())
      for (const auto& d : table.devices)
        if (d.device == root) mounted = &d;

    std::string fstype;
    if (const PlannedMount* p = mountpoint.empty() ? nullptr : plan.at(mountpoint)) fstype = p->entry.fstype;
    SpecResolution r = resolve_device_spec(spec, table, fstype);
    const BlockDevice* device = r.device;
    // They disagree: do not guess. (Several swap areas are normal: any swap
    // the name resolves to is fine.)
    if (device && mounted && device != mounted && mountpoint != "swap") return std::nullopt;
    if (!device) device = mounted;
    if (!device) return std::nullopt;
    if (mountpoint == "swap" && device->fs_type != "swap") return std::nullopt;
    std::string stable = stable_spec_for(*device);
    if (stable.empty()) return std::nullopt;
    return stable;
  };
}

}  // namespace h2k

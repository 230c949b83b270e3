#include "engine/guest/inspected_root.hpp"

#include <guestfs.h>

#include <algorithm>

#include "engine/guest/guestfs_strings.hpp"

namespace h2k {
namespace {

// inspect_get_type fails exactly when the name is not a root inspection found.
bool inspection_accepts(GuestfsSession& s, const std::string& root) {
  char* type = guestfs_inspect_get_type(s.handle(), root.c_str());
  if (!type) return false;
  std::free(type);
  return true;
}

std::string btrfsvol_on(const std::string& device, const std::string& volume) {
  return std::string(kBtrfsVolPrefix) + device + "/" + volume;
}

}  // namespace

std::optional<BtrfsVolName> split_returned_btrfsvol(const std::string& mountable,
                                                    const std::vector<std::string>& devices) {
  if (auto listed = split_btrfsvol(mountable, devices)) return listed;
  // A kernel name libguestfs does not list (the appliance's own disk took a
  // lower letter): the names it translates have no slash after /dev/.
  if (!mountable.starts_with(kBtrfsVolPrefix)) return std::nullopt;
  const std::string_view rest = std::string_view(mountable).substr(kBtrfsVolPrefix.size());
  constexpr std::string_view dev = "/dev/";
  if (!rest.starts_with(dev)) return std::nullopt;
  const auto slash = rest.find('/', dev.size());
  if (slash == std::string_view::npos || slash + 1 >= rest.size()) return std::nullopt;
  return BtrfsVolName{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

std::vector<std::string> btrfsvol_alternatives(const std::string& mountable, const std::vector<std::string>& devices) {
  std::vector<std::string> out;
  auto name = split_returned_btrfsvol(mountable, devices);
  if (!name) return out;
  for (const auto& d : devices)
    if (d != name->device) out.push_back(btrfsvol_on(d, name->volume));
  return out;
}

std::string rename_btrfsvol_device(const std::string& mountable, const std::string& from, const std::string& to) {
  const std::string prefix = btrfsvol_on(from, "");
  if (from.empty() || !mountable.starts_with(prefix)) return mountable;
  return btrfsvol_on(to, mountable.substr(prefix.size()));
}

InspectedRoot accepted_root(GuestfsSession& s, const std::string& returned, const std::vector<std::string>& devices) {
  InspectedRoot r{returned, returned, "", ""};
  const auto name = split_returned_btrfsvol(returned, devices);
  const bool listed = name && std::find(devices.begin(), devices.end(), name->device) != devices.end();
  // A listed name inspection accepts is the one: translation maps listed
  // names one to one onto the kernel's. An unlisted kernel name (sdc when
  // the appliance's disk took sda) may be accepted too, untranslated, but
  // names no device of the VM: look for the listed one first.
  if ((!name || listed) && inspection_accepts(s, returned)) return r;
  const std::string why = s.last_error();
  if (name)
    for (const auto& device : devices) {
      if (device == name->device) continue;
      const std::string alternative = btrfsvol_on(device, name->volume);
      if (!inspection_accepts(s, alternative)) continue;
      s.clear_last_error();
      r.root = alternative;
      r.returned_device = name->device;
      r.device = device;
      return r;
    }
  s.clear_last_error();
  if (name && !listed && inspection_accepts(s, returned)) return r;  // not a disk name after all (/dev/md127)
  throw ConversionError(ErrorKind::GuestFix, s.disk_name(),
                        "libguestfs cannot read the root filesystem its inspection found (" + returned + "): " +
                            (why.empty() ? s.last_error() : why));
}

}  // namespace h2k

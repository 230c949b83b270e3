#include "engine/guest/inspected_root.hpp"

#include <guestfs.h>

#include "engine/guest/guestfs_strings.hpp"

namespace h2k {
namespace {

constexpr std::string_view kBtrfsVol = "btrfsvol:";

// inspect_get_type fails exactly when the name is not a root inspection found.
bool inspection_accepts(GuestfsSession& s, const std::string& root) {
  char* type = guestfs_inspect_get_type(s.handle(), root.c_str());
  if (!type) return false;
  std::free(type);
  return true;
}

}  // namespace

std::vector<std::string> btrfsvol_alternatives(const std::string& mountable, const std::vector<std::string>& devices) {
  std::vector<std::string> out;
  auto name = split_btrfsvol(mountable, devices);
  if (!name) return out;
  for (const auto& d : devices)
    if (d != name->device) out.push_back(std::string(kBtrfsVol) + d + "/" + name->volume);
  return out;
}

std::string rename_btrfsvol_device(const std::string& mountable, const std::string& from, const std::string& to) {
  const std::string prefix = std::string(kBtrfsVol) + from + "/";
  if (from.empty() || !mountable.starts_with(prefix)) return mountable;
  return std::string(kBtrfsVol) + to + "/" + mountable.substr(prefix.size());
}

InspectedRoot accepted_root(GuestfsSession& s, const std::string& returned, const std::vector<std::string>& devices) {
  InspectedRoot r{returned, returned, "", ""};
  if (inspection_accepts(s, returned)) return r;
  const std::string why = s.last_error();
  for (const auto& alternative : btrfsvol_alternatives(returned, devices)) {
    if (!inspection_accepts(s, alternative)) continue;
    s.clear_last_error();
    r.root = alternative;
    r.returned_device = split_btrfsvol(returned, devices)->device;
    r.device = split_btrfsvol(alternative, devices)->device;
    return r;
  }
  s.clear_last_error();
  throw ConversionError(ErrorKind::GuestFix, s.disk_name(),
                        "libguestfs cannot read the root filesystem its inspection found (" + returned + "): " + why);
}

}  // namespace h2k

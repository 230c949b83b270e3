#pragma once
// A registry hive of the guest, edited on the host: downloaded into a private
// temporary folder, opened with hivex, and uploaded back by save(). Nothing
// reaches the guest unless save() is called, so a failed edit leaves the
// guest's hive as it was.
#include <filesystem>
#include <memory>
#include <string>

#include <guestfs.h>

#include "engine/guest/windows/registry_hive.hpp"

namespace h2k::windows {

class GuestHive {
public:
  // `guest_path` is the true-case path ("/Windows/System32/config/SYSTEM").
  // Throws ConversionError(GuestFix, guest_path, reason) if it cannot be read or parsed.
  GuestHive(guestfs_h* g, std::string guest_path);
  ~GuestHive();
  GuestHive(const GuestHive&) = delete;
  GuestHive& operator=(const GuestHive&) = delete;

  RegistryHive& hive() { return *hive_; }
  const std::string& guest_path() const { return guest_path_; }

  // Commits the edits and writes the hive back into the guest.
  void save();

private:
  guestfs_h* g_;
  std::string guest_path_;
  std::filesystem::path temp_dir_;
  std::filesystem::path host_file_;
  std::unique_ptr<RegistryHive> hive_;
};

}  // namespace h2k::windows

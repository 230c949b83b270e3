#pragma once
// RAII owner of one libguestfs handle: applies GuestfsSettings, adds the
// output disks read-write in boot order, launches the appliance, and turns
// libguestfs failures into ConversionErrors carrying libguestfs' own message.
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/guest/guest_fix.hpp"

typedef struct guestfs_h guestfs_h;

namespace h2k {

class GuestfsSession {
public:
  // Creates the handle, applies `settings` and adds `disks` (in this order:
  // the appliance then names them /dev/sda, /dev/sdb, ...). Throws
  // ApplianceLaunch when the settings are rejected, InvalidInput for a disk
  // libguestfs cannot add.
  GuestfsSession(const std::vector<DiskForFix>& disks, const GuestfsSettings& settings);
  ~GuestfsSession();
  GuestfsSession(const GuestfsSession&) = delete;
  GuestfsSession& operator=(const GuestfsSession&) = delete;

  // Starts the appliance. Throws ConversionError(ApplianceLaunch, <boot disk>,
  // "libguestfs appliance did not start: <libguestfs message>").
  void launch();

  // Flushes and stops the appliance, checking that qemu exited cleanly: a
  // failure here can mean writes never reached the disk, so it is an error.
  void shutdown();

  guestfs_h* handle() const { return g_; }
  // The disk errors are reported against (the boot disk).
  const std::string& disk_name() const { return disk_name_; }
  // Text of the most recent libguestfs error on this handle ("" if none).
  const std::string& last_error() const { return last_error_; }
  void clear_last_error() { last_error_.clear(); }

  // Throws ConversionError(kind, file, what + ": " + last libguestfs error).
  [[noreturn]] void fail(ErrorKind kind, const std::string& file, const std::string& what) const;

private:
  static void on_error(guestfs_h* g, void* self, const char* msg);
  void apply(const GuestfsSettings& settings);

  guestfs_h* g_ = nullptr;
  std::string disk_name_;
  std::string last_error_;
  bool launched_ = false;
};

// Splits "force_tcg,foo=bar" into {"force_tcg", "foo=bar"} (empty items dropped).
std::vector<std::string> split_backend_settings(const std::string& settings);

}  // namespace h2k

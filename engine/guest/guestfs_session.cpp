#include "engine/guest/guestfs_session.hpp"

#include <guestfs.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace h2k {

std::vector<std::string> split_backend_settings(const std::string& settings) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= settings.size()) {
    std::size_t comma = settings.find(',', start);
    if (comma == std::string::npos) comma = settings.size();
    std::string item = settings.substr(start, comma - start);
    auto first = item.find_first_not_of(" \t");
    auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
    start = comma + 1;
  }
  return out;
}

namespace {

// libguestfs silently falls back to defaults (and may drop force_tcg) when its
// cache folder is missing, so make sure it exists before the handle uses it.
void ensure_cachedir(const std::string& dir, const std::string& disk) {
  if (dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw ConversionError(ErrorKind::ApplianceLaunch, disk,
                          "cannot create libguestfs cache folder " + dir + ": " + ec.message());
}

}  // namespace

GuestfsSession::GuestfsSession(const std::vector<DiskForFix>& disks, const GuestfsSettings& settings) {
  disk_name_ = disks.empty() ? std::string() : disks.front().path.string();
  if (disks.empty()) throw ConversionError(ErrorKind::Internal, "", "guest fix called without disks");
  // GUESTFS_CREATE_NO_ENVIRONMENT is not used: LIBGUESTFS_DEBUG/TRACE from the
  // user's environment stay useful; our settings are applied on top.
  g_ = guestfs_create_flags(0);
  if (!g_) throw ConversionError(ErrorKind::ApplianceLaunch, disk_name_, "cannot create a libguestfs handle");
  guestfs_set_error_handler(g_, &GuestfsSession::on_error, this);
  apply(settings);
  for (const auto& d : disks) {
    struct guestfs_add_drive_opts_argv optargs {};
    optargs.bitmask = GUESTFS_ADD_DRIVE_OPTS_FORMAT_BITMASK | GUESTFS_ADD_DRIVE_OPTS_READONLY_BITMASK;
    optargs.format = d.format.c_str();
    optargs.readonly = 0;
    if (guestfs_add_drive_opts_argv(g_, d.path.c_str(), &optargs) == -1)
      fail(ErrorKind::InvalidInput, d.path.string(), "libguestfs cannot open the disk (format " + d.format + ")");
  }
}

GuestfsSession::~GuestfsSession() {
  // guestfs_close also shuts the appliance down; its errors cannot be reported
  // from a destructor, which is why callers that wrote data call shutdown().
  if (g_) guestfs_close(g_);
}

void GuestfsSession::on_error(guestfs_h*, void* self, const char* msg) {
  static_cast<GuestfsSession*>(self)->last_error_ = msg ? msg : "";
}

void GuestfsSession::fail(ErrorKind kind, const std::string& file, const std::string& what) const {
  std::string reason = what;
  if (!last_error_.empty()) reason += ": " + last_error_;
  throw ConversionError(kind, file, reason);
}

void GuestfsSession::apply(const GuestfsSettings& s) {
  if (guestfs_set_backend(g_, s.backend.c_str()) == -1)
    fail(ErrorKind::ApplianceLaunch, disk_name_, "libguestfs rejected backend '" + s.backend + "'");
  // The whole list replaces the handle's settings, exactly like
  // LIBGUESTFS_BACKEND_SETTINGS: bare flags such as force_tcg have no "=value".
  auto items = split_backend_settings(s.backend_settings);
  std::vector<char*> argv;
  for (auto& item : items) argv.push_back(item.data());
  argv.push_back(nullptr);
  if (guestfs_set_backend_settings(g_, argv.data()) == -1)
    fail(ErrorKind::ApplianceLaunch, disk_name_, "libguestfs rejected backend settings '" + s.backend_settings + "'");
  if (s.memsize_mib > 0 && guestfs_set_memsize(g_, s.memsize_mib) == -1)
    fail(ErrorKind::ApplianceLaunch, disk_name_, "libguestfs rejected memsize " + std::to_string(s.memsize_mib));
  if (s.smp > 0 && guestfs_set_smp(g_, s.smp) == -1)
    fail(ErrorKind::ApplianceLaunch, disk_name_, "libguestfs rejected smp " + std::to_string(s.smp));
  if (!s.cachedir.empty()) {
    ensure_cachedir(s.cachedir, disk_name_);
    if (guestfs_set_cachedir(g_, s.cachedir.c_str()) == -1)
      fail(ErrorKind::ApplianceLaunch, disk_name_, "libguestfs rejected cache folder " + s.cachedir);
  } else if (const char* env = std::getenv("LIBGUESTFS_CACHEDIR"); env && *env) {
    ensure_cachedir(env, disk_name_);
  }
}

void GuestfsSession::launch() {
  if (guestfs_launch(g_) == -1) {
    std::string msg = last_error_.empty() ? "unknown error" : last_error_;
    throw ConversionError(ErrorKind::ApplianceLaunch, disk_name_, "libguestfs appliance did not start: " + msg);
  }
  launched_ = true;
}

void GuestfsSession::shutdown() {
  if (!launched_) return;
  if (guestfs_sync(g_) == -1) fail(ErrorKind::Io, disk_name_, "flushing the guest disks failed");
  if (guestfs_umount_all(g_) == -1) fail(ErrorKind::Io, disk_name_, "unmounting the guest filesystems failed");
  if (guestfs_shutdown(g_) == -1)
    fail(ErrorKind::Io, disk_name_, "the libguestfs appliance did not shut down cleanly; changes may not be on disk");
  launched_ = false;
}

}  // namespace h2k

#include "engine/guest/windows/guest_io.hpp"

#include <cstdlib>

#include "engine/core/error.hpp"

namespace h2k::windows {

QuietGuestfsErrors::QuietGuestfsErrors(guestfs_h* g) : g_(g) { guestfs_push_error_handler(g_, nullptr, nullptr); }
QuietGuestfsErrors::~QuietGuestfsErrors() { guestfs_pop_error_handler(g_); }

std::string guestfs_error_text(guestfs_h* g) {
  const char* msg = guestfs_last_error(g);
  return msg ? msg : "unknown libguestfs error";
}

std::string resolve_guest_path(guestfs_h* g, const std::string& path) {
  QuietGuestfsErrors quiet(g);
  char* resolved = guestfs_case_sensitive_path(g, path.c_str());
  if (!resolved) throw ConversionError(ErrorKind::GuestFix, path, "cannot resolve path: " + guestfs_error_text(g));
  std::string out = resolved;
  std::free(resolved);
  return out;
}

std::string ensure_guest_dir(guestfs_h* g, const std::string& base, const std::string& relative) {
  std::string current = base;
  for (const auto& element : std::filesystem::path(relative)) {
    if (element.empty() || element == "/") continue;
    // Resolves against the (now existing) parent, keeping the element's case if new.
    current = resolve_guest_path(g, current + "/" + element.string());
    QuietGuestfsErrors quiet(g);
    const int is_dir = guestfs_is_dir(g, current.c_str());
    if (is_dir < 0) throw ConversionError(ErrorKind::GuestFix, current, "cannot stat: " + guestfs_error_text(g));
    if (is_dir == 0 && guestfs_mkdir(g, current.c_str()) != 0)
      throw ConversionError(ErrorKind::GuestFix, current, "cannot create folder: " + guestfs_error_text(g));
  }
  return current;
}

bool guest_is_file(guestfs_h* g, const std::string& path) {
  QuietGuestfsErrors quiet(g);
  return guestfs_is_file(g, path.c_str()) == 1;
}

void upload_to_guest(guestfs_h* g, const std::filesystem::path& host_file, const std::string& guest_path) {
  QuietGuestfsErrors quiet(g);
  if (guestfs_upload(g, host_file.c_str(), guest_path.c_str()) != 0)
    throw ConversionError(ErrorKind::GuestFix, guest_path,
                          "cannot write from " + host_file.string() + ": " + guestfs_error_text(g));
}

void download_from_guest(guestfs_h* g, const std::string& guest_path, const std::filesystem::path& host_file) {
  QuietGuestfsErrors quiet(g);
  if (guestfs_download(g, guest_path.c_str(), host_file.c_str()) != 0)
    throw ConversionError(ErrorKind::GuestFix, guest_path,
                          "cannot read into " + host_file.string() + ": " + guestfs_error_text(g));
}

}  // namespace h2k::windows

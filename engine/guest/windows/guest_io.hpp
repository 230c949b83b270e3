#pragma once
// Small libguestfs helpers for a Windows guest's NTFS filesystem, where names
// are case-insensitive for Windows but case-sensitive through ntfs-3g: every
// path we compute must first be resolved to the case that exists on disk.
// Failures throw ConversionError(GuestFix, <guest path>, <libguestfs message>).
#include <filesystem>
#include <string>

#include <guestfs.h>

namespace h2k::windows {

// Silences libguestfs' default "print errors to stderr" handler while probing
// paths that may legitimately not exist; errors are still returned to us.
class QuietGuestfsErrors {
public:
  explicit QuietGuestfsErrors(guestfs_h* g);
  ~QuietGuestfsErrors();
  QuietGuestfsErrors(const QuietGuestfsErrors&) = delete;
  QuietGuestfsErrors& operator=(const QuietGuestfsErrors&) = delete;

private:
  guestfs_h* g_;
};

// The last libguestfs error message, or "unknown libguestfs error".
std::string guestfs_error_text(guestfs_h* g);

// The true-case form of an existing `path`, or of a missing last element under
// an existing parent (that element is kept as given).
std::string resolve_guest_path(guestfs_h* g, const std::string& path);

// Resolves `relative` ("Drivers/VirtIO") under the existing directory `base`,
// creating the elements that do not exist. Returns the true-case path.
std::string ensure_guest_dir(guestfs_h* g, const std::string& base, const std::string& relative);

bool guest_is_file(guestfs_h* g, const std::string& path);

void upload_to_guest(guestfs_h* g, const std::filesystem::path& host_file, const std::string& guest_path);
void download_from_guest(guestfs_h* g, const std::string& guest_path, const std::filesystem::path& host_file);

}  // namespace h2k::windows

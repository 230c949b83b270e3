#include "engine/guest/windows/guest_hive.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/guest/windows/guest_io.hpp"

namespace h2k::windows {
namespace fs = std::filesystem;

GuestHive::GuestHive(guestfs_h* g, std::string guest_path) : g_(g), guest_path_(std::move(guest_path)) {
  std::string pattern = (fs::temp_directory_path() / "h2k-hive-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    throw ConversionError(ErrorKind::Io, pattern,
                          "cannot create a temporary folder for the registry hive: " + std::string(std::strerror(errno)));
  temp_dir_ = pattern;
  try {
    host_file_ = temp_dir_ / fs::path(guest_path_).filename();
    download_from_guest(g_, guest_path_, host_file_);
    hive_ = std::make_unique<RegistryHive>(host_file_, RegistryHive::Mode::ReadWrite, guest_path_);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(temp_dir_, ec);
    throw;
  }
}

GuestHive::~GuestHive() {
  hive_.reset();
  std::error_code ec;
  fs::remove_all(temp_dir_, ec);
}

void GuestHive::save() {
  hive_->commit();
  upload_to_guest(g_, host_file_, guest_path_);
}

}  // namespace h2k::windows

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "engine/copy/disk_copier.hpp"
#include "engine/core/error.hpp"

namespace h2k {

std::uint64_t allocated_bytes(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw ConversionError(ErrorKind::Io, path.string(), std::string("cannot stat: ") + std::strerror(errno));
  // st_blocks is always in 512-byte units, whatever the filesystem block size.
  return static_cast<std::uint64_t>(st.st_blocks) * 512u;
}

}  // namespace h2k

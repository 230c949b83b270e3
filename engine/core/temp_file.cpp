#include "engine/core/temp_file.hpp"

#include <unistd.h>

#include <cstdlib>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"

namespace h2k {

TempFile::TempFile(const std::string& name_template, int suffix_length, const std::string& content) {
  std::string templ = (std::filesystem::temp_directory_path() / name_template).string();
  int fd = ::mkstemps(templ.data(), suffix_length);
  if (fd < 0) throw ConversionError(ErrorKind::Io, templ, "cannot create a temporary file");
  ::close(fd);
  path_ = templ;
  try {
    atomic_write_file(path_, content);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
    throw;
  }
}

TempFile::~TempFile() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

}  // namespace h2k

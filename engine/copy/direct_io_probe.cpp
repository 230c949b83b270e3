#include "engine/copy/direct_io_probe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace h2k {

bool supports_direct_io(const std::filesystem::path& dir) {
  // O_TMPFILE leaves no name behind even if we crash here; filesystems
  // without it fall back to a named probe file removed right away.
  int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_DIRECT | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return true;
  }
  std::string name = (dir / ".h2k-direct-io-probe-XXXXXX").string();
  int tmp = ::mkstemp(name.data());
  if (tmp < 0) return false;
  ::close(tmp);
  fd = ::open(name.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  ::unlink(name.c_str());
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace h2k

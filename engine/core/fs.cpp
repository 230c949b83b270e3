#include "engine/core/fs.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "engine/core/error.hpp"

namespace h2k {
namespace {

ErrorKind kind_for_errno(int err) {
  return (err == ENOSPC || err == EDQUOT) ? ErrorKind::NoSpace : ErrorKind::Io;
}

[[noreturn]] void throw_errno(const fs::path& path, const std::string& what, int err) {
  throw ConversionError(kind_for_errno(err), path.string(), what + ": " + std::strerror(err));
}

}  // namespace

void atomic_write_file(const fs::path& path, const std::string& content) {
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno(tmp, "cannot create", errno);
  std::size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw_errno(tmp, "write failed", err);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw_errno(tmp, "fsync failed", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw_errno(path, "rename failed", err);
  }
}

std::string read_text_file(const fs::path& path, std::uintmax_t max_bytes) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) throw ConversionError(ErrorKind::InvalidInput, path.string(), "cannot read: " + ec.message());
  if (size > max_bytes)
    throw ConversionError(ErrorKind::InvalidInput, path.string(),
                          "file is too large to be a text descriptor (" + std::to_string(size) + " bytes)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConversionError(ErrorKind::Io, path.string(), "cannot open for reading");
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

std::string read_at(const fs::path& path, std::uint64_t offset, std::size_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ConversionError(ErrorKind::InvalidInput, path.string(),
                                    std::string("cannot open: ") + std::strerror(errno));
  std::string buf(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, buf.data() + got, size - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw_errno(path, "read failed", err);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  buf.resize(got);
  return buf;
}

std::uint64_t free_space(const fs::path& path) {
  fs::path p = path;
  while (!p.empty() && !fs::exists(p)) p = p.parent_path();
  struct statvfs st {};
  if (::statvfs(p.empty() ? "." : p.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

StagingDir::StagingDir(const fs::path& parent, const std::string& final_name, const std::string& tag)
    : final_(parent / final_name) {
  static std::atomic<unsigned> counter{0};
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw ConversionError(kind_for_errno(ec.value()), parent.string(), "cannot create output folder: " + ec.message());
  path_ = parent / ("." + final_name + ".partial-" +
                    (tag.empty() ? std::to_string(::getpid()) + "-" + std::to_string(counter++) : tag));
  // A folder of that name is a leftover of the same attempt (tags are unique
  // per job epoch): start clean.
  if (!tag.empty()) fs::remove_all(path_, ec);
  fs::create_directory(path_, ec);
  if (ec) throw ConversionError(kind_for_errno(ec.value()), path_.string(), "cannot create staging folder: " + ec.message());
}

StagingDir::~StagingDir() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<std::string> StagingDir::files() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) out.push_back(it->path().lexically_relative(path_).string());
  std::sort(out.begin(), out.end());
  return out;
}

void StagingDir::require_files(const std::vector<std::string>& expected) const {
  for (const auto& name : expected) {
    std::error_code ec;
    if (!fs::is_regular_file(path_ / name, ec))
      throw ConversionError(ErrorKind::Io, (path_ / name).string(),
                            "staged for publishing but gone from the staging folder (removed by another process?): "
                            "not published");
  }
}

void StagingDir::commit() {
  // rename(2) onto an existing non-empty directory fails, which is what we want:
  // an earlier result is never overwritten silently.
  if (fs::exists(final_))
    throw ConversionError(ErrorKind::InvalidInput, final_.string(), "output already exists; remove it or choose another --output-dir");
  if (::rename(path_.c_str(), final_.c_str()) != 0) throw_errno(final_, "cannot publish output", errno);
  committed_ = true;
  fsync_dir(final_.parent_path());
}

}  // namespace h2k

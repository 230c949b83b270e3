#include "actors/watcher/file_stability.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace h2k {

std::optional<FileSignature> regular_file_signature(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  // NFS caches attributes (up to acregmax, 60 s by default): a plain stat
  // may show a size the writer on another host has long grown past. An
  // open() revalidates them (close-to-open consistency), so the signature
  // comes from fstat on a fresh descriptor; on a local disk this costs an
  // open per look. Only regular files are opened (never a FIFO or device).
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) {
    struct stat fresh {};
    const bool ok = ::fstat(fd, &fresh) == 0;
    ::close(fd);
    if (ok) {
      if (!S_ISREG(fresh.st_mode)) return std::nullopt;
      st = fresh;
    }
  }
  return FileSignature{static_cast<std::uint64_t>(st.st_size),
                       static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                       static_cast<std::uint64_t>(st.st_ino)};
}

bool is_link_entry(const std::filesystem::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

bool StabilityCheck::observe(const FileSignature& sig, std::int64_t now_ms) {
  if (!seen_ || sig != sig_) {
    const bool changed = seen_;
    if (!seen_ || stable_) changing_since_ms_ = now_ms;
    seen_ = true;
    sig_ = sig;
    equal_checks_ = 1;
    last_check_ms_ = now_ms;
    stable_ = equal_checks_ >= needed_;
    if (stable_) stable_since_ms_ = now_ms;
    return changed;
  }
  if (!stable_ && now_ms - last_check_ms_ >= interval_ms_) {
    ++equal_checks_;
    last_check_ms_ = now_ms;
    if (equal_checks_ >= needed_) {
      stable_ = true;
      stable_since_ms_ = now_ms;
    }
  }
  return false;
}

}  // namespace h2k

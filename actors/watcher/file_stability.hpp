#pragma once
// "Is this file completely written?" without hooks into the writer: its
// size, mtime and inode must stay the same over N checks spaced at least an
// interval apart. Works the same on NFS, where inotify sees nothing; the
// caller passes the clock in, so nothing here sleeps.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>

namespace h2k {

struct FileSignature {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;  // a different file renamed over the old name is a new file
  bool operator==(const FileSignature&) const = default;
};

// Size, mtime and inode of `path`, read through a fresh open (NFS
// revalidates cached attributes on open): nullopt when it does not exist or
// is not a regular file (symlinks included: see is_link_entry).
std::optional<FileSignature> regular_file_signature(const std::filesystem::path& path);
bool is_link_entry(const std::filesystem::path& path);

class StabilityCheck {
public:
  StabilityCheck(int stable_checks, std::chrono::milliseconds interval)
      : needed_(stable_checks < 1 ? 1 : stable_checks), interval_ms_(interval.count()) {}

  // One look at the file at `now_ms`. Looks closer together than the interval
  // do not count as checks, but a change seen by any look starts over.
  // Returns true when the signature differs from the previous look.
  bool observe(const FileSignature& sig, std::int64_t now_ms);

  bool stable() const { return stable_; }
  const FileSignature& signature() const { return sig_; }
  // Start of the current unsettled period (first sight, or the first change
  // after it had been stable): what file_stable_timeout is measured from.
  std::int64_t changing_since_ms() const { return changing_since_ms_; }
  // When it became stable (valid while stable()).
  std::int64_t stable_since_ms() const { return stable_since_ms_; }

private:
  int needed_;
  std::int64_t interval_ms_;
  bool seen_ = false;
  bool stable_ = false;
  FileSignature sig_;
  int equal_checks_ = 0;
  std::int64_t last_check_ms_ = 0;
  std::int64_t changing_since_ms_ = 0;
  std::int64_t stable_since_ms_ = 0;
};

}  // namespace h2k

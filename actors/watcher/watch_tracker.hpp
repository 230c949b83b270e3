#pragma once
// The watch folder's bookkeeping, without actors or threads: each scan()
// lists the folder once (non-recursive), follows every file's size and mtime
// over time, groups multi-file VMs (OVF + disks + .mf, VMDK descriptor +
// extents, VMX + descriptors + extents, export manifest + disks) and returns
// the VMs whose files are all present and stable, each exactly once.
//
// The caller owns the clock and the rhythm: it calls scan() periodically
// (every check_interval while `pending`, else at its idle interval; inotify,
// where it works, only makes a scan come sooner), so NFS needs nothing else.
// Nothing here sleeps. Hashing (manifest sha256, content dedup keys) happens
// inside scan() once a group is stable: run it off latency-sensitive threads.
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "actors/watcher/tracked_file.hpp"
#include "actors/watcher/watch_names.hpp"
#include "actors/watcher/watch_types.hpp"
#include "engine/core/progress.hpp"

namespace h2k {

class WatchTracker {
public:
  // `cancel` stops hashing in a scan (scan then throws ConversionError(Cancelled)).
  explicit WatchTracker(WatchSettings s, CancelToken cancel = CancelToken());

  struct ScanResult {
    std::vector<ReadyVm> ready;
    std::vector<WatchProblem> problems;
    bool pending = false;  // something is still settling: scan again after check_interval
  };

  // One pass over watch_dir at `now_ms` (any monotonic millisecond clock).
  ScanResult scan(std::int64_t now_ms);

  // Files currently followed: the folder's own files (not the ignored ones)
  // and parts in subfolders (followed from when the file naming them is read).
  std::size_t tracked() const { return files_.size(); }
  const WatchSettings& settings() const { return settings_; }

private:
  using Path = std::filesystem::path;
  struct Group;

  TrackedFile* observe(const Path& rel, std::int64_t now_ms);
  const FileReading* read(const Path& rel, TrackedFile& file, WatchedKind kind, ScanResult& out);
  void claim_parts(const Path& owner, const FileReading& reading, std::int64_t now_ms, ScanResult& out);
  bool claimant_still_arriving(std::int64_t now_ms) const;
  void evaluate(const Path& primary, WatchedKind kind, std::int64_t now_ms, ScanResult& out);
  bool collect_members(const Path& primary, TrackedFile& file, const FileReading* reading, std::int64_t now_ms,
                       Group& group, ScanResult& out);
  bool manifest_verified(const Path& primary, TrackedFile& file, Group& group, ScanResult& out);
  void finish_ready(const Path& primary, WatchedKind kind, Group& group, ScanResult& out);
  void report(TrackedFile& file, const std::string& cause, WatchProblem problem, ScanResult& out);
  void report_unsettled(const Path& rel, TrackedFile& file, std::int64_t now_ms, ScanResult& out);

  WatchSettings settings_;
  CancelToken cancel_;
  std::map<Path, TrackedFile> files_;  // by path relative to watch_dir
  std::map<Path, WatchedKind> listed_;  // this scan's top-level VM files
  std::map<Path, Path> claimed_;        // part -> the file that names it (this scan)
  std::set<Path> symlinks_reported_;
  bool listing_failed_reported_ = false;
  std::uint64_t scan_id_ = 0;
};

}  // namespace h2k

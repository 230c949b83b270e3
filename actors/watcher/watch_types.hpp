#pragma once
// What the watcher is told (WatchSettings) and what it reports: VMs whose
// files are all present and stable (ReadyVm) and files it cannot turn into a
// job, or not yet (WatchProblem). Paths are relative to the watch folder, as
// in the msg::vm_found / msg::watch_problem messages they become.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "storage/dedup_key.hpp"

namespace h2k {

struct WatchSettings {
  std::filesystem::path watch_dir;
  // A file is complete when its size and mtime stayed the same over this many
  // checks, each at least check_interval after the previous one.
  int stable_checks = 3;
  std::chrono::milliseconds check_interval{1000};
  // A file still changing after this long is reported (and still watched);
  // a part still missing this long after its group settled is reported too.
  std::chrono::milliseconds file_stable_timeout{30000};
  // A bare disk waits this long after it is stable, in case an .ovf/.vmx/
  // manifest that claims it is still on its way (exports often write the
  // disks first).
  std::chrono::milliseconds orphan_grace{10000};
  DedupMethod dedup = DedupMethod::NameAndSize;
  bool dedup_enabled = true;
};

struct ReadyVm {
  // Relative to watch_dir; the primary file first (the .ova/.ovf/.vmx/
  // manifest/disk), then its parts (disks, their extents, .mf/.cert).
  std::vector<std::filesystem::path> sources;
  std::string file_type;  // "ova","ovf","vmx","vmdk","vhd","vhdx","raw","qcow2","manifest"
  std::uint64_t total_bytes = 0;
  std::string dedup_key;  // "" when deduplication is disabled
};

struct WatchProblem {
  std::filesystem::path file;  // relative to watch_dir: the file the job would be made of (group primary)
  std::string reason;          // names the file and what is wrong
  ErrorKind kind = ErrorKind::InvalidInput;
  bool permanent = false;      // true: give up on the file; false: it is still watched
  std::uint64_t size = 0;
  // The other files of the same VM that are present (relative, may be
  // empty), so the daemon can set a broken package aside as a whole instead
  // of leaving its disks behind to be taken as bare disks later.
  std::vector<std::filesystem::path> related;
};

}  // namespace h2k

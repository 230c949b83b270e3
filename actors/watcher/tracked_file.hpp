#pragma once
// What the watcher remembers about one file between scans. Internal to the
// watcher (WatchTracker).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/watcher/file_stability.hpp"
#include "actors/watcher/vm_references.hpp"
#include "actors/watcher/watch_types.hpp"

namespace h2k {

// What a stable file's content says, read once per signature.
struct FileReading {
  bool vm_file = true;   // false: a .json that is not an export manifest
  FileReferences refs;   // parts it names (and a fault found among them)
  std::optional<FileFault> unreadable;  // the parser refused it: never a job
};

struct TrackedFile {
  explicit TrackedFile(const WatchSettings& s) : stability(s.stable_checks, s.check_interval) {}

  StabilityCheck stability;
  std::uint64_t seen_in_scan = 0;
  bool present = false;           // found as a regular file in the scan seen_in_scan
  bool taken = false;             // returned in a ReadyVm with the current signature
  bool timeout_reported = false;  // "still changing" reported for the current unsettled period
  std::set<std::string> reported; // problem causes already reported for the current signature
  std::optional<FileReading> reading;
  // Manifest checksums, verified for these member signatures.
  std::optional<std::vector<FileSignature>> verified_for;
  std::vector<std::string> verify_problems;

  // The file now has different content: everything learnt from the old one goes.
  void forget_content() {
    taken = false;
    reported.clear();
    reading.reset();
    verified_for.reset();
    verify_problems.clear();
  }
};

}  // namespace h2k

// WatchTracker: deciding whether a VM (a primary file and every part it
// names) is complete, and turning it into a ReadyVm once.
#include <algorithm>

#include "actors/watcher/watch_tracker.hpp"
#include "storage/dedup_key.hpp"

namespace h2k {

struct WatchTracker::Group {
  std::vector<Path> members;               // primary first
  std::vector<FileSignature> signatures;   // of members, same order
  std::uint64_t total_bytes = 0;
  std::int64_t settled_at_ms = 0;          // when the last member became stable
  bool all_taken = true;

  void add(const Path& p, const TrackedFile& f) {
    if (std::find(members.begin(), members.end(), p) != members.end()) return;
    members.push_back(p);
    signatures.push_back(f.stability.signature());
    total_bytes += f.stability.signature().size;
    settled_at_ms = std::max(settled_at_ms, f.stability.stable_since_ms());
    all_taken = all_taken && f.taken;
  }
  std::vector<Path> related() const { return {members.begin() + (members.empty() ? 0 : 1), members.end()}; }
};

namespace {

std::string file_type_of(const std::filesystem::path& primary, WatchedKind kind) {
  switch (kind) {
    case WatchedKind::Ova: return "ova";
    case WatchedKind::Ovf: return "ovf";
    case WatchedKind::Vmx: return "vmx";
    case WatchedKind::Json: return "manifest";
    default: return disk_file_type(primary);
  }
}

std::string seconds(std::chrono::milliseconds ms) { return std::to_string(ms.count() / 1000) + " s"; }

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "; ") + l;
  return out;
}

}  // namespace

void WatchTracker::evaluate(const Path& primary, WatchedKind kind, std::int64_t now_ms, ScanResult& out) {
  TrackedFile& f = files_.at(primary);
  if (!f.stability.stable()) {
    out.pending = true;
    report_unsettled(primary, f, now_ms, out);
    return;
  }
  const FileReading* reading = nullptr;
  if (kind != WatchedKind::Ova) {
    reading = read(primary, f, kind, out);
    if (!reading) {  // could not be read just now: try again
      out.pending = true;
      return;
    }
    if (!reading->vm_file) return;
    if (reading->unreadable) {
      report(f, "unreadable",
             WatchProblem{primary, primary.string() + ": " + reading->unreadable->reason, reading->unreadable->kind,
                          true, f.stability.signature().size, {}},
             out);
      return;
    }
  }
  Group group;
  if (!collect_members(primary, f, reading, now_ms, group, out) || group.all_taken) return;
  if (kind == WatchedKind::Disk &&
      (now_ms - group.settled_at_ms < settings_.orphan_grace.count() || claimant_still_arriving(now_ms))) {
    out.pending = true;  // an .ovf/.vmx/manifest naming this disk may still be on its way
    return;
  }
  if (kind == WatchedKind::Json && !manifest_verified(primary, f, group, out)) return;
  finish_ready(primary, kind, group, out);
}

bool WatchTracker::collect_members(const Path& primary, TrackedFile& file, const FileReading* reading,
                                   std::int64_t now_ms, Group& group, ScanResult& out) {
  group.add(primary, file);
  if (!reading) return true;
  std::optional<FileFault> fault = reading->refs.fault;
  std::vector<const PartRef*> missing;
  std::vector<PartRef> extents;  // parts of parts (a descriptor's extents), owned here
  bool waiting = false;
  const auto timeout = settings_.file_stable_timeout;

  // One part: present, a regular file, stable, complete. Returns it when usable.
  auto check = [&](const PartRef& part) -> TrackedFile* {
    TrackedFile* pf = observe(part.path, now_ms);
    if (!pf) {
      if (is_link_entry(settings_.watch_dir / part.path))
        fault = FileFault{ErrorKind::InvalidInput,
                          part.what + " (" + part.path.string() +
                              ") is a symbolic link; the watch folder takes regular files only"};
      else if (part.required)
        missing.push_back(&part);
      return nullptr;
    }
    if (!pf->stability.stable()) {
      waiting = true;
      report_unsettled(part.path, *pf, now_ms, out);
      return nullptr;
    }
    if (part.expected_size) {
      const std::uint64_t size = pf->stability.signature().size;
      if (size > *part.expected_size) {
        fault = FileFault{ErrorKind::InvalidInput, part.what + " is " + std::to_string(size) + " bytes, " +
                                                       std::to_string(*part.expected_size) + " expected"};
        return nullptr;
      }
      if (size < *part.expected_size) {  // a transfer that paused: wait for the rest
        waiting = true;
        if (now_ms - pf->stability.stable_since_ms() >= timeout.count())
          report(file, "short:" + part.path.string(),
                 WatchProblem{primary, primary.string() + ": " + part.what + " is " + std::to_string(size) + " of " +
                                           std::to_string(*part.expected_size) + " bytes and has not grown for " +
                                           seconds(timeout) + "; still watching",
                              ErrorKind::Timeout, false, file.stability.signature().size, {}},
                 out);
        return nullptr;
      }
    }
    return pf;
  };

  for (const PartRef& part : reading->refs.parts) {
    if (part.path == primary) continue;
    TrackedFile* pf = check(part);
    if (!pf) continue;
    group.add(part.path, *pf);
    if (disk_file_type(part.path) != "vmdk") continue;
    const FileReading* nested = read(part.path, *pf, WatchedKind::Disk, out);
    if (!nested) {
      waiting = true;
      continue;
    }
    if (nested->unreadable) {
      fault = FileFault{nested->unreadable->kind, part.what + ": " + nested->unreadable->reason};
      continue;
    }
    for (const PartRef& extent : nested->refs.parts)
      if (extent.path != part.path) extents.push_back(extent);
  }
  for (const PartRef& extent : extents)
    if (TrackedFile* ef = check(extent)) group.add(extent.path, *ef);

  if (fault) {
    report(file, "fault",
           WatchProblem{primary, primary.string() + ": " + fault->reason, fault->kind, true,
                        file.stability.signature().size, group.related()},
           out);
    return false;
  }
  if (!missing.empty()) {
    // Already handed over (the daemon is moving the files away): not a problem.
    if (file.taken) return false;
    out.pending = true;
    if (now_ms - file.stability.stable_since_ms() >= timeout.count())
      for (const PartRef* m : missing)
        report(file, "missing:" + m->path.string(),
               WatchProblem{primary, primary.string() + ": " + m->what + " has not arrived after " + seconds(timeout) +
                                         " (expected at " + m->path.string() + "); still watching",
                            ErrorKind::InvalidInput, false, file.stability.signature().size, group.related()},
               out);
    return false;
  }
  if (waiting) out.pending = true;
  return !waiting;
}

bool WatchTracker::manifest_verified(const Path& primary, TrackedFile& file, Group& group, ScanResult& out) {
  if (!file.verified_for || *file.verified_for != group.signatures) {
    try {
      file.verify_problems = verify_export_manifest(settings_.watch_dir, primary, cancel_);
    } catch (const ConversionError& e) {
      if (e.kind() == ErrorKind::Cancelled) throw;
      report(file, "verify",
             WatchProblem{primary, primary.string() + ": cannot check its disks: " + e.reason(), e.kind(), false,
                          file.stability.signature().size, group.related()},
             out);
      out.pending = true;
      return false;
    }
    file.verified_for = group.signatures;
    file.reported.erase("sha256");
  }
  if (file.verify_problems.empty()) return true;
  report(file, "sha256",
         WatchProblem{primary, primary.string() + ": " + joined(file.verify_problems), ErrorKind::InvalidInput, true,
                      file.stability.signature().size, group.related()},
         out);
  return false;
}

void WatchTracker::finish_ready(const Path& primary, WatchedKind kind, Group& group, ScanResult& out) {
  ReadyVm vm{group.members, file_type_of(primary, kind), group.total_bytes, ""};
  if (settings_.dedup_enabled) {
    std::vector<Path> files;
    for (const auto& m : group.members) files.push_back(settings_.watch_dir / m);
    try {
      vm.dedup_key = dedup_key(files, settings_.dedup, cancel_);
    } catch (const ConversionError& e) {
      if (e.kind() == ErrorKind::Cancelled) throw;
      report(files_.at(primary), "dedup",
             WatchProblem{primary, primary.string() + ": cannot compute its dedup key: " + e.reason(), e.kind(), false,
                          group.signatures.front().size, group.related()},
             out);
      out.pending = true;
      return;
    }
  }
  // Hashing takes time: a file that changed meanwhile is not what was checked.
  for (std::size_t i = 0; i < group.members.size(); ++i) {
    auto now = regular_file_signature(settings_.watch_dir / group.members[i]);
    if (!now || *now != group.signatures[i]) {
      out.pending = true;
      return;
    }
  }
  for (const auto& m : group.members) files_.at(m).taken = true;
  out.ready.push_back(std::move(vm));
}

}  // namespace h2k

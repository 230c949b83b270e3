// WatchTracker: listing the folder, following each file's signature, reading
// stable VM descriptions and recording which files they claim. Deciding what
// is ready is in watch_group.cpp.
#include "actors/watcher/watch_tracker.hpp"

#include <system_error>

namespace h2k {
namespace {

bool is_vmdk(const std::filesystem::path& p) { return disk_file_type(p) == "vmdk"; }

// Kinds whose content names other files (a .vmdk only when it is a descriptor).
bool may_name_parts(const std::filesystem::path& rel, WatchedKind kind) {
  return kind == WatchedKind::Ovf || kind == WatchedKind::Vmx || kind == WatchedKind::Json ||
         (kind == WatchedKind::Disk && is_vmdk(rel));
}

}  // namespace

WatchTracker::WatchTracker(WatchSettings s, CancelToken cancel) : settings_(std::move(s)), cancel_(std::move(cancel)) {
  auto dir = std::filesystem::absolute(settings_.watch_dir).lexically_normal();
  if (!dir.has_filename() && dir.has_parent_path() && dir != dir.root_path()) dir = dir.parent_path();  // "q/" -> "q"
  settings_.watch_dir = dir;
}

TrackedFile* WatchTracker::observe(const Path& rel, std::int64_t now_ms) {
  auto it = files_.find(rel);
  if (it != files_.end() && it->second.seen_in_scan == scan_id_) return it->second.present ? &it->second : nullptr;
  auto sig = regular_file_signature(settings_.watch_dir / rel);
  if (!sig) {
    if (it != files_.end()) {
      it->second.seen_in_scan = scan_id_;
      it->second.present = false;  // dropped at the end of the scan
    }
    return nullptr;
  }
  if (it == files_.end()) it = files_.emplace(rel, TrackedFile(settings_)).first;
  TrackedFile& f = it->second;
  f.seen_in_scan = scan_id_;
  f.present = true;
  if (f.stability.observe(*sig, now_ms)) f.forget_content();
  if (f.stability.stable()) f.timeout_reported = false;  // a later unsettled period may be reported again
  return &f;
}

const FileReading* WatchTracker::read(const Path& rel, TrackedFile& file, WatchedKind kind, ScanResult& out) {
  if (file.reading) return &*file.reading;
  const auto& dir = settings_.watch_dir;
  FileReading r;
  try {
    switch (kind) {
      case WatchedKind::Ovf: r.refs = ovf_references(dir, rel); break;
      case WatchedKind::Vmx: r.refs = vmx_references(dir, rel); break;
      case WatchedKind::Json:
        r.vm_file = is_export_manifest(dir, rel);
        if (r.vm_file) r.refs = manifest_references(dir, rel);
        break;
      case WatchedKind::Disk:
        if (is_vmdk(rel)) r.refs = vmdk_references(dir, rel);
        break;
      default: break;
    }
  } catch (const ConversionError& e) {
    // Removed or replaced while being read: not the file's fault; the next
    // scan sees the change.
    auto now = regular_file_signature(dir / rel);
    if (!now || *now != file.stability.signature()) return nullptr;
    if (e.kind() == ErrorKind::Io) {
      report(file, "read",
             WatchProblem{rel, rel.string() + ": cannot be read: " + e.reason(), ErrorKind::Io, false,
                          file.stability.signature().size, {}},
             out);
      return nullptr;
    }
    r.unreadable = FileFault{e.kind(), e.reason()};
  }
  file.reading = std::move(r);
  return &*file.reading;
}

void WatchTracker::claim_parts(const Path& owner, const FileReading& reading, std::int64_t now_ms, ScanResult& out) {
  for (const PartRef& part : reading.refs.parts) {
    if (part.path == owner) continue;
    claimed_.emplace(part.path, owner);
    // A descriptor in a subfolder is not listed: its extents are claimed here.
    if (!is_vmdk(part.path) || listed_.count(part.path)) continue;
    TrackedFile* pf = observe(part.path, now_ms);
    if (!pf || !pf->stability.stable()) continue;
    if (const FileReading* nested = read(part.path, *pf, WatchedKind::Disk, out))
      for (const PartRef& extent : nested->refs.parts)
        if (extent.path != part.path) claimed_.emplace(extent.path, part.path);
  }
}

bool WatchTracker::claimant_still_arriving(std::int64_t now_ms) const {
  for (const auto& [rel, kind] : listed_) {
    if (kind != WatchedKind::Ovf && kind != WatchedKind::Vmx && kind != WatchedKind::Json) continue;
    const StabilityCheck& s = files_.at(rel).stability;
    // One that never settles stops holding disks back after the timeout.
    if (!s.stable() && now_ms - s.changing_since_ms() < settings_.file_stable_timeout.count()) return true;
  }
  return false;
}

void WatchTracker::report(TrackedFile& file, const std::string& cause, WatchProblem problem, ScanResult& out) {
  if (file.reported.insert(cause).second) out.problems.push_back(std::move(problem));
}

void WatchTracker::report_unsettled(const Path& rel, TrackedFile& file, std::int64_t now_ms, ScanResult& out) {
  const auto& s = file.stability;
  if (file.timeout_reported || now_ms - s.changing_since_ms() < settings_.file_stable_timeout.count()) return;
  file.timeout_reported = true;
  out.problems.push_back(WatchProblem{
      rel,
      rel.string() + ": still changing after " + std::to_string(settings_.file_stable_timeout.count() / 1000) +
          " s (now " + std::to_string(s.signature().size) +
          " bytes); still watching: it is taken once its size and mtime stop changing",
      ErrorKind::Timeout, false, s.signature().size, {}});
}

WatchTracker::ScanResult WatchTracker::scan(std::int64_t now_ms) {
  ScanResult out;
  ++scan_id_;
  listed_.clear();
  claimed_.clear();

  std::error_code ec;
  std::set<Path> symlinks;
  for (std::filesystem::directory_iterator it(settings_.watch_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const Path name = it->path().filename();
    if (is_ignored_name(name.string())) continue;
    const WatchedKind kind = watched_kind(name);
    if (is_link_entry(settings_.watch_dir / name)) {
      if (kind == WatchedKind::None) continue;
      symlinks.insert(name);
      if (!symlinks_reported_.count(name))
        out.problems.push_back(WatchProblem{name,
                                            name.string() + ": is a symbolic link; the watch folder takes regular "
                                                            "files only (the daemon reads only its queue)",
                                            ErrorKind::InvalidInput, true, 0, {}});
      continue;
    }
    // Every file is followed from the start, not only VM files: a .mf or a
    // disk with an unusual name may turn out to be a part.
    if (observe(name, now_ms) && kind != WatchedKind::None) listed_.emplace(name, kind);
  }
  symlinks_reported_ = std::move(symlinks);
  if (ec) {
    // Keep what is known: an NFS hiccup must not make every file start over.
    if (!listing_failed_reported_)
      out.problems.push_back(WatchProblem{".", settings_.watch_dir.string() + ": cannot list the watch folder: " +
                                                   ec.message(), ErrorKind::Io, false, 0, {}});
    listing_failed_reported_ = true;
    out.pending = true;
    return out;
  }
  listing_failed_reported_ = false;

  for (const auto& [rel, kind] : listed_) {
    TrackedFile& f = files_.at(rel);
    if (!may_name_parts(rel, kind) || !f.stability.stable()) continue;
    if (const FileReading* r = read(rel, f, kind, out); r && r->vm_file) claim_parts(rel, *r, now_ms, out);
  }
  for (const auto& [rel, kind] : listed_)
    if (!claimed_.count(rel)) evaluate(rel, kind, now_ms, out);

  std::erase_if(files_, [&](const auto& entry) {
    return entry.second.seen_in_scan != scan_id_ || !entry.second.present;
  });
  return out;
}

}  // namespace h2k

// An export manifest's parts (its disks) and the check of their checksums,
// through the engine's Artifact Manifest reader.
#include <algorithm>
#include <cctype>

#include "actors/watcher/vm_references.hpp"
#include "engine/formats/disk_format.hpp"
#include "engine/inputs/artifact_manifest.hpp"

namespace h2k {
namespace {

// The reader's messages name absolute paths; problems travel relative.
std::string relative_message(const std::filesystem::path& watch_dir, std::string message) {
  const std::string prefix = (watch_dir.lexically_normal() / "").string();
  for (auto at = message.find(prefix); at != std::string::npos; at = message.find(prefix, at))
    message.erase(at, prefix.size());
  return message;
}

}  // namespace

bool is_export_manifest(const std::filesystem::path& watch_dir, const std::filesystem::path& file) {
  std::string name = file.filename().string();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name == "manifest.json" || probe_file(watch_dir / file).kind == FileKind::Manifest;
}

FileReferences manifest_references(const std::filesystem::path& watch_dir, const std::filesystem::path& file) {
  const ArtifactManifest m = read_artifact_manifest(watch_dir / file);
  FileReferences refs;
  for (const ManifestDisk& d : m.disks) {
    const std::string what = "disk '" + d.id + "' (" + d.local_path.string() + ")";
    auto part = path_in_watch_dir(watch_dir, d.resolved_path);
    if (!part) {
      refs.fault = FileFault{ErrorKind::InvalidInput,
                             what + " is outside the watch folder (the daemon reads only its queue)"};
      continue;
    }
    refs.parts.push_back(PartRef{*part, true, what, d.bytes});
  }
  return refs;
}

std::vector<std::string> verify_export_manifest(const std::filesystem::path& watch_dir,
                                                const std::filesystem::path& file, const CancelToken& cancel) {
  std::vector<std::string> problems = verify_manifest_disks(read_artifact_manifest(watch_dir / file), cancel);
  for (auto& p : problems) p = relative_message(watch_dir, std::move(p));
  return problems;
}

}  // namespace h2k

#pragma once
// Staging folders of the daemon's conversions: ".<vm>.partial-<tag>" next to
// where the VM will be published, with tag "<job>.e<epoch>.<instance>". The
// tag says which attempt wrote it (job + lease epoch) and which daemon (the
// instance id of its state store), so a start-up sweep removes only its own
// dead attempts, never a folder another daemon sharing the output folder is
// still writing, nor one a `hyperctl convert` CLI run is writing (those are
// named "<pid>-<n>" and never match).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace h2k {

struct StagingName {
  std::string job_id;
  std::uint64_t epoch = 0;
  std::string instance;
  bool fenced = false;  // renamed away by fence_staging: dead whatever the store says
};

std::string staging_tag(const std::string& job_id, std::uint64_t epoch, const std::string& instance);
// Parses a folder NAME (not a path); nullopt for anything not written by a daemon.
std::optional<StagingName> parse_staging_folder(const std::string& folder_name);

// Removes the staging folders of `instance` under output_root and its
// immediate sub-folders (the date folders) for which is_dead(name) holds.
// Returns what was removed.
std::vector<std::filesystem::path> sweep_staging(const std::filesystem::path& output_root, const std::string& instance,
                                                 const std::function<bool(const StagingName&)>& is_dead);

// Where an attempt stages the VM it will publish as `output_path` (relative
// to output_root): ".<vm>.partial-<tag>" in the same folder.
std::filesystem::path staging_folder(const std::filesystem::path& output_root, const std::filesystem::path& output_path,
                                     const std::string& tag);

// The staging tag recorded in a published VM folder's report.json
// (request.staging_tag): which attempt renamed it into place. nullopt when
// the report is missing, unreadable, or older than the field.
std::optional<std::string> published_staging_tag(const std::filesystem::path& vm_folder);

// Fences off an attempt that was allowed to publish and then lost its
// lease. Its holder may still rename its staging folder into place (it was
// frozen or cut off between the permission and the rename), and nothing on
// the share can check an epoch. Renaming that folder away first settles the
// race where the file server decides it, since one rename of a directory
// entry wins: if ours wins, the old holder's rename finds nothing (ENOENT)
// and it can never publish; if its rename won, ours finds nothing and the
// output is in place. The new name, ".<vm>.partial-<tag>~fenced", keeps the
// tag (the sweeps remove it as that dead attempt's staging) and is never a
// live attempt's ('~' is in no VM name, job id or instance id), so a
// start-up sweep removes it at once: a crash between the fence and the
// removal that follows it leaves nothing behind.
struct StagingFence {
  enum class Result { fenced, absent, failed } result = Result::absent;
  std::filesystem::path path;  // the fenced folder (fenced) or the staging folder looked for
  std::string error;           // failed: why
};
StagingFence fence_staging(const std::filesystem::path& staging);

}  // namespace h2k

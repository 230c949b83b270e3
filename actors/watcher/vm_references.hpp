#pragma once
// The files a VM description names, read with the engine's own parsers:
// an OVF's disks (plus its .mf/.cert and other referenced files when
// present), a VMX's disks, a VMDK descriptor's extents, an export manifest's
// disks. Paths come back relative to the watch folder; a name that leads
// outside it is a fault (the daemon reads only its queue).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/progress.hpp"

namespace h2k {

struct PartRef {
  std::filesystem::path path;  // relative to the watch folder, lexically normal
  bool required = true;        // false: taken along when present (.mf, .cert, an OVF's nvram)
  std::string what;            // how the describing file names it, for messages
  // The size the description promises (export manifests): a stable file
  // shorter than this is an unfinished transfer, not a complete part.
  std::optional<std::uint64_t> expected_size;
};

struct FileFault {
  ErrorKind kind = ErrorKind::InvalidInput;
  std::string reason;  // without the file name (the caller prefixes it)
};

struct FileReferences {
  std::vector<PartRef> parts;
  std::optional<FileFault> fault;  // set: the file can never become a job (parts still list what is inside)
};

// `file` is relative to `watch_dir` (absolute). Parse failures throw the
// parser's ConversionError (InvalidInput or Unsupported; Io when the file
// could not be read, which may pass).
FileReferences ovf_references(const std::filesystem::path& watch_dir, const std::filesystem::path& file);
FileReferences vmx_references(const std::filesystem::path& watch_dir, const std::filesystem::path& file);
// A .vmdk: its extents when it is a text descriptor, nothing for any other
// content (sparse, stream-optimized, or bytes that are not a VMDK at all:
// the converter reports those).
FileReferences vmdk_references(const std::filesystem::path& watch_dir, const std::filesystem::path& file);
// An export manifest (engine/inputs/artifact_manifest.hpp): its disks, with
// the sizes it promises.
FileReferences manifest_references(const std::filesystem::path& watch_dir, const std::filesystem::path& file);

// Checks every disk of the manifest against its size and sha256 (reads them
// whole: call once they are stable). One message per problem, disk paths
// relative to the watch folder; empty = all good.
std::vector<std::string> verify_export_manifest(const std::filesystem::path& watch_dir,
                                                const std::filesystem::path& file, const CancelToken& cancel);

// True when `file` (relative) is a manifest: named manifest.json, or its
// content probes as an Artifact Manifest.
bool is_export_manifest(const std::filesystem::path& watch_dir, const std::filesystem::path& file);

// `written` (as the describing file names it) resolved against the folder of
// `from` (relative to the watch folder): the relative path, or nullopt when it
// is absolute or climbs out with "..".
std::optional<std::filesystem::path> part_in_watch_dir(const std::filesystem::path& from, const std::string& written);

// An absolute path as a path relative to `watch_dir` (absolute), or nullopt
// when it lies outside.
std::optional<std::filesystem::path> path_in_watch_dir(const std::filesystem::path& watch_dir,
                                                       const std::filesystem::path& absolute);

}  // namespace h2k

#pragma once
// Which files in the watch folder are VM files, decided by name alone (the
// bytes are read only once a file is stable).
#include <filesystem>
#include <string>
#include <string_view>

namespace h2k {

enum class WatchedKind {
  None,  // not a VM file (logs, notes, .mf, ...): never a job of its own
  Disk,  // .vmdk .vhd .vhdx .raw .img .qcow2
  Ova,
  Ovf,
  Vmx,
  Json,  // a possible export manifest (manifest.json, or content that probes as one)
};

// Dotfiles and names of files still being written by their copier
// (*.part, *.tmp, *.partial, *.swp, *~): not looked at at all.
bool is_ignored_name(std::string_view file_name);

// The kind a file's extension (any case) makes it.
WatchedKind watched_kind(const std::filesystem::path& file);

// ReadyVm::file_type of a disk file: "vmdk", "vhd", "vhdx", "raw" (.raw,
// .img), "qcow2"; "" for other names.
std::string disk_file_type(const std::filesystem::path& file);

}  // namespace h2k

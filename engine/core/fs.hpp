#pragma once
// Filesystem helpers that keep the "never publish a partial output" rule:
// write under a temporary name, fsync, then rename into place.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace h2k {

namespace fs = std::filesystem;

// Writes `content` to `path` atomically (temp file in the same folder, fsync, rename).
void atomic_write_file(const fs::path& path, const std::string& content);

// Reads a whole (small) file; throws ConversionError naming the file.
std::string read_text_file(const fs::path& path, std::uintmax_t max_bytes = 64u << 20);

// Reads exactly `size` bytes at `offset` (fewer only at end of file).
std::string read_at(const fs::path& path, std::uint64_t offset, std::size_t size);

// Free bytes on the filesystem holding `path` (or its nearest existing parent).
std::uint64_t free_space(const fs::path& path);

// Flushes a directory entry change (after rename) to disk.
void fsync_dir(const fs::path& dir);

// A directory that is removed on destruction unless commit() renamed it into place.
class StagingDir {
public:
  // Creates `<parent>/.<final_name>.partial-<tag>`, or
  // `<parent>/.<final_name>.partial-<pid>-<n>` when tag is empty.
  StagingDir(const fs::path& parent, const std::string& final_name, const std::string& tag = "");
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  const fs::path& path() const { return path_; }
  const fs::path& final_path() const { return final_; }
  // The regular files in it now (names relative to it, sorted).
  std::vector<std::string> files() const;
  // Throws a ConversionError naming the first of `expected` no longer in it.
  void require_files(const std::vector<std::string>& expected) const;
  // Renames the staging dir to the final path; fails if the final path exists.
  void commit();

private:
  fs::path path_;
  fs::path final_;
  bool committed_ = false;
};

}  // namespace h2k

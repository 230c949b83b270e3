#pragma once
// A table of contents for a tar archive (an OVA), built by reading headers
// only. Entry data is never extracted: callers read it in place through the
// entry's offset and size. Anything an extracting tool could be tricked with
// (path escapes, links, devices, overlapping or oversized entries) is refused,
// so a hostile OVA fails here with an error naming the archive and the entry.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engine/formats/byte_source.hpp"

namespace h2k {

enum class TarEntryType { File, Directory };

struct TarEntry {
  std::string name;               // normalised relative path: no "./", no "//", no trailing '/'
  std::uint64_t data_offset = 0;  // where the entry's bytes start in the archive
  std::uint64_t size = 0;         // length of those bytes
  TarEntryType type = TarEntryType::File;
};

struct TarLimits {
  // No disk we convert is this big; a larger declared size is corrupt or hostile.
  std::uint64_t max_entry_size = std::uint64_t{64} << 40;  // 64 TiB
  // pax 'x' and GNU 'L' records are read into memory, so they are capped.
  std::uint64_t max_meta_record_size = 1 << 20;
  std::size_t max_entries = 100000;
};

class TarIndex {
public:
  // Indexes the archive in `source`; errors name `source.name()`.
  // Pure apart from reads through `source`; throws ConversionError(InvalidInput).
  static TarIndex parse(const ByteSource& source, const TarLimits& limits = {});
  // Opens and indexes a file.
  static TarIndex open(const std::filesystem::path& archive, const TarLimits& limits = {});

  const std::string& archive_name() const { return archive_name_; }
  const std::vector<TarEntry>& entries() const { return entries_; }
  // The regular file called `name` (normalised like entry names), or nullptr.
  const TarEntry* find_file(std::string_view name) const;

private:
  std::string archive_name_;
  std::vector<TarEntry> entries_;
};

// Normalises a member path ("./a//b/" -> "a/b"). Returns "" for the archive
// root. Throws ConversionError naming `archive_name` for absolute paths and
// ".." components, which would escape an extraction folder.
std::string normalise_tar_path(std::string_view raw, const std::string& archive_name);

}  // namespace h2k

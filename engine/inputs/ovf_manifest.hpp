#pragma once
// OVF package manifests (.mf): one "SHA256(file)= hex" line per file.
// Parsing is pure; digests are computed by streaming the bytes (OVA members
// are hashed in place, never extracted).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/formats/byte_source.hpp"

namespace h2k {

struct ManifestLine {
  std::string algorithm;   // "SHA1", "SHA256" or "SHA512"
  std::string file;        // as written in the manifest
  std::string hex_digest;  // lower case
};

// Throws ConversionError(InvalidInput) naming `mf_name` and the line number
// for malformed lines, unknown algorithms and digests of the wrong length.
std::vector<ManifestLine> parse_manifest(std::string_view text, const std::string& mf_name);

// Lower-case hex digest of `length` bytes at `offset` of `source`, read in
// 4 MiB chunks. `algorithm` is "SHA1", "SHA256" or "SHA512".
std::string digest_hex(const std::string& algorithm, const ByteSource& source, std::uint64_t offset,
                       std::uint64_t length, const std::string& file_for_errors);

// Where a file named in the manifest lives: a byte range of some source.
struct ManifestTarget {
  const ByteSource* source = nullptr;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// Checks every line against the file `resolve(name)` returns. `package` names
// the OVA/OVF in errors ("web01.ova: checksum mismatch for web01-disk1.vmdk
// (SHA256 expected ..., got ...)"); a line naming a file that `resolve`
// cannot find is an error too. Returns the names of the files it verified.
std::vector<std::string> verify_manifest(const std::vector<ManifestLine>& lines, const std::string& package,
                                         const std::string& mf_name,
                                         const std::function<std::optional<ManifestTarget>(const std::string&)>& resolve);

}  // namespace h2k

#pragma once
// QEMU qcow2 header (docs/interop/qcow2.txt): enough to refuse what a
// conversion cannot take (backing files, encryption, corruption) before copying.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/formats/byte_source.hpp"

namespace h2k {

struct Qcow2Header {
  std::uint32_t version = 0;               // 2 or 3
  std::uint64_t backing_file_offset = 0;
  std::uint32_t backing_file_size = 0;
  std::uint32_t cluster_bits = 0;          // 9..21
  std::uint64_t size = 0;                  // virtual size in bytes
  std::uint32_t crypt_method = 0;          // 0 none, 1 AES, 2 LUKS
  std::uint32_t l1_size = 0;
  std::uint64_t l1_table_offset = 0;
  std::uint64_t refcount_table_offset = 0;
  std::uint32_t refcount_table_clusters = 0;
  std::uint32_t nb_snapshots = 0;
  std::uint64_t snapshots_offset = 0;
  std::uint64_t incompatible_features = 0; // v3 only
  std::uint64_t compatible_features = 0;
  std::uint64_t autoclear_features = 0;
  std::uint32_t refcount_order = 4;
  std::uint32_t header_length = 72;
  std::string backing_file;                // when it lies inside the bytes given

  std::uint64_t cluster_size() const { return std::uint64_t{1} << cluster_bits; }
};

// Incompatible feature bits we name in messages.
inline constexpr std::uint64_t kQcow2Dirty = 1u << 0;
inline constexpr std::uint64_t kQcow2Corrupt = 1u << 1;
inline constexpr std::uint64_t kQcow2ExternalData = 1u << 2;
inline constexpr std::uint64_t kQcow2CompressionType = 1u << 3;
inline constexpr std::uint64_t kQcow2ExtendedL2 = 1u << 4;

// Parses the header at the start of `bytes` (pass at least the first cluster
// to get the backing file name in messages). With `file_size`, tables must lie
// inside the file. Throws InvalidInput (bad magic, truncated, cluster_bits out
// of 9..21, L1 table too small/large, marked dirty or corrupt) or Unsupported
// (version, backing file, encryption, external data file, unknown features).
Qcow2Header parse_qcow2_header(std::string_view bytes, const std::string& source_name,
                               std::optional<std::uint64_t> file_size = std::nullopt);

struct Qcow2Info {
  Qcow2Header header;
  std::vector<std::string> warnings;
};

// Reads the first cluster (or 64 KiB) of `src` and validates the header.
Qcow2Info inspect_qcow2(const ByteSource& src);

}  // namespace h2k

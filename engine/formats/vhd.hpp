#pragma once
// Microsoft VHD (Virtual PC / Hyper-V gen 1): the 512-byte footer and the
// dynamic disk header. Parsers are pure; inspect_vhd reads a ByteSource.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/formats/byte_source.hpp"

namespace h2k {

enum class VhdDiskType : std::uint32_t { Fixed = 2, Dynamic = 3, Differencing = 4 };
const char* to_string(VhdDiskType type);  // "fixed", "dynamic", "differencing"

struct VhdFooter {
  std::uint32_t features = 0;
  std::uint32_t format_version = 0;     // 0x00010000
  std::uint64_t data_offset = 0;        // dynamic header offset; all ones for fixed disks
  std::uint32_t timestamp = 0;          // seconds since 2000-01-01 00:00 UTC
  std::string creator_app;              // 4 chars: "win ", "vpc ", "qemu", "d2v ", ...
  std::uint32_t creator_version = 0;
  std::string creator_host_os;          // "Wi2k", "Mac "
  std::uint64_t original_size = 0;
  std::uint64_t current_size = 0;
  std::uint16_t cylinders = 0;
  std::uint8_t heads = 0;
  std::uint8_t sectors_per_track = 0;
  VhdDiskType disk_type = VhdDiskType::Fixed;
  std::uint32_t checksum = 0;           // verified by the parser
  std::string uuid;                     // 32 lower-case hex digits
  bool saved_state = false;

  std::uint64_t chs_size() const;       // cylinders * heads * sectors * 512
  // The size qemu's vpc driver presents: CHS for Virtual PC/qemu-made images,
  // current_size for Hyper-V, disk2vhd, XenServer (or when CHS is maxed out).
  std::uint64_t qemu_virtual_size() const;
};

struct VhdDynamicHeader {
  std::uint64_t data_offset = 0;
  std::uint64_t table_offset = 0;       // block allocation table (BAT)
  std::uint32_t header_version = 0;
  std::uint32_t max_table_entries = 0;
  std::uint32_t block_size = 0;
  std::uint32_t checksum = 0;           // verified by the parser
  std::string parent_uuid;
  std::uint32_t parent_timestamp = 0;
  std::string parent_name;              // from UTF-16BE; non-ASCII shown as '?'
};

// Ones' complement of the byte sum, skipping the 4-byte checksum field.
std::uint32_t vhd_checksum(std::string_view bytes, std::size_t checksum_offset);

// Throws InvalidInput: truncated (< 512 bytes), no "conectix" cookie,
// checksum mismatch, unknown disk type, absurd size; Unsupported: format version.
VhdFooter parse_vhd_footer(std::string_view bytes512, const std::string& source_name);

// Throws InvalidInput: truncated (< 1024 bytes), no "cxsparse" cookie,
// checksum mismatch, block size not a power of two >= 512.
VhdDynamicHeader parse_vhd_dynamic_header(std::string_view bytes1024, const std::string& source_name);

struct VhdInfo {
  VhdFooter footer;
  std::optional<VhdDynamicHeader> dynamic;  // dynamic and differencing disks
  std::uint64_t virtual_size = 0;
  std::vector<std::string> warnings;
};

// Reads and validates the footer(s), the dynamic header and the BAT bounds.
// Throws InvalidInput for truncated or corrupted files; Unsupported for
// differencing disks (they need their parent) and disks above qemu's 2040 GiB.
VhdInfo inspect_vhd(const ByteSource& src);

}  // namespace h2k

#pragma once
// Microsoft VHDX (Hyper-V gen 2 format, MS-VHDX v1.0): file identifier, the
// two headers, the region table and the metadata that gives the disk size.
// Everything reads a ByteSource, so fuzzers feed it a whole "file" in memory.
// Nothing here writes: a log that needs replay is reported, not replayed.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/formats/byte_source.hpp"

namespace h2k {

struct VhdxHeader {
  std::uint32_t checksum = 0;
  std::uint64_t sequence_number = 0;
  std::string file_write_guid;
  std::string data_write_guid;
  std::string log_guid;            // all zeros: the log is empty
  std::uint16_t log_version = 0;
  std::uint16_t version = 0;       // 1
  std::uint32_t log_length = 0;
  std::uint64_t log_offset = 0;
  bool log_is_empty() const;
};

struct VhdxRegion {
  std::string guid;
  std::uint64_t file_offset = 0;
  std::uint32_t length = 0;
  bool required = false;
};

struct VhdxMetadataEntry {
  std::string item_id;
  std::uint32_t offset = 0;        // from the start of the metadata region
  std::uint32_t length = 0;
  bool is_user = false;
  bool is_virtual_disk = false;
  bool is_required = false;
};

// "2DC27766-F623-4200-9D64-115E9BFD4A08" from 16 on-disk bytes (first three fields little-endian).
std::string vhdx_guid_to_string(std::string_view bytes16);

// One 4 KiB header ("head", CRC-32C with its checksum field zeroed). Throws InvalidInput.
VhdxHeader parse_vhdx_header(std::string_view bytes4k, const std::string& source_name);
// One 64 KiB region table ("regi", CRC-32C). Throws InvalidInput.
std::vector<VhdxRegion> parse_vhdx_region_table(std::string_view bytes64k, const std::string& source_name);
// The metadata table at the start of the metadata region ("metadata"). Throws InvalidInput.
std::vector<VhdxMetadataEntry> parse_vhdx_metadata_table(std::string_view bytes64k, const std::string& source_name);

struct VhdxInfo {
  std::string creator;              // from the file identifier (UTF-16LE, ASCII shown)
  VhdxHeader header;                // the current one
  int current_header = 0;           // 1 (at 64 KiB) or 2 (at 128 KiB)
  std::vector<VhdxRegion> regions;
  VhdxRegion bat;
  VhdxRegion metadata;
  std::vector<VhdxMetadataEntry> metadata_entries;
  std::uint64_t virtual_size = 0;
  std::uint32_t logical_sector_size = 0;
  std::uint32_t physical_sector_size = 0;
  std::uint32_t block_size = 0;
  bool leave_blocks_allocated = false;
  bool needs_log_replay = false;    // qemu-img replays it, but only on a writable copy
  std::vector<std::string> warnings;
};

// Validates the whole structure and returns the disk's parameters. Throws
// InvalidInput naming the source and the reason (bad signature, CRC mismatch
// in both headers or both region tables, truncated, bad metadata), or
// Unsupported (differencing disk, unknown required region/metadata item).
VhdxInfo inspect_vhdx(const ByteSource& src);

}  // namespace h2k

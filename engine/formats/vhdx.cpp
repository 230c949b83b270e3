#include "engine/formats/vhdx.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "engine/core/error.hpp"
#include "engine/formats/byte_order.hpp"
#include "engine/formats/crc32c.hpp"

namespace h2k {
namespace {

constexpr std::uint64_t KiB = 1024, MiB = 1024 * KiB;
constexpr std::uint64_t kHeader1Offset = 64 * KiB, kHeader2Offset = 128 * KiB;
constexpr std::uint64_t kRegionTable1Offset = 192 * KiB, kRegionTable2Offset = 256 * KiB;
constexpr std::size_t kHeaderSize = 4 * KiB, kTableSize = 64 * KiB;
constexpr std::uint32_t kMaxTableEntries = 2047;
constexpr std::uint64_t kMaxVhdxBytes = 64ull * 1024 * 1024 * MiB;  // 64 TiB: the format's limit

// Region and metadata item GUIDs from MS-VHDX.
constexpr const char* kBatRegion = "2DC27766-F623-4200-9D64-115E9BFD4A08";
constexpr const char* kMetadataRegion = "8B7CA206-4790-4B9A-B8FE-575F050F886E";
constexpr const char* kFileParameters = "CAA16737-FA36-4D43-B3B6-33F0AA44E76B";
constexpr const char* kVirtualDiskSize = "2FA54224-CD1B-4876-B211-5DBED83BF4B8";
constexpr const char* kPage83Data = "BECA12AB-B2E6-4523-93EF-C309E000C746";
constexpr const char* kLogicalSectorSize = "8141BF1D-A96F-4709-BA47-F233A8FAAB5F";
constexpr const char* kPhysicalSectorSize = "CDA348C7-445D-4471-9CC9-E9885251C556";
constexpr const char* kParentLocator = "A8D35F2D-B30B-454D-ABF7-D3D84834AB0C";

[[noreturn]] void invalid(const std::string& name, const std::string& reason) {
  throw ConversionError(ErrorKind::InvalidInput, name, reason);
}
[[noreturn]] void unsupported(const std::string& name, const std::string& reason) {
  throw ConversionError(ErrorKind::Unsupported, name, reason);
}

std::string hex32(std::uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// The checksum covers the structure with its own checksum field (bytes 4..7) zeroed.
void verify_crc(std::string_view data, const std::string& name, const std::string& what) {
  std::uint32_t stored = bytes::le32(data, 4);
  std::string copy(data);
  copy.replace(4, 4, 4, '\0');
  std::uint32_t computed = crc32c(copy);
  if (stored != computed)
    invalid(name, what + " CRC-32C mismatch (stored " + hex32(stored) + ", computed " + hex32(computed) + ")");
}

bool is_power_of_two(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

std::string utf16le_to_display(std::string_view b) {
  std::string out;
  for (std::size_t i = 0; i + 1 < b.size(); i += 2) {
    std::uint16_t ch = bytes::le16(b, i);
    if (ch == 0) break;
    out += (ch >= 0x20 && ch < 0x7f) ? static_cast<char>(ch) : '?';
  }
  return out;
}

const VhdxMetadataEntry* find_item(const std::vector<VhdxMetadataEntry>& entries, const char* id) {
  for (const auto& e : entries)
    if (!e.is_user && e.item_id == id) return &e;
  return nullptr;
}

// Reads a known metadata item, checking it is present, long enough and inside the region.
std::string read_item(const ByteSource& src, const VhdxRegion& region, const std::vector<VhdxMetadataEntry>& entries,
                      const char* id, const char* label, std::size_t min_length) {
  const VhdxMetadataEntry* e = find_item(entries, id);
  if (!e) invalid(src.name(), std::string("VHDX metadata item '") + label + "' is missing");
  if (e->length < min_length)
    invalid(src.name(), std::string("VHDX metadata item '") + label + "' is " + std::to_string(e->length) +
                            " bytes, expected " + std::to_string(min_length));
  return read_exact(src, region.file_offset + e->offset, min_length, std::string("VHDX metadata item '") + label + "'");
}

std::optional<VhdxHeader> try_header(const ByteSource& src, std::uint64_t offset, std::string& why) {
  std::string bytes = src.read(offset, kHeaderSize);
  try {
    return parse_vhdx_header(bytes, src.name());
  } catch (const ConversionError& e) {
    why = e.reason();
    return std::nullopt;
  }
}

}  // namespace

bool VhdxHeader::log_is_empty() const { return log_guid == "00000000-0000-0000-0000-000000000000"; }

std::string vhdx_guid_to_string(std::string_view b) {
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", bytes::le32(b, 0),
                bytes::le16(b, 4), bytes::le16(b, 6), static_cast<unsigned char>(b[8]), static_cast<unsigned char>(b[9]),
                static_cast<unsigned char>(b[10]), static_cast<unsigned char>(b[11]), static_cast<unsigned char>(b[12]),
                static_cast<unsigned char>(b[13]), static_cast<unsigned char>(b[14]), static_cast<unsigned char>(b[15]));
  return buf;
}

VhdxHeader parse_vhdx_header(std::string_view b, const std::string& name) {
  if (b.size() < kHeaderSize) invalid(name, "truncated: VHDX header needs 4096 bytes, got " + std::to_string(b.size()));
  b = b.substr(0, kHeaderSize);
  if (!bytes::has_magic(b, 0, "head")) invalid(name, "VHDX header has no 'head' signature");
  verify_crc(b, name, "VHDX header");
  VhdxHeader h;
  h.checksum = bytes::le32(b, 4);
  h.sequence_number = bytes::le64(b, 8);
  h.file_write_guid = vhdx_guid_to_string(b.substr(16, 16));
  h.data_write_guid = vhdx_guid_to_string(b.substr(32, 16));
  h.log_guid = vhdx_guid_to_string(b.substr(48, 16));
  h.log_version = bytes::le16(b, 64);
  h.version = bytes::le16(b, 66);
  h.log_length = bytes::le32(b, 68);
  h.log_offset = bytes::le64(b, 72);
  if (h.version != 1) unsupported(name, "VHDX header version " + std::to_string(h.version) + " (expected 1)");
  return h;
}

std::vector<VhdxRegion> parse_vhdx_region_table(std::string_view b, const std::string& name) {
  if (b.size() < kTableSize) invalid(name, "truncated: VHDX region table needs 65536 bytes, got " + std::to_string(b.size()));
  b = b.substr(0, kTableSize);
  if (!bytes::has_magic(b, 0, "regi")) invalid(name, "VHDX region table has no 'regi' signature");
  verify_crc(b, name, "VHDX region table");
  std::uint32_t count = bytes::le32(b, 8);
  if (count > kMaxTableEntries) invalid(name, "VHDX region table claims " + std::to_string(count) + " entries (max 2047)");
  std::vector<VhdxRegion> regions;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::size_t at = 16 + std::size_t{i} * 32;
    VhdxRegion r;
    r.guid = vhdx_guid_to_string(b.substr(at, 16));
    r.file_offset = bytes::le64(b, at + 16);
    r.length = bytes::le32(b, at + 24);
    r.required = bytes::le32(b, at + 28) & 1u;
    regions.push_back(std::move(r));
  }
  return regions;
}

std::vector<VhdxMetadataEntry> parse_vhdx_metadata_table(std::string_view b, const std::string& name) {
  if (b.size() < kTableSize) invalid(name, "truncated: VHDX metadata table needs 65536 bytes, got " + std::to_string(b.size()));
  if (!bytes::has_magic(b, 0, "metadata")) invalid(name, "VHDX metadata table has no 'metadata' signature");
  std::uint16_t count = bytes::le16(b, 10);
  if (count > kMaxTableEntries) invalid(name, "VHDX metadata table claims " + std::to_string(count) + " entries (max 2047)");
  std::vector<VhdxMetadataEntry> entries;
  for (std::uint16_t i = 0; i < count; ++i) {
    std::size_t at = 32 + std::size_t{i} * 32;
    VhdxMetadataEntry e;
    e.item_id = vhdx_guid_to_string(b.substr(at, 16));
    e.offset = bytes::le32(b, at + 16);
    e.length = bytes::le32(b, at + 20);
    std::uint32_t flags = bytes::le32(b, at + 24);
    e.is_user = flags & 1u;
    e.is_virtual_disk = flags & 2u;
    e.is_required = flags & 4u;
    if (e.length != 0 && e.offset < kTableSize)
      invalid(name, "VHDX metadata item " + e.item_id + " overlaps the metadata table (offset " + std::to_string(e.offset) + ")");
    entries.push_back(std::move(e));
  }
  return entries;
}

VhdxInfo inspect_vhdx(const ByteSource& src) {
  const std::string& name = src.name();
  const std::uint64_t size = src.size();
  VhdxInfo info;

  std::string ident = read_exact(src, 0, 520, "VHDX file identifier");
  if (!bytes::has_magic(ident, 0, "vhdxfile")) invalid(name, "not a VHDX file (no 'vhdxfile' identifier)");
  info.creator = utf16le_to_display(std::string_view(ident).substr(8, 512));
  if (size < kRegionTable2Offset + kTableSize)
    invalid(name, "truncated: " + std::to_string(size) + " bytes is too small for the VHDX headers and region tables (320 KiB)");

  // Two headers for crash safety; the valid one with the higher sequence number is current.
  std::string why1, why2;
  auto h1 = try_header(src, kHeader1Offset, why1);
  auto h2 = try_header(src, kHeader2Offset, why2);
  if (!h1 && !h2) invalid(name, "neither VHDX header is valid (header 1: " + why1 + "; header 2: " + why2 + ")");
  if (h1 && (!h2 || h1->sequence_number >= h2->sequence_number)) {
    info.header = *h1;
    info.current_header = 1;
  } else {
    info.header = *h2;
    info.current_header = 2;
  }
  if (!h1) info.warnings.push_back("VHDX header 1 is damaged (" + why1 + "); using header 2");
  if (!h2) info.warnings.push_back("VHDX header 2 is damaged (" + why2 + "); using header 1");

  const VhdxHeader& h = info.header;
  if (!h.log_is_empty()) {
    info.needs_log_replay = true;
    info.warnings.push_back("the VHDX log must be replayed (the disk was not closed cleanly); "
                            "qemu-img replays it on a writable copy, the source is never modified");
    if (h.log_offset % MiB != 0 || h.log_length % MiB != 0 || h.log_offset < MiB || h.log_offset > size ||
        h.log_length > size - h.log_offset)
      invalid(name, "VHDX log (offset " + std::to_string(h.log_offset) + ", length " + std::to_string(h.log_length) +
                        ") lies outside the file or is misaligned");
  }

  // Region table: two copies as well; the second is used only if the first is bad.
  std::vector<VhdxRegion> regions;
  try {
    regions = parse_vhdx_region_table(src.read(kRegionTable1Offset, kTableSize), name);
  } catch (const ConversionError& first) {
    try {
      regions = parse_vhdx_region_table(src.read(kRegionTable2Offset, kTableSize), name);
      info.warnings.push_back("VHDX region table 1 is damaged (" + first.reason() + "); using region table 2");
    } catch (const ConversionError& second) {
      invalid(name, "neither VHDX region table is valid (table 1: " + first.reason() + "; table 2: " + second.reason() + ")");
    }
  }
  bool have_bat = false, have_metadata = false;
  for (const auto& r : regions) {
    if (r.file_offset % MiB != 0 || r.file_offset < MiB || r.length % MiB != 0 || r.length == 0)
      invalid(name, "VHDX region " + r.guid + " is misaligned (offset " + std::to_string(r.file_offset) + ", length " +
                        std::to_string(r.length) + ")");
    if (r.file_offset > size || r.length > size - r.file_offset)
      invalid(name, "truncated: VHDX region " + r.guid + " (bytes " + std::to_string(r.file_offset) + ".." +
                        std::to_string(r.file_offset + r.length) + ") runs past the end of the file (" +
                        std::to_string(size) + " bytes)");
    bool* seen = r.guid == kBatRegion ? &have_bat : r.guid == kMetadataRegion ? &have_metadata : nullptr;
    if (seen) {
      if (*seen) invalid(name, "VHDX region " + r.guid + " appears twice");
      *seen = true;
      (r.guid == kBatRegion ? info.bat : info.metadata) = r;
    } else if (r.required) {
      unsupported(name, "VHDX has an unknown required region " + r.guid);
    }
  }
  if (!have_bat) invalid(name, "VHDX region table has no block allocation table (BAT) region");
  if (!have_metadata) invalid(name, "VHDX region table has no metadata region");
  info.regions = std::move(regions);

  if (info.metadata.length < kTableSize) invalid(name, "VHDX metadata region is smaller than its 64 KiB table");
  info.metadata_entries = parse_vhdx_metadata_table(read_exact(src, info.metadata.file_offset, kTableSize, "VHDX metadata table"), name);
  for (const auto& e : info.metadata_entries) {
    if (e.offset > info.metadata.length || e.length > info.metadata.length - e.offset)
      invalid(name, "VHDX metadata item " + e.item_id + " lies outside the metadata region");
    bool known = !e.is_user && (e.item_id == kFileParameters || e.item_id == kVirtualDiskSize || e.item_id == kPage83Data ||
                                e.item_id == kLogicalSectorSize || e.item_id == kPhysicalSectorSize ||
                                e.item_id == kParentLocator);
    if (!known && e.is_required) unsupported(name, "VHDX has an unknown required metadata item " + e.item_id);
  }

  const auto& entries = info.metadata_entries;
  std::string params = read_item(src, info.metadata, entries, kFileParameters, "file parameters", 8);
  info.block_size = bytes::le32(params, 0);
  std::uint32_t param_flags = bytes::le32(params, 4);
  info.leave_blocks_allocated = param_flags & 1u;
  if (param_flags & 2u)
    unsupported(name, "differencing VHDX (it has a parent disk): merge it into its parent first, then convert the merged disk");
  if (!is_power_of_two(info.block_size) || info.block_size < MiB || info.block_size > 256 * MiB)
    invalid(name, "VHDX block size " + std::to_string(info.block_size) + " is not a power of two between 1 MiB and 256 MiB");

  info.virtual_size = bytes::le64(read_item(src, info.metadata, entries, kVirtualDiskSize, "virtual disk size", 8), 0);
  info.logical_sector_size = bytes::le32(read_item(src, info.metadata, entries, kLogicalSectorSize, "logical sector size", 4), 0);
  info.physical_sector_size = bytes::le32(read_item(src, info.metadata, entries, kPhysicalSectorSize, "physical sector size", 4), 0);
  if (info.logical_sector_size != 512 && info.logical_sector_size != 4096)
    invalid(name, "VHDX logical sector size " + std::to_string(info.logical_sector_size) + " (must be 512 or 4096)");
  if (info.physical_sector_size != 512 && info.physical_sector_size != 4096)
    invalid(name, "VHDX physical sector size " + std::to_string(info.physical_sector_size) + " (must be 512 or 4096)");
  if (info.virtual_size == 0) invalid(name, "VHDX virtual disk size is 0");
  if (info.virtual_size > kMaxVhdxBytes || info.virtual_size % info.logical_sector_size != 0)
    invalid(name, "VHDX virtual disk size " + std::to_string(info.virtual_size) +
                      " is above 64 TiB or not a multiple of the logical sector size");

  // BAT: one entry per data block, plus one sector-bitmap entry per chunk.
  std::uint64_t chunk_ratio = ((std::uint64_t{1} << 23) * info.logical_sector_size) / info.block_size;
  std::uint64_t data_blocks = (info.virtual_size + info.block_size - 1) / info.block_size;
  std::uint64_t bat_entries = data_blocks + (data_blocks - 1) / chunk_ratio;
  if (std::uint64_t{info.bat.length} < bat_entries * 8)
    invalid(name, "VHDX block allocation table is too small: " + std::to_string(info.bat.length) + " bytes for " +
                      std::to_string(bat_entries) + " entries");
  return info;
}

}  // namespace h2k

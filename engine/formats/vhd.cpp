#include "engine/formats/vhd.hpp"

#include <cstdio>

#include "engine/core/error.hpp"
#include "engine/formats/byte_order.hpp"

namespace h2k {
namespace {

constexpr std::size_t kFooterSize = 512;
constexpr std::size_t kDynamicHeaderSize = 1024;
constexpr std::uint64_t kMaxGeometrySectors = 65535ull * 16 * 255;
constexpr std::uint64_t kQemuMaxSectors = 0xff000000ull;  // qemu's vpc limit: 2040 GiB

[[noreturn]] void invalid(const std::string& name, const std::string& reason) {
  throw ConversionError(ErrorKind::InvalidInput, name, reason);
}

std::string hex_bytes(std::string_view b) {
  std::string out;
  char buf[3];
  for (unsigned char c : b) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

std::string hex32(std::uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

// Parent names are UTF-16 big-endian; we only need them for messages.
std::string utf16be_to_display(std::string_view b) {
  std::string out;
  for (std::size_t i = 0; i + 1 < b.size(); i += 2) {
    std::uint16_t ch = bytes::be16(b, i);
    if (ch == 0) break;
    out += (ch >= 0x20 && ch < 0x7f) ? static_cast<char>(ch) : '?';
  }
  return out;
}

void verify_checksum(std::string_view bytes, std::size_t offset, std::uint32_t stored, const std::string& name,
                     const char* what) {
  std::uint32_t computed = vhd_checksum(bytes, offset);
  if (computed != stored)
    invalid(name, std::string(what) + " checksum mismatch (stored " + hex32(stored) + ", computed " + hex32(computed) +
                      "): the file is corrupted");
}

}  // namespace

const char* to_string(VhdDiskType type) {
  switch (type) {
    case VhdDiskType::Fixed: return "fixed";
    case VhdDiskType::Dynamic: return "dynamic";
    case VhdDiskType::Differencing: return "differencing";
  }
  return "?";
}

std::uint64_t VhdFooter::chs_size() const {
  return std::uint64_t{cylinders} * heads * sectors_per_track * 512;
}

std::uint64_t VhdFooter::qemu_virtual_size() const {
  bool current_size_creator = creator_app == "win " || creator_app == "qem2" || creator_app == "d2v " ||
                              creator_app == "CTXS" || creator_app == std::string("tap\0", 4);
  if (current_size_creator || chs_size() / 512 == kMaxGeometrySectors) return current_size / 512 * 512;
  return chs_size();
}

std::uint32_t vhd_checksum(std::string_view bytes, std::size_t checksum_offset) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i >= checksum_offset && i < checksum_offset + 4) continue;
    sum += static_cast<unsigned char>(bytes[i]);
  }
  return ~sum;
}

VhdFooter parse_vhd_footer(std::string_view b, const std::string& name) {
  if (b.size() < kFooterSize)
    invalid(name, "truncated: VHD footer needs 512 bytes, got " + std::to_string(b.size()));
  b = b.substr(0, kFooterSize);
  if (!bytes::has_magic(b, 0, "conectix")) invalid(name, "no VHD footer ('conectix' cookie missing)");
  VhdFooter f;
  f.features = bytes::be32(b, 8);
  f.format_version = bytes::be32(b, 12);
  f.data_offset = bytes::be64(b, 16);
  f.timestamp = bytes::be32(b, 24);
  f.creator_app = std::string(b.substr(28, 4));
  f.creator_version = bytes::be32(b, 32);
  f.creator_host_os = std::string(b.substr(36, 4));
  f.original_size = bytes::be64(b, 40);
  f.current_size = bytes::be64(b, 48);
  f.cylinders = bytes::be16(b, 56);
  f.heads = static_cast<std::uint8_t>(b[58]);
  f.sectors_per_track = static_cast<std::uint8_t>(b[59]);
  std::uint32_t type = bytes::be32(b, 60);
  f.checksum = bytes::be32(b, 64);
  f.uuid = hex_bytes(b.substr(68, 16));
  f.saved_state = b[84] != 0;

  verify_checksum(b, 64, f.checksum, name, "VHD footer");
  if (f.format_version >> 16 != 1)
    throw ConversionError(ErrorKind::Unsupported, name, "VHD format version " + hex32(f.format_version) + " (expected 1.x)");
  if (type < 2 || type > 4) invalid(name, "unknown VHD disk type " + std::to_string(type) + " (expected 2, 3 or 4)");
  f.disk_type = static_cast<VhdDiskType>(type);
  if (f.current_size > (std::uint64_t{1} << 48))
    invalid(name, "absurd disk size of " + std::to_string(f.current_size) + " bytes in the footer");
  return f;
}

VhdDynamicHeader parse_vhd_dynamic_header(std::string_view b, const std::string& name) {
  if (b.size() < kDynamicHeaderSize)
    invalid(name, "truncated: VHD dynamic header needs 1024 bytes, got " + std::to_string(b.size()));
  b = b.substr(0, kDynamicHeaderSize);
  if (!bytes::has_magic(b, 0, "cxsparse")) invalid(name, "VHD dynamic header has no 'cxsparse' cookie");
  VhdDynamicHeader h;
  h.data_offset = bytes::be64(b, 8);
  h.table_offset = bytes::be64(b, 16);
  h.header_version = bytes::be32(b, 24);
  h.max_table_entries = bytes::be32(b, 28);
  h.block_size = bytes::be32(b, 32);
  h.checksum = bytes::be32(b, 36);
  h.parent_uuid = hex_bytes(b.substr(40, 16));
  h.parent_timestamp = bytes::be32(b, 56);
  h.parent_name = utf16be_to_display(b.substr(64, 512));

  verify_checksum(b, 36, h.checksum, name, "VHD dynamic header");
  if (h.block_size < 512 || (h.block_size & (h.block_size - 1)) != 0)
    invalid(name, "VHD block size " + std::to_string(h.block_size) + " is not a power of two of at least 512");
  return h;
}

VhdInfo inspect_vhd(const ByteSource& src) {
  const std::string& name = src.name();
  const std::uint64_t size = src.size();
  if (size < kFooterSize)
    invalid(name, "truncated: " + std::to_string(size) + " bytes is too small for a VHD (512-byte footer)");

  VhdInfo info;
  std::string tail = read_exact(src, size - kFooterSize, kFooterSize, "VHD footer");
  std::string head = read_exact(src, 0, kFooterSize, "VHD header");
  const bool head_has_copy = bytes::has_magic(head, 0, "conectix");
  if (!bytes::has_magic(tail, 0, "conectix")) {
    if (head_has_copy)
      invalid(name, "truncated: the VHD starts with a footer copy but the footer at the end of the file is missing");
    invalid(name, "no VHD footer in the last 512 bytes ('conectix' cookie missing): truncated or not a VHD");
  }
  info.footer = parse_vhd_footer(tail, name);
  const VhdFooter& f = info.footer;

  if (f.disk_type == VhdDiskType::Fixed) {
    info.virtual_size = f.qemu_virtual_size();
    std::uint64_t data_bytes = size - kFooterSize;
    if (data_bytes < info.virtual_size)
      invalid(name, "truncated: fixed VHD declares " + std::to_string(info.virtual_size) + " bytes but holds " +
                        std::to_string(data_bytes));
  } else {
    if (!head_has_copy) invalid(name, "dynamic VHD has no footer copy at the start of the file");
    try {
      parse_vhd_footer(head, name);  // validates the copy's checksum too
    } catch (const ConversionError& e) {
      throw ConversionError(e.kind(), name, "footer copy at offset 0: " + e.reason());
    }
    if (head != tail) info.warnings.push_back("the footer copy at offset 0 differs from the footer at the end");
    if (f.data_offset < kFooterSize || f.data_offset > size - kFooterSize ||
        size - kFooterSize - f.data_offset < kDynamicHeaderSize)
      invalid(name, "truncated: dynamic header offset " + std::to_string(f.data_offset) + " lies outside the file (" +
                        std::to_string(size) + " bytes)");
    VhdDynamicHeader h = parse_vhd_dynamic_header(read_exact(src, f.data_offset, kDynamicHeaderSize, "VHD dynamic header"), name);
    if (f.disk_type == VhdDiskType::Differencing) {
      throw ConversionError(ErrorKind::Unsupported, name,
                            "differencing disk (parent '" + h.parent_name +
                                "'): merge it into its parent first (Hyper-V 'Edit Disk' > Merge), then convert the merged disk");
    }
    info.virtual_size = f.qemu_virtual_size();
    std::uint64_t blocks_needed = (info.virtual_size + h.block_size - 1) / h.block_size;
    if (blocks_needed > h.max_table_entries)
      invalid(name, "block allocation table too small: " + std::to_string(h.max_table_entries) + " entries of " +
                        std::to_string(h.block_size) + " bytes cannot hold " + std::to_string(info.virtual_size) +
                        " bytes");
    std::uint64_t bat_end = h.table_offset + std::uint64_t{h.max_table_entries} * 4;
    if (h.table_offset > size || bat_end > size - kFooterSize)
      invalid(name, "truncated: block allocation table (bytes " + std::to_string(h.table_offset) + ".." +
                        std::to_string(bat_end) + ") runs past the end of the file (" + std::to_string(size) + " bytes)");
    info.dynamic = h;
  }
  if (info.virtual_size == 0) invalid(name, "VHD has a virtual size of 0 bytes");
  if (info.virtual_size / 512 > kQemuMaxSectors)
    throw ConversionError(ErrorKind::Unsupported, name,
                          "VHD of " + std::to_string(info.virtual_size) + " bytes exceeds the 2040 GiB VHD limit");
  if (f.saved_state) info.warnings.push_back("the VM was saved (hibernated) with this disk: in-memory state is lost");
  if (f.chs_size() != f.current_size / 512 * 512 && info.virtual_size == f.chs_size())
    info.warnings.push_back("using the CHS geometry size " + std::to_string(f.chs_size()) + " (creator '" +
                            printable(f.creator_app) + "'), not the footer size " + std::to_string(f.current_size));
  return info;
}

}  // namespace h2k

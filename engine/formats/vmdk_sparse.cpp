// The hosted sparse extent header ("KDMV", VMware Virtual Disk Format 5.0 §5).
#include "engine/core/error.hpp"
#include "engine/formats/byte_order.hpp"
#include "engine/formats/vmdk.hpp"

namespace h2k {
namespace {

constexpr std::uint64_t kSector = 512;
// VMware writes at most a few KiB of descriptor; 1 MiB keeps hostile sizes bounded.
constexpr std::uint64_t kMaxDescriptorSectors = 2048;
constexpr std::uint64_t kMaxGrainSectors = 1u << 16;  // 32 MiB grains; VMware uses 128 (64 KiB)

[[noreturn]] void invalid(const std::string& name, const std::string& reason) {
  throw ConversionError(ErrorKind::InvalidInput, name, reason);
}

bool is_power_of_two(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

VmdkSparseHeader parse_vmdk_sparse_header(std::string_view bytes, const std::string& name,
                                          std::optional<std::uint64_t> file_size) {
  if (bytes.size() < kSector)
    invalid(name, "truncated: VMDK sparse header needs 512 bytes, the file has " + std::to_string(bytes.size()));
  if (!bytes::has_magic(bytes, 0, "KDMV")) invalid(name, "not a VMDK sparse extent (no 'KDMV' magic)");

  VmdkSparseHeader h;
  h.version = bytes::le32(bytes, 4);
  h.flags = bytes::le32(bytes, 8);
  h.capacity_sectors = bytes::le64(bytes, 12);
  h.grain_sectors = bytes::le64(bytes, 20);
  h.descriptor_offset = bytes::le64(bytes, 28);
  h.descriptor_size = bytes::le64(bytes, 36);
  h.gtes_per_gt = bytes::le32(bytes, 44);
  h.rgd_offset = bytes::le64(bytes, 48);
  h.gd_offset = bytes::le64(bytes, 56);
  h.overhead_sectors = bytes::le64(bytes, 64);
  h.unclean_shutdown = bytes[72] != 0;
  h.compress_algorithm = bytes::le16(bytes, 77);

  if (h.version < 1 || h.version > 3)
    throw ConversionError(ErrorKind::Unsupported, name,
                          "VMDK sparse header version " + std::to_string(h.version) + " (expected 1, 2 or 3)");
  // Flag bit 0: the four bytes at 73..76 are "\n \r\n"; FTP in ASCII mode breaks them.
  if ((h.flags & 1u) && bytes.substr(73, 4) != std::string_view("\n \r\n", 4))
    invalid(name, "newline check failed: the file was corrupted by a text-mode transfer (e.g. FTP ASCII mode)");
  if (h.grain_sectors == 0) invalid(name, "grain size is 0");
  if (!is_power_of_two(h.grain_sectors) || h.grain_sectors > kMaxGrainSectors)
    invalid(name, "grain size of " + std::to_string(h.grain_sectors) + " sectors is not a power of two up to " +
                      std::to_string(kMaxGrainSectors));
  if (h.gtes_per_gt != 512)
    invalid(name, "numGTEsPerGT is " + std::to_string(h.gtes_per_gt) + " (must be 512)");
  if (h.capacity_sectors > UINT64_MAX / kSector)
    invalid(name, "capacity of " + std::to_string(h.capacity_sectors) + " sectors overflows a byte count");
  if (h.capacity_sectors > kMaxDiskBytes / kSector)
    invalid(name, "absurd capacity of " + std::to_string(h.capacity_sectors) + " sectors");
  if (h.capacity_sectors == 0) invalid(name, "capacity is 0 sectors");
  if (h.compress_algorithm > 1)
    throw ConversionError(ErrorKind::Unsupported, name,
                          "unknown grain compression algorithm " + std::to_string(h.compress_algorithm));
  if (h.has_compressed_grains() && h.compress_algorithm == 0)
    invalid(name, "header says grains are compressed but names no compression algorithm");
  if ((h.descriptor_offset == 0) != (h.descriptor_size == 0))
    invalid(name, "embedded descriptor has offset " + std::to_string(h.descriptor_offset) + " but size " +
                      std::to_string(h.descriptor_size));
  if (h.descriptor_size > kMaxDescriptorSectors)
    invalid(name, "embedded descriptor of " + std::to_string(h.descriptor_size) + " sectors is absurdly large");
  if (h.descriptor_offset > kMaxDiskBytes / kSector)
    invalid(name, "embedded descriptor offset " + std::to_string(h.descriptor_offset) + " is absurd");

  if (file_size) {
    std::uint64_t desc_end = (h.descriptor_offset + h.descriptor_size) * kSector;
    if (h.has_embedded_descriptor() && desc_end > *file_size)
      invalid(name, "truncated: embedded descriptor (sectors " + std::to_string(h.descriptor_offset) + ".." +
                        std::to_string(h.descriptor_offset + h.descriptor_size) + ") lies beyond the end of the file (" +
                        std::to_string(*file_size) + " bytes)");
    // streamOptimized may defer the grain directory to the footer (GD_AT_END).
    if (h.gd_offset != VmdkSparseHeader::kGdAtEnd && h.gd_offset >= *file_size / kSector)
      invalid(name, "truncated: grain directory at sector " + std::to_string(h.gd_offset) +
                        " lies beyond the end of the file (" + std::to_string(*file_size) + " bytes)");
  }
  return h;
}

std::string read_vmdk_embedded_descriptor(const ByteSource& src, const VmdkSparseHeader& header) {
  if (!header.has_embedded_descriptor()) return {};
  std::string text = read_exact(src, header.descriptor_offset * kSector,
                                static_cast<std::size_t>(header.descriptor_size * kSector), "embedded descriptor");
  std::size_t nul = text.find('\0');
  if (nul != std::string::npos) text.resize(nul);
  return text;
}

}  // namespace h2k

#pragma once
// VMware VMDK: the text descriptor, the hosted sparse extent header ("KDMV")
// and the checks that every extent a descriptor names is really there.
// Parsers are pure (string in, struct out); the *_file / check_* functions do I/O.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/formats/byte_source.hpp"

namespace h2k {

// Largest disk we accept from any header before calling it absurd (VMware's
// own limit is 62 TiB; this leaves room without letting sizes overflow).
inline constexpr std::uint64_t kMaxDiskBytes = std::uint64_t{1} << 48;  // 256 TiB

enum class VmdkAccess { ReadWrite, ReadOnly, NoAccess };
enum class VmdkExtentType { Sparse, Flat, Zero, Vmfs, VmfsSparse, SeSparse };

const char* to_string(VmdkAccess access);        // "RW", "RDONLY", "NOACCESS"
const char* to_string(VmdkExtentType type);      // "SPARSE", "FLAT", ...

struct VmdkExtent {
  VmdkAccess access = VmdkAccess::ReadWrite;
  std::uint64_t size_sectors = 0;
  VmdkExtentType type = VmdkExtentType::Flat;
  std::string filename;       // as written, relative to the descriptor; empty for ZERO
  std::uint64_t offset_sectors = 0;  // start inside the file (FLAT/VMFS only)
  int line = 0;               // 1-based line in the descriptor
};

struct VmdkGeometry {
  std::uint64_t cylinders = 0;
  std::uint32_t heads = 0;
  std::uint32_t sectors = 0;
};

struct VmdkDescriptor {
  int version = 1;
  std::uint32_t cid = 0;
  std::uint32_t parent_cid = 0xffffffffu;   // ffffffff: no parent (a base disk)
  std::string create_type;                  // "monolithicSparse", "twoGbMaxExtentFlat", ...
  std::vector<VmdkExtent> extents;
  std::map<std::string, std::string> ddb;   // every "ddb.*" entry, key without "ddb."
  std::map<std::string, std::string> other; // other header keys (encoding, isNativeSnapshot, ...)
  // Convenience views of well-known ddb entries ("" / nullopt when absent).
  std::string adapter_type;                 // ddb.adapterType: "ide", "lsilogic", "buslogic", "pvscsi", ...
  std::optional<VmdkGeometry> geometry;     // ddb.geometry.*
  std::string virtual_hw_version;           // ddb.virtualHWVersion
  std::string uuid;                         // ddb.uuid

  std::uint64_t capacity_sectors() const;   // sum of extent sizes
  std::uint64_t virtual_size() const { return capacity_sectors() * 512; }
};

// Parses a descriptor (a standalone .vmdk text file or the text embedded in a
// sparse extent). Throws ConversionError naming `source_name`, the line number
// and the reason: InvalidInput for malformed text, bad extent lines, no
// extents, hostile extent names (absolute, '..', backslashes), absurd sizes;
// Unsupported for snapshot (delta) disks (parentCID != ffffffff) and
// device-backed disks (fullDevice, partitionedDevice, raw device mappings).
VmdkDescriptor parse_vmdk_descriptor(std::string_view text, const std::string& source_name);

// The hosted sparse extent header (the first 512 bytes of a KDMV file).
struct VmdkSparseHeader {
  static constexpr std::uint64_t kGdAtEnd = 0xffffffffffffffffull;  // streamOptimized: footer holds the GD

  std::uint32_t version = 0;          // 1, 2 or 3
  std::uint32_t flags = 0;
  std::uint64_t capacity_sectors = 0;
  std::uint64_t grain_sectors = 0;
  std::uint64_t descriptor_offset = 0;  // sectors; 0 = no embedded descriptor
  std::uint64_t descriptor_size = 0;    // sectors
  std::uint32_t gtes_per_gt = 0;
  std::uint64_t rgd_offset = 0;
  std::uint64_t gd_offset = 0;
  std::uint64_t overhead_sectors = 0;
  bool unclean_shutdown = false;
  std::uint16_t compress_algorithm = 0;  // 0 none, 1 deflate

  bool has_compressed_grains() const { return flags & (1u << 16); }
  bool has_markers() const { return flags & (1u << 17); }
  bool is_stream_optimized() const { return has_compressed_grains() && compress_algorithm == 1; }
  bool has_embedded_descriptor() const { return descriptor_offset != 0 && descriptor_size != 0; }
  std::uint64_t virtual_size() const { return capacity_sectors * 512; }
};

// Parses and validates the header. With `file_size`, also checks that the
// embedded descriptor and grain directories lie inside the file. Throws
// InvalidInput (bad magic, truncated, grain size 0 / not a power of two,
// numGTEsPerGT != 512, capacity overflow, newline check failed: the file was
// transferred in text mode) or Unsupported (unknown version, compression).
VmdkSparseHeader parse_vmdk_sparse_header(std::string_view bytes512, const std::string& source_name,
                                          std::optional<std::uint64_t> file_size = std::nullopt);

// The embedded descriptor's text (NUL padding stripped), or "" if the header
// declares none. Throws InvalidInput when it lies beyond the end of `src`.
std::string read_vmdk_embedded_descriptor(const ByteSource& src, const VmdkSparseHeader& header);

// Files holding the data of every non-ZERO extent, resolved against the
// descriptor's folder (duplicates removed, in descriptor order).
std::vector<std::filesystem::path> vmdk_extent_paths(const VmdkDescriptor& descriptor,
                                                     const std::filesystem::path& descriptor_path);

// Checks every extent: present ("web01.vmdk: extent 'web01-flat.vmdk' is
// missing"), a regular file, FLAT/VMFS long enough for offset + size, SPARSE
// with a valid KDMV header covering its size. Throws InvalidInput naming the
// descriptor and the extent.
void check_vmdk_extents(const VmdkDescriptor& descriptor, const std::filesystem::path& descriptor_path);

}  // namespace h2k

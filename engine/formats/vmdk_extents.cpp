// File-level checks of the extents a VMDK descriptor names.
#include <algorithm>
#include <system_error>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"
#include "engine/formats/vmdk.hpp"

namespace h2k {
namespace {

std::filesystem::path extent_path(const VmdkExtent& e, const std::filesystem::path& descriptor_path) {
  return descriptor_path.parent_path() / e.filename;
}

[[noreturn]] void extent_error(const std::filesystem::path& descriptor_path, const VmdkExtent& e,
                               const std::string& problem) {
  throw ConversionError(ErrorKind::InvalidInput, descriptor_path.string(),
                        "extent '" + e.filename + "' (line " + std::to_string(e.line) + ") " + problem);
}

}  // namespace

std::vector<std::filesystem::path> vmdk_extent_paths(const VmdkDescriptor& descriptor,
                                                     const std::filesystem::path& descriptor_path) {
  std::vector<std::filesystem::path> paths;
  for (const auto& e : descriptor.extents) {
    if (e.type == VmdkExtentType::Zero) continue;
    auto p = extent_path(e, descriptor_path);
    if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(std::move(p));
  }
  return paths;
}

void check_vmdk_extents(const VmdkDescriptor& descriptor, const std::filesystem::path& descriptor_path) {
  for (const auto& e : descriptor.extents) {
    if (e.type == VmdkExtentType::Zero) continue;
    // The parser already refused absolute and '..' names; this keeps a direct
    // caller with a hand-built descriptor just as safe.
    std::filesystem::path rel(e.filename);
    if (rel.is_absolute() || std::find(rel.begin(), rel.end(), "..") != rel.end())
      extent_error(descriptor_path, e, "is outside the descriptor's folder");
    auto path = extent_path(e, descriptor_path);
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) extent_error(descriptor_path, e, "is missing");
    if (!std::filesystem::is_regular_file(status)) extent_error(descriptor_path, e, "is not a regular file");
    std::uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) extent_error(descriptor_path, e, "cannot be read: " + ec.message());

    switch (e.type) {
      case VmdkExtentType::Flat:
      case VmdkExtentType::Vmfs: {
        std::uint64_t need = (e.offset_sectors + e.size_sectors) * 512;  // both bounded by the parser
        if (size < need)
          extent_error(descriptor_path, e,
                       "is shorter than declared: " + std::to_string(size) + " bytes, need " + std::to_string(need));
        break;
      }
      case VmdkExtentType::Sparse: {
        std::string head = read_at(path, 0, 512);
        if (head.size() < 4 || head.compare(0, 4, "KDMV") != 0)
          extent_error(descriptor_path, e, "is declared SPARSE but is not a sparse extent (no 'KDMV' header)");
        VmdkSparseHeader header;
        try {
          header = parse_vmdk_sparse_header(head, path.string(), size);
        } catch (const ConversionError& inner) {
          extent_error(descriptor_path, e, "has a bad sparse header: " + inner.reason());
        }
        if (header.capacity_sectors < e.size_sectors)
          extent_error(descriptor_path, e,
                       "holds " + std::to_string(header.capacity_sectors) + " sectors but the descriptor declares " +
                           std::to_string(e.size_sectors));
        break;
      }
      default:
        break;  // VMFSSPARSE / SESPARSE: delta formats; presence is all we check here
    }
  }
}

}  // namespace h2k

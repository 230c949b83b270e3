#include "engine/formats/disk_header.hpp"

#include <set>

#include "engine/core/error.hpp"
#include "engine/formats/qcow2.hpp"
#include "engine/formats/vhd.hpp"
#include "engine/formats/vhdx.hpp"
#include "engine/formats/vmdk.hpp"

namespace h2k {
namespace {

constexpr std::uint64_t kMaxDescriptorBytes = 1u << 20;

// createType values qemu's vmdk driver opens from a text descriptor.
bool qemu_reads_descriptor_type(const std::string& t) {
  static const std::set<std::string> kTypes = {"monolithicFlat", "vmfs", "vmfsSparse", "seSparse",
                                               "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"};
  return kTypes.count(t) != 0;
}

VmdkDescriptor read_descriptor(const ByteSource& src) {
  if (src.size() > kMaxDescriptorBytes)
    throw ConversionError(ErrorKind::InvalidInput, src.name(),
                          "too large to be a VMDK descriptor (" + std::to_string(src.size()) + " bytes)");
  return parse_vmdk_descriptor(src.read(0, static_cast<std::size_t>(src.size())), src.name());
}

DiskHeaderInfo inspect_descriptor(const ByteSource& src) {
  VmdkDescriptor d = read_descriptor(src);
  if (!qemu_reads_descriptor_type(d.create_type))
    throw ConversionError(ErrorKind::Unsupported, src.name(),
                          "VMDK descriptor createType '" + d.create_type + "' cannot be read by qemu-img");
  DiskHeaderInfo info{FileKind::VmdkDescriptor, d.virtual_size(), d.create_type, {}, {}};
  for (const auto& e : d.extents)
    if (e.access == VmdkAccess::NoAccess)
      info.warnings.push_back("extent '" + e.filename + "' is NOACCESS: its sectors read as zeros");
  return info;
}

DiskHeaderInfo inspect_sparse_vmdk(const ByteSource& src) {
  VmdkSparseHeader h = parse_vmdk_sparse_header(read_exact(src, 0, 512, "VMDK sparse header"), src.name(), src.size());
  DiskHeaderInfo info{FileKind::VmdkSparse, h.virtual_size(), "", {}, {}};
  std::string text = read_vmdk_embedded_descriptor(src, h);
  if (!text.empty()) {
    // The embedded descriptor names the file it was created as, not what it is
    // called now, so its extents are not checked; its parentCID still matters.
    VmdkDescriptor d = parse_vmdk_descriptor(text, src.name());
    info.detail = d.create_type;
  } else {
    info.detail = "sparse extent";
    info.warnings.push_back("this is one extent of a split VMDK; convert its descriptor to get the whole disk");
  }
  if (h.is_stream_optimized()) info.detail = "streamOptimized";
  if (h.unclean_shutdown) info.warnings.push_back("the VMDK was not closed cleanly (unclean shutdown flag set)");
  return info;
}

DiskHeaderInfo inspect_raw(const ByteSource& src) {
  if (src.size() == 0) throw ConversionError(ErrorKind::InvalidInput, src.name(), "empty file: not a disk");
  DiskHeaderInfo info{FileKind::Raw, src.size(), "raw", {}, {}};
  if (src.size() % 512 != 0)
    info.warnings.push_back("raw image size " + std::to_string(src.size()) + " is not a multiple of 512 bytes");
  return info;
}

}  // namespace

DiskHeaderInfo inspect_disk_header(const ByteSource& src, FileKind kind) {
  DiskHeaderInfo info;
  switch (kind) {
    case FileKind::Raw: info = inspect_raw(src); break;
    case FileKind::VmdkDescriptor: info = inspect_descriptor(src); break;
    case FileKind::VmdkSparse: info = inspect_sparse_vmdk(src); break;
    case FileKind::Qcow2: {
      Qcow2Info q = inspect_qcow2(src);
      info = {kind, q.header.size, "qcow2 v" + std::to_string(q.header.version), std::move(q.warnings), {}};
      break;
    }
    case FileKind::Vhd: {
      VhdInfo v = inspect_vhd(src);
      info = {kind, v.virtual_size, to_string(v.footer.disk_type), std::move(v.warnings), {}};
      break;
    }
    case FileKind::Vhdx: {
      VhdxInfo v = inspect_vhdx(src);
      info = {kind, v.virtual_size, "vhdx", std::move(v.warnings), {}};
      break;
    }
    default:
      throw ConversionError(ErrorKind::InvalidInput, src.name(),
                            std::string("not a disk image (it is ") + to_string(kind) + ")");
  }
  if (info.virtual_size == 0) throw ConversionError(ErrorKind::InvalidInput, src.name(), "disk has a virtual size of 0");
  return info;
}

DiskHeaderInfo inspect_disk_header(const std::filesystem::path& path, FileKind kind) {
  FileByteSource src(path);
  DiskHeaderInfo info = inspect_disk_header(src, kind);
  info.parts.push_back(path);
  if (kind == FileKind::VmdkDescriptor) {
    VmdkDescriptor d = read_descriptor(src);
    check_vmdk_extents(d, path);
    for (auto& p : vmdk_extent_paths(d, path))
      if (p != path) info.parts.push_back(std::move(p));
  }
  return info;
}

}  // namespace h2k

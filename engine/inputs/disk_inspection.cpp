#include "engine/inputs/disk_inspection.hpp"

#include "engine/core/error.hpp"
#include "engine/formats/byte_order.hpp"

namespace h2k {

bool is_disk_image_kind(FileKind kind) {
  switch (kind) {
    case FileKind::Raw:
    case FileKind::Qcow2:
    case FileKind::VmdkSparse:
    case FileKind::VmdkDescriptor:
    case FileKind::Vhd:
    case FileKind::Vhdx:
      return true;
    default:
      return false;
  }
}

ProbeResult probe_disk(const ByteSource& src) {
  const std::uint64_t size = src.size();
  std::string head = src.read(0, kProbeHeadBytes);
  // gzip (RFC 1952) magic: a disk compressed as a whole. probe_bytes would
  // call it raw or unknown; the user needs to hear "compressed".
  if (bytes::has_magic(head, 0, "\x1f\x8b"))
    throw ConversionError(ErrorKind::Unsupported, src.name(),
                          "the disk is gzip-compressed; compressed disks are not supported yet "
                          "(decompress it first, or re-export without compression)");
  std::string tail = size >= 512 ? src.read(size - 512, 512) : std::string();
  ProbeResult probe = probe_bytes(head, tail, size);
  if (!is_disk_image_kind(probe.kind))
    throw ConversionError(ErrorKind::InvalidInput, src.name(),
                          std::string("not a disk image (") + to_string(probe.kind) + ": " + probe.detail + ")");
  return probe;
}

}  // namespace h2k

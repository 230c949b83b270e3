#include "engine/formats/disk_format.hpp"

#include <system_error>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"
#include "engine/formats/byte_order.hpp"
#include "engine/formats/text_probe.hpp"

namespace h2k {
namespace {

constexpr std::uint64_t kSector = 512;

std::string vhd_type_name(std::uint32_t disk_type) {
  switch (disk_type) {
    case 2: return "fixed";
    case 3: return "dynamic";
    case 4: return "differencing";
    default: return "unknown disk type " + std::to_string(disk_type);
  }
}

// VHD keeps a 512-byte footer; the disk type is a big-endian u32 at offset 60.
std::string vhd_detail(std::string_view footer) {
  if (footer.size() < 64) return "truncated footer";
  return vhd_type_name(bytes::be32(footer, 60));
}

std::string vmdk_sparse_detail(std::string_view head) {
  if (head.size() < 79) return "truncated sparse header";
  std::uint32_t flags = bytes::le32(head, 8);
  std::uint16_t compression = bytes::le16(head, 77);
  // Flag bit 16: grains are compressed; bit 17: stream markers present.
  if ((flags & (1u << 16)) && compression == 1) return "streamOptimized";
  std::uint64_t desc_offset = bytes::le64(head, 28);
  std::uint64_t desc_size = bytes::le64(head, 36);
  if (desc_offset != 0 && desc_size != 0 && desc_offset < head.size() / kSector) {
    std::string_view desc = head.substr(desc_offset * kSector);
    if (desc_size < desc.size() / kSector) desc = desc.substr(0, desc_size * kSector);
    desc = desc.substr(0, desc.find('\0'));
    std::string create_type = text_probe::find_create_type(desc);
    if (!create_type.empty()) return create_type;
  }
  return "sparse extent";
}

std::string raw_detail(std::string_view head) {
  if (bytes::has_magic(head, 512, "EFI PART")) return "GPT partition table";
  if (bytes::has_magic(head, 510, "\x55\xAA")) return "MBR boot sector";
  return "no recognised header";
}

ProbeResult with_size(ProbeResult r, std::uint64_t size) {
  r.file_size = size;
  return r;
}

}  // namespace

const char* to_string(FileKind kind) {
  switch (kind) {
    case FileKind::Raw: return "raw";
    case FileKind::Qcow2: return "qcow2";
    case FileKind::VmdkSparse: return "vmdk-sparse";
    case FileKind::VmdkDescriptor: return "vmdk-descriptor";
    case FileKind::Vhd: return "vhd";
    case FileKind::Vhdx: return "vhdx";
    case FileKind::Ova: return "ova";
    case FileKind::Ovf: return "ovf";
    case FileKind::Vmx: return "vmx";
    case FileKind::Manifest: return "manifest";
    case FileKind::Unknown: return "unknown";
  }
  return "unknown";
}

std::string qemu_driver(FileKind kind) {
  switch (kind) {
    case FileKind::Raw: return "raw";
    case FileKind::Qcow2: return "qcow2";
    case FileKind::VmdkSparse:
    case FileKind::VmdkDescriptor: return "vmdk";
    case FileKind::Vhd: return "vpc";
    case FileKind::Vhdx: return "vhdx";
    default: return "";
  }
}

ProbeResult probe_bytes(std::string_view head, std::uint64_t file_size) {
  std::string_view tail;
  if (file_size >= kSector && head.size() >= file_size) tail = head.substr(file_size - kSector, kSector);
  return probe_bytes(head, tail, file_size);
}

// Largest NUL-padded file still considered as a VMDK descriptor (real ones are a few hundred bytes).
constexpr std::uint64_t kMaxPaddedDescriptorBytes = 64 * 1024;

ProbeResult probe_bytes(std::string_view head, std::string_view tail, std::uint64_t file_size) {
  const auto result = [file_size](FileKind kind, std::string detail) {
    return ProbeResult{kind, file_size, std::move(detail)};
  };
  if (file_size == 0 || head.empty()) return result(FileKind::Unknown, "empty file");

  // Magic numbers at offset 0 first: they are unambiguous.
  if (bytes::has_magic(head, 0, "QFI\xfb"))
    return result(FileKind::Qcow2, head.size() >= 8 ? "qcow2 v" + std::to_string(bytes::be32(head, 4)) : "qcow2");
  if (bytes::has_magic(head, 0, "KDMV")) return result(FileKind::VmdkSparse, vmdk_sparse_detail(head));
  if (bytes::has_magic(head, 0, "vhdxfile")) return result(FileKind::Vhdx, "vhdx");
  // A dynamic/differencing VHD starts with a copy of its footer.
  if (bytes::has_magic(head, 0, "conectix")) return result(FileKind::Vhd, vhd_detail(head));
  // POSIX ("ustar\0") and GNU ("ustar  ") tar both put "ustar" at 257.
  if (bytes::has_magic(head, 257, "ustar")) return result(FileKind::Ova, "tar archive");
  // A fixed VHD is a raw image plus a footer in its last sector.
  if (bytes::has_magic(tail, 0, "conectix") && tail.size() == kSector)
    return result(FileKind::Vhd, vhd_detail(tail));

  if (text_probe::looks_like_text(head))
    return with_size(text_probe::classify_text(head, head.size() >= file_size), file_size);
  // VMware and qemu-img pad standalone VMDK descriptors to a whole sector with
  // NUL bytes, and the descriptor ends at the first NUL, as qemu reads it: when
  // qemu-img rewrites a descriptor with a shorter CID, the old tail stays after
  // the terminator (seen as `\0"\n\0...`). Only a small file can be a
  // descriptor, and only the descriptor classification applies, so a raw disk
  // that starts with text stays raw.
  if (file_size <= kMaxPaddedDescriptorBytes) {
    std::string_view text = head.substr(0, head.find('\0'));
    if (text_probe::looks_like_text(text)) {
      ProbeResult r = text_probe::classify_text(text, head.size() >= file_size);
      if (r.kind == FileKind::VmdkDescriptor) return with_size(r, file_size);
    }
  }

  if (file_size < kSector)
    return result(FileKind::Unknown, "too small to be a disk (" + std::to_string(file_size) + " bytes)");
  if (file_size % kSector != 0)
    return result(FileKind::Unknown, "not a disk image: size " + std::to_string(file_size) +
                                         " bytes is not a multiple of 512 and no known header was found");
  return result(FileKind::Raw, raw_detail(head));
}

ProbeResult probe_file(const std::filesystem::path& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status))
    throw ConversionError(ErrorKind::InvalidInput, path.string(), "cannot read: file does not exist");
  if (std::filesystem::is_directory(status))
    throw ConversionError(ErrorKind::InvalidInput, path.string(), "is a directory, not a disk or VM file");
  std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw ConversionError(ErrorKind::InvalidInput, path.string(), "cannot read size: " + ec.message());
  std::string head = read_at(path, 0, kProbeHeadBytes);
  std::string tail;
  if (size >= kSector) tail = size <= head.size() ? head.substr(size - kSector) : read_at(path, size - kSector, kSector);
  return probe_bytes(head, tail, size);
}

}  // namespace h2k

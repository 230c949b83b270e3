#pragma once
// What a file is, decided from its bytes (never from its name).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace h2k {

enum class FileKind {
  Raw,              // no recognisable header: treated as a raw disk image
  Qcow2,
  VmdkSparse,       // hosted sparse extent with "KDMV" header (monolithicSparse, streamOptimized, 2GbMaxExtentSparse extent)
  VmdkDescriptor,   // text descriptor ("# Disk DescriptorFile") naming extents
  Vhd,              // "conectix" footer (fixed or dynamic)
  Vhdx,             // "vhdxfile" identifier
  Ova,              // POSIX/ustar tar archive
  Ovf,              // XML with an <Envelope>
  Vmx,              // VMware .vmx key = "value" text
  Manifest,         // hyper2kvm/hypersdk Artifact Manifest v1 (JSON)
  Unknown,          // text or other data that is clearly not a disk
};

const char* to_string(FileKind kind);

// The qemu-img driver name that reads this kind ("raw", "qcow2", "vmdk", "vpc", "vhdx"),
// or an empty string for container/metadata kinds.
std::string qemu_driver(FileKind kind);

struct ProbeResult {
  FileKind kind = FileKind::Unknown;
  std::uint64_t file_size = 0;
  std::string detail;   // e.g. "streamOptimized", "dynamic", "qcow2 v3"
};

// Classifies the first bytes of a file plus its total size. Pure; fuzzable.
ProbeResult probe_bytes(std::string_view head, std::uint64_t file_size);

// Same, with the file's last (up to) 512 bytes, where a fixed VHD keeps its
// only footer. The two-argument form uses the end of `head` when `head` is
// the whole file.
ProbeResult probe_bytes(std::string_view head, std::string_view tail, std::uint64_t file_size);

// How many leading bytes probe_file reads (enough for an embedded VMDK
// descriptor and an OVF root element).
inline constexpr std::size_t kProbeHeadBytes = 64 * 1024;

// Reads the head (and the trailing 512 bytes for VHD) and classifies it.
// Throws ConversionError(InvalidInput) naming the file when it cannot be read.
ProbeResult probe_file(const std::filesystem::path& path);

}  // namespace h2k

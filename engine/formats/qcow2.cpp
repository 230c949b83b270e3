#include "engine/formats/qcow2.hpp"

#include <cstdio>

#include "engine/core/error.hpp"
#include "engine/formats/byte_order.hpp"

namespace h2k {
namespace {

constexpr std::size_t kV2HeaderLength = 72;
constexpr std::size_t kV3MinHeaderLength = 104;
constexpr std::uint64_t kMaxL1Bytes = 32u << 20;  // qemu's QCOW_MAX_L1_SIZE
constexpr std::uint64_t kKnownIncompatible =
    kQcow2Dirty | kQcow2Corrupt | kQcow2ExternalData | kQcow2CompressionType | kQcow2ExtendedL2;

[[noreturn]] void invalid(const std::string& name, const std::string& reason) {
  throw ConversionError(ErrorKind::InvalidInput, name, reason);
}
[[noreturn]] void unsupported(const std::string& name, const std::string& reason) {
  throw ConversionError(ErrorKind::Unsupported, name, reason);
}

std::string hex64(std::uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 256)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

Qcow2Header parse_qcow2_header(std::string_view b, const std::string& name, std::optional<std::uint64_t> file_size) {
  if (b.size() < 4 || !bytes::has_magic(b, 0, "QFI\xfb")) invalid(name, "not a qcow2 image (no 'QFI\\xfb' magic)");
  if (b.size() < kV2HeaderLength)
    invalid(name, "truncated: qcow2 header needs 72 bytes, got " + std::to_string(b.size()));
  Qcow2Header h;
  h.version = bytes::be32(b, 4);
  h.backing_file_offset = bytes::be64(b, 8);
  h.backing_file_size = bytes::be32(b, 16);
  h.cluster_bits = bytes::be32(b, 20);
  h.size = bytes::be64(b, 24);
  h.crypt_method = bytes::be32(b, 32);
  h.l1_size = bytes::be32(b, 36);
  h.l1_table_offset = bytes::be64(b, 40);
  h.refcount_table_offset = bytes::be64(b, 48);
  h.refcount_table_clusters = bytes::be32(b, 56);
  h.nb_snapshots = bytes::be32(b, 60);
  h.snapshots_offset = bytes::be64(b, 64);

  if (h.version != 2 && h.version != 3)
    unsupported(name, "qcow2 version " + std::to_string(h.version) + " (expected 2 or 3)");
  if (h.version == 3) {
    if (b.size() < kV3MinHeaderLength)
      invalid(name, "truncated: qcow2 v3 header needs 104 bytes, got " + std::to_string(b.size()));
    h.incompatible_features = bytes::be64(b, 72);
    h.compatible_features = bytes::be64(b, 80);
    h.autoclear_features = bytes::be64(b, 88);
    h.refcount_order = bytes::be32(b, 96);
    h.header_length = bytes::be32(b, 100);
    if (h.header_length < kV3MinHeaderLength || h.header_length % 8 != 0)
      invalid(name, "qcow2 header length " + std::to_string(h.header_length) + " is invalid");
    if (h.refcount_order > 6) invalid(name, "qcow2 refcount order " + std::to_string(h.refcount_order) + " (max 6)");
  }

  if (h.cluster_bits < 9 || h.cluster_bits > 21)
    invalid(name, "qcow2 cluster_bits " + std::to_string(h.cluster_bits) + " is outside 9..21");
  const std::uint64_t cluster = h.cluster_size();
  if (h.header_length > cluster) invalid(name, "qcow2 header is longer than a cluster");

  // Checked before the backing file: a corrupt image's other fields are not to be trusted.
  if (h.incompatible_features & kQcow2Corrupt)
    invalid(name, "qcow2 image is marked corrupt (run 'qemu-img check -r all' on a copy and inspect the result)");
  if (h.incompatible_features & kQcow2Dirty)
    invalid(name, "qcow2 image is marked dirty (not closed cleanly; run 'qemu-img check -r all' on a copy first)");
  if (h.incompatible_features & kQcow2ExternalData)
    unsupported(name, "qcow2 image keeps its data in an external data file");
  if (h.incompatible_features & ~kKnownIncompatible)
    unsupported(name, "qcow2 image uses unknown incompatible features (bits " +
                          hex64(h.incompatible_features & ~kKnownIncompatible) + ")");

  if (h.backing_file_offset != 0 && h.backing_file_size != 0) {
    if (h.backing_file_size > 1023 || h.backing_file_offset > cluster ||
        h.backing_file_size > cluster - h.backing_file_offset)
      invalid(name, "qcow2 backing file name lies outside the first cluster");
    if (h.backing_file_offset + h.backing_file_size <= b.size())
      h.backing_file = std::string(b.substr(h.backing_file_offset, h.backing_file_size));
    unsupported(name, "has a backing file" + (h.backing_file.empty() ? std::string() : " '" + printable(h.backing_file) + "'") +
                          ": it is an overlay; convert a flattened copy instead (qemu-img convert of the overlay)");
  }
  if (h.crypt_method != 0)
    unsupported(name, std::string("qcow2 image is encrypted (") + (h.crypt_method == 1 ? "AES" : h.crypt_method == 2 ? "LUKS" : "unknown method") +
                          "): decrypt it first");

  if (h.size == 0) invalid(name, "qcow2 virtual size is 0");
  if (h.size > (std::uint64_t{1} << 56)) invalid(name, "absurd qcow2 virtual size of " + std::to_string(h.size) + " bytes");
  // Each L2 table maps a cluster's worth of entries (8 bytes each, 16 with extended L2).
  const std::uint64_t l2_entries = cluster / ((h.incompatible_features & kQcow2ExtendedL2) ? 16 : 8);
  const std::uint64_t bytes_per_l1 = l2_entries * cluster;
  const std::uint64_t l1_needed = (h.size + bytes_per_l1 - 1) / bytes_per_l1;
  if (std::uint64_t{h.l1_size} * 8 > kMaxL1Bytes)
    invalid(name, "qcow2 L1 table of " + std::to_string(h.l1_size) + " entries is absurdly large");
  if (h.l1_size < l1_needed)
    invalid(name, "qcow2 L1 table has " + std::to_string(h.l1_size) + " entries, " + std::to_string(l1_needed) +
                      " are needed for " + std::to_string(h.size) + " bytes");
  if (h.l1_table_offset % cluster != 0 || h.refcount_table_offset % cluster != 0)
    invalid(name, "qcow2 L1 or refcount table is not cluster-aligned");
  if (h.refcount_table_offset == 0) invalid(name, "qcow2 refcount table offset is 0");
  if (file_size) {
    auto beyond = [&](std::uint64_t offset, std::uint64_t length) {
      return offset > *file_size || length > *file_size - offset;
    };
    if (beyond(h.l1_table_offset, std::uint64_t{h.l1_size} * 8))
      invalid(name, "truncated: qcow2 L1 table at " + std::to_string(h.l1_table_offset) +
                        " runs past the end of the file (" + std::to_string(*file_size) + " bytes)");
    if (beyond(h.refcount_table_offset, std::uint64_t{h.refcount_table_clusters} * cluster))
      invalid(name, "truncated: qcow2 refcount table at " + std::to_string(h.refcount_table_offset) +
                        " runs past the end of the file (" + std::to_string(*file_size) + " bytes)");
  }
  return h;
}

Qcow2Info inspect_qcow2(const ByteSource& src) {
  Qcow2Info info;
  // 64 KiB covers the header and backing name for the default cluster size; a
  // name in a larger first cluster is still rejected, just not quoted.
  std::string head = src.read(0, 64 * 1024);
  info.header = parse_qcow2_header(head, src.name(), src.size());
  if (info.header.nb_snapshots > 0)
    info.warnings.push_back("qcow2 image has " + std::to_string(info.header.nb_snapshots) +
                            " internal snapshot(s); only the current state is converted");
  return info;
}

}  // namespace h2k

#include "empty_hive.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace h2k::windows_guest_test {
namespace {

// Layout (offsets of cells are relative to the first hbin, as in the format):
//   0x0000 base block "regf" (4 KiB)
//   0x1000 hbin header (0x20 bytes), then cells:
//          0x20 root "nk" cell, 0x78 "sk" cell, 0xA8 one free cell to the end of the bin.
constexpr std::size_t kBaseBlockSize = 0x1000;
constexpr std::size_t kBinSize = 0x1000;
constexpr std::uint32_t kRootCell = 0x20;
constexpr std::uint32_t kSecurityCell = 0x78;
constexpr std::uint32_t kFreeCell = 0xA8;
constexpr std::uint32_t kNoCell = 0xFFFFFFFF;
// 2024-01-01T00:00:00Z as a Windows FILETIME (100 ns since 1601).
constexpr std::uint64_t kTimestamp = 133485408000000000ULL;

void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
  b[at] = v & 0xFF;
  b[at + 1] = v >> 8;
}
void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = (v >> (8 * i)) & 0xFF;
}
void put64(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + i] = (v >> (8 * i)) & 0xFF;
}
void put_ascii(std::vector<std::uint8_t>& b, std::size_t at, const char* s) {
  std::memcpy(&b[at], s, std::strlen(s));
}
std::uint32_t get32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (std::uint32_t(b[at + 3]) << 24);
}

void write_base_block(std::vector<std::uint8_t>& b) {
  put_ascii(b, 0x00, "regf");
  put32(b, 0x04, 1);          // primary sequence number
  put32(b, 0x08, 1);          // secondary: equal means "cleanly written", no log replay
  put64(b, 0x0C, kTimestamp);
  put32(b, 0x14, 1);          // major version
  put32(b, 0x18, 3);          // minor version (NT 4.0+ format, what hivex writes too)
  put32(b, 0x1C, 0);          // primary file
  put32(b, 0x20, 1);          // direct memory load format
  put32(b, 0x24, kRootCell);
  put32(b, 0x28, kBinSize);   // size of all hbins
  put32(b, 0x2C, 1);          // clustering factor
  const char* name = "h2k-empty-hive";   // informational file name, UTF-16LE
  for (std::size_t i = 0; name[i]; ++i) put16(b, 0x30 + 2 * i, std::uint8_t(name[i]));
  std::uint32_t checksum = 0;  // XOR of the 127 dwords before the checksum field
  for (std::size_t at = 0; at < 0x1FC; at += 4) checksum ^= get32(b, at);
  put32(b, 0x1FC, checksum);
}

void write_bin(std::vector<std::uint8_t>& b) {
  const std::size_t bin = kBaseBlockSize;
  put_ascii(b, bin + 0x00, "hbin");
  put32(b, bin + 0x04, 0);           // offset of this bin from the first bin
  put32(b, bin + 0x08, kBinSize);
  put64(b, bin + 0x14, kTimestamp);

  // Root key: allocated cells have a negative size.
  const char* root_name = "ROOT";
  const std::size_t nk = bin + kRootCell;
  const std::uint32_t nk_size = kSecurityCell - kRootCell;   // 0x50 + name, 8-aligned
  put32(b, nk + 0x00, std::uint32_t(-std::int32_t(nk_size)));
  put_ascii(b, nk + 0x04, "nk");
  put16(b, nk + 0x06, 0x2C);        // hive entry (root) | no delete | ASCII name
  put64(b, nk + 0x08, kTimestamp);
  put32(b, nk + 0x14, 0);           // parent: none
  put32(b, nk + 0x18, 0);           // subkeys
  put32(b, nk + 0x20, kNoCell);     // subkey list
  put32(b, nk + 0x24, kNoCell);     // volatile subkey list
  put32(b, nk + 0x28, 0);           // values
  put32(b, nk + 0x2C, kNoCell);     // value list
  put32(b, nk + 0x30, kSecurityCell);
  put32(b, nk + 0x34, kNoCell);     // class name
  put16(b, nk + 0x4C, std::uint16_t(std::strlen(root_name)));
  put_ascii(b, nk + 0x50, root_name);

  // Security cell: hivex gives new keys their parent's sk, so the root needs
  // one. It holds an empty self-relative security descriptor (no owner, no DACL).
  const std::size_t sk = bin + kSecurityCell;
  const std::uint32_t sk_size = kFreeCell - kSecurityCell;
  put32(b, sk + 0x00, std::uint32_t(-std::int32_t(sk_size)));
  put_ascii(b, sk + 0x04, "sk");
  put32(b, sk + 0x08, kSecurityCell);  // circular list of sk cells: only itself
  put32(b, sk + 0x0C, kSecurityCell);
  put32(b, sk + 0x10, 1);              // reference count (the root key)
  put32(b, sk + 0x14, 20);             // descriptor length
  b[sk + 0x18] = 1;                    // descriptor revision
  put16(b, sk + 0x1A, 0x8000);         // SE_SELF_RELATIVE

  // The rest of the bin is one free cell (positive size).
  put32(b, bin + kFreeCell, kBinSize - kFreeCell);
}

}  // namespace

void write_empty_hive(const std::filesystem::path& path) {
  std::vector<std::uint8_t> bytes(kBaseBlockSize + kBinSize, 0);
  write_base_block(bytes);
  write_bin(bytes);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write empty hive " + path.string());
}

}  // namespace h2k::windows_guest_test

// VHDX on qemu-made images: headers, region table, metadata; then damage each
// checksummed structure and check we pick the survivor or fail naming the file.
#include "engine/formats/crc32c.hpp"
#include "engine/formats/disk_header.hpp"
#include "engine/formats/vhdx.hpp"
#include "formats_test_support.hpp"

using namespace h2k;
using namespace h2k::formats_test;

namespace {

constexpr std::size_t KiB = 1024;
constexpr std::size_t kHeader1 = 64 * KiB, kHeader2 = 128 * KiB, kRegion1 = 192 * KiB, kRegion2 = 256 * KiB;

fs::path make_vhdx(const ScratchDir& dir, const std::string& name, const std::string& size = "10M",
                   const std::string& options = "") {
  qemu_create(dir / name, "vhdx", size, options);
  return dir / name;
}

void put_le32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
}

// Recomputes the CRC-32C of a header (4 KiB) or region table (64 KiB) after an edit.
void reseal(std::string& b, std::size_t at, std::size_t length) {
  put_le32(b, at + 4, 0);
  put_le32(b, at + 4, crc32c(std::string_view(b).substr(at, length)));
}

VhdxInfo inspect(const fs::path& p) { return inspect_vhdx(FileByteSource(p)); }

}  // namespace

BOOST_AUTO_TEST_SUITE(vhdx)

BOOST_AUTO_TEST_CASE(sizes_match_qemu) {
  ScratchDir dir;
  for (std::string size : {"10M", "1G", "3000M"}) {
    BOOST_TEST_CONTEXT(size) {
      fs::path p = make_vhdx(dir, size + ".vhdx", size);
      DiskHeaderInfo info = inspect_disk_header(p, probe_file(p).kind);
      BOOST_TEST(info.kind == FileKind::Vhdx);
      BOOST_TEST(info.virtual_size == qemu_virtual_size(p, "vhdx"));
      BOOST_TEST(info.warnings.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(structure_fields) {
  ScratchDir dir;
  fs::path p = make_vhdx(dir, "d.vhdx", "100M", "block_size=8M");
  VhdxInfo info = inspect(p);
  BOOST_TEST(info.creator.find("QEMU") != std::string::npos);
  BOOST_TEST(info.header.version == 1u);
  BOOST_TEST(info.header.log_is_empty());
  BOOST_TEST(!info.needs_log_replay);
  BOOST_TEST(info.block_size == 8u * 1024 * 1024);
  BOOST_TEST(info.logical_sector_size == 512u);
  BOOST_TEST((info.physical_sector_size == 512u || info.physical_sector_size == 4096u));
  BOOST_TEST(info.virtual_size == 100u * 1024 * 1024);
  BOOST_TEST(info.bat.length > 0u);
  BOOST_TEST(info.metadata.file_offset % (1024 * 1024) == 0u);
  BOOST_TEST(info.metadata_entries.size() >= 5u);
  BOOST_TEST(vhdx_guid_to_string(std::string("\x66\x77\xC2\x2D\x23\xF6\x00\x42\x9D\x64\x11\x5E\x9B\xFD\x4A\x08", 16)) ==
             "2DC27766-F623-4200-9D64-115E9BFD4A08");
}

BOOST_AUTO_TEST_CASE(one_damaged_header_falls_back_to_the_other) {
  ScratchDir dir;
  fs::path p = make_vhdx(dir, "d.vhdx");
  const std::string original = read_bytes(p);
  const int normally = inspect(p).current_header;
  for (std::size_t header : {kHeader1, kHeader2}) {
    std::string b = original;
    b[header + 100] ^= 0x01;
    write_bytes(p, b);
    VhdxInfo info = inspect(p);
    BOOST_TEST(info.current_header == (header == kHeader1 ? 2 : 1));
    BOOST_TEST_REQUIRE(info.warnings.size() == 1u);
    BOOST_TEST(info.warnings[0].find("CRC-32C mismatch") != std::string::npos);
  }
  BOOST_TEST((normally == 1 || normally == 2));
}

BOOST_AUTO_TEST_CASE(both_headers_damaged_is_an_error) {
  ScratchDir dir;
  fs::path p = make_vhdx(dir, "d.vhdx");
  std::string b = read_bytes(p);
  b[kHeader1 + 8] ^= 0x01;
  b.replace(kHeader2, 4, "HEAD");
  write_bytes(p, b);
  std::string msg = expect_error([&] { inspect_disk_header(p, FileKind::Vhdx); }, ErrorKind::InvalidInput, "d.vhdx",
                                 "neither VHDX header is valid");
  BOOST_TEST(msg.find("header 1: VHDX header CRC-32C mismatch") != std::string::npos);
  BOOST_TEST(msg.find("header 2: VHDX header has no 'head' signature") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(higher_sequence_number_wins) {
  ScratchDir dir;
  fs::path p = make_vhdx(dir, "d.vhdx");
  std::string b = read_bytes(p);
  VhdxInfo before = inspect(p);
  int current = before.current_header;
  std::size_t other = current == 1 ? kHeader2 : kHeader1;
  // qemu starts from a random sequence number: make the other header newer by one.
  std::uint64_t next = before.header.sequence_number + 1;
  put_le32(b, other + 8, static_cast<std::uint32_t>(next));
  put_le32(b, other + 12, static_cast<std::uint32_t>(next >> 32));
  reseal(b, other, 4 * KiB);
  write_bytes(p, b);
  VhdxInfo after = inspect(p);
  BOOST_TEST(after.current_header == (current == 1 ? 2 : 1));
  BOOST_TEST(after.header.sequence_number == next);
}

BOOST_AUTO_TEST_CASE(region_tables) {
  ScratchDir dir;
  fs::path p = make_vhdx(dir, "d.vhdx");
  std::string b = read_bytes(p);
  b[kRegion1 + 20] ^= 0x01;
  write_bytes(p, b);
  VhdxInfo info = inspect(p);
  BOOST_TEST_REQUIRE(info.warnings.size() == 1u);
  BOOST_TEST(info.warnings[0].find("region table 1 is damaged") != std::string::npos);
  b[kRegion2 + 20] ^= 0x01;
  write_bytes(p, b);
  expect_error([&] { inspect_disk_header(p, FileKind::Vhdx); }, ErrorKind::InvalidInput, "d.vhdx",
               "neither VHDX region table is valid");
}

BOOST_AUTO_TEST_CASE(log_needing_replay_is_a_warning) {
  ScratchDir dir;
  fs::path p = make_vhdx(dir, "d.vhdx");
  std::string b = read_bytes(p);
  for (std::size_t header : {kHeader1, kHeader2}) {
    b[header + 48] = 0x42;  // a non-zero log GUID
    reseal(b, header, 4 * KiB);
  }
  write_bytes(p, b);
  const std::string before = read_bytes(p);
  DiskHeaderInfo info = inspect_disk_header(p, FileKind::Vhdx);
  BOOST_TEST(info.virtual_size == 10u * 1024 * 1024);
  BOOST_TEST_REQUIRE(info.warnings.size() == 1u);
  BOOST_TEST(info.warnings[0].find("log must be replayed") != std::string::npos);
  BOOST_TEST((read_bytes(p) == before));  // never modified
}

BOOST_AUTO_TEST_CASE(differencing_vhdx_is_unsupported) {
  ScratchDir dir;
  fs::path p = make_vhdx(dir, "child.vhdx");
  VhdxInfo info = inspect(p);
  std::string b = read_bytes(p);
  // File parameters item: flags word follows the block size; bit 1 = HasParent.
  for (const auto& e : info.metadata_entries) {
    if (e.item_id == "CAA16737-FA36-4D43-B3B6-33F0AA44E76B") put_le32(b, info.metadata.file_offset + e.offset + 4, 2);
  }
  write_bytes(p, b);
  expect_error([&] { inspect_disk_header(p, FileKind::Vhdx); }, ErrorKind::Unsupported, "child.vhdx",
               "differencing VHDX");
}

BOOST_AUTO_TEST_CASE(truncated_vhdx) {
  ScratchDir dir;
  fs::path p = make_vhdx(dir, "d.vhdx");
  fs::path cut = dir / "cut.vhdx";
  truncated_copy(p, cut, 100);
  BOOST_TEST(probe_file(cut).kind == FileKind::Vhdx);
  expect_error([&] { inspect_disk_header(cut, FileKind::Vhdx); }, ErrorKind::InvalidInput, "cut.vhdx", "truncated");
  truncated_copy(p, cut, 1024 * 1024);  // headers intact, regions gone
  expect_error([&] { inspect_disk_header(cut, FileKind::Vhdx); }, ErrorKind::InvalidInput, "cut.vhdx",
               "truncated: VHDX region");
}

BOOST_AUTO_TEST_CASE(table_parsers_on_bare_bytes) {
  expect_error([] { parse_vhdx_header(std::string(4096, '\0'), "x.vhdx"); }, ErrorKind::InvalidInput, "x.vhdx",
               "no 'head' signature");
  expect_error([] { parse_vhdx_region_table(std::string(100, '\0'), "x.vhdx"); }, ErrorKind::InvalidInput, "x.vhdx",
               "truncated");
  std::string table(65536, '\0');
  table.replace(0, 4, "regi");
  put_le32(table, 8, 5000);
  reseal(table, 0, table.size());
  expect_error([&] { parse_vhdx_region_table(table, "x.vhdx"); }, ErrorKind::InvalidInput, "x.vhdx", "5000 entries");
}

BOOST_AUTO_TEST_SUITE_END()

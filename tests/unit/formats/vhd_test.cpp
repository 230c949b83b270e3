// VHD footers and dynamic headers on qemu-made images, plus damaged,
// truncated and differencing (hand-made: qemu cannot create one) variants.
#include "engine/formats/disk_header.hpp"
#include "engine/formats/vhd.hpp"
#include "formats_test_support.hpp"

using namespace h2k;
using namespace h2k::formats_test;

namespace {

void put_be32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

// Recomputes the checksum of the structure at `at` (footer: 512 bytes, field at
// +64; dynamic header: 1024 bytes, field at +36) after a deliberate edit.
void reseal(std::string& b, std::size_t at, std::size_t length, std::size_t field) {
  put_be32(b, at + field, vhd_checksum(std::string_view(b).substr(at, length), field));
}

fs::path make_vhd(const ScratchDir& dir, const std::string& name, const std::string& subformat,
                  const std::string& size = "10M") {
  qemu_create(dir / name, "vpc", size, "subformat=" + subformat);
  return dir / name;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vhd)

BOOST_AUTO_TEST_CASE(fixed_and_dynamic_sizes_match_qemu) {
  ScratchDir dir;
  for (std::string sub : {"fixed", "dynamic"}) {
    for (std::string size : {"10M", "1G", "130M"}) {
      BOOST_TEST_CONTEXT(sub << " " << size) {
        fs::path p = make_vhd(dir, sub + size + ".vhd", sub, size);
        DiskHeaderInfo info = inspect_disk_header(p, probe_file(p).kind);
        BOOST_TEST(info.kind == FileKind::Vhd);
        BOOST_TEST(info.detail == sub);
        BOOST_TEST(info.virtual_size == qemu_virtual_size(p, "vpc"));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(current_size_creators_use_the_footer_size) {
  ScratchDir dir;
  // force_size makes qemu write creator "qem2" and trust current_size, like Hyper-V.
  qemu_create(dir / "hv.vhd", "vpc", "10M", "subformat=dynamic,force_size=on");
  VhdInfo info = inspect_vhd(FileByteSource(dir / "hv.vhd"));
  BOOST_TEST(info.footer.creator_app == "qem2");
  BOOST_TEST(info.virtual_size == 10u * 1024 * 1024);
  BOOST_TEST(info.virtual_size == qemu_virtual_size(dir / "hv.vhd", "vpc"));
}

BOOST_AUTO_TEST_CASE(footer_and_dynamic_header_fields) {
  ScratchDir dir;
  fs::path p = make_vhd(dir, "d.vhd", "dynamic");
  VhdInfo info = inspect_vhd(FileByteSource(p));
  const VhdFooter& f = info.footer;
  BOOST_TEST(f.creator_app == "qemu");
  BOOST_TEST(f.format_version == 0x00010000u);
  BOOST_TEST((f.disk_type == VhdDiskType::Dynamic));
  BOOST_TEST(f.data_offset == 512u);
  BOOST_TEST(f.uuid.size() == 32u);
  BOOST_TEST(f.chs_size() == info.virtual_size);
  BOOST_TEST_REQUIRE(info.dynamic.has_value());
  BOOST_TEST(info.dynamic->block_size == 2u * 1024 * 1024);
  BOOST_TEST(info.dynamic->table_offset == 1536u);
  BOOST_TEST(info.dynamic->max_table_entries == 6u);  // ceil(~10 MiB / 2 MiB)
}

BOOST_AUTO_TEST_CASE(flipped_footer_byte_fails_the_checksum) {
  ScratchDir dir;
  for (std::string sub : {"fixed", "dynamic"}) {
    fs::path p = make_vhd(dir, sub + ".vhd", sub);
    std::string b = read_bytes(p);
    b[b.size() - 512 + 48 + 5] ^= 0x10;  // one bit of current_size in the trailing footer
    write_bytes(p, b);
    expect_error([&] { inspect_disk_header(p, FileKind::Vhd); }, ErrorKind::InvalidInput, sub + ".vhd",
                 "VHD footer checksum mismatch");
  }
  // The copy at offset 0 of a dynamic disk is checked as well.
  fs::path p = make_vhd(dir, "copy.vhd", "dynamic");
  std::string b = read_bytes(p);
  b[30] ^= 0x01;
  write_bytes(p, b);
  expect_error([&] { inspect_disk_header(p, FileKind::Vhd); }, ErrorKind::InvalidInput, "copy.vhd",
               "footer copy at offset 0: VHD footer checksum mismatch");
}

BOOST_AUTO_TEST_CASE(flipped_dynamic_header_byte_fails_the_checksum) {
  ScratchDir dir;
  fs::path p = make_vhd(dir, "d.vhd", "dynamic");
  std::string b = read_bytes(p);
  b[512 + 33] ^= 0x04;  // block size
  write_bytes(p, b);
  expect_error([&] { inspect_disk_header(p, FileKind::Vhd); }, ErrorKind::InvalidInput, "d.vhd",
               "VHD dynamic header checksum mismatch");
}

BOOST_AUTO_TEST_CASE(truncated_vhds) {
  ScratchDir dir;
  for (std::string sub : {"fixed", "dynamic"}) {
    fs::path p = make_vhd(dir, sub + ".vhd", sub);
    fs::path cut = dir / (sub + "-cut.vhd");
    truncated_copy(p, cut, 100);
    expect_error([&] { inspect_disk_header(cut, FileKind::Vhd); }, ErrorKind::InvalidInput, cut.filename().string(),
                 "truncated");
  }
  // A dynamic VHD cut after its header: the trailing footer is gone.
  fs::path p = make_vhd(dir, "big.vhd", "dynamic", "1G");
  fs::path cut = dir / "big-cut.vhd";
  truncated_copy(p, cut, 2048);
  expect_error([&] { inspect_disk_header(cut, FileKind::Vhd); }, ErrorKind::InvalidInput, "big-cut.vhd",
               "footer at the end of the file is missing");
  // A fixed VHD that lost data in the middle but kept its footer.
  fs::path fixed = make_vhd(dir, "f.vhd", "fixed");
  std::string b = read_bytes(fixed);
  write_bytes(fixed, b.substr(0, 4096) + b.substr(b.size() - 512));
  expect_error([&] { inspect_disk_header(fixed, FileKind::Vhd); }, ErrorKind::InvalidInput, "f.vhd",
               "truncated: fixed VHD declares");
}

BOOST_AUTO_TEST_CASE(differencing_vhd_is_unsupported_and_names_its_parent) {
  ScratchDir dir;
  fs::path p = make_vhd(dir, "child.vhd", "dynamic");
  std::string b = read_bytes(p);
  // Type 4 in both footers; parent name "base.vhd" (UTF-16BE) in the dynamic header.
  for (std::size_t at : {std::size_t{0}, b.size() - 512}) {
    put_be32(b, at + 60, 4);
    reseal(b, at, 512, 64);
  }
  std::string parent = "base.vhd";
  for (std::size_t i = 0; i < parent.size(); ++i) {
    b[512 + 64 + 2 * i] = '\0';
    b[512 + 64 + 2 * i + 1] = parent[i];
  }
  reseal(b, 512, 1024, 36);
  write_bytes(p, b);
  BOOST_TEST(probe_file(p).detail == "differencing");
  expect_error([&] { inspect_disk_header(p, FileKind::Vhd); }, ErrorKind::Unsupported, "child.vhd",
               "differencing disk (parent 'base.vhd')");
}

BOOST_AUTO_TEST_CASE(bat_too_small_for_the_disk) {
  ScratchDir dir;
  fs::path p = make_vhd(dir, "d.vhd", "dynamic");
  std::string b = read_bytes(p);
  put_be32(b, 512 + 28, 2);  // max table entries: 2 x 2 MiB < 10 MiB
  reseal(b, 512, 1024, 36);
  write_bytes(p, b);
  expect_error([&] { inspect_disk_header(p, FileKind::Vhd); }, ErrorKind::InvalidInput, "d.vhd",
               "block allocation table too small");
}

BOOST_AUTO_TEST_CASE(footer_parser_on_bare_bytes) {
  expect_error([] { parse_vhd_footer(std::string(100, 'c'), "x.vhd"); }, ErrorKind::InvalidInput, "x.vhd",
               "needs 512 bytes");
  expect_error([] { parse_vhd_footer(std::string(512, '\0'), "x.vhd"); }, ErrorKind::InvalidInput, "x.vhd",
               "'conectix' cookie missing");
  std::string footer(512, '\0');
  footer.replace(0, 8, "conectix");
  put_be32(footer, 12, 0x00010000);
  put_be32(footer, 60, 7);
  put_be32(footer, 64, vhd_checksum(footer, 64));
  expect_error([&] { parse_vhd_footer(footer, "x.vhd"); }, ErrorKind::InvalidInput, "x.vhd", "unknown VHD disk type 7");
}

BOOST_AUTO_TEST_SUITE_END()

// qcow2 headers on qemu-made images, and the images a conversion must refuse.
#include "engine/formats/disk_header.hpp"
#include "engine/formats/qcow2.hpp"
#include "formats_test_support.hpp"

using namespace h2k;
using namespace h2k::formats_test;

namespace {

fs::path make_qcow2(const ScratchDir& dir, const std::string& name, const std::string& size = "10M",
                    const std::string& options = "") {
  qemu_create(dir / name, "qcow2", size, options);
  return dir / name;
}

void set_incompatible_bit(const fs::path& p, int bit) {
  std::string b = read_bytes(p);
  b[79 - bit / 8] = static_cast<char>(b[79 - bit / 8] | (1 << (bit % 8)));  // big-endian u64 at 72
  write_bytes(p, b);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(qcow2)

BOOST_AUTO_TEST_CASE(sizes_and_versions_match_qemu) {
  ScratchDir dir;
  struct Case { std::string size, options; std::uint32_t version, cluster_bits; };
  for (const Case& c : {Case{"10M", "", 3, 16}, Case{"10M", "compat=0.10", 2, 16}, Case{"1T", "cluster_size=2M", 3, 21},
                        Case{"100M", "cluster_size=512", 3, 9}, Case{"12345K", "extended_l2=on", 3, 16}}) {
    BOOST_TEST_CONTEXT(c.size << " " << c.options) {
      fs::path p = make_qcow2(dir, "d.qcow2", c.size, c.options);
      Qcow2Info q = inspect_qcow2(FileByteSource(p));
      BOOST_TEST(q.header.version == c.version);
      BOOST_TEST(q.header.cluster_bits == c.cluster_bits);
      BOOST_TEST(q.header.size == qemu_virtual_size(p, "qcow2"));
      DiskHeaderInfo info = inspect_disk_header(p, probe_file(p).kind);
      BOOST_TEST(info.virtual_size == q.header.size);
      BOOST_TEST(info.detail == "qcow2 v" + std::to_string(c.version));
      fs::remove(p);
    }
  }
}

BOOST_AUTO_TEST_CASE(backing_file_is_unsupported_and_named) {
  ScratchDir dir;
  make_qcow2(dir, "base.qcow2");
  run_ok({"qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", (dir / "over.qcow2").string()});
  expect_error([&] { inspect_disk_header(dir / "over.qcow2", FileKind::Qcow2); }, ErrorKind::Unsupported, "over.qcow2",
               "has a backing file 'base.qcow2'");
}

BOOST_AUTO_TEST_CASE(encrypted_image_is_unsupported) {
  ScratchDir dir;
  run_ok({"qemu-img", "create", "-q", "--object", "secret,id=sec0,data=hunter2", "-f", "qcow2", "-o",
          "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10", (dir / "enc.qcow2").string(), "10M"});
  expect_error([&] { inspect_disk_header(dir / "enc.qcow2", FileKind::Qcow2); }, ErrorKind::Unsupported, "enc.qcow2",
               "encrypted (LUKS)");
}

BOOST_AUTO_TEST_CASE(corrupt_and_dirty_bits) {
  ScratchDir dir;
  fs::path p = make_qcow2(dir, "c.qcow2");
  set_incompatible_bit(p, 1);
  expect_error([&] { inspect_disk_header(p, FileKind::Qcow2); }, ErrorKind::InvalidInput, "c.qcow2", "marked corrupt");
  fs::path d = make_qcow2(dir, "d.qcow2");
  set_incompatible_bit(d, 0);
  expect_error([&] { inspect_disk_header(d, FileKind::Qcow2); }, ErrorKind::InvalidInput, "d.qcow2", "marked dirty");
  fs::path u = make_qcow2(dir, "u.qcow2");
  set_incompatible_bit(u, 40);
  expect_error([&] { inspect_disk_header(u, FileKind::Qcow2); }, ErrorKind::Unsupported, "u.qcow2",
               "unknown incompatible features (bits 0x10000000000)");
}

BOOST_AUTO_TEST_CASE(bad_cluster_bits_and_l1) {
  ScratchDir dir;
  fs::path p = make_qcow2(dir, "b.qcow2");
  const std::string original = read_bytes(p);
  std::string b = original;
  b[23] = 22;
  write_bytes(p, b);
  expect_error([&] { inspect_disk_header(p, FileKind::Qcow2); }, ErrorKind::InvalidInput, "b.qcow2",
               "cluster_bits 22 is outside 9..21");
  b = original;
  b[24] = 0x10;  // size += 2^60 bytes: absurd
  write_bytes(p, b);
  expect_error([&] { inspect_disk_header(p, FileKind::Qcow2); }, ErrorKind::InvalidInput, "b.qcow2", "absurd");
  b = original;
  b[26] = 0x10;  // size += 2^44 (16 TiB): one L1 entry is not enough
  write_bytes(p, b);
  expect_error([&] { inspect_disk_header(p, FileKind::Qcow2); }, ErrorKind::InvalidInput, "b.qcow2",
               "L1 table has 1 entries");
}

BOOST_AUTO_TEST_CASE(truncated_images) {
  ScratchDir dir;
  fs::path p = make_qcow2(dir, "d.qcow2");
  fs::path cut = dir / "cut.qcow2";
  truncated_copy(p, cut, 100);
  BOOST_TEST(probe_file(cut).kind == FileKind::Qcow2);
  expect_error([&] { inspect_disk_header(cut, FileKind::Qcow2); }, ErrorKind::InvalidInput, "cut.qcow2",
               "truncated: qcow2 v3 header needs 104 bytes");
  truncated_copy(p, cut, 64 * 1024);  // header cluster only: the tables are gone
  expect_error([&] { inspect_disk_header(cut, FileKind::Qcow2); }, ErrorKind::InvalidInput, "cut.qcow2",
               "runs past the end of the file");
}

BOOST_AUTO_TEST_CASE(internal_snapshots_warn) {
  ScratchDir dir;
  fs::path p = make_qcow2(dir, "s.qcow2");
  run_ok({"qemu-img", "snapshot", "-c", "before-upgrade", p.string()});
  DiskHeaderInfo info = inspect_disk_header(p, FileKind::Qcow2);
  BOOST_TEST_REQUIRE(info.warnings.size() == 1u);
  BOOST_TEST(info.warnings[0].find("1 internal snapshot") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(header_parser_on_bare_bytes) {
  expect_error([] { parse_qcow2_header("QFI", "x.qcow2"); }, ErrorKind::InvalidInput, "x.qcow2", "no 'QFI\\xfb' magic");
  std::string v9 = std::string("QFI\xfb\0\0\0\x09", 8) + std::string(100, '\0');
  expect_error([&] { parse_qcow2_header(v9, "x.qcow2"); }, ErrorKind::Unsupported, "x.qcow2", "qcow2 version 9");
}

BOOST_AUTO_TEST_SUITE_END()

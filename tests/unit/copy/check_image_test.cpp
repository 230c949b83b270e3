// check_image on good copies, on copies damaged after the fact, and on
// leaks (harmless, accepted).
#include "tests/unit/copy/copy_test_support.hpp"

using namespace h2k;
using namespace h2k::copy_test;

namespace {

struct Qcow2Copy {
  ScratchDir dir;
  fs::path raw = dir / "reference.raw";
  fs::path image = dir / "disk1.qcow2";
  std::string header;   // first 104 bytes of the qcow2 header
  Qcow2Copy() {
    make_patterned_raw(raw);
    copy_disk(whole_file_disk(raw, FileKind::Raw), image, {}, {}, CancelToken());
    header = read_bytes(image).substr(0, 104);
    BOOST_TEST_REQUIRE(header.substr(0, 4) == "QFI\xfb");
  }
  // qcow2 header: L1 table offset at 40, refcount table offset at 48 (big-endian).
  std::uint64_t first_l2_table() const {
    const std::uint64_t l1 = be64_at(header, 40);
    return be64_at(read_bytes(image), l1) & 0x00fffffffffffe00ull;
  }
  std::uint64_t first_refcount_block() const {
    return be64_at(read_bytes(image), be64_at(header, 48));
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(check_image_tests, Qcow2Copy)

BOOST_AUTO_TEST_CASE(fresh_copies_pass) {
  BOOST_CHECK_NO_THROW(check_image(image, OutputFormat::Qcow2));
  BOOST_CHECK_NO_THROW(check_image(image, OutputFormat::Qcow2, "qemu-img", kDiskSize));
  fs::path raw_copy = dir / "disk1.raw";
  CopyOptions options;
  options.format = OutputFormat::Raw;
  copy_disk(whole_file_disk(raw, FileKind::Raw), raw_copy, options, {}, CancelToken());
  BOOST_CHECK_NO_THROW(check_image(raw_copy, OutputFormat::Raw, "qemu-img", kDiskSize));
}

BOOST_AUTO_TEST_CASE(garbage_in_an_l2_table_is_corruption) {
  const std::uint64_t l2 = first_l2_table();
  BOOST_TEST_REQUIRE(l2 != 0u);
  patch_bytes(image, l2, std::string(512, '\x5a'));
  expect_error([&] { check_image(image, OutputFormat::Qcow2); }, ErrorKind::Io, image.string(), "corruptions");
}

BOOST_AUTO_TEST_CASE(zeroed_refcount_block_is_corruption) {
  const std::uint64_t block = first_refcount_block();
  BOOST_TEST_REQUIRE(block != 0u);
  patch_bytes(image, block, std::string(512, '\0'));
  expect_error([&] { check_image(image, OutputFormat::Qcow2); }, ErrorKind::Io, image.string(), "corruptions");
}

BOOST_AUTO_TEST_CASE(leaked_cluster_is_accepted) {
  // Append a cluster nobody references and give it refcount 1: a leak.
  const std::uint32_t cluster_bits = static_cast<std::uint32_t>(be64_at(header, 20) >> 32);
  const std::uint64_t cluster = 1ull << cluster_bits;
  const std::uint64_t size = fs::file_size(image);
  BOOST_TEST_REQUIRE(size % cluster == 0u);
  const std::uint64_t index = size / cluster;
  fs::resize_file(image, size + cluster);
  // Default refcount entries are 16-bit big-endian.
  patch_bytes(image, first_refcount_block() + index * 2, std::string("\x00\x01", 2));
  auto r = run_subprocess({"qemu-img", "check", "-f", "qcow2", image.string()});
  BOOST_TEST_REQUIRE(r.exit_code == 3, "the crafted image should have a leak only:\n" << r.out << r.err);
  BOOST_CHECK_NO_THROW(check_image(image, OutputFormat::Qcow2));
}

BOOST_AUTO_TEST_CASE(wrong_virtual_size) {
  expect_error([&] { check_image(image, OutputFormat::Qcow2, "qemu-img", kDiskSize * 2); }, ErrorKind::Io,
               image.string(), "expected");
}

BOOST_AUTO_TEST_CASE(short_raw_file) {
  fs::path raw_copy = dir / "short.raw";
  fs::copy_file(raw, raw_copy);
  fs::resize_file(raw_copy, kDiskSize - 4096);   // lost tail
  expect_error([&] { check_image(raw_copy, OutputFormat::Raw, "qemu-img", kDiskSize); }, ErrorKind::Io,
               raw_copy.string(), "expected");
}

BOOST_AUTO_TEST_CASE(not_a_qcow2_at_all) {
  expect_error([&] { check_image(raw, OutputFormat::Qcow2); }, ErrorKind::Io, raw.string(), "cannot open");
}

BOOST_AUTO_TEST_CASE(missing_image) {
  expect_error([&] { check_image(dir / "nope.qcow2", OutputFormat::Qcow2); }, ErrorKind::Io, "nope.qcow2",
               "missing");
}

BOOST_AUTO_TEST_SUITE_END()

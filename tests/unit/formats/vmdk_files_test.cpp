// VMDK images made by qemu-img: sparse headers, embedded descriptors, extent
// checks through inspect_disk_header, and the ways such files get broken.
#include "engine/formats/disk_header.hpp"
#include "engine/formats/vmdk.hpp"
#include "formats_test_support.hpp"

using namespace h2k;
using namespace h2k::formats_test;

namespace {

fs::path make_vmdk(const ScratchDir& dir, const std::string& subformat, const std::string& size = "10M") {
  fs::path p = dir / (subformat + ".vmdk");
  qemu_create(p, "vmdk", size, "subformat=" + subformat);
  return p;
}

// Overwrites bytes of a file in place (to damage a header the way a bad copy would).
void patch(const fs::path& p, std::size_t offset, const std::string& bytes) {
  std::string data = read_bytes(p);
  data.replace(offset, bytes.size(), bytes);
  write_bytes(p, data);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vmdk_files)

BOOST_AUTO_TEST_CASE(every_qemu_subformat_reports_qemus_virtual_size) {
  ScratchDir dir;
  struct Case { std::string subformat; FileKind kind; std::string detail; std::size_t parts; };
  for (const Case& c : {Case{"monolithicSparse", FileKind::VmdkSparse, "monolithicSparse", 1},
                        Case{"streamOptimized", FileKind::VmdkSparse, "streamOptimized", 1},
                        Case{"monolithicFlat", FileKind::VmdkDescriptor, "monolithicFlat", 2},
                        Case{"twoGbMaxExtentSparse", FileKind::VmdkDescriptor, "twoGbMaxExtentSparse", 2},
                        Case{"twoGbMaxExtentFlat", FileKind::VmdkDescriptor, "twoGbMaxExtentFlat", 2}}) {
    BOOST_TEST_CONTEXT(c.subformat) {
      fs::path p = make_vmdk(dir, c.subformat, "70M");
      ProbeResult probe = probe_file(p);
      BOOST_TEST(probe.kind == c.kind);
      DiskHeaderInfo info = inspect_disk_header(p, probe.kind);
      BOOST_TEST(info.virtual_size == qemu_virtual_size(p, "vmdk"));
      BOOST_TEST(info.virtual_size == 70u * 1024 * 1024);
      BOOST_TEST(info.detail == c.detail);
      BOOST_TEST(info.parts.size() == c.parts);
      BOOST_TEST(info.parts.front() == p);
    }
  }
}

BOOST_AUTO_TEST_CASE(sparse_header_fields) {
  ScratchDir dir;
  fs::path mono = make_vmdk(dir, "monolithicSparse");
  std::string bytes = read_bytes(mono);
  VmdkSparseHeader h = parse_vmdk_sparse_header(bytes.substr(0, 512), "mono.vmdk", bytes.size());
  BOOST_TEST(h.version == 1u);
  BOOST_TEST(h.capacity_sectors == 20480u);
  BOOST_TEST(h.grain_sectors == 128u);
  BOOST_TEST(h.gtes_per_gt == 512u);
  BOOST_TEST(h.has_embedded_descriptor());
  BOOST_TEST(!h.is_stream_optimized());
  MemoryByteSource src(bytes, "mono.vmdk");
  VmdkDescriptor d = parse_vmdk_descriptor(read_vmdk_embedded_descriptor(src, h), "mono.vmdk");
  BOOST_TEST(d.create_type == "monolithicSparse");
  BOOST_TEST(d.extents.at(0).type == VmdkExtentType::Sparse);
  BOOST_TEST(d.virtual_size() == h.virtual_size());

  fs::path stream = make_vmdk(dir, "streamOptimized");
  std::string sbytes = read_bytes(stream);
  VmdkSparseHeader s = parse_vmdk_sparse_header(sbytes.substr(0, 512), "stream.vmdk", sbytes.size());
  BOOST_TEST(s.version == 3u);
  BOOST_TEST(s.is_stream_optimized());
  BOOST_TEST(s.has_markers());
  BOOST_TEST(s.compress_algorithm == 1u);
}

BOOST_AUTO_TEST_CASE(split_sparse_extent_alone_warns) {
  ScratchDir dir;
  make_vmdk(dir, "twoGbMaxExtentSparse");
  DiskHeaderInfo info = inspect_disk_header(dir / "twoGbMaxExtentSparse-s001.vmdk", FileKind::VmdkSparse);
  BOOST_TEST(info.detail == "sparse extent");
  BOOST_TEST_REQUIRE(info.warnings.size() == 1u);
  BOOST_TEST(info.warnings[0].find("descriptor") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_extent_names_descriptor_and_extent) {
  ScratchDir dir;
  fs::path p = make_vmdk(dir, "monolithicFlat");
  fs::remove(dir / "monolithicFlat-flat.vmdk");
  std::string msg = expect_error([&] { inspect_disk_header(p, FileKind::VmdkDescriptor); }, ErrorKind::InvalidInput,
                                 "monolithicFlat.vmdk", "extent 'monolithicFlat-flat.vmdk' (line 8) is missing");
  BOOST_TEST(msg.find(p.string()) == 0u);
}

BOOST_AUTO_TEST_CASE(short_flat_extent_is_truncated) {
  ScratchDir dir;
  fs::path p = make_vmdk(dir, "twoGbMaxExtentFlat");
  fs::resize_file(dir / "twoGbMaxExtentFlat-f001.vmdk", 4 * 1024 * 1024);
  expect_error([&] { inspect_disk_header(p, FileKind::VmdkDescriptor); }, ErrorKind::InvalidInput,
               "twoGbMaxExtentFlat.vmdk", "is shorter than declared: 4194304 bytes, need 10485760");
}

BOOST_AUTO_TEST_CASE(sparse_extent_that_is_not_sparse) {
  ScratchDir dir;
  fs::path p = make_vmdk(dir, "twoGbMaxExtentSparse");
  write_bytes(dir / "twoGbMaxExtentSparse-s001.vmdk", std::string(65536, '\0'));
  expect_error([&] { inspect_disk_header(p, FileKind::VmdkDescriptor); }, ErrorKind::InvalidInput,
               "twoGbMaxExtentSparse.vmdk", "is declared SPARSE but is not a sparse extent");
}

BOOST_AUTO_TEST_CASE(extent_that_is_a_directory) {
  ScratchDir dir;
  fs::path p = make_vmdk(dir, "monolithicFlat");
  fs::remove(dir / "monolithicFlat-flat.vmdk");
  fs::create_directory(dir / "monolithicFlat-flat.vmdk");
  expect_error([&] { inspect_disk_header(p, FileKind::VmdkDescriptor); }, ErrorKind::InvalidInput,
               "monolithicFlat.vmdk", "is not a regular file");
}

BOOST_AUTO_TEST_CASE(path_traversal_extent_never_touches_the_target) {
  ScratchDir dir;
  fs::create_directory(dir / "vm");
  // The target exists, so only the name check can stop the descriptor.
  write_bytes(dir / "secret.img", std::string(1024 * 1024, 'S'));
  write_bytes(dir / "vm" / "evil.vmdk",
              "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n"
              "RW 2048 FLAT \"../secret.img\" 0\n");
  expect_error([&] { inspect_disk_header(dir / "vm" / "evil.vmdk", probe_file(dir / "vm" / "evil.vmdk").kind); },
               ErrorKind::InvalidInput, "evil.vmdk", "line 6: extent file name '../secret.img' escapes");
}

BOOST_AUTO_TEST_CASE(descriptor_create_type_qemu_cannot_open) {
  ScratchDir dir;
  write_bytes(dir / "thin.vmdk",
              "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"vmfsThin\"\n"
              "RW 2048 VMFS \"thin-flat.vmdk\"\n");
  expect_error([&] { inspect_disk_header(dir / "thin.vmdk", FileKind::VmdkDescriptor); }, ErrorKind::Unsupported,
               "thin.vmdk", "createType 'vmfsThin' cannot be read by qemu-img");
}

BOOST_AUTO_TEST_CASE(truncated_sparse_headers) {
  ScratchDir dir;
  for (std::string sub : {"monolithicSparse", "streamOptimized"}) {
    fs::path p = make_vmdk(dir, sub);
    fs::path cut = dir / (sub + "-cut.vmdk");
    truncated_copy(p, cut, 100);
    BOOST_TEST(probe_file(cut).kind == FileKind::VmdkSparse);  // the magic survives
    expect_error([&] { inspect_disk_header(cut, FileKind::VmdkSparse); }, ErrorKind::InvalidInput, cut.filename().string(),
                 "truncated");
    // Header intact, embedded descriptor cut off.
    truncated_copy(p, cut, 1024);
    expect_error([&] { inspect_disk_header(cut, FileKind::VmdkSparse); }, ErrorKind::InvalidInput, cut.filename().string(),
                 "truncated: embedded descriptor");
  }
}

BOOST_AUTO_TEST_CASE(damaged_sparse_header_fields) {
  ScratchDir dir;
  fs::path p = make_vmdk(dir, "monolithicSparse");
  const std::string original = read_bytes(p);
  auto damaged = [&](std::size_t offset, const std::string& bytes, ErrorKind kind, const std::string& reason) {
    write_bytes(p, original);
    patch(p, offset, bytes);
    expect_error([&] { inspect_disk_header(p, FileKind::VmdkSparse); }, kind, "monolithicSparse.vmdk", reason);
  };
  damaged(20, std::string(8, '\0'), ErrorKind::InvalidInput, "grain size is 0");
  damaged(20, std::string("\x03\0\0\0\0\0\0\0", 8), ErrorKind::InvalidInput, "not a power of two");
  damaged(44, std::string("\x00\x01\0\0", 4), ErrorKind::InvalidInput, "numGTEsPerGT is 256");
  damaged(12, std::string(8, '\xff'), ErrorKind::InvalidInput, "overflows");
  damaged(4, std::string("\x09\0\0\0", 4), ErrorKind::Unsupported, "version 9");
  damaged(73, "\n \n\n", ErrorKind::InvalidInput, "text-mode transfer");
  damaged(77, std::string("\x02\0", 2), ErrorKind::Unsupported, "compression algorithm 2");
  // A snapshot hiding in the embedded descriptor.
  std::size_t at = original.find("parentCID=ffffffff");
  BOOST_TEST_REQUIRE(at != std::string::npos);
  damaged(at, "parentCID=12345678", ErrorKind::Unsupported, "snapshot (delta) disk");
}

BOOST_AUTO_TEST_CASE(bare_header_parser_errors) {
  expect_error([] { parse_vmdk_sparse_header(std::string(100, 'K'), "x.vmdk"); }, ErrorKind::InvalidInput, "x.vmdk",
               "needs 512 bytes");
  expect_error([] { parse_vmdk_sparse_header(std::string(512, '\0'), "x.vmdk"); }, ErrorKind::InvalidInput, "x.vmdk",
               "no 'KDMV' magic");
}

BOOST_AUTO_TEST_SUITE_END()

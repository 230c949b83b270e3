// inspect_disk_header: the one call inputs make per disk (files and OVA slices).
#include "engine/formats/disk_header.hpp"
#include "formats_test_support.hpp"

using namespace h2k;
using namespace h2k::formats_test;

BOOST_AUTO_TEST_SUITE(disk_header)

BOOST_AUTO_TEST_CASE(raw_disk_size_is_the_file_size) {
  ScratchDir dir;
  qemu_create(dir / "d.img", "raw", "3M");
  DiskHeaderInfo info = inspect_disk_header(dir / "d.img", FileKind::Raw);
  BOOST_TEST(info.virtual_size == 3u * 1024 * 1024);
  BOOST_TEST(info.virtual_size == qemu_virtual_size(dir / "d.img", "raw"));
  BOOST_TEST(info.parts == std::vector<fs::path>{dir / "d.img"});
}

BOOST_AUTO_TEST_CASE(descriptor_parts_list_every_extent) {
  ScratchDir dir;
  // 5 GiB split in 2 GiB pieces: three sparse extents.
  qemu_create(dir / "big.vmdk", "vmdk", "5G", "subformat=twoGbMaxExtentSparse");
  DiskHeaderInfo info = inspect_disk_header(dir / "big.vmdk", FileKind::VmdkDescriptor);
  BOOST_TEST(info.virtual_size == 5ull << 30);
  BOOST_TEST(info.virtual_size == qemu_virtual_size(dir / "big.vmdk", "vmdk"));
  std::vector<fs::path> expected{dir / "big.vmdk", dir / "big-s001.vmdk", dir / "big-s002.vmdk", dir / "big-s003.vmdk"};
  BOOST_TEST(info.parts == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(disk_inside_an_ova_is_read_in_place) {
  ScratchDir dir;
  qemu_create(dir / "disk1.vmdk", "vmdk", "20M", "subformat=streamOptimized");
  run_ok({"tar", "-C", dir.path().string(), "--format=ustar", "-cf", (dir / "vm.ova").string(), "disk1.vmdk"});
  auto size = fs::file_size(dir / "disk1.vmdk");
  // ustar: one 512-byte header, then the member's bytes.
  FileByteSource slice(dir / "vm.ova", 512, size, "vm.ova:disk1.vmdk");
  BOOST_TEST(probe_bytes(slice.read(0, kProbeHeadBytes), size).kind == FileKind::VmdkSparse);
  DiskHeaderInfo info = inspect_disk_header(slice, FileKind::VmdkSparse);
  BOOST_TEST(info.virtual_size == 20u * 1024 * 1024);
  BOOST_TEST(info.detail == "streamOptimized");
  // A slice that claims more bytes than the archive holds.
  expect_error([&] { FileByteSource(dir / "vm.ova", 512, fs::file_size(dir / "vm.ova"), "vm.ova:disk1.vmdk"); },
               ErrorKind::InvalidInput, "vm.ova:disk1.vmdk", "truncated");
}

BOOST_AUTO_TEST_CASE(slice_errors_use_the_display_name) {
  ScratchDir dir;
  qemu_create(dir / "disk1.vmdk", "vmdk", "20M", "subformat=streamOptimized");
  std::string bytes = read_bytes(dir / "disk1.vmdk");
  MemoryByteSource cut(std::string_view(bytes).substr(0, 300), "vm.ova:disk1.vmdk");
  expect_error([&] { inspect_disk_header(cut, FileKind::VmdkSparse); }, ErrorKind::InvalidInput, "vm.ova:disk1.vmdk",
               "truncated");
}

BOOST_AUTO_TEST_CASE(non_disk_kinds_are_refused) {
  ScratchDir dir;
  write_bytes(dir / "vm.ovf", "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\"/>");
  for (FileKind kind : {FileKind::Ovf, FileKind::Ova, FileKind::Vmx, FileKind::Manifest, FileKind::Unknown}) {
    BOOST_TEST_CONTEXT(to_string(kind)) {
      expect_error([&] { inspect_disk_header(dir / "vm.ovf", kind); }, ErrorKind::InvalidInput, "vm.ovf",
                   std::string("not a disk image (it is ") + to_string(kind) + ")");
    }
  }
}

BOOST_AUTO_TEST_CASE(empty_and_missing_files) {
  ScratchDir dir;
  write_bytes(dir / "empty.img", "");
  expect_error([&] { inspect_disk_header(dir / "empty.img", FileKind::Raw); }, ErrorKind::InvalidInput, "empty.img",
               "empty file");
  expect_error([&] { inspect_disk_header(dir / "gone.qcow2", FileKind::Qcow2); }, ErrorKind::InvalidInput, "gone.qcow2",
               "cannot read");
}

BOOST_AUTO_TEST_CASE(wrong_kind_for_the_bytes) {
  ScratchDir dir;
  qemu_create(dir / "d.qcow2", "qcow2", "1M");
  expect_error([&] { inspect_disk_header(dir / "d.qcow2", FileKind::Vhdx); }, ErrorKind::InvalidInput, "d.qcow2",
               "no 'vhdxfile' identifier");
  expect_error([&] { inspect_disk_header(dir / "d.qcow2", FileKind::VmdkSparse); }, ErrorKind::InvalidInput, "d.qcow2",
               "no 'KDMV' magic");
  expect_error([&] { inspect_disk_header(dir / "d.qcow2", FileKind::Vhd); }, ErrorKind::InvalidInput, "d.qcow2",
               "no VHD footer");
}

BOOST_AUTO_TEST_CASE(first_100_bytes_of_every_format_is_a_clear_error) {
  ScratchDir dir;
  struct Case { std::string name, fmt, options; FileKind kind; };
  for (const Case& c : {Case{"a.qcow2", "qcow2", "", FileKind::Qcow2},
                        Case{"b.vmdk", "vmdk", "subformat=monolithicSparse", FileKind::VmdkSparse},
                        Case{"c.vmdk", "vmdk", "subformat=streamOptimized", FileKind::VmdkSparse},
                        Case{"d.vmdk", "vmdk", "subformat=monolithicFlat", FileKind::VmdkDescriptor},
                        Case{"e.vhd", "vpc", "subformat=dynamic", FileKind::Vhd},
                        Case{"f.vhd", "vpc", "subformat=fixed", FileKind::Vhd},
                        Case{"g.vhdx", "vhdx", "", FileKind::Vhdx}}) {
    BOOST_TEST_CONTEXT(c.name) {
      qemu_create(dir / c.name, c.fmt, "10M", c.options);
      BOOST_TEST(probe_file(dir / c.name).kind == c.kind);
      fs::path cut = dir / ("cut-" + c.name);
      truncated_copy(dir / c.name, cut, 100);
      // Whatever the probe now says, validating it as what it was must fail clearly.
      try {
        inspect_disk_header(cut, c.kind);
        BOOST_FAIL("a 100-byte " << c.name << " passed validation");
      } catch (const ConversionError& e) {
        BOOST_TEST(e.kind() == ErrorKind::InvalidInput);
        BOOST_TEST(e.file() == cut.string());
        BOOST_TEST(!e.reason().empty());
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

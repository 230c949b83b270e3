// parse_vmdk_descriptor on real-looking descriptors and on broken/hostile ones.
#include "engine/formats/vmdk.hpp"
#include "formats_test_support.hpp"

using namespace h2k;
using namespace h2k::formats_test;

namespace {

// What VMware Workstation writes for a split flat disk (abridged).
const std::string kSplitFlat =
    "# Disk DescriptorFile\r\n"
    "version=1\r\n"
    "encoding=\"UTF-8\"\r\n"
    "CID=a1b2c3d4\r\n"
    "parentCID=ffffffff\r\n"
    "isNativeSnapshot=\"no\"\r\n"
    "createType=\"twoGbMaxExtentFlat\"\r\n"
    "\r\n"
    "# Extent description\r\n"
    "RW 4192256 FLAT \"web01-f001.vmdk\" 0\r\n"
    "RW 4192256 FLAT \"web01-f002.vmdk\" 0\r\n"
    "RDONLY 2048 FLAT \"web 01 tail.vmdk\" 8\r\n"
    "NOACCESS 100 ZERO\r\n"
    "\r\n"
    "# The Disk Data Base\r\n"
    "#DDB\r\n"
    "\r\n"
    "ddb.adapterType = \"lsilogic\"\r\n"
    "ddb.geometry.cylinders = \"522\"\r\n"
    "ddb.geometry.heads = \"255\"\r\n"
    "ddb.geometry.sectors = \"63\"\r\n"
    "ddb.uuid = \"60 00 C2 9a 7d 3e 41 1e-8c 35 02 00 b4 00 8e 1d\"\r\n"
    "ddb.virtualHWVersion = \"14\"\r\n";

std::string descriptor_with(const std::string& header_extra, const std::string& extents) {
  return "# Disk DescriptorFile\nversion=1\nCID=fffffffe\n" + header_extra + "createType=\"monolithicFlat\"\n\n" +
         extents + "\nddb.adapterType = \"ide\"\n";
}

std::string expect_descriptor_error(const std::string& text, ErrorKind kind, const std::string& reason_part) {
  return expect_error([&] { parse_vmdk_descriptor(text, "web01.vmdk"); }, kind, "web01.vmdk", reason_part);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vmdk_descriptor)

BOOST_AUTO_TEST_CASE(vmware_split_flat_descriptor) {
  VmdkDescriptor d = parse_vmdk_descriptor(kSplitFlat, "web01.vmdk");
  BOOST_TEST(d.version == 1);
  BOOST_TEST(d.cid == 0xa1b2c3d4u);
  BOOST_TEST(d.parent_cid == 0xffffffffu);
  BOOST_TEST(d.create_type == "twoGbMaxExtentFlat");
  BOOST_TEST_REQUIRE(d.extents.size() == 4u);
  BOOST_TEST(d.extents[0].filename == "web01-f001.vmdk");
  BOOST_TEST(d.extents[0].size_sectors == 4192256u);
  BOOST_TEST(d.extents[0].line == 10);
  BOOST_TEST(d.extents[2].access == VmdkAccess::ReadOnly);
  BOOST_TEST(d.extents[2].filename == "web 01 tail.vmdk");
  BOOST_TEST(d.extents[2].offset_sectors == 8u);
  BOOST_TEST(d.extents[3].type == VmdkExtentType::Zero);
  BOOST_TEST(d.extents[3].access == VmdkAccess::NoAccess);
  BOOST_TEST(d.extents[3].filename.empty());
  BOOST_TEST(d.capacity_sectors() == 4192256u * 2 + 2048 + 100);
  BOOST_TEST(d.virtual_size() == (4192256ull * 2 + 2048 + 100) * 512);
  BOOST_TEST(d.adapter_type == "lsilogic");
  BOOST_TEST_REQUIRE(d.geometry.has_value());
  BOOST_TEST(d.geometry->cylinders == 522u);
  BOOST_TEST(d.geometry->heads == 255u);
  BOOST_TEST(d.geometry->sectors == 63u);
  BOOST_TEST(d.virtual_hw_version == "14");
  BOOST_TEST(d.uuid == "60 00 C2 9a 7d 3e 41 1e-8c 35 02 00 b4 00 8e 1d");
  BOOST_TEST(d.other.at("encoding") == "UTF-8");
  BOOST_TEST(d.ddb.size() == 6u);
}

BOOST_AUTO_TEST_CASE(qemu_made_descriptors_parse) {
  ScratchDir dir;
  for (std::string sub : {"monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"}) {
    qemu_create(dir / (sub + ".vmdk"), "vmdk", "10M", "subformat=" + sub);
    VmdkDescriptor d = parse_vmdk_descriptor(read_bytes(dir / (sub + ".vmdk")), sub + ".vmdk");
    BOOST_TEST(d.create_type == sub);
    BOOST_TEST(d.virtual_size() == qemu_virtual_size(dir / (sub + ".vmdk"), "vmdk"));
    BOOST_TEST(d.adapter_type == "ide");
    for (const auto& e : d.extents)
      BOOST_TEST((e.type == (sub == "twoGbMaxExtentSparse" ? VmdkExtentType::Sparse : VmdkExtentType::Flat)));
  }
}

// Seen in CI: qemu-img rewrote the CID with two hex digits fewer, leaving the
// old text's last bytes (`"\n`) behind the NUL that ends the new text. qemu
// reads up to the NUL; so must we. More text than a CID's worth after a NUL is
// damage, and is refused rather than cut (cutting could drop extents).
BOOST_AUTO_TEST_CASE(stale_bytes_after_the_terminating_nul) {
  std::string text = descriptor_with("", "RW 4194304 SPARSE \"d-s001.vmdk\"\nRW 2097152 SPARSE \"d-s002.vmdk\"\n");
  std::string stale = text + std::string(1, '\0') + "\"\n";
  stale.resize(((stale.size() + 511) / 512) * 512, '\0');
  VmdkDescriptor d = parse_vmdk_descriptor(stale, "web01.vmdk");
  BOOST_TEST(d.extents.size() == 2u);
  BOOST_TEST(d.virtual_size() == (4194304ull + 2097152) * 512);
  BOOST_TEST(d.adapter_type == "ide");

  std::string cut = descriptor_with(
      "", "RW 4194304 SPARSE \"d-s001.vmdk\"\n" + std::string(1, '\0') + "RW 2097152 SPARSE \"d-s002.vmdk\"\n");
  std::string msg = expect_descriptor_error(cut, ErrorKind::InvalidInput, "binary data in the descriptor");
  BOOST_TEST(msg.find("after a NUL at byte") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(extent_types_and_names) {
  VmdkDescriptor d = parse_vmdk_descriptor(
      descriptor_with("", "RW 10 VMFS \"a-flat.vmdk\"\nRW 10 VMFSSPARSE \"b.vmdk\"\nRW 10 SESPARSE \"c.vmdk\"\n"
                          "RW 10 SPARSE \"sub/d.vmdk\"\n"),
      "x.vmdk");
  BOOST_TEST_REQUIRE(d.extents.size() == 4u);
  BOOST_TEST(to_string(d.extents[0].type) == std::string("VMFS"));
  BOOST_TEST(to_string(d.extents[1].type) == std::string("VMFSSPARSE"));
  BOOST_TEST(to_string(d.extents[2].type) == std::string("SESPARSE"));
  BOOST_TEST(d.extents[3].filename == "sub/d.vmdk");  // a subfolder stays inside
}

BOOST_AUTO_TEST_CASE(snapshot_delta_disk_is_unsupported) {
  std::string delta = "# Disk DescriptorFile\nversion=1\nCID=1234abcd\nparentCID=a1b2c3d4\n"
                      "createType=\"vmfsSparse\"\nparentFileNameHint=\"web01.vmdk\"\n"
                      "RW 2048 VMFSSPARSE \"web01-000001-delta.vmdk\"\n";
  std::string msg = expect_descriptor_error(delta, ErrorKind::Unsupported, "snapshot (delta) disk");
  BOOST_TEST(msg.find("consolidate snapshots") != std::string::npos);
  BOOST_TEST(msg.find("line 4") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_extent_lines_name_the_line) {
  auto msg = expect_descriptor_error(descriptor_with("", "RW 20480 FLAT \"ok-flat.vmdk\" 0\nRW lots FLAT \"x.vmdk\" 0\n"),
                                     ErrorKind::InvalidInput, "bad extent line");
  BOOST_TEST(msg.find("line 7") != std::string::npos);
  BOOST_TEST(msg.find("'lots' is not a number") != std::string::npos);
  expect_descriptor_error(descriptor_with("", "RW 20480 BANANA \"x.vmdk\"\n"), ErrorKind::InvalidInput,
                          "unknown extent type 'BANANA'");
  expect_descriptor_error(descriptor_with("", "RW 20480 FLAT x-flat.vmdk 0\n"), ErrorKind::InvalidInput,
                          "expected a quoted file name");
  expect_descriptor_error(descriptor_with("", "RW 20480 FLAT \"x-flat.vmdk 0\n"), ErrorKind::InvalidInput,
                          "unterminated");
  expect_descriptor_error(descriptor_with("", "RW 20480 FLAT \"x-flat.vmdk\" 0 extra\n"), ErrorKind::InvalidInput,
                          "unexpected text 'extra'");
  expect_descriptor_error(descriptor_with("", "RW 0 FLAT \"x-flat.vmdk\" 0\n"), ErrorKind::InvalidInput,
                          "extent size is 0");
  expect_descriptor_error(descriptor_with("", "RW 20480 VMFSRDM \"x-rdm.vmdk\"\n"), ErrorKind::Unsupported,
                          "raw device mapping");
  expect_descriptor_error(descriptor_with("", "this is not a descriptor line\n"), ErrorKind::InvalidInput,
                          "unrecognised line");
}

BOOST_AUTO_TEST_CASE(absurd_sizes_are_rejected) {
  expect_descriptor_error(descriptor_with("", "RW 99999999999999999999999 FLAT \"x.vmdk\" 0\n"), ErrorKind::InvalidInput,
                          "absurdly large");
  expect_descriptor_error(descriptor_with("", "RW 1099511627776 FLAT \"x.vmdk\" 0\n"), ErrorKind::InvalidInput,
                          "absurd extent size");
  std::string many;
  for (int i = 0; i < 5; ++i) many += "RW 137438953472 FLAT \"x" + std::to_string(i) + ".vmdk\" 0\n";
  expect_descriptor_error(descriptor_with("", many), ErrorKind::InvalidInput, "absurd disk size");
  expect_descriptor_error(descriptor_with("", "RW 10 FLAT \"x.vmdk\" 18446744073709551615\n"), ErrorKind::InvalidInput,
                          "absurd extent offset");
}

BOOST_AUTO_TEST_CASE(hostile_extent_names_are_rejected) {
  expect_descriptor_error(descriptor_with("", "RW 2048 FLAT \"../../etc/shadow\" 0\n"), ErrorKind::InvalidInput,
                          "escapes the descriptor's folder");
  expect_descriptor_error(descriptor_with("", "RW 2048 FLAT \"disks/../../x.vmdk\" 0\n"), ErrorKind::InvalidInput,
                          "escapes the descriptor's folder");
  expect_descriptor_error(descriptor_with("", "RW 2048 FLAT \"/dev/sda\" 0\n"), ErrorKind::InvalidInput,
                          "absolute path");
  expect_descriptor_error(descriptor_with("", "RW 2048 FLAT \"..\\\\evil.vmdk\" 0\n"), ErrorKind::InvalidInput,
                          "backslash");
  expect_descriptor_error(descriptor_with("", "RW 2048 FLAT \"\" 0\n"), ErrorKind::InvalidInput, "empty extent file name");
  // '..' inside a name is not a path component: allowed.
  auto d = parse_vmdk_descriptor(descriptor_with("", "RW 2048 FLAT \"web..01-flat.vmdk\" 0\n"), "x.vmdk");
  BOOST_TEST(d.extents.at(0).filename == "web..01-flat.vmdk");
}

BOOST_AUTO_TEST_CASE(header_problems) {
  expect_descriptor_error("# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
                          "RW 2048 FLAT \"x-flat.vmdk\" 0\n",
                          ErrorKind::InvalidInput, "no createType");
  expect_descriptor_error(descriptor_with("", ""), ErrorKind::InvalidInput, "no extents");
  expect_descriptor_error(descriptor_with("parentCID=zzzz\n", "RW 1 FLAT \"x.vmdk\" 0\n"), ErrorKind::InvalidInput,
                          "parentCID 'zzzz' is not");
  expect_descriptor_error(descriptor_with("CID=12345678\n", "RW 1 FLAT \"x.vmdk\" 0\n"), ErrorKind::InvalidInput,
                          "'CID' is given twice");
  expect_descriptor_error("version=7\ncreateType=\"monolithicFlat\"\nRW 1 FLAT \"x.vmdk\" 0\n", ErrorKind::Unsupported,
                          "descriptor version '7'");
  expect_descriptor_error("version=1\ncreateType=\"fullDevice\"\nRW 1 FLAT \"/dev/sdb\" 0\n", ErrorKind::InvalidInput,
                          "absolute path");
  expect_descriptor_error("version=1\ncreateType=\"fullDevice\"\nRW 1 FLAT \"sdb\" 0\n", ErrorKind::Unsupported,
                          "physical device");
}

BOOST_AUTO_TEST_SUITE_END()

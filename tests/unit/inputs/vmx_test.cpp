// parse_vmx over .vmx files as vSphere and Workstation write them.
#include "engine/inputs/vmx.hpp"

#include "inputs_test_support.hpp"

using namespace h2k;
using namespace h2k::inputs_test;

BOOST_AUTO_TEST_SUITE(vmx_parser)

BOOST_AUTO_TEST_CASE(vsphere_vmx_with_two_scsi_controllers_and_cdrom) {
  VmxConfig v = parse_vmx(read_data("vmx/web01.vmx"), "web01.vmx");
  BOOST_TEST(v.name == "web01");
  BOOST_TEST(v.vcpus == 4);
  BOOST_TEST(v.memory_mib == 8192u);  // "memSize": keys are case-insensitive
  BOOST_TEST(v.firmware == Firmware::Bios);
  BOOST_TEST(v.os_hint == "debian10-64");
  // The CD-ROM (sata0:0) and the absent ide0:0 are not disks.
  BOOST_TEST_REQUIRE(v.disks.size() == 2u);
  BOOST_TEST(v.disks[0].device == "scsi0:0");
  BOOST_TEST(v.disks[0].file_name == "web01.vmdk");
  BOOST_TEST(v.disks[0].controller == "scsi");
  BOOST_TEST(v.disks[0].controller_model == "pvscsi");
  BOOST_TEST(v.disks[0].boot_order == 1);
  BOOST_TEST(v.disks[1].device == "scsi1:0");
  BOOST_TEST(v.disks[1].file_name == "web01_1.vmdk");
  BOOST_TEST(v.disks[1].controller_model == "lsilogicsas");
  BOOST_TEST(v.disks[1].bus == 1);
  BOOST_TEST(v.disks[1].boot_order == 2);

  BOOST_TEST_REQUIRE(v.nics.size() == 2u);  // ethernet2 is not present
  BOOST_TEST(v.nics[0].model == "vmxnet3");
  BOOST_TEST(v.nics[0].mac == "00:50:56:ab:12:34");  // generatedAddress (addressType vpx)
  BOOST_TEST(v.nics[0].network == "VM Network");
  BOOST_TEST(v.nics[1].model == "e1000e");
  BOOST_TEST(v.nics[1].mac == "00:50:56:01:02:03");  // static address
  BOOST_TEST(v.nics[1].network == "Backup-VLAN20");

  // "|22" and "|0A" are VMware's escapes for '"' and newline.
  BOOST_TEST(v.values.at("annotation") == "Public web front end\nOwner: \"web-team\"");
}

BOOST_AUTO_TEST_CASE(efi_vmx_with_hdd_order) {
  VmxConfig v = parse_vmx(read_data("vmx/build01-efi.vmx"), "build01.vmx");
  BOOST_TEST(v.firmware == Firmware::Efi);
  BOOST_TEST(v.vcpus == 2);  // "NumVCPUs"
  BOOST_TEST(v.memory_mib == 4096u);
  BOOST_TEST_REQUIRE(v.disks.size() == 2u);
  // SCSI would come before NVMe by default; bios.hddOrder names nvme0:0.
  BOOST_TEST(v.disks[0].device == "nvme0:0");
  BOOST_TEST(v.disks[0].controller == "nvme");
  BOOST_TEST(v.disks[1].device == "scsi0:0");
  BOOST_TEST(v.disks[1].controller_model == "lsilogicsas");
  BOOST_TEST_REQUIRE(v.nics.size() == 1u);
  BOOST_TEST(v.nics[0].mac == "00:0c:29:3e:5f:71");
  BOOST_TEST(v.nics[0].network == "nat");  // Workstation: connectionType when there is no networkName
}

BOOST_AUTO_TEST_CASE(defaults_and_warnings) {
  VmxConfig v = parse_vmx("displayName = \"bare\"\nscsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"\n"
                          "scsi0:0.fileName = \"bare.vmdk\"\nide1:0.present = \"TRUE\"\nide1:0.fileName = \"tools.iso\"\n"
                          "numvcpus = \"lots\"\n",
                          "bare.vmx");
  BOOST_TEST(v.vcpus == 1);
  BOOST_TEST(v.memory_mib == 0u);
  BOOST_TEST(v.firmware == Firmware::Bios);
  BOOST_TEST_REQUIRE(v.disks.size() == 1u);  // the .iso without deviceType is a CD
  BOOST_TEST(v.disks[0].controller_model == "");
  BOOST_TEST(any_warning(v.warnings, "numvcpus 'lots'"));
  BOOST_TEST(any_warning(v.warnings, "no memsize"));
}

BOOST_AUTO_TEST_CASE(mixed_controllers_without_order_warn) {
  VmxConfig v = parse_vmx("ide0:0.present = \"TRUE\"\nide0:0.fileName = \"a.vmdk\"\nscsi0.present = \"TRUE\"\n"
                          "scsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"b.vmdk\"\nmemsize = \"1024\"\n",
                          "mixed.vmx");
  BOOST_TEST_REQUIRE(v.disks.size() == 2u);
  BOOST_TEST(v.disks[0].device == "ide0:0");
  BOOST_TEST(any_warning(v.warnings, "assuming ide0:0 is the boot disk"));
  BOOST_TEST(any_warning(v.warnings, "ide0, which is not marked present"));
}

BOOST_AUTO_TEST_CASE(text_without_settings_is_refused) {
  expect_error([] { parse_vmx("# only a comment\n\njust words\n", "notes.vmx"); }, ErrorKind::InvalidInput, "notes.vmx",
               "not a VMware .vmx file");
}

BOOST_AUTO_TEST_SUITE_END()

// parse_ovf over descriptors written the way vSphere, VirtualBox and Hyper-V
// tools write them, plus the malformed ones users actually run into.
#include "engine/inputs/ovf.hpp"

#include "inputs_test_support.hpp"

using namespace h2k;
using namespace h2k::inputs_test;

namespace {

const OvfNic& nic(const OvfEnvelope& e, std::size_t i) {
  BOOST_TEST_REQUIRE(e.nics.size() > i);
  return e.nics[i];
}

// A small envelope around `body` (the VirtualSystem's hardware items) for error cases.
std::string envelope_with(const std::string& references, const std::string& disks, const std::string& hardware) {
  return R"(<?xml version="1.0"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
          xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
  <References>)" + references + R"(</References>
  <DiskSection><Info>disks</Info>)" + disks + R"(</DiskSection>
  <VirtualSystem ovf:id="vm1"><Info>vm</Info>
    <VirtualHardwareSection><Info>hw</Info>)" + hardware + R"(</VirtualHardwareSection>
  </VirtualSystem>
</Envelope>)";
}

const std::string kOneFile = R"(<File ovf:href="d1.vmdk" ovf:id="file1"/>)";
const std::string kOneDisk =
    R"(<Disk ovf:capacity="1" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk1" ovf:fileRef="file1"
       ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>)";

}  // namespace

BOOST_AUTO_TEST_SUITE(ovf_parser)

BOOST_AUTO_TEST_CASE(vsphere7_export_with_two_controllers_and_two_nics) {
  OvfEnvelope e = parse_ovf(read_data("ovf/vsphere7-web01.ovf"), "web01.ovf");
  BOOST_TEST(e.name == "web01");
  BOOST_TEST(e.vcpus == 4);
  BOOST_TEST(e.memory_mib == 8192u);
  BOOST_TEST(e.firmware == Firmware::Bios);
  BOOST_TEST(e.os_hint == "debian10_64Guest");

  BOOST_TEST_REQUIRE(e.disks.size() == 2u);
  // Disk 2's item comes first in the file, but disk 1 sits on SCSI controller 0: it boots.
  BOOST_TEST(e.disks[0].disk_id == "vmdisk1");
  BOOST_TEST(e.disks[0].href == "web01-disk1.vmdk");
  BOOST_TEST(e.disks[0].capacity_bytes == 16ull << 30);
  BOOST_TEST(e.disks[0].format_detail == "streamOptimized");
  BOOST_TEST(e.disks[0].controller == "scsi");
  BOOST_TEST(e.disks[0].controller_model == "pvscsi");
  BOOST_TEST(e.disks[0].controller_bus == 0);
  BOOST_TEST(e.disks[0].boot_order == 1);
  BOOST_TEST(e.disks[0].file_size.value_or(0) == 1843712000u);
  BOOST_TEST(e.disks[1].disk_id == "vmdisk2");
  BOOST_TEST(e.disks[1].href == "web01-disk2.vmdk");
  BOOST_TEST(e.disks[1].capacity_bytes == 32ull << 30);
  BOOST_TEST(e.disks[1].controller == "scsi");
  BOOST_TEST(e.disks[1].controller_model == "lsilogic");
  BOOST_TEST(e.disks[1].controller_bus == 1);
  BOOST_TEST(e.disks[1].boot_order == 2);

  BOOST_TEST_REQUIRE(e.nics.size() == 2u);
  BOOST_TEST(nic(e, 0).mac == "00:50:56:ab:12:34");
  BOOST_TEST(nic(e, 0).model == "vmxnet3");
  BOOST_TEST(nic(e, 0).network == "VM Network");
  BOOST_TEST(nic(e, 1).mac == "00:50:56:ab:56:78");
  BOOST_TEST(nic(e, 1).model == "e1000");
  BOOST_TEST(nic(e, 1).network == "Backup-VLAN20");
  BOOST_TEST(e.files.size() == 3u);
  BOOST_TEST(e.warnings.empty(), "unexpected warnings, first: " << (e.warnings.empty() ? "" : e.warnings.front()));
}

BOOST_AUTO_TEST_CASE(efi_vm_with_nvme_and_sata_follows_bios_hdd_order) {
  OvfEnvelope e = parse_ovf(read_data("ovf/vsphere8-app01-efi.ovf"), "app01.ovf");
  BOOST_TEST(e.name == "app01 (prod)");
  BOOST_TEST(e.firmware == Firmware::Efi);
  BOOST_TEST(e.vcpus == 8);
  BOOST_TEST(e.memory_mib == 16384u);  // 16 x "byte * 2^30"
  BOOST_TEST(e.os_hint == "rhel9_64Guest");
  BOOST_TEST_REQUIRE(e.disks.size() == 2u);
  // Without bios.hddOrder SATA would come first; the stated order puts NVMe first.
  BOOST_TEST(e.disks[0].disk_id == "vmdisk1");
  BOOST_TEST(e.disks[0].controller == "nvme");
  BOOST_TEST(e.disks[0].capacity_bytes == 17179869184ull);
  BOOST_TEST(e.disks[1].disk_id == "vmdisk2");
  BOOST_TEST(e.disks[1].controller == "sata");
  BOOST_TEST(e.disks[1].controller_model == "ahci");
  BOOST_TEST(e.disks[1].unit == 1);
  BOOST_TEST(e.disks[1].capacity_bytes == 8192ull << 20);
  BOOST_TEST(e.disks[1].href == "app01 (prod)-disk2.vmdk");
  BOOST_TEST_REQUIRE(e.nics.size() == 1u);
  BOOST_TEST(e.nics[0].mac == "00:50:56:9a:0b:1c");  // written with dashes and upper case
  BOOST_TEST(!any_warning(e.warnings, "boot disk"));
}

BOOST_AUTO_TEST_CASE(virtualbox_export_without_vmware_namespace) {
  OvfEnvelope e = parse_ovf(read_data("ovf/virtualbox7-debian12.ovf"), "debian12.ovf");
  BOOST_TEST(e.name == "debian12");  // from ovf:id: VirtualBox writes no <Name>
  BOOST_TEST(e.vcpus == 2);
  BOOST_TEST(e.memory_mib == 2048u);  // "MegaBytes"
  BOOST_TEST(e.firmware == Firmware::Efi);  // from <vbox:Machine>...<Firmware type="EFI"/>
  BOOST_TEST(e.os_hint == "Debian_64");
  BOOST_TEST_REQUIRE(e.disks.size() == 1u);
  BOOST_TEST(e.disks[0].controller == "sata");  // HostResource "/disk/vmdisk1", Parent AHCI
  BOOST_TEST(e.disks[0].capacity_bytes == 21474836480ull);
  BOOST_TEST(e.disks[0].href == "debian12-disk001.vmdk");
  BOOST_TEST(!e.disks[0].file_size.has_value());
  BOOST_TEST_REQUIRE(e.nics.size() == 1u);
  BOOST_TEST(e.nics[0].model == "e1000");
  BOOST_TEST(e.nics[0].network == "NAT");
  BOOST_TEST(e.nics[0].mac.empty());
}

BOOST_AUTO_TEST_CASE(hyperv_export_with_other_prefixes_and_cim_units) {
  OvfEnvelope e = parse_ovf(read_data("ovf/hyperv-sql01.ovf"), "sql01.ovf");
  BOOST_TEST(e.name == "SQL01 Production");
  BOOST_TEST(e.vcpus == 4);
  BOOST_TEST(e.memory_mib == 12288u);
  BOOST_TEST(e.firmware == Firmware::Bios);  // Microsoft:Hyper-V:SubType:1 = generation 1
  BOOST_TEST(e.os_hint == "Windows Server 2019 Datacenter");
  BOOST_TEST_REQUIRE(e.disks.size() == 2u);
  BOOST_TEST(e.disks[0].disk_id == "disk-os");  // on IDE: generation 1 boots from IDE
  BOOST_TEST(e.disks[0].controller == "ide");
  BOOST_TEST(e.disks[0].format_detail == "vhd");
  BOOST_TEST(e.disks[0].capacity_bytes == 64ull << 20);
  BOOST_TEST(e.disks[1].disk_id == "disk-data");
  BOOST_TEST(e.disks[1].controller == "scsi");
  BOOST_TEST(e.disks[1].controller_model == "hyperv");
  BOOST_TEST_REQUIRE(e.nics.size() == 1u);
  BOOST_TEST(e.nics[0].mac == "00:15:5d:0a:1b:2c");
  BOOST_TEST(e.nics[0].network == "External vSwitch");
  // IDE and SCSI disks with no stated order: the guess is announced.
  BOOST_TEST(any_warning(e.warnings, "boot disk"));
}

BOOST_AUTO_TEST_CASE(hyperv_generation2_means_efi) {
  std::string xml = read_data("ovf/hyperv-sql01.ovf");
  xml.replace(xml.find("SubType:1"), 9, "SubType:2");
  BOOST_TEST(parse_ovf(xml, "sql01.ovf").firmware == Firmware::Efi);
}

BOOST_AUTO_TEST_CASE(minimal_descriptor_gets_defaults_and_warnings) {
  OvfEnvelope e = parse_ovf(read_data("ovf/minimal.ovf"), "tiny.ovf");
  BOOST_TEST(e.name == "tiny");
  BOOST_TEST(e.vcpus == 0);
  BOOST_TEST(e.memory_mib == 0u);
  BOOST_TEST(e.firmware == Firmware::Unknown);
  BOOST_TEST_REQUIRE(e.disks.size() == 1u);
  BOOST_TEST(e.disks[0].controller == "");
  BOOST_TEST(e.disks[0].boot_order == 1);
  BOOST_TEST(any_warning(e.warnings, "no VirtualHardwareSection"));
  BOOST_TEST(any_warning(e.warnings, "BIOS or EFI"));
  BOOST_TEST(any_warning(e.warnings, "not attached"));
}

BOOST_AUTO_TEST_CASE(legacy_ovf_0_9_sections_by_xsi_type) {
  const std::string xml = R"(<?xml version="1.0"?>
<Envelope xmlns="http://www.vmware.com/schema/ovf/1/envelope" xmlns:ovf="http://www.vmware.com/schema/ovf/1/envelope"
          xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <References><File ovf:href="old-disk1.vmdk" ovf:id="file1" ovf:size="1024"/></References>
  <Section xsi:type="ovf:DiskSection_Type">
    <Info>List of the virtual disks</Info>
    <Disk ovf:capacity="4294967296" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/specifications/vmdk.html#compressed"/>
  </Section>
  <Content ovf:id="legacy-vm" xsi:type="ovf:VirtualSystem_Type">
    <Info>A virtual machine</Info>
    <Section xsi:type="ovf:VirtualHardwareSection_Type">
      <Info>Virtual hardware</Info>
      <Item><rasd:InstanceId>1</rasd:InstanceId><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
      <Item><rasd:InstanceId>2</rasd:InstanceId><rasd:ResourceType>4</rasd:ResourceType><rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits><rasd:VirtualQuantity>512</rasd:VirtualQuantity></Item>
      <Item><rasd:InstanceId>3</rasd:InstanceId><rasd:ResourceType>6</rasd:ResourceType><rasd:ResourceSubType>buslogic</rasd:ResourceSubType></Item>
      <Item><rasd:InstanceId>4</rasd:InstanceId><rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>/disk/vmdisk1</rasd:HostResource><rasd:Parent>3</rasd:Parent><rasd:AddressOnParent>0</rasd:AddressOnParent></Item>
    </Section>
  </Content>
</Envelope>)";
  OvfEnvelope e = parse_ovf(xml, "legacy.ovf");
  BOOST_TEST(e.name == "legacy-vm");
  BOOST_TEST(e.vcpus == 1);
  BOOST_TEST(e.memory_mib == 512u);
  BOOST_TEST_REQUIRE(e.disks.size() == 1u);
  BOOST_TEST(e.disks[0].controller == "scsi");
  BOOST_TEST(e.disks[0].controller_model == "buslogic");
  BOOST_TEST(e.disks[0].format_detail == "compressed");
}

BOOST_AUTO_TEST_CASE(boot_order_section_overrides_default_order) {
  std::string xml = read_data("ovf/vsphere7-web01.ovf");
  // vCloud-style: the boot disk is named by its hardware item's InstanceID (9 = Hard Disk 2).
  xml.replace(xml.find("    <AnnotationSection"), 0,
              "    <vmw:BootOrderSection vmw:instanceId=\"9\" vmw:type=\"disk\"><Info>Boot order</Info></vmw:BootOrderSection>\n");
  OvfEnvelope e = parse_ovf(xml, "web01.ovf");
  BOOST_TEST_REQUIRE(e.disks.size() == 2u);
  BOOST_TEST(e.disks[0].disk_id == "vmdisk2");
  BOOST_TEST(e.disks[0].boot_order == 1);
  BOOST_TEST(e.disks[1].disk_id == "vmdisk1");
}

BOOST_AUTO_TEST_CASE(allocation_units) {
  BOOST_TEST(allocation_unit_bytes("byte * 2^20").value_or(0) == 1ull << 20);
  BOOST_TEST(allocation_unit_bytes("byte*2^30").value_or(0) == 1ull << 30);
  BOOST_TEST(allocation_unit_bytes("MegaBytes").value_or(0) == 1ull << 20);
  BOOST_TEST(allocation_unit_bytes("GigaBytes").value_or(0) == 1ull << 30);
  BOOST_TEST(allocation_unit_bytes("byte").value_or(0) == 1u);
  BOOST_TEST(allocation_unit_bytes("byte * 10^3").value_or(0) == 1000u);
  BOOST_TEST(!allocation_unit_bytes("hertz * 10^6"));
  BOOST_TEST(!allocation_unit_bytes("byte * 2^99"));
}

BOOST_AUTO_TEST_CASE(invalid_mac_is_a_warning_not_an_error) {
  std::string xml = read_data("ovf/vsphere7-web01.ovf");
  xml.replace(xml.find("00:50:56:AB:12:34"), 17, "00:50:56:AB:12");
  OvfEnvelope e = parse_ovf(xml, "web01.ovf");
  BOOST_TEST(e.nics.at(0).mac.empty());
  BOOST_TEST(any_warning(e.warnings, "00:50:56:AB:12"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ovf_errors)

BOOST_AUTO_TEST_CASE(not_xml) {
  expect_error([] { parse_ovf("this is not <xml", "broken.ovf"); }, ErrorKind::InvalidInput, "broken.ovf",
               "not well-formed XML");
}

BOOST_AUTO_TEST_CASE(xml_but_not_an_envelope) {
  expect_error([] { parse_ovf("<domain type='kvm'><name>x</name></domain>", "domain.ovf"); }, ErrorKind::InvalidInput,
               "domain.ovf", "root element is <domain>");
}

BOOST_AUTO_TEST_CASE(no_virtual_system) {
  const std::string xml = R"(<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"><References/></Envelope>)";
  expect_error([&] { parse_ovf(xml, "empty.ovf"); }, ErrorKind::InvalidInput, "empty.ovf", "no VirtualSystem");
}

BOOST_AUTO_TEST_CASE(disk_referencing_missing_file) {
  std::string xml = envelope_with(kOneFile, R"(<Disk ovf:capacity="1" ovf:diskId="vmdisk1" ovf:fileRef="file9"/>)",
                                  R"(<Item><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType>
                                     <rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource></Item>)");
  expect_error([&] { parse_ovf(xml, "vm1.ovf"); }, ErrorKind::InvalidInput, "vm1.ovf",
               "disk 'vmdisk1' refers to file 'file9', which is not listed in References");
}

BOOST_AUTO_TEST_CASE(item_referencing_missing_disk) {
  std::string xml = envelope_with(kOneFile, kOneDisk,
                                  R"(<Item><rasd:ElementName>Hard disk 3</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID>
                                     <rasd:ResourceType>17</rasd:ResourceType><rasd:HostResource>ovf:/disk/vmdisk3</rasd:HostResource></Item>)");
  expect_error([&] { parse_ovf(xml, "vm1.ovf"); }, ErrorKind::InvalidInput, "vm1.ovf",
               "'Hard disk 3' refers to disk 'vmdisk3', which is not in the DiskSection");
}

BOOST_AUTO_TEST_CASE(gzip_compressed_reference_is_unsupported) {
  std::string xml = envelope_with(R"(<File ovf:href="d1.vmdk.gz" ovf:id="file1" ovf:compression="gzip"/>)", kOneDisk,
                                  R"(<Item><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType>
                                     <rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource></Item>)");
  expect_error([&] { parse_ovf(xml, "vm1.ovf"); }, ErrorKind::Unsupported, "vm1.ovf", "gzip-compressed");
}

BOOST_AUTO_TEST_CASE(chunked_reference_is_unsupported) {
  std::string xml = envelope_with(R"(<File ovf:href="d1.vmdk" ovf:id="file1" ovf:chunkSize="2147483648"/>)", kOneDisk, "");
  expect_error([&] { parse_ovf(xml, "vm1.ovf"); }, ErrorKind::Unsupported, "vm1.ovf", "chunks");
}

BOOST_AUTO_TEST_CASE(multi_vm_vapp_is_unsupported) {
  const std::string xml = R"(<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <VirtualSystemCollection ovf:id="vapp"><Info>x</Info>
    <VirtualSystem ovf:id="db"><Info>x</Info></VirtualSystem>
    <VirtualSystem ovf:id="web"><Info>x</Info></VirtualSystem>
  </VirtualSystemCollection></Envelope>)";
  std::string msg = expect_error([&] { parse_ovf(xml, "vapp.ovf"); }, ErrorKind::Unsupported, "vapp.ovf", "2 virtual machines");
  BOOST_TEST(msg.find("db, web") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(entities_are_not_expanded) {
  // A "billion laughs" style document must not blow up; the entity stays unexpanded text.
  const std::string xml = R"(<?xml version="1.0"?>
<!DOCTYPE Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <VirtualSystem ovf:id="x"><Info>x</Info><Name>&b;</Name></VirtualSystem></Envelope>)";
  OvfEnvelope e = parse_ovf(xml, "laughs.ovf");
  BOOST_TEST(e.name.size() < 10u);
}

BOOST_AUTO_TEST_SUITE_END()

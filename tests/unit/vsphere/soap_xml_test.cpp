#include <boost/test/unit_test.hpp>

#include "engine/vsphere/soap_xml.hpp"
#include "engine/vsphere/vm_hardware.hpp"
#include "engine/vsphere/vsphere_session.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k::vsphere;

namespace {
// A reply recorded from the vCenter simulator (tests/data/vsphere).
pugi::xml_document recorded(const std::string& name) {
  pugi::xml_document doc;
  const auto path = h2k::test::data_dir("vsphere") / name;
  BOOST_TEST_REQUIRE(static_cast<bool>(doc.load_file(path.c_str())), "cannot parse " << path);
  return doc;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(soap_xml)

BOOST_AUTO_TEST_CASE(xml_escape_makes_text_and_attributes_safe) {
  BOOST_TEST(xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
  BOOST_TEST(xml_escape("plain DC0_H0_VM0") == "plain DC0_H0_VM0");
  // A password with markup in it stays one text node.
  pugi::xml_document doc;
  const std::string password = "</password><x>&amp;";
  BOOST_TEST_REQUIRE(static_cast<bool>(doc.load_string(("<password>" + xml_escape(password) + "</password>").c_str())));
  BOOST_TEST(std::string(doc.child("password").child_value()) == password);
}

BOOST_AUTO_TEST_CASE(login_refused_fault) {
  const auto fault = parse_soap_fault(recorded("InvalidLogin-fault.response.xml"));
  BOOST_TEST_REQUIRE(fault.has_value());
  BOOST_TEST(fault->type == "InvalidLogin");
  BOOST_TEST(fault->message == "Login failure");
}

BOOST_AUTO_TEST_CASE(managed_object_not_found_fault) {
  const auto fault = parse_soap_fault(recorded("15-ManagedObjectNotFound-fault.response.xml"));
  BOOST_TEST_REQUIRE(fault.has_value());
  BOOST_TEST(fault->type == "ManagedObjectNotFound");
  BOOST_TEST(fault->message == "managed object not found: VirtualMachine:vm-60");
}

BOOST_AUTO_TEST_CASE(a_fault_without_faultstring_reads_from_its_detail) {
  const auto power = parse_soap_fault(recorded("14-ExportVm-poweredOn-InvalidPowerState-fault.response.xml"));
  BOOST_TEST_REQUIRE(power.has_value());
  BOOST_TEST(power->type == "InvalidPowerState");
  BOOST_TEST(power->message == "InvalidPowerState (requestedState poweredOff, existingState poweredOn)");
  const auto auth = parse_soap_fault(recorded("13-NotAuthenticated-fault.response.xml"));
  BOOST_TEST_REQUIRE(auth.has_value());
  BOOST_TEST(auth->type == "NotAuthenticated");
  BOOST_TEST(auth->message.find("VirtualMachine:vm-57") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_normal_reply_is_no_fault) {
  BOOST_TEST(!parse_soap_fault(recorded("01-RetrieveServiceContent.response.xml")).has_value());
}

BOOST_AUTO_TEST_CASE(service_content_names_the_managers) {
  const auto doc = recorded("01-RetrieveServiceContent.response.xml");
  const ServiceContent sc = parse_service_content(child(body_element(doc), "returnval"));
  BOOST_TEST(sc.root_folder.text() == "Folder:group-d1");
  BOOST_TEST(sc.property_collector.text() == "PropertyCollector:propertyCollector");
  BOOST_TEST(sc.view_manager.value == "ViewManager");
  BOOST_TEST(sc.search_index.value == "SearchIndex");
  BOOST_TEST(sc.session_manager.value == "SessionManager");
  BOOST_TEST(sc.ovf_manager.value == "OvfManager");
  BOOST_TEST(sc.api_type == "VirtualCenter");
  BOOST_TEST(sc.api_version == "6.5");
}

BOOST_AUTO_TEST_CASE(xsi_type_is_found_by_namespace_not_prefix) {
  const auto doc = recorded("04-RetrievePropertiesEx-vm.response.xml");
  pugi::xml_node objects = child(child(body_element(doc), "returnval"), "objects");
  std::vector<std::string> types;
  for (pugi::xml_node prop : children(objects, "propSet")) types.push_back(xsi_type(child(prop, "val")));
  BOOST_TEST(types == (std::vector<std::string>{"string", "VirtualMachinePowerState", "ArrayOfVirtualDevice"}));
}

BOOST_AUTO_TEST_CASE(disks_and_nics_from_the_device_list) {
  const auto doc = recorded("04-RetrievePropertiesEx-vm.response.xml");
  pugi::xml_node objects = child(child(body_element(doc), "returnval"), "objects");
  pugi::xml_node devices;
  for (pugi::xml_node prop : children(objects, "propSet"))
    if (child_text(prop, "name") == "config.hardware.device") devices = child(prop, "val");
  const VmHardware hw = parse_vm_hardware(devices);
  BOOST_TEST_REQUIRE(hw.disks.size() == 1u);
  const VmDisk& d = hw.disks[0];
  BOOST_TEST(d.key == 255511522);
  BOOST_TEST(d.label == "disk-202-0");
  BOOST_TEST(d.capacity_bytes == 1024u * 1024u);
  BOOST_TEST(d.controller_type == "pvscsi");
  BOOST_TEST(d.unit_number == 0);
  BOOST_TEST(d.file_name == "[LocalDS_0] DC0_H0_VM0/disk1.vmdk");
  BOOST_TEST(d.thin);
  BOOST_TEST_REQUIRE(hw.nics.size() == 1u);
  const VmNic& n = hw.nics[0];
  BOOST_TEST(n.adapter_type == "e1000");
  BOOST_TEST(n.mac == "00:0c:29:36:63:62");
  BOOST_TEST(n.portgroup_key == "dvportgroup-13");
  BOOST_TEST(n.label == "ethernet-0");
  BOOST_TEST(!n.connected);
}

BOOST_AUTO_TEST_CASE(morefs_are_written_escaped) {
  BOOST_TEST((MoRef{"VirtualMachine", "vm-<1>"}).xml("_this") == "<_this type=\"VirtualMachine\">vm-&lt;1&gt;</_this>");
}

BOOST_AUTO_TEST_SUITE_END()

#include "engine/vsphere/export_ovf.hpp"

#include "engine/vsphere/soap_xml.hpp"

namespace h2k::vsphere {

std::string create_ovf_descriptor(const VsphereSession& session, const MoRef& vm, const std::string& name,
                                  const std::vector<OvfFile>& files) {
  std::string body = "<CreateDescriptor xmlns=\"urn:vim25\">" + session.service().ovf_manager.xml("_this") + vm.xml("obj") + "<cdp>";
  for (const OvfFile& f : files) {
    if (!f.disk) continue;  // nvram and the like are not OVF references
    body += "<ovfFiles><deviceId>" + xml_escape(f.device_key) + "</deviceId><path>" + xml_escape(f.path) +
            "</path><size>" + std::to_string(f.size) + "</size></ovfFiles>";
  }
  body += "<name>" + xml_escape(name) + "</name></cdp></CreateDescriptor>";
  const pugi::xml_document r = session.call(body);
  const std::string ovf = child_text(child(body_element(r), "returnval"), "ovfDescriptor");
  if (ovf.empty()) throw VsphereError("OvfManager.CreateDescriptor returned no descriptor for VM " + name);
  return ovf;
}

std::string minimal_ovf_descriptor(const VmInfo& vm, const std::vector<OvfFile>& files) {
  const std::string name = xml_escape(vm.name);
  std::string refs, disks, items;
  int n = 0, instance = 10;
  for (const OvfFile& f : files) {
    if (!f.disk) continue;
    ++n;
    const std::string id = std::to_string(n);
    std::uint64_t capacity = n - 1 < static_cast<int>(vm.disks.size()) ? vm.disks[n - 1].capacity_bytes : 0;
    if (capacity == 0) capacity = f.size;
    refs += "    <File ovf:href=\"" + xml_escape(f.path) + "\" ovf:id=\"file" + id + "\" ovf:size=\"" + std::to_string(f.size) + "\"/>\n";
    disks += "    <Disk ovf:capacity=\"" + std::to_string(capacity) + "\" ovf:capacityAllocationUnits=\"byte\" ovf:diskId=\"vmdisk" +
             id + "\" ovf:fileRef=\"file" + id +
             "\" ovf:format=\"http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized\"/>\n";
    items += "      <Item>\n        <rasd:AddressOnParent>" + std::to_string(n - 1) + "</rasd:AddressOnParent>\n" +
             "        <rasd:ElementName>Hard disk " + id + "</rasd:ElementName>\n        <rasd:HostResource>ovf:/disk/vmdisk" + id +
             "</rasd:HostResource>\n        <rasd:InstanceID>" + std::to_string(instance++) +
             "</rasd:InstanceID>\n        <rasd:ResourceType>17</rasd:ResourceType>\n      </Item>\n";
  }
  std::string nets;
  for (std::size_t i = 0; i < vm.nics.size(); ++i) {
    const VmNic& nic = vm.nics[i];
    const std::string net = xml_escape(nic.network.empty() ? "VM Network" : nic.network);
    if (nets.find("ovf:name=\"" + net + "\"") == std::string::npos)
      nets += "    <Network ovf:name=\"" + net + "\">\n      <Description>" + net + "</Description>\n    </Network>\n";
    items += "      <Item>\n";
    if (!nic.mac.empty()) items += "        <rasd:Address>" + xml_escape(nic.mac) + "</rasd:Address>\n";
    items += "        <rasd:Connection>" + net + "</rasd:Connection>\n        <rasd:ElementName>" +
             xml_escape(nic.label.empty() ? "Network adapter " + std::to_string(i + 1) : nic.label) +
             "</rasd:ElementName>\n        <rasd:InstanceID>" + std::to_string(instance++) + "</rasd:InstanceID>\n" +
             (nic.adapter_type.empty() ? "" : "        <rasd:ResourceSubType>" + xml_escape(nic.adapter_type) + "</rasd:ResourceSubType>\n") +
             "        <rasd:ResourceType>10</rasd:ResourceType>\n      </Item>\n";
  }
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!-- minimal descriptor written by hyper2kvm export (OvfManager.CreateDescriptor failed) -->\n"
      "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" "
      "xmlns:rasd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData\" "
      "xmlns:vssd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData\" "
      "xmlns:vmw=\"http://www.vmware.com/schema/ovf\">\n"
      "  <References>\n" + refs + "  </References>\n"
      "  <DiskSection>\n    <Info>Virtual disk information</Info>\n" + disks + "  </DiskSection>\n"
      "  <NetworkSection>\n    <Info>The list of logical networks</Info>\n" + nets + "  </NetworkSection>\n"
      "  <VirtualSystem ovf:id=\"" + name + "\">\n    <Info>A virtual machine</Info>\n    <Name>" + name + "</Name>\n"
      "    <OperatingSystemSection ovf:id=\"1\" vmw:osType=\"" + xml_escape(vm.guest_id) + "\">\n"
      "      <Info>The kind of installed guest operating system</Info>\n    </OperatingSystemSection>\n"
      "    <VirtualHardwareSection>\n      <Info>Virtual hardware requirements</Info>\n"
      "      <System>\n        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>\n"
      "        <vssd:InstanceID>0</vssd:InstanceID>\n        <vssd:VirtualSystemIdentifier>" + name +
      "</vssd:VirtualSystemIdentifier>\n        <vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType>\n      </System>\n"
      "      <Item>\n        <rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>\n"
      "        <rasd:ElementName>" + std::to_string(vm.num_cpu) + " virtual CPU(s)</rasd:ElementName>\n"
      "        <rasd:InstanceID>1</rasd:InstanceID>\n        <rasd:ResourceType>3</rasd:ResourceType>\n"
      "        <rasd:VirtualQuantity>" + std::to_string(vm.num_cpu > 0 ? vm.num_cpu : 1) + "</rasd:VirtualQuantity>\n      </Item>\n"
      "      <Item>\n        <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>\n"
      "        <rasd:ElementName>" + std::to_string(vm.memory_mb) + "MB of memory</rasd:ElementName>\n"
      "        <rasd:InstanceID>2</rasd:InstanceID>\n        <rasd:ResourceType>4</rasd:ResourceType>\n"
      "        <rasd:VirtualQuantity>" + std::to_string(vm.memory_mb > 0 ? vm.memory_mb : 1024) + "</rasd:VirtualQuantity>\n      </Item>\n" +
      items +
      (vm.firmware == "efi" ? "      <vmw:Config ovf:required=\"false\" vmw:key=\"firmware\" vmw:value=\"efi\"/>\n" : "") +
      "    </VirtualHardwareSection>\n  </VirtualSystem>\n</Envelope>\n";
  return out;
}

}  // namespace h2k::vsphere

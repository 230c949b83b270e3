// What OVA and plain-OVF inputs share: turning an OvfEnvelope into SourceVm fields.
#include <cctype>

#include "engine/core/error.hpp"
#include "engine/inputs/loaders.hpp"

namespace h2k {

std::string percent_decode(std::string_view href) {
  std::string out;
  for (std::size_t i = 0; i < href.size(); ++i) {
    if (href[i] == '%' && i + 2 < href.size() && std::isxdigit(static_cast<unsigned char>(href[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(href[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(href.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += href[i];
    }
  }
  return out;
}

SourceVm vm_from_ovf(const OvfEnvelope& envelope) {
  SourceVm vm;
  vm.name = envelope.name;
  vm.vcpus = envelope.vcpus;
  vm.memory_mib = envelope.memory_mib;
  vm.firmware = envelope.firmware;
  vm.os_hint = envelope.os_hint;
  for (const auto& n : envelope.nics) vm.nics.push_back(SourceNic{n.mac, n.model, n.network});
  vm.warnings = envelope.warnings;
  return vm;
}

void apply_ovf_disk(const OvfDisk& ovf_disk, SourceDisk& disk, const std::string& descriptor_name,
                    std::vector<std::string>& warnings) {
  disk.controller = ovf_disk.controller;
  disk.controller_model = ovf_disk.controller_model;
  disk.boot_order = ovf_disk.boot_order;

  // An OVF that says "vmdk" over bytes that are not VMDK would be converted
  // as raw garbage by qemu-img, so the mismatch is an error, not a warning.
  std::string url;
  for (char c : ovf_disk.format_url) url += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool says_vmdk = url.find("vmdk") != std::string::npos;
  bool is_vmdk = disk.format == FileKind::VmdkSparse || disk.format == FileKind::VmdkDescriptor;
  if (says_vmdk && !is_vmdk)
    throw_invalid(descriptor_name, "disk '" + ovf_disk.disk_id + "' (" + ovf_disk.href +
                                       ") is declared as VMDK but its bytes are " + to_string(disk.format) + " (" +
                                       disk.format_detail + ")");
  if (says_vmdk && !ovf_disk.format_detail.empty() && !disk.format_detail.empty() &&
      ovf_disk.format_detail != disk.format_detail)
    warnings.push_back("disk '" + ovf_disk.disk_id + "': the OVF says " + ovf_disk.format_detail +
                       " but the image is " + disk.format_detail);

  if (ovf_disk.file_size && *ovf_disk.file_size != disk.stored_size)
    warnings.push_back("disk '" + ovf_disk.disk_id + "': the OVF says " + ovf_disk.href + " has " +
                       std::to_string(*ovf_disk.file_size) + " bytes, but it has " + std::to_string(disk.stored_size));
  if (disk.virtual_size == 0) {
    disk.virtual_size = ovf_disk.capacity_bytes;
  } else if (ovf_disk.capacity_bytes != 0 && ovf_disk.capacity_bytes != disk.virtual_size) {
    warnings.push_back("disk '" + ovf_disk.disk_id + "': the OVF capacity is " + std::to_string(ovf_disk.capacity_bytes) +
                       " bytes but the image header says " + std::to_string(disk.virtual_size) + "; using the header");
  }
}

}  // namespace h2k

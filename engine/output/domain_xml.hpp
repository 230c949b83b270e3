#pragma once
// libvirt domain XML for the converted guest, and defining it through the
// libvirt API.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/inputs/source_vm.hpp"

namespace h2k {

struct DomainDisk {
  std::filesystem::path path;   // absolute path of the converted disk
  std::string format;           // "qcow2" or "raw"
  std::string bus = "virtio";   // "virtio" or "sata"
  int boot_order = 0;           // 1 for the first disk
};

struct DomainNic {
  std::string mac;              // kept from the source so MAC-pinned guest config still matches
  std::string model = "virtio"; // "virtio" or "e1000e"
  std::string network = "default";
};

struct DomainSpec {
  std::string name;
  std::string uuid;             // empty: libvirt generates one
  std::uint64_t memory_mib = 2048;
  int vcpus = 2;
  Firmware firmware = Firmware::Bios;
  std::string os_family = "linux";  // "linux", "windows", "unknown"
  std::vector<DomainDisk> disks;
  std::vector<DomainNic> nics;
};

std::string render_domain_xml(const DomainSpec& spec);

// Defines (persistently) the domain on `connect_uri`; returns the domain UUID.
// Throws ConversionError naming the URI and libvirt's message.
std::string define_domain(const std::string& xml, const std::string& connect_uri);

}  // namespace h2k

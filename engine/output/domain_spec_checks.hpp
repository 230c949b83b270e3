#pragma once
// Validation of a DomainSpec before any XML is written, so a bad name, MAC or
// disk is reported by us (naming the domain and the value) rather than as a
// libvirt parse error later. Internal to engine/output.
#include <string>

#include "engine/output/domain_xml.hpp"

namespace h2k::domain_checks {

// libvirt rejects names with '/', and long names break the qemu driver's
// socket paths; control characters and invalid UTF-8 cannot appear in XML.
inline constexpr std::size_t kMaxNameChars = 100;
void require_valid_name(const std::string& name);

// "xx:xx:xx:xx:xx:xx" in hex, unicast (libvirt refuses multicast MACs).
// Returns the lower-case form.
std::string normalized_mac(const std::string& domain, const std::string& mac);

// 8-4-4-4-12 hex digits.
bool is_uuid(const std::string& text);

// Throws ConversionError naming the domain for anything libvirt would refuse
// (or that cannot be what the caller meant: no disks, duplicate boot orders).
void require_valid_spec(const DomainSpec& spec);

}  // namespace h2k::domain_checks

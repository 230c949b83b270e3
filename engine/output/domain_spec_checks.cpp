#include "engine/output/domain_spec_checks.hpp"

#include <cctype>
#include <set>

#include "engine/core/error.hpp"

namespace h2k::domain_checks {
namespace {

[[noreturn]] void bad(const std::string& domain, const std::string& reason) {
  throw ConversionError(ErrorKind::InvalidInput, domain.empty() ? "<domain>" : domain, reason);
}

// Number of code points, or npos when `s` is not valid UTF-8.
std::size_t utf8_length(const std::string& s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    // 0xc0/0xc1 only start overlong forms; 0xf5.. are beyond U+10FFFF.
    std::size_t extra = c < 0x80                    ? 0
                        : c < 0xc2                  ? 99
                        : c < 0xe0                  ? 1
                        : c < 0xf0                  ? 2
                        : c < 0xf5                  ? 3
                                                    : 99;
    if (extra == 99 || i + extra >= s.size() + (extra == 0)) return std::string::npos;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return std::string::npos;
    i += extra + 1;
    ++count;
  }
  return count;
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

void require_valid_name(const std::string& name) {
  if (name.empty()) bad(name, "the VM name is empty");
  if (name.find('/') != std::string::npos) bad(name, "the VM name must not contain '/'");
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) bad(name, "the VM name contains a control character");
  const std::size_t length = utf8_length(name);
  if (length == std::string::npos) bad(name, "the VM name is not valid UTF-8");
  if (length > kMaxNameChars)
    bad(name, "the VM name is " + std::to_string(length) + " characters long (at most " +
                  std::to_string(kMaxNameChars) + ")");
}

std::string normalized_mac(const std::string& domain, const std::string& mac) {
  bool ok = mac.size() == 17;
  for (std::size_t i = 0; ok && i < mac.size(); ++i) ok = (i % 3 == 2) ? mac[i] == ':' : is_hex(mac[i]);
  if (!ok) bad(domain, "invalid MAC address '" + mac + "' (expected xx:xx:xx:xx:xx:xx)");
  std::string lower;
  for (char c : mac) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (std::stoi(lower.substr(0, 2), nullptr, 16) & 1) bad(domain, "MAC address " + lower + " is a multicast address");
  return lower;
}

bool is_uuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !is_hex(text[i])) return false;
  }
  return true;
}

void require_valid_spec(const DomainSpec& spec) {
  require_valid_name(spec.name);
  const std::string& d = spec.name;
  if (!spec.uuid.empty() && !is_uuid(spec.uuid)) bad(d, "invalid UUID '" + spec.uuid + "'");
  if (spec.memory_mib == 0) bad(d, "memory size is 0");
  if (spec.vcpus < 1) bad(d, "vCPU count is " + std::to_string(spec.vcpus));
  if (spec.firmware == Firmware::Unknown) bad(d, "firmware is unknown; choose BIOS or EFI before writing the domain");
  if (spec.disks.empty()) bad(d, "the domain has no disks");
  std::set<int> boot_orders;
  for (const auto& disk : spec.disks) {
    const std::string where = "disk " + disk.path.string() + ": ";
    if (!disk.path.is_absolute()) bad(d, where + "path must be absolute");
    if (disk.format != "qcow2" && disk.format != "raw") bad(d, where + "format '" + disk.format + "' is not qcow2 or raw");
    if (disk.bus != "virtio" && disk.bus != "sata") bad(d, where + "bus '" + disk.bus + "' is not virtio or sata");
    if (disk.boot_order < 0) bad(d, where + "negative boot order");
    if (disk.boot_order > 0 && !boot_orders.insert(disk.boot_order).second)
      bad(d, where + "boot order " + std::to_string(disk.boot_order) + " is used twice");
  }
  std::set<std::string> macs;
  for (const auto& nic : spec.nics) {
    if (nic.model != "virtio" && nic.model != "e1000e" && nic.model != "e1000" && nic.model != "rtl8139")
      bad(d, "NIC model '" + nic.model + "' is not virtio, e1000e, e1000 or rtl8139");
    if (nic.network.empty()) bad(d, "a NIC has no network");
    if (!nic.mac.empty() && !macs.insert(normalized_mac(d, nic.mac)).second)
      bad(d, "MAC address " + nic.mac + " is used by two NICs");
  }
}

}  // namespace h2k::domain_checks

// parse_ovf on arbitrary bytes: only ConversionError may escape, and a
// descriptor that parses must describe a VM the loader can use safely.
#include <set>

#include "engine/inputs/ovf.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.ovf";
  try {
    OvfEnvelope e = parse_ovf(fuzz::as_view(data, size), name);
    H2K_FUZZ_CHECK(e.vcpus >= 0);
    std::set<std::string> disk_ids;
    for (std::size_t i = 0; i < e.disks.size(); ++i) {
      const OvfDisk& d = e.disks[i];
      H2K_FUZZ_CHECK(d.boot_order == static_cast<int>(i + 1));
      H2K_FUZZ_CHECK(!d.href.empty());
      H2K_FUZZ_CHECK(!d.disk_id.empty());
      H2K_FUZZ_CHECK(disk_ids.insert(d.disk_id).second);
    }
    for (const OvfNic& n : e.nics) {
      if (n.mac.empty()) continue;
      H2K_FUZZ_CHECK(n.mac.size() == 17);
      for (std::size_t i = 0; i < n.mac.size(); ++i)
        H2K_FUZZ_CHECK(i % 3 == 2 ? n.mac[i] == ':' : (std::isxdigit(static_cast<unsigned char>(n.mac[i])) &&
                                                       !std::isupper(static_cast<unsigned char>(n.mac[i]))));
    }
  } catch (const ConversionError& e) {
    fuzz::check_error(e, name);
  }
  return 0;
}

// The two line-based text parsers of the inputs layer, parse_vmx and
// parse_manifest, on arbitrary bytes: only ConversionError may escape, and
// what they accept must be well-formed.
#include <cctype>

#include "engine/inputs/ovf_manifest.hpp"
#include "engine/inputs/vmx.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_view(data, size);
  const std::string vmx_name = "fuzz.vmx";
  try {
    VmxConfig v = parse_vmx(text, vmx_name);
    H2K_FUZZ_CHECK(v.vcpus >= 1);
    H2K_FUZZ_CHECK(!v.values.empty());
    for (std::size_t i = 0; i < v.disks.size(); ++i) {
      H2K_FUZZ_CHECK(v.disks[i].boot_order == static_cast<int>(i + 1));
      H2K_FUZZ_CHECK(!v.disks[i].file_name.empty());
    }
    for (const auto& n : v.nics) H2K_FUZZ_CHECK(n.mac.empty() || n.mac.size() == 17);
  } catch (const ConversionError& e) {
    fuzz::check_error(e, vmx_name);
  }
  const std::string mf_name = "fuzz.mf";
  try {
    for (const ManifestLine& line : parse_manifest(text, mf_name)) {
      H2K_FUZZ_CHECK(line.algorithm == "SHA1" || line.algorithm == "SHA256" || line.algorithm == "SHA512");
      H2K_FUZZ_CHECK(!line.file.empty());
      H2K_FUZZ_CHECK(line.hex_digest.size() == (line.algorithm == "SHA1" ? 40u : line.algorithm == "SHA256" ? 64u : 128u));
      for (char c : line.hex_digest) H2K_FUZZ_CHECK(std::isxdigit(static_cast<unsigned char>(c)) && !std::isupper(static_cast<unsigned char>(c)));
    }
  } catch (const ConversionError& e) {
    fuzz::check_error(e, mf_name);
  }
  return 0;
}

// A whole VHD file in memory: footer(s), dynamic header, BAT bounds.
#include "engine/formats/vhd.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.vhd";
  std::string_view bytes = fuzz::as_view(data, size);
  try {
    VhdInfo info = inspect_vhd(MemoryByteSource(bytes, name));
    H2K_FUZZ_CHECK(info.virtual_size > 0);
    H2K_FUZZ_CHECK(info.footer.disk_type != VhdDiskType::Differencing);
    if (info.footer.disk_type == VhdDiskType::Fixed) H2K_FUZZ_CHECK(info.virtual_size <= size - 512);
    else H2K_FUZZ_CHECK(info.dynamic.has_value());
  } catch (const ConversionError& e) {
    fuzz::check_error(e, name);
  }
  // The footer parser alone on the first 512 bytes.
  try {
    parse_vhd_footer(bytes, name);
  } catch (const ConversionError& e) {
    fuzz::check_error(e, name);
  }
  return 0;
}

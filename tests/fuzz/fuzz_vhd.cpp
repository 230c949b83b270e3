// A whole VHD file in memory: footer(s), dynamic header, BAT bounds.
#include "engine/formats/byte_order.hpp"
#include "engine/formats/vhd.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

namespace {

void check(std::string_view bytes, const std::string& name) {
  try {
    VhdInfo info = inspect_vhd(MemoryByteSource(bytes, name));
    H2K_FUZZ_CHECK(info.virtual_size > 0);
    H2K_FUZZ_CHECK(info.footer.disk_type != VhdDiskType::Differencing);
    if (info.footer.disk_type == VhdDiskType::Fixed) H2K_FUZZ_CHECK(info.virtual_size <= bytes.size() - 512);
    else H2K_FUZZ_CHECK(info.dynamic.has_value());
  } catch (const ConversionError& e) {
    fuzz::check_error(e, name);
  }
}

void put_be32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

// Random mutations break the ones'-complement checksums, which would stop the
// fuzzer at the first check; so each input also runs with the checksums of its
// footers and dynamic header recomputed.
bool reseal(std::string& b) {
  bool changed = false;
  auto fix = [&](std::size_t at, std::size_t length, std::size_t field, std::string_view cookie) {
    if (at > b.size() || b.size() - at < length || b.compare(at, cookie.size(), cookie) != 0) return;
    put_be32(b, at + field, vhd_checksum(std::string_view(b).substr(at, length), field));
    changed = true;
  };
  fix(0, 512, 64, "conectix");
  if (b.size() >= 512) fix(b.size() - 512, 512, 64, "conectix");
  if (b.size() >= 24 && b.compare(0, 8, "conectix") == 0) {
    std::uint64_t header = bytes::be64(b, 16);
    if (header < b.size()) fix(static_cast<std::size_t>(header), 1024, 36, "cxsparse");
  }
  return changed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.vhd";
  std::string_view bytes = fuzz::as_view(data, size);
  check(bytes, name);
  std::string sealed(bytes);
  if (reseal(sealed)) check(sealed, name);
  // The footer parser alone on the first 512 bytes.
  try {
    parse_vhd_footer(bytes, name);
  } catch (const ConversionError& e) {
    fuzz::check_error(e, name);
  }
  return 0;
}

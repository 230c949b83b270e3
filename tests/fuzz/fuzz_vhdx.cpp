// VHDX over a sparse in-memory file (see SparseFileSource): headers, region
// tables, metadata; structures megabytes apart without megabyte inputs.
#include "engine/formats/crc32c.hpp"
#include "engine/formats/vhdx.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

namespace {

void check(const ByteSource& src) {
  try {
    VhdxInfo info = inspect_vhdx(src);
    H2K_FUZZ_CHECK(info.current_header == 1 || info.current_header == 2);
    H2K_FUZZ_CHECK(info.virtual_size > 0 && info.virtual_size % info.logical_sector_size == 0);
    H2K_FUZZ_CHECK(info.block_size >= (1u << 20));
    H2K_FUZZ_CHECK(info.bat.file_offset + info.bat.length <= src.size());
    H2K_FUZZ_CHECK(info.metadata.file_offset + info.metadata.length <= src.size());
  } catch (const ConversionError& e) {
    fuzz::check_error(e, src.name());
  }
}

// Random mutations almost never keep a CRC-32C valid, which would stop the
// fuzzer at the header check; so each input also runs with the checksums of
// whatever headers and region tables it has recomputed.
bool reseal(fuzz::SparseFileSource& src) {
  struct Structure { std::uint64_t offset; std::size_t size; const char* signature; };
  bool changed = false;
  for (const Structure& s : {Structure{64 << 10, 4096, "head"}, Structure{128 << 10, 4096, "head"},
                             Structure{192 << 10, 65536, "regi"}, Structure{256 << 10, 65536, "regi"}}) {
    std::string bytes = src.read(s.offset, s.size);
    if (bytes.size() != s.size || bytes.compare(0, 4, s.signature) != 0) continue;
    bytes.replace(4, 4, 4, '\0');
    std::uint32_t crc = crc32c(bytes);
    std::string field{static_cast<char>(crc), static_cast<char>(crc >> 8), static_cast<char>(crc >> 16),
                      static_cast<char>(crc >> 24)};
    src.put(s.offset + 4, field);
    changed = true;
  }
  return changed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::SparseFileSource src(fuzz::as_view(data, size), "fuzz.vhdx");
  check(src);
  if (reseal(src)) check(src);
  return 0;
}

// VHDX over a sparse in-memory file (see SparseFileSource): headers, region
// tables, metadata; structures megabytes apart without megabyte inputs.
#include "engine/formats/vhdx.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.vhdx";
  fuzz::SparseFileSource src(fuzz::as_view(data, size), name);
  try {
    VhdxInfo info = inspect_vhdx(src);
    H2K_FUZZ_CHECK(info.current_header == 1 || info.current_header == 2);
    H2K_FUZZ_CHECK(info.virtual_size > 0 && info.virtual_size % info.logical_sector_size == 0);
    H2K_FUZZ_CHECK(info.block_size >= (1u << 20));
    H2K_FUZZ_CHECK(info.bat.file_offset + info.bat.length <= src.size());
    H2K_FUZZ_CHECK(info.metadata.file_offset + info.metadata.length <= src.size());
  } catch (const ConversionError& e) {
    fuzz::check_error(e, name);
  }
  return 0;
}

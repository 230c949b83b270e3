// The KDMV header and its embedded descriptor, read from a whole in-memory file.
#include "engine/formats/disk_header.hpp"
#include "engine/formats/vmdk.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.vmdk";
  std::string_view bytes = fuzz::as_view(data, size);
  try {
    VmdkSparseHeader h = parse_vmdk_sparse_header(bytes, name, size);
    H2K_FUZZ_CHECK(h.grain_sectors > 0 && (h.grain_sectors & (h.grain_sectors - 1)) == 0);
    H2K_FUZZ_CHECK(h.gtes_per_gt == 512);
    H2K_FUZZ_CHECK(h.virtual_size() <= kMaxDiskBytes);
    MemoryByteSource src(bytes, name);
    std::string text = read_vmdk_embedded_descriptor(src, h);
    H2K_FUZZ_CHECK(text.find('\0') == std::string::npos);
    if (!text.empty()) parse_vmdk_descriptor(text, name);
  } catch (const ConversionError& e) {
    fuzz::check_error(e, name);
  }
  try {
    DiskHeaderInfo info = inspect_disk_header(MemoryByteSource(bytes, name), FileKind::VmdkSparse);
    H2K_FUZZ_CHECK(info.virtual_size > 0 && info.virtual_size % 512 == 0);
  } catch (const ConversionError& e) {
    fuzz::check_error(e, name);
  }
  return 0;
}

// probe_bytes on arbitrary bytes, then the full header check for whatever
// kind it says the bytes are (the path real inputs take).
#include "engine/formats/disk_format.hpp"
#include "engine/formats/disk_header.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.img";
  std::string_view bytes = fuzz::as_view(data, size);
  ProbeResult r = probe_bytes(bytes, size);
  H2K_FUZZ_CHECK(r.file_size == size);
  H2K_FUZZ_CHECK(!r.detail.empty());
  if (r.kind == FileKind::Raw) H2K_FUZZ_CHECK(size >= 512 && size % 512 == 0);
  if (size == 0) H2K_FUZZ_CHECK(r.kind == FileKind::Unknown);

  // A head cut from a bigger file, with an unrelated tail: must not misbehave.
  if (size > 512) {
    ProbeResult cut = probe_bytes(bytes.substr(512), bytes.substr(0, 512), std::uint64_t{size} * 4096);
    H2K_FUZZ_CHECK(cut.file_size == std::uint64_t{size} * 4096);
  }

  if (!qemu_driver(r.kind).empty()) {
    MemoryByteSource src(bytes, name);
    try {
      DiskHeaderInfo info = inspect_disk_header(src, r.kind);
      H2K_FUZZ_CHECK(info.virtual_size > 0);
      H2K_FUZZ_CHECK(info.kind == r.kind);
    } catch (const ConversionError& e) {
      fuzz::check_error(e, name);
    }
  }
  return 0;
}

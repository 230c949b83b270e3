// The qcow2 header of a whole in-memory file.
#include "engine/formats/qcow2.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.qcow2";
  try {
    Qcow2Info info = inspect_qcow2(MemoryByteSource(fuzz::as_view(data, size), name));
    const Qcow2Header& h = info.header;
    H2K_FUZZ_CHECK(h.version == 2 || h.version == 3);
    H2K_FUZZ_CHECK(h.cluster_bits >= 9 && h.cluster_bits <= 21);
    H2K_FUZZ_CHECK(h.size > 0);
    H2K_FUZZ_CHECK(h.crypt_method == 0);
    H2K_FUZZ_CHECK(h.backing_file_offset == 0 || h.backing_file_size == 0);
    H2K_FUZZ_CHECK(h.l1_table_offset <= size);
  } catch (const ConversionError& e) {
    fuzz::check_error(e, name);
  }
  return 0;
}

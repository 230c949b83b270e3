// TarIndex on arbitrary bytes: only ConversionError may escape, and every
// entry of an accepted archive must be safe to read in place: inside the
// archive, block-aligned, with a unique relative name that cannot escape.
#include <set>

#include "engine/inputs/tar_index.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

namespace {

// Random bytes almost never carry a valid header checksum, which would stop
// the fuzzer at the first check. So each input is also run with the checksum
// of every non-zero 512-byte block rewritten to match, letting mutations
// reach names, sizes, types and pax/long-name records.
std::string with_fixed_checksums(std::string_view input) {
  std::string out(input);
  for (std::size_t block = 0; block + 512 <= out.size(); block += 512) {
    std::string_view b(out.data() + block, 512);
    if (b.find_first_not_of('\0') == std::string_view::npos) continue;
    unsigned sum = 0;
    for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(b[i]);
    char field[8];
    std::snprintf(field, sizeof field, "%06o", sum & 0777777);
    out.replace(block + 148, 8, std::string(field, 6) + std::string("\0 ", 2));
  }
  return out;
}

void check_index(std::string_view bytes) {
  const std::string name = "fuzz.ova";
  const std::size_t size = bytes.size();
  MemoryByteSource source(bytes, name);
  try {
    TarIndex index = TarIndex::parse(source);
    std::set<std::string> names;
    for (const TarEntry& e : index.entries()) {
      H2K_FUZZ_CHECK(e.data_offset % 512 == 0);
      H2K_FUZZ_CHECK(e.data_offset <= size && e.size <= size - e.data_offset);
      H2K_FUZZ_CHECK(!e.name.empty());
      H2K_FUZZ_CHECK(e.name.front() != '/' && e.name.back() != '/');
      H2K_FUZZ_CHECK(e.name.find('\0') == std::string::npos);
      H2K_FUZZ_CHECK(e.name.find("//") == std::string::npos);
      std::string padded = "/" + e.name + "/";
      H2K_FUZZ_CHECK(padded.find("/../") == std::string::npos && padded.find("/./") == std::string::npos);
      H2K_FUZZ_CHECK(names.insert(e.name).second);
      if (e.type == TarEntryType::File) H2K_FUZZ_CHECK(index.find_file(e.name) == &e);
    }
  } catch (const ConversionError& e) {
    fuzz::check_error(e, name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_index(fuzz::as_view(data, size));
  check_index(with_fixed_checksums(fuzz::as_view(data, size)));
  return 0;
}

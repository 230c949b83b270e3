// TarIndex on arbitrary bytes: only ConversionError may escape, and every
// entry of an accepted archive must be safe to read in place: inside the
// archive, block-aligned, with a unique relative name that cannot escape.
#include <set>

#include "engine/inputs/tar_index.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.ova";
  MemoryByteSource source(fuzz::as_view(data, size), name);
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
  return 0;
}

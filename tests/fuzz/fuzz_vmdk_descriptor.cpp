// parse_vmdk_descriptor on arbitrary text: hostile extent names must never
// come out of a successful parse.
#include <filesystem>

#include "engine/formats/vmdk.hpp"
#include "fuzz_support.hpp"

using namespace h2k;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "fuzz.vmdk";
  try {
    VmdkDescriptor d = parse_vmdk_descriptor(fuzz::as_view(data, size), name);
    H2K_FUZZ_CHECK(!d.extents.empty());
    H2K_FUZZ_CHECK(!d.create_type.empty());
    H2K_FUZZ_CHECK(d.parent_cid == 0xffffffffu);
    H2K_FUZZ_CHECK(d.virtual_size() <= kMaxDiskBytes);
    for (const auto& e : d.extents) {
      H2K_FUZZ_CHECK(e.size_sectors > 0);
      if (e.type == VmdkExtentType::Zero) continue;
      std::filesystem::path p(e.filename);
      H2K_FUZZ_CHECK(!e.filename.empty());
      H2K_FUZZ_CHECK(!p.is_absolute());
      for (const auto& part : p) H2K_FUZZ_CHECK(part != "..");
      // Resolved paths stay inside the descriptor's folder.
      for (const auto& resolved : vmdk_extent_paths(d, "/vm/disk.vmdk"))
        H2K_FUZZ_CHECK(resolved.lexically_normal().string().rfind("/vm/", 0) == 0);
    }
  } catch (const ConversionError& e) {
    fuzz::check_error(e, name);
  }
  return 0;
}

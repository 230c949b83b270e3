#pragma once
// Entry point of the input side: any supported file in, a SourceVm out.
#include <filesystem>

#include "engine/inputs/source_vm.hpp"

namespace h2k {

struct LoadOptions {
  bool verify_manifest = true;          // OVA .mf checksums
  std::string name_override;            // --name
};

// Probes `path` and dispatches to the OVA / OVF / VMX / VMDK-descriptor /
// single-disk readers. Every disk's format is validated from its header and
// every part (extents) is checked to exist. Throws ConversionError naming
// the offending file.
SourceVm load_source(const std::filesystem::path& path, const LoadOptions& options = {});

}  // namespace h2k

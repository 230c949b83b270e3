#include "engine/inputs/source_loader.hpp"

#include <cctype>

#include "engine/core/error.hpp"
#include "engine/inputs/loaders.hpp"
#include "engine/inputs/vm_name.hpp"

namespace h2k {
namespace {

SourceVm dispatch(const std::filesystem::path& path, const ProbeResult& probe, const LoadOptions& options) {
  switch (probe.kind) {
    case FileKind::Ova: return load_ova(path, options);
    case FileKind::Ovf: return load_ovf_file(path, options);
    case FileKind::Vmx: return load_vmx(path, options);
    case FileKind::VmdkDescriptor:
    case FileKind::VmdkSparse:
    case FileKind::Vhd:
    case FileKind::Vhdx:
    case FileKind::Qcow2:
    case FileKind::Raw: return load_disk_file(path);
    case FileKind::Manifest: return load_manifest(path, options);
    case FileKind::Unknown: break;
  }
  throw_invalid(path.string(), "not a disk image or VM description (" + probe.detail + ")");
}

// The VM's name: --name, else the one the input gives, else the file stem;
// always reduced to characters safe in file and libvirt domain names.
void name_vm(SourceVm& vm, const std::filesystem::path& path, const LoadOptions& options) {
  std::string wanted = !options.name_override.empty() ? options.name_override
                       : !vm.name.empty()              ? vm.name
                                                       : path.stem().string();
  vm.name = sanitise_vm_name(wanted);
  if (vm.name != wanted)
    vm.warnings.push_back("VM name '" + wanted + "' was changed to '" + vm.name +
                          "' (only letters, digits, '.', '_' and '-' are kept)");
}

// A file whose name claims a format with a header (web01.vhdx) but whose
// bytes have none is damaged or not what it says: converting it "as raw"
// would publish garbage as a VM. Raw content is only plausible under a raw
// name (.raw, .img, no extension) or as a VMDK flat extent (x-flat.vmdk)
// dropped without its descriptor, which then starts with a partition table.
void check_name_matches_content(const std::filesystem::path& path, const ProbeResult& probe) {
  if (probe.kind != FileKind::Raw) return;
  std::string ext = path.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool has_partition_table = probe.detail != "no recognised header";
  if (ext == ".vmdk" && has_partition_table) return;
  if (ext == ".vmdk" || ext == ".vhd" || ext == ".vhdx" || ext == ".qcow2" || ext == ".ova" || ext == ".ovf" ||
      ext == ".vmx" || ext == ".json")
    throw_invalid(path.string(), "the name says " + ext.substr(1) + " but the content has no " + ext.substr(1) +
                                     " header or descriptor (" + probe.detail +
                                     "): the file is damaged, truncated at the start, or not a VM file");
}

}  // namespace

SourceVm load_source(const std::filesystem::path& path, const LoadOptions& options) {
  // Disk locations are handed to other stages and processes: make them absolute.
  const std::filesystem::path absolute = std::filesystem::absolute(path).lexically_normal();
  ProbeResult probe = probe_file(absolute);
  check_name_matches_content(absolute, probe);
  SourceVm vm = dispatch(absolute, probe, options);
  vm.source_path = path;
  vm.source_kind = probe.kind;
  name_vm(vm, absolute, options);
  for (std::size_t i = 0; i < vm.disks.size(); ++i) {
    vm.disks[i].id = "disk" + std::to_string(i + 1);
    vm.disks[i].boot_order = static_cast<int>(i + 1);
  }
  return vm;
}

}  // namespace h2k

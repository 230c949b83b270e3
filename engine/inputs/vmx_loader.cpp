// A VMware .vmx with its disks (descriptor .vmdk files) beside it.
#include <system_error>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"
#include "engine/inputs/loaders.hpp"
#include "engine/inputs/vmx.hpp"

namespace h2k {
namespace {

constexpr std::uintmax_t kMaxVmxBytes = 4u << 20;

bool file_exists(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::exists(p, ec);
}

// Relative names are relative to the .vmx folder. Absolute names (often a
// /vmfs/volumes path from the ESXi host) are used when they exist here;
// otherwise a file of the same name next to the .vmx is taken, since a VM
// folder copied off a datastore keeps its disks beside the .vmx.
std::filesystem::path resolve_disk(const std::filesystem::path& vmx, const VmxDisk& d, std::vector<std::string>& warnings) {
  const auto dir = vmx.parent_path();
  std::filesystem::path written(d.file_name);
  if (written.is_relative()) {
    auto p = dir / written;
    if (!file_exists(p))
      throw_invalid(vmx.string(), "disk " + d.device + " file '" + d.file_name + "' does not exist (looked for " +
                                      p.string() + ")");
    return p;
  }
  if (file_exists(written)) return written;
  auto beside = dir / written.filename();
  if (file_exists(beside)) {
    warnings.push_back("disk " + d.device + ": '" + d.file_name + "' does not exist; using " + beside.string() +
                       " next to the .vmx");
    return beside;
  }
  throw_invalid(vmx.string(), "disk " + d.device + " file '" + d.file_name +
                                  "' does not exist (nor does " + beside.string() + ")");
}

}  // namespace

SourceVm load_vmx(const std::filesystem::path& vmx_path, const LoadOptions&) {
  VmxConfig vmx = parse_vmx(read_text_file(vmx_path, kMaxVmxBytes), vmx_path.string());
  SourceVm vm;
  vm.name = vmx.name;
  vm.vcpus = vmx.vcpus;
  vm.memory_mib = vmx.memory_mib;
  vm.firmware = vmx.firmware;
  vm.os_hint = vmx.os_hint;
  vm.warnings = vmx.warnings;
  for (const auto& n : vmx.nics) vm.nics.push_back(SourceNic{n.mac, n.model, n.network});
  for (const auto& d : vmx.disks) {
    auto path = resolve_disk(vmx_path, d, vm.warnings);
    SourceDisk disk = describe_disk_file(path, vm.warnings);
    disk.controller = d.controller;
    disk.controller_model = d.controller_model;
    disk.boot_order = d.boot_order;
    vm.disks.push_back(std::move(disk));
  }
  if (vm.disks.empty()) vm.warnings.push_back("the .vmx attaches no hard disks");
  return vm;
}

}  // namespace h2k

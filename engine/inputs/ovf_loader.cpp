// A plain OVF descriptor with its disks as sibling files (an unpacked OVA
// or an "ovftool --exportFormat ovf" export).
#include <algorithm>
#include <optional>
#include <system_error>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"
#include "engine/inputs/loaders.hpp"
#include "engine/inputs/ovf_manifest.hpp"

namespace h2k {
namespace {

constexpr std::uintmax_t kMaxDescriptorBytes = 64u << 20;

bool is_regular(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

// Package members are relative names; absolute ones and ".." would read
// files outside the package, which a manifest or href has no business naming.
std::optional<std::filesystem::path> package_member(const std::filesystem::path& dir, const std::string& name) {
  std::filesystem::path rel(name);
  if (rel.empty() || rel.is_absolute() || std::find(rel.begin(), rel.end(), "..") != rel.end()) return std::nullopt;
  std::filesystem::path p = dir / rel;
  if (is_regular(p)) return p;
  std::filesystem::path decoded = dir / percent_decode(name);
  if (is_regular(decoded)) return decoded;
  return std::nullopt;
}

void check_manifest(const std::filesystem::path& ovf, const LoadOptions& options, SourceVm& vm) {
  const auto dir = ovf.parent_path();
  auto cert = ovf;
  cert.replace_extension(".cert");
  if (is_regular(cert))
    vm.warnings.push_back(cert.filename().string() + " (a signing certificate) is present but the signature is not verified");
  auto mf = ovf;
  mf.replace_extension(".mf");
  if (!is_regular(mf)) return;
  if (!options.verify_manifest) {
    vm.warnings.push_back("manifest " + mf.filename().string() + " was not verified (verification turned off)");
    return;
  }
  auto lines = parse_manifest(read_text_file(mf, kMaxDescriptorBytes), mf.string());
  // FileByteSources must outlive their use in verify_manifest; keep them here.
  std::vector<std::unique_ptr<FileByteSource>> sources;
  verify_manifest(lines, ovf.string(), mf.filename().string(), [&](const std::string& name) -> std::optional<ManifestTarget> {
    auto p = package_member(dir, name);
    if (!p) return std::nullopt;
    sources.push_back(std::make_unique<FileByteSource>(*p));
    return ManifestTarget{sources.back().get(), 0, sources.back()->size()};
  });
}

}  // namespace

SourceVm load_ovf_file(const std::filesystem::path& ovf, const LoadOptions& options) {
  OvfEnvelope envelope = parse_ovf(read_text_file(ovf, kMaxDescriptorBytes), ovf.string());
  SourceVm vm = vm_from_ovf(envelope);
  const auto dir = ovf.parent_path();

  // Every disk file must be there before anything is hashed or inspected:
  // "missing web01-disk2.vmdk" is the message a user can act on.
  std::vector<std::filesystem::path> paths;
  for (const OvfDisk& od : envelope.disks) {
    if (od.href.find("://") != std::string::npos)
      throw ConversionError(ErrorKind::Unsupported, ovf.string(),
                            "disk '" + od.disk_id + "' refers to a remote file (" + od.href + "); only local files are supported");
    std::filesystem::path rel(percent_decode(od.href));
    if (rel.is_absolute() || std::find(rel.begin(), rel.end(), "..") != rel.end())
      throw_invalid(ovf.string(), "disk '" + od.disk_id + "' refers to '" + od.href +
                                      "', outside the OVF's folder; OVF file references must be relative");
    auto path = package_member(dir, od.href);
    if (!path)
      throw_invalid(ovf.string(), "disk '" + od.disk_id + "' file " + (dir / od.href).string() +
                                      " does not exist (disks of an OVF must sit next to it)");
    paths.push_back(*path);
  }

  check_manifest(ovf, options, vm);

  for (std::size_t i = 0; i < paths.size(); ++i) {
    SourceDisk disk = describe_disk_file(paths[i], vm.warnings);
    apply_ovf_disk(envelope.disks[i], disk, ovf.string(), vm.warnings);
    vm.disks.push_back(std::move(disk));
  }
  return vm;
}

}  // namespace h2k

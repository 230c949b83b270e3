// OVA: a tar of descriptor, manifest and disks. Nothing is extracted: the
// descriptor and manifest are read from their byte ranges, and each disk
// becomes a slice (offset + length) of the OVA that qemu-img reads in place.
#include <algorithm>
#include <cctype>
#include <optional>

#include "engine/core/error.hpp"
#include "engine/formats/disk_header.hpp"
#include "engine/inputs/disk_inspection.hpp"
#include "engine/inputs/loaders.hpp"
#include "engine/inputs/ovf_manifest.hpp"
#include "engine/inputs/tar_index.hpp"

namespace h2k {
namespace {

constexpr std::uint64_t kMaxDescriptorBytes = 64u << 20;

bool has_extension(const std::string& name, std::string_view ext) {
  if (name.size() < ext.size()) return false;
  std::string tail = name.substr(name.size() - ext.size());
  for (auto& c : tail) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return tail == ext;
}

std::string stem_of(const std::string& name) {
  return std::filesystem::path(name).stem().string();
}

std::vector<const TarEntry*> files_with_extension(const TarIndex& index, std::string_view ext) {
  std::vector<const TarEntry*> out;
  for (const auto& e : index.entries())
    if (e.type == TarEntryType::File && has_extension(e.name, ext)) out.push_back(&e);
  return out;
}

// The OVF spec puts the descriptor first; some tools do not, so a single
// .ovf anywhere is accepted with a warning.
const TarEntry& find_descriptor(const TarIndex& index, const std::string& ova, std::vector<std::string>& warnings) {
  auto ovfs = files_with_extension(index, ".ovf");
  const TarEntry* first = nullptr;
  for (const auto& e : index.entries())
    if (e.type == TarEntryType::File) {
      first = &e;
      break;
    }
  if (first && has_extension(first->name, ".ovf")) {
    if (ovfs.size() > 1)
      warnings.push_back("the OVA holds " + std::to_string(ovfs.size()) + " .ovf files; using the first, " + first->name);
    return *first;
  }
  if (ovfs.size() == 1) {
    warnings.push_back("the OVF descriptor " + ovfs.front()->name +
                       " is not the first member of the OVA (the OVF standard requires it)");
    return *ovfs.front();
  }
  if (ovfs.empty()) throw_invalid(ova, "no .ovf descriptor in the archive; this is a tar file but not an OVA");
  throw_invalid(ova, "the archive holds " + std::to_string(ovfs.size()) +
                         " .ovf descriptors and none is the first member; cannot tell which VM to convert");
}

const TarEntry* find_member(const TarIndex& index, const std::string& href) {
  if (const TarEntry* e = index.find_file(href)) return e;
  return index.find_file(percent_decode(href));
}

void check_manifest(const TarIndex& index, const FileByteSource& archive, const TarEntry& descriptor,
                    const std::string& ova, const LoadOptions& options, SourceVm& vm,
                    const std::vector<std::string>& disk_members) {
  auto mfs = files_with_extension(index, ".mf");
  const TarEntry* mf = index.find_file(
      (std::filesystem::path(descriptor.name).parent_path() / (stem_of(descriptor.name) + ".mf")).string());
  if (!mf && mfs.size() == 1) mf = mfs.front();
  if (!mf && mfs.size() > 1)
    vm.warnings.push_back("the OVA holds several .mf manifests and none matches the descriptor; none was verified");
  for (const TarEntry* cert : files_with_extension(index, ".cert"))
    vm.warnings.push_back(cert->name + " (a signing certificate) is present but the signature is not verified");
  if (!mf) return;
  if (!options.verify_manifest) {
    vm.warnings.push_back("manifest " + mf->name + " was not verified (verification turned off)");
    return;
  }
  if (mf->size > kMaxDescriptorBytes) throw_invalid(ova, "manifest " + mf->name + " is too large");
  std::string text = read_exact(archive, mf->data_offset, static_cast<std::size_t>(mf->size), "manifest " + mf->name);
  auto lines = parse_manifest(text, ova + ":" + mf->name);
  auto verified = verify_manifest(lines, ova, mf->name, [&](const std::string& name) -> std::optional<ManifestTarget> {
    const TarEntry* e = index.find_file(name);
    if (!e) return std::nullopt;
    return ManifestTarget{&archive, e->data_offset, e->size};
  });
  for (const auto& member : disk_members) {
    bool covered = std::any_of(verified.begin(), verified.end(), [&](const std::string& v) {
      const TarEntry* e = index.find_file(v);
      return e && e->name == member;
    });
    if (!covered) vm.warnings.push_back("disk " + member + " is not listed in manifest " + mf->name + "; its integrity is unchecked");
  }
}

}  // namespace

SourceVm load_ova(const std::filesystem::path& ova_path, const LoadOptions& options) {
  const std::string ova = ova_path.string();
  const std::string ova_label = ova_path.filename().string();
  FileByteSource archive(ova_path);
  TarIndex index = TarIndex::parse(archive);

  std::vector<std::string> warnings;
  const TarEntry& descriptor = find_descriptor(index, ova, warnings);
  if (descriptor.size > kMaxDescriptorBytes)
    throw_invalid(ova, "OVF descriptor " + descriptor.name + " is " + std::to_string(descriptor.size) +
                           " bytes, too large to be a descriptor");
  std::string xml = read_exact(archive, descriptor.data_offset, static_cast<std::size_t>(descriptor.size),
                               "OVF descriptor " + descriptor.name);
  const std::string descriptor_name = ova + ":" + descriptor.name;
  OvfEnvelope envelope = parse_ovf(xml, descriptor_name);

  SourceVm vm = vm_from_ovf(envelope);
  vm.warnings.insert(vm.warnings.begin(), warnings.begin(), warnings.end());

  // Find every disk's member first, so the manifest check (which names
  // unlisted disks) runs before any disk header is trusted.
  std::vector<std::pair<const OvfDisk*, const TarEntry*>> members;
  std::vector<std::string> disk_members;
  for (const OvfDisk& od : envelope.disks) {
    if (od.href.find("://") != std::string::npos)
      throw ConversionError(ErrorKind::Unsupported, descriptor_name,
                            "disk '" + od.disk_id + "' refers to a remote file (" + od.href + "); only local files are supported");
    const TarEntry* member = find_member(index, od.href);
    if (!member)
      throw_invalid(ova, "disk '" + od.disk_id + "' refers to '" + od.href + "', which is not in the archive");
    members.emplace_back(&od, member);
    disk_members.push_back(member->name);
  }

  check_manifest(index, archive, descriptor, ova, options, vm, disk_members);

  for (const auto& [od, member] : members) {
    if (has_extension(member->name, ".gz"))
      throw ConversionError(ErrorKind::Unsupported, ova,
                            "disk member " + member->name +
                                " is gzip-compressed; compressed disks inside an OVA are not supported yet");
    const std::string display = ova_label + ":" + member->name;
    FileByteSource slice(ova_path, member->data_offset, member->size, ova + ":" + member->name);
    ProbeResult probe = probe_disk(slice);
    if (probe.kind == FileKind::VmdkDescriptor)
      throw ConversionError(ErrorKind::Unsupported, ova,
                            "disk member " + member->name +
                                " is a VMDK text descriptor with separate extents; only single-file disks "
                                "(streamOptimized, monolithicSparse, raw, ...) can be read inside an OVA");
    DiskHeaderInfo facts = inspect_disk_header(slice, probe.kind);
    for (auto& w : facts.warnings) vm.warnings.push_back(display + ": " + w);

    SourceDisk disk;
    disk.display_path = display;
    disk.format = facts.kind;
    disk.format_detail = facts.detail;
    disk.location = DiskLocation{ova_path, member->data_offset, member->size};
    disk.parts = {ova_path};
    disk.virtual_size = facts.virtual_size;
    disk.stored_size = member->size;
    apply_ovf_disk(*od, disk, descriptor_name, vm.warnings);
    vm.disks.push_back(std::move(disk));
  }
  return vm;
}

}  // namespace h2k

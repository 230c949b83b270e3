#pragma once
// The per-input-kind readers behind load_source. Each returns a SourceVm with
// disks in boot order; load_source then names the VM and numbers the disks.
// Internal to inputs.
#include <filesystem>
#include <string>

#include "engine/inputs/ovf.hpp"
#include "engine/inputs/source_loader.hpp"

namespace h2k {

SourceVm load_ova(const std::filesystem::path& ova, const LoadOptions& options);
SourceVm load_ovf_file(const std::filesystem::path& ovf, const LoadOptions& options);
SourceVm load_vmx(const std::filesystem::path& vmx, const LoadOptions& options);
// A hypersdk Artifact Manifest (manifest.json) and the disk files it names;
// sizes are always checked, sha256 checksums when options.verify_manifest.
SourceVm load_manifest(const std::filesystem::path& manifest, const LoadOptions& options);
// A standalone disk file: VMDK descriptor (+ extents) or any single-file image.
SourceVm load_disk_file(const std::filesystem::path& disk);

// A disk that is a whole file (or a descriptor plus its extents), validated.
// Throws InvalidInput naming the file
// when it is missing or not a disk.
SourceDisk describe_disk_file(const std::filesystem::path& file, std::vector<std::string>& warnings);

// The VM-level settings of an OVF (everything but the disks' locations).
SourceVm vm_from_ovf(const OvfEnvelope& envelope);
// Copies an OVF disk's placement (controller, boot order) onto `disk`, and
// checks what the OVF declares against what the bytes are.
void apply_ovf_disk(const OvfDisk& ovf_disk, SourceDisk& disk, const std::string& descriptor_name,
                    std::vector<std::string>& warnings);

// OVF hrefs are URIs: "%20" may stand for a space.
std::string percent_decode(std::string_view href);

}  // namespace h2k

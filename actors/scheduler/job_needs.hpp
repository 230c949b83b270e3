#pragma once
// What a converter node must have to convert a job: capabilities a node
// reports when it registers (node_hello.capabilities), matched against what
// the job's own description says of its guest. A Windows guest needs
// "virtio-win" (conversion.virtio_win_dir on that node: without the drivers
// it could not boot on virtio), so a node without it never gets the job.
//
// Only descriptions that are small text files are read (an export manifest,
// as the exporter writes it or hypersdk does; an OVF; a VMX): the scheduler
// reads them on its own thread. An OVA or a bare disk says nothing before
// conversion, and needs nothing here (the converter's own check still fails
// a Windows guest loudly on a node without virtio-win).
#include <filesystem>
#include <string>
#include <vector>

namespace h2k {

inline constexpr const char* kCapabilityVirtioWin = "virtio-win";
inline constexpr const char* kCapabilityKvm = "kvm";

// The guest OS hint (VMware guestId, manifest os_hint) means Windows.
bool is_windows_hint(const std::string& os_hint);

// The capabilities converting `primary` needs; empty when its description
// says nothing (or cannot be read: the conversion reports that file's error).
std::vector<std::string> capabilities_needed(const std::filesystem::path& primary);

// What this host can offer: "kvm" when guests boot with KVM here,
// "virtio-win" when the virtio-win folder exists.
std::vector<std::string> host_capabilities(bool kvm, const std::filesystem::path& virtio_win_dir);

}  // namespace h2k

#pragma once
// What a converter node must have to convert a job: capabilities a node
// reports when it registers (node_hello.capabilities), matched against what
// the job's own description says of its guest. A Windows guest needs
// "virtio-win" (conversion.virtio_win_dir on that node: without the drivers
// it could not boot on virtio), so a node without it never gets the job.
//
// Only descriptions are read (an export manifest, as the exporter writes it
// or hypersdk does; an OVF; a VMX; the OVF inside an OVA, in place): the
// scheduler reads them on its own thread. A bare disk says nothing before
// conversion and needs nothing here: a cluster converter without virtio-win
// that finds a Windows guest in it hands the job back (missing_capability),
// and the job records what it needs (Job::needs).
#include <filesystem>
#include <string>
#include <vector>

#include "messages/messages.hpp"

namespace h2k {

inline constexpr const char* kCapabilityVirtioWin = msg::kCapabilityVirtioWin;
inline constexpr const char* kCapabilityKvm = msg::kCapabilityKvm;

// The guest OS hint (VMware guestId, manifest os_hint) means Windows.
bool is_windows_hint(const std::string& os_hint);

// The capabilities converting `primary` needs; empty when its description
// says nothing (or cannot be read: the conversion reports that file's error).
std::vector<std::string> capabilities_needed(const std::filesystem::path& primary);

// What this host can offer: "kvm" when guests boot with KVM here,
// "virtio-win" when the virtio-win folder exists.
std::vector<std::string> host_capabilities(bool kvm, const std::filesystem::path& virtio_win_dir);

}  // namespace h2k

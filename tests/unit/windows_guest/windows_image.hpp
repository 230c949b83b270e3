#pragma once
// A Windows-SHAPED disk image for the appliance tests: an MBR disk with one
// NTFS partition holding \Windows\System32\{Config,Drivers}, SYSTEM and
// SOFTWARE hives built from tests/data/windows_guest/*.reg, and a cmd.exe that
// is a minimal PE32+ x86-64 header (libguestfs reads the guest's architecture
// from it). libguestfs inspection recognises it as Windows Server 2019; it
// does not boot. Needs ntfs-3g on the host (the appliance is built from it).
#include <filesystem>
#include <memory>
#include <string>

#include <guestfs.h>

namespace h2k::windows_guest_test {

// A launched libguestfs handle on one disk image: direct backend and TCG,
// because nested KVM hangs on the test machines.
class Appliance {
public:
  Appliance(const std::filesystem::path& disk, bool readonly = false);
  ~Appliance();
  Appliance(const Appliance&) = delete;
  Appliance& operator=(const Appliance&) = delete;
  guestfs_h* handle() const { return g_; }

private:
  guestfs_h* g_ = nullptr;
};

// Checks a libguestfs call; on failure throws std::runtime_error with its message.
void must(guestfs_h* g, int rc, const std::string& what);

// Path of the Windows-shaped raw image, built once per test run (one appliance
// launch) in a temporary folder removed at exit. Tests copy it before writing.
const std::filesystem::path& windows_image();

// The bytes of a minimal PE32+ x86-64 console executable header.
std::string minimal_pe32plus_x64();

}  // namespace h2k::windows_guest_test

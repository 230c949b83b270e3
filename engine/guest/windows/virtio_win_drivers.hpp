#pragma once
// Finds the virtio-win driver files that fit a Windows guest, in a host folder
// holding either the extracted virtio-win ISO
//   viostor/2k19/amd64/viostor.sys, NetKVM/w10/amd64/netkvm.inf, amd64/w11/..., ...
// or a flat folder with the driver files themselves (viostor.sys, netkvm.inf, ...).
// Pure host-side logic: no libguestfs, so it is tested on plain folders.
#include <filesystem>
#include <string>
#include <vector>

namespace h2k::windows {

// What we know of the guest's Windows release (from inspection + SOFTWARE hive).
struct WindowsVersion {
  int major = 0;
  int minor = 0;
  std::string arch;            // libguestfs names: "x86_64", "i386", "aarch64"
  bool server = false;         // InstallationType != "Client"
  int build = 0;               // CurrentBuildNumber, 0 if unknown
  std::string product_name;    // "Windows Server 2019 Standard"
};

// virtio-win OS folder names for this release, best first; later entries are
// older releases whose drivers also run on this one (w10 drivers on Windows 11).
// Empty when virtio-win has no drivers for the release (e.g. Windows 2000).
std::vector<std::string> virtio_win_os_dirs(const WindowsVersion& version);

// virtio-win architecture folder for a libguestfs arch ("amd64" for "x86_64"),
// "" when unknown.
std::string virtio_win_arch_dir(const std::string& arch);

struct DriverFile {
  std::filesystem::path source;   // file on the host
  std::string name;               // lower-case file name it gets in the guest ("viostor.sys")
  std::string os_dir;             // virtio-win OS folder it came from, "" for a flat folder
};

struct DriverSelection {
  std::vector<DriverFile> files;  // sorted by name, one file per name
  bool flat = false;              // the folder held the files directly
  std::vector<std::string> os_dirs_used;   // e.g. {"2k19"}; several when a driver fell back
  bool has(const std::string& name) const;
};

// Selects, per file name, the copy from the best-ranked OS folder for the
// guest's architecture. Debug symbols (.pdb) are skipped. A folder with no
// matching tree is read as a flat folder (its top-level files). An empty
// selection means no drivers fit this guest.
DriverSelection select_virtio_drivers(const std::filesystem::path& virtio_win_dir, const WindowsVersion& version);

// "Windows 10.0 Server build 17763 x86_64" for messages.
std::string describe(const WindowsVersion& version);

}  // namespace h2k::windows

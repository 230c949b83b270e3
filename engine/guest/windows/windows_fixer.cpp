#include "engine/guest/windows/windows_fixer.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "engine/core/error.hpp"
#include "engine/guest/windows/driver_registry.hpp"
#include "engine/guest/windows/guest_hive.hpp"
#include "engine/guest/windows/guest_io.hpp"
#include "engine/guest/windows/registry_editor.hpp"
#include "engine/guest/windows/virtio_win_drivers.hpp"
#include "engine/guest/windows/vmware_tools.hpp"

namespace h2k {
namespace fs = std::filesystem;
using namespace h2k::windows;

namespace {

// Where the driver packages go inside %SystemRoot%, and how the registry names it.
constexpr const char* kDriverStoreRelative = "Drivers/VirtIO";
constexpr const char* kDriverStoreRegistry = "%SystemRoot%\\Drivers\\VirtIO";
constexpr const char* kKeepEmulatedConsequence =
    "the guest keeps booting on SATA and e1000e; install virtio drivers later for performance";

// The drivers we register ourselves; every other virtio driver is installed by
// Plug and Play from the driver folder once the device shows up.
constexpr const char* kBlockDriver = "viostor";
constexpr const char* kScsiDriver = "vioscsi";
constexpr const char* kNetDriver = "netkvm";

std::optional<std::string> guestfs_string(char* owned) {
  if (!owned) return std::nullopt;
  std::string s = owned;
  std::free(owned);
  return s;
}

// Leaves the guest as it is: the domain uses devices Windows has inbox drivers for.
void keep_emulated_devices(const GuestFixOptions& options, const std::string& why, GuestFixReport& report) {
  report.disk_bus = "sata";
  report.nic_model = "e1000e";
  report.warnings.push_back(why + ": " + kKeepEmulatedConsequence);
  // Disabling VMware Tools alone is not worth modifying a guest we otherwise
  // hand over untouched: the user installs the drivers and re-converts, or
  // removes the tools when installing virtio drivers by hand.
  if (options.vmware_tools != VmwareToolsAction::Keep)
    report.warnings.push_back("VMware Tools left as installed (the guest is not modified without virtio drivers): "
                              "uninstall them from Programs and Features after the first boot on KVM");
}

// This host has no virtio-win folder at all (the nodes that do offer the
// "virtio-win" capability): emulated devices, or, when the caller would rather
// hand the guest to a host with drivers, a MissingCapability refusal. A folder
// without drivers for this release is not that case: any node with a folder
// could be the one it went to, and it keeps emulated devices.
void without_virtio_win(const GuestFixOptions& options, const std::string& why, GuestFixReport& report) {
  if (options.windows_requires_virtio_win)
    throw ConversionError(ErrorKind::MissingCapability, options.virtio_win_dir.string(),
                          "a Windows guest, and this node cannot give it virtio drivers (" + why +
                              "): it is for a node with virtio-win");
  keep_emulated_devices(options, why, report);
}

std::string windows_systemroot(guestfs_h* g, const std::string& root) {
  std::optional<std::string> systemroot;
  {
    QuietGuestfsErrors quiet(g);
    systemroot = guestfs_string(guestfs_inspect_get_windows_systemroot(g, root.c_str()));
  }
  return resolve_guest_path(g, systemroot.value_or("/Windows"));
}

bool is_server(guestfs_h* g, const std::string& root, const InspectionResult& inspection) {
  std::optional<std::string> variant;
  {
    QuietGuestfsErrors quiet(g);
    variant = guestfs_string(guestfs_inspect_get_product_variant(g, root.c_str()));
  }
  // InstallationType: "Client", "Server", "Server Core"; older releases have none.
  if (variant && *variant != "unknown") return *variant != "Client";
  return inspection.product_name.find("Server") != std::string::npos;
}

int build_number(const RegistryHive& software) {
  const auto node = software.find("Microsoft\\Windows NT\\CurrentVersion");
  const auto build = node ? software.get_string(*node, "CurrentBuildNumber") : std::nullopt;
  try {
    return build ? std::stoi(*build) : 0;
  } catch (const std::exception&) {
    return 0;   // unparsable: fall back to ProductName
  }
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

void record_registry_changes(const RegistryEditor& editor, const std::string& action, GuestFixReport& report) {
  for (const auto& c : editor.changes()) {
    const std::string value = c.value.empty() ? "(Default)" : c.value;
    report.fixes.push_back({action, c.key, c.before.empty() ? "" : value + " = " + c.before,
                            value + " = " + c.after, c.note});
  }
}

void copy_into_guest(guestfs_h* g, const fs::path& source, const std::string& target, const std::string& note,
                     GuestFixReport& report) {
  const bool existed = guest_is_file(g, target);
  upload_to_guest(g, source, target);
  report.fixes.push_back({"windows-driver", target, existed ? "replaced existing file" : "",
                          "copied from " + source.string(), note});
}

std::string origin_of(const DriverFile& f, const WindowsVersion& version) {
  return f.os_dir.empty() ? "virtio-win flat folder"
                          : "virtio-win " + f.os_dir + "/" + virtio_win_arch_dir(version.arch);
}

}  // namespace

void fix_windows(guestfs_h* g, const InspectionResult& inspection, const std::string& root,
                 const GuestFixOptions& options, GuestFixReport& report) {
  const fs::path& virtio_win = options.virtio_win_dir;
  if (virtio_win.empty())
    return without_virtio_win(options, "no virtio-win drivers configured (virtio_win_dir)", report);
  std::error_code ec;
  if (!fs::exists(virtio_win, ec))
    return without_virtio_win(options, "virtio_win_dir " + virtio_win.string() + " does not exist", report);
  if (!fs::is_directory(virtio_win, ec))
    return without_virtio_win(options,
                                 "virtio_win_dir " + virtio_win.string() +
                                     " is not a folder (extract the virtio-win ISO into a folder, e.g. with bsdtar -xf)",
                                 report);

  const std::string systemroot = windows_systemroot(g, root);
  const std::string system_hive_path = resolve_guest_path(g, systemroot + "/System32/config/SYSTEM");
  const std::string software_hive_path = resolve_guest_path(g, systemroot + "/System32/config/SOFTWARE");
  GuestHive software(g, software_hive_path);

  const WindowsVersion version{inspection.major_version, inspection.minor_version, inspection.arch,
                               is_server(g, root, inspection), build_number(software.hive()),
                               inspection.product_name};
  DriverSelection drivers;
  try {
    drivers = select_virtio_drivers(virtio_win, version);
  } catch (const fs::filesystem_error& e) {
    throw ConversionError(ErrorKind::Io, virtio_win.string(), std::string("cannot read virtio-win folder: ") + e.what());
  }
  if (drivers.files.empty()) {
    const auto os_dirs = virtio_win_os_dirs(version);
    return keep_emulated_devices(
        options,
        "virtio_win_dir " + virtio_win.string() + " has no drivers for " + describe(version) + " (looked for " +
            (os_dirs.empty() ? std::string("a supported release") : join(os_dirs, " or ")) + " folders with " +
            (virtio_win_arch_dir(version.arch).empty() ? "a known arch" : virtio_win_arch_dir(version.arch)) +
            " inside, or driver files at its top level)",
        report);
  }
  const auto wanted_os_dirs = virtio_win_os_dirs(version);
  if (!drivers.flat && !wanted_os_dirs.empty() &&
      (drivers.os_dirs_used.size() != 1 || drivers.os_dirs_used.front() != wanted_os_dirs.front()))
    report.warnings.push_back("virtio-win has no complete " + wanted_os_dirs.front() + " driver set for " +
                              describe(version) + "; used drivers from " + join(drivers.os_dirs_used, ", "));

  // 1. Driver files: the whole set into the driver folder (for Plug and Play),
  //    the drivers we register as services into System32\drivers.
  const std::string driver_store = ensure_guest_dir(g, systemroot, kDriverStoreRelative);
  const std::string system_drivers = ensure_guest_dir(g, systemroot, "System32/drivers");
  for (const auto& file : drivers.files)
    copy_into_guest(g, file.source, resolve_guest_path(g, driver_store + "/" + file.name),
                    "driver package from " + origin_of(file, version), report);
  const bool has_viostor = drivers.has(std::string(kBlockDriver) + ".sys");
  const bool has_vioscsi = drivers.has(std::string(kScsiDriver) + ".sys");
  const bool has_netkvm = drivers.has(std::string(kNetDriver) + ".sys");
  for (const auto& file : drivers.files) {
    for (const char* service : {kBlockDriver, kScsiDriver, kNetDriver}) {
      if (file.name == std::string(service) + ".sys")
        copy_into_guest(g, file.source, resolve_guest_path(g, system_drivers + "/" + file.name),
                        std::string(service) + " service image, from " + origin_of(file, version), report);
    }
  }

  // 2. SYSTEM hive: services and boot-critical device bindings; VMware Tools off.
  GuestHive system(g, system_hive_path);
  const std::string control_set = current_control_set(system.hive());
  RegistryEditor driver_edits(system.hive(), "HKLM\\SYSTEM");
  if (has_viostor) register_boot_storage_driver(driver_edits, control_set, kBlockDriver);
  if (has_vioscsi) register_boot_storage_driver(driver_edits, control_set, kScsiDriver);
  if (has_netkvm) register_network_driver(driver_edits, control_set, kNetDriver);
  RegistryEditor tools_edits(system.hive(), "HKLM\\SYSTEM");
  std::vector<std::string> disabled_tools;
  if (options.vmware_tools != VmwareToolsAction::Keep) disabled_tools = disable_vmware_tools(tools_edits, control_set);
  if (!driver_edits.changes().empty() || !tools_edits.changes().empty()) system.save();
  record_registry_changes(driver_edits, "registry", report);
  record_registry_changes(tools_edits, "vmware-tools", report);

  // 3. SOFTWARE hive: let Plug and Play find the other virtio drivers.
  RegistryEditor search_edits(software.hive(), "HKLM\\SOFTWARE");
  if (add_driver_search_folder(search_edits, kDriverStoreRegistry)) software.save();
  record_registry_changes(search_edits, "registry", report);

  // 4. What the domain may use now.
  report.disk_bus = has_viostor ? "virtio" : "sata";
  report.nic_model = has_viostor && has_netkvm ? "virtio" : "e1000e";
  if (!has_viostor)
    report.warnings.push_back("virtio-win has no viostor driver for " + describe(version) + ": " +
                              kKeepEmulatedConsequence);
  else if (!has_netkvm)
    report.warnings.push_back("virtio-win has no netkvm driver for " + describe(version) +
                              ": the NIC stays e1000e; install the virtio network driver later for performance");
  if (options.vmware_tools == VmwareToolsAction::Remove && !disabled_tools.empty())
    report.warnings.push_back("VMware Tools cannot be uninstalled offline: its services (" + join(disabled_tools, ", ") +
                              ") were disabled; uninstall VMware Tools from Programs and Features after the first "
                              "boot on KVM");
}

}  // namespace h2k

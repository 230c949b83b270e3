// fix_windows on a Windows-shaped disk through a real libguestfs appliance
// (3 launches in all: build the image, no-virtio-win case, virtio-win case).
//
// The one mock: the virtio-win "drivers" are placeholder files laid out like
// the extracted virtio-win ISO. Real virtio-win drivers are not packaged in
// Debian, and what is checked here (which files land where, which registry
// values are set) does not depend on their contents.
#include <algorithm>
#include <cstdlib>
#include <map>

#include "engine/guest/windows/windows_fixer.hpp"
#include "windows_image.hpp"
#include "windows_test_support.hpp"

using namespace h2k;
using namespace h2k::windows_guest_test;

namespace {

const char* kSystemHive = "/Windows/System32/Config/SYSTEM";
const char* kSoftwareHive = "/Windows/System32/Config/SOFTWARE";

std::string take(char* owned) {
  std::string s = owned ? owned : "";
  std::free(owned);
  return s;
}

void free_list(char** list) {
  if (!list) return;
  for (char** p = list; *p; ++p) std::free(*p);
  std::free(list);
}

// What the guest-fix orchestration would do: inspect, mount, describe the OS.
struct InspectedGuest {
  std::string root;
  InspectionResult result;
};

InspectedGuest inspect_and_mount(guestfs_h* g) {
  char** roots = guestfs_inspect_os(g);
  must(g, roots ? 0 : -1, "inspect-os");
  std::vector<std::string> found;
  for (char** p = roots; *p; ++p) found.push_back(*p);
  free_list(roots);
  BOOST_TEST_REQUIRE(found.size() == 1u, "inspection must find the Windows-shaped root");
  InspectedGuest guest;
  guest.root = found.front();
  const char* r = guest.root.c_str();
  auto& i = guest.result;
  i.found_os = true;
  i.root_device = guest.root;
  i.os_type = take(guestfs_inspect_get_type(g, r));
  i.distro = take(guestfs_inspect_get_distro(g, r));
  i.product_name = take(guestfs_inspect_get_product_name(g, r));
  i.major_version = guestfs_inspect_get_major_version(g, r);
  i.minor_version = guestfs_inspect_get_minor_version(g, r);
  i.arch = take(guestfs_inspect_get_arch(g, r));
  i.hostname = take(guestfs_inspect_get_hostname(g, r));
  must(g, guestfs_mount(g, r, "/"), "mount " + guest.root);
  return guest;
}

fs::path copy_of_image(const ScratchDir& dir, const std::string& name) {
  const fs::path copy = dir / name;
  fs::copy_file(windows_image(), copy);
  return copy;
}

std::string guest_checksum(guestfs_h* g, const std::string& path) {
  char* sum = guestfs_checksum(g, "sha256", path.c_str());
  must(g, sum ? 0 : -1, "checksum " + path);
  return take(sum);
}

// Every path under / with the checksum of each file: "nothing changed" means
// this is identical before and after.
std::map<std::string, std::string> guest_tree(guestfs_h* g) {
  std::map<std::string, std::string> tree;
  char** names = guestfs_find(g, "/");
  must(g, names ? 0 : -1, "find /");
  for (char** p = names; *p; ++p) {
    const std::string path = std::string("/") + *p;
    tree[path] = guestfs_is_file(g, path.c_str()) == 1 ? guest_checksum(g, path) : "dir";
  }
  free_list(names);
  return tree;
}

std::vector<std::string> guest_ls(guestfs_h* g, const std::string& dir) {
  char** names = guestfs_ls(g, dir.c_str());
  must(g, names ? 0 : -1, "ls " + dir);
  std::vector<std::string> out;
  for (char** p = names; *p; ++p) out.push_back(*p);
  free_list(names);
  return out;
}

std::string guest_cat(guestfs_h* g, const std::string& path) {
  char* content = guestfs_cat(g, path.c_str());
  must(g, content ? 0 : -1, "cat " + path);
  return take(content);
}

// A virtio-win folder laid out like the extracted ISO, for several releases and
// arches, so the test also shows the fixer picked the guest's own (2k19, amd64).
void make_fake_virtio_win(const fs::path& root) {
  for (const char* os : {"2k16", "2k19", "w10"}) {
    for (const char* arch : {"amd64", "x86"}) {
      for (const auto& [dir, name] : std::vector<std::pair<std::string, std::string>>{
               {"viostor", "viostor"}, {"vioscsi", "vioscsi"}, {"NetKVM", "netkvm"}, {"Balloon", "balloon"}}) {
        for (const char* ext : {".sys", ".inf", ".cat", ".pdb"}) {
          const std::string rel = dir + "/" + os + "/" + arch + "/" + name + ext;
          write_file(root / rel, "placeholder " + rel + " (not a real driver)\n");
        }
      }
    }
  }
  write_file(root / "virtio-win_license.txt", "placeholder\n");
}

const FixRecord* find_fix(const GuestFixReport& r, const std::string& action, const std::string& file,
                          const std::string& after_prefix = "") {
  for (const auto& f : r.fixes)
    if (f.action == action && f.file == file && f.after.rfind(after_prefix, 0) == 0) return &f;
  return nullptr;
}

bool has_warning(const GuestFixReport& r, const std::string& text) {
  return std::any_of(r.warnings.begin(), r.warnings.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(windows_fixer)

BOOST_AUTO_TEST_CASE(pe_header_is_recognised_as_x86_64_windows_executable) {
  ScratchDir dir;
  write_file(dir / "cmd.exe", minimal_pe32plus_x64());
  const std::string type = run_ok({"file", "-b", (dir / "cmd.exe").string()});
  BOOST_TEST(type.find("PE32+ executable (console) x86-64") != std::string::npos, type);
}

BOOST_AUTO_TEST_CASE(without_virtio_win_the_guest_is_untouched_and_stays_on_sata) {
  ScratchDir dir;
  const fs::path disk = copy_of_image(dir, "no-virtio.img");
  Appliance app(disk);
  guestfs_h* g = app.handle();
  const InspectedGuest guest = inspect_and_mount(g);
  // The fixture really looks like Windows to libguestfs.
  BOOST_TEST(guest.result.os_type == "windows");
  BOOST_TEST(guest.result.product_name == "Windows Server 2019 Standard");
  BOOST_TEST(guest.result.major_version == 10);
  BOOST_TEST(guest.result.minor_version == 0);
  BOOST_TEST(guest.result.arch == "x86_64");
  BOOST_TEST(guest.result.hostname == "H2K-WIN2019");

  const auto before = guest_tree(g);
  BOOST_TEST_REQUIRE(before.count(kSystemHive) == 1u);

  GuestFixOptions options;   // defaults: no virtio_win_dir, vmware_tools = Remove
  GuestFixReport report;
  fix_windows(g, guest.result, guest.root, options, report);
  BOOST_TEST(report.disk_bus == "sata");
  BOOST_TEST(report.nic_model == "e1000e");
  BOOST_TEST(report.fixes.empty());
  BOOST_TEST(has_warning(report, "no virtio-win drivers configured (virtio_win_dir): the guest keeps booting on "
                                 "SATA and e1000e; install virtio drivers later for performance"));

  // A configured folder that does not exist, or that has nothing for this
  // release, is the same situation.
  GuestFixOptions missing;
  missing.virtio_win_dir = dir / "no-such-folder";
  GuestFixReport missing_report;
  fix_windows(g, guest.result, guest.root, missing, missing_report);
  BOOST_TEST(missing_report.disk_bus == "sata");
  BOOST_TEST(has_warning(missing_report, "does not exist"));

  GuestFixOptions too_old;
  too_old.virtio_win_dir = dir / "virtio-win-w7-only";
  write_file(too_old.virtio_win_dir / "viostor/w7/amd64/viostor.sys", "placeholder");
  GuestFixReport too_old_report;
  fix_windows(g, guest.result, guest.root, too_old, too_old_report);
  BOOST_TEST(too_old_report.disk_bus == "sata");
  BOOST_TEST(too_old_report.nic_model == "e1000e");
  BOOST_TEST(too_old_report.fixes.empty());
  BOOST_TEST(has_warning(too_old_report, "has no drivers for Windows 10.0 Server build 17763"));

  // A cluster converter (windows_requires_virtio_win) without a virtio-win
  // folder hands the guest back instead (its coordinator gives it to a node
  // with the drivers); with a folder that lacks this release it still keeps
  // emulated devices: every node offering "virtio-win" would be the same.
  for (const fs::path& none : {fs::path(), dir / "no-such-folder"}) {
    GuestFixOptions cluster;
    cluster.virtio_win_dir = none;
    cluster.windows_requires_virtio_win = true;
    GuestFixReport refused_report;
    try {
      fix_windows(g, guest.result, guest.root, cluster, refused_report);
      BOOST_ERROR("a Windows guest was converted on a node without virtio-win although it was to be handed back");
    } catch (const ConversionError& e) {
      BOOST_TEST(e.kind() == ErrorKind::MissingCapability);
      BOOST_TEST(std::string(e.what()).find("a Windows guest, and this node cannot give it virtio drivers") !=
                     std::string::npos, e.what());
    }
    BOOST_TEST(refused_report.fixes.empty());
  }
  too_old.windows_requires_virtio_win = true;
  GuestFixReport too_old_cluster_report;
  fix_windows(g, guest.result, guest.root, too_old, too_old_cluster_report);
  BOOST_TEST(too_old_cluster_report.disk_bus == "sata");

  const auto after = guest_tree(g);
  BOOST_TEST(after == before, "no file in the guest may change without virtio-win drivers");
}

BOOST_AUTO_TEST_CASE(virtio_win_drivers_are_installed_for_boot_from_virtio) {
  ScratchDir dir;
  const fs::path disk = copy_of_image(dir, "virtio.img");
  const fs::path virtio_win = dir / "virtio-win";
  make_fake_virtio_win(virtio_win);

  GuestFixReport report;
  {
    Appliance app(disk);
    guestfs_h* g = app.handle();
    const InspectedGuest guest = inspect_and_mount(g);
    GuestFixOptions options;
    options.virtio_win_dir = virtio_win;
    options.vmware_tools = VmwareToolsAction::Remove;
    fix_windows(g, guest.result, guest.root, options, report);

    // Run again, as a retried conversion would: the registry is already right.
    GuestFixReport again;
    fix_windows(g, guest.result, guest.root, options, again);
    BOOST_TEST(std::none_of(again.fixes.begin(), again.fixes.end(),
                            [](const FixRecord& f) { return f.action == "registry" || f.action == "vmware-tools"; }),
               "a second run must not change registry values again");

    // Read back what reached the filesystem: unmount, then mount read-only.
    must(g, guestfs_umount_all(g), "umount");
    must(g, guestfs_mount_ro(g, guest.root.c_str(), "/"), "mount-ro");

    // Driver files, in the folders that already existed (no case twins).
    BOOST_TEST(guest_cat(g, "/Windows/System32/Drivers/viostor.sys").find("viostor/2k19/amd64/viostor.sys") !=
               std::string::npos);
    BOOST_TEST(guest_cat(g, "/Windows/System32/Drivers/netkvm.sys").find("NetKVM/2k19/amd64/netkvm.sys") !=
               std::string::npos);
    BOOST_TEST(guest_cat(g, "/Windows/System32/Drivers/vioscsi.sys").find("vioscsi/2k19/amd64") != std::string::npos);
    auto system32 = guest_ls(g, "/Windows/System32");
    BOOST_TEST(std::count(system32.begin(), system32.end(), "drivers") == 0, "no lower-case twin of Drivers");
    auto store = guest_ls(g, "/Windows/Drivers/VirtIO");
    std::sort(store.begin(), store.end());
    BOOST_TEST(store == (std::vector<std::string>{"balloon.cat", "balloon.inf", "balloon.sys", "netkvm.cat",
                                                  "netkvm.inf", "netkvm.sys", "vioscsi.cat", "vioscsi.inf",
                                                  "vioscsi.sys", "viostor.cat", "viostor.inf", "viostor.sys"}),
               boost::test_tools::per_element());
    BOOST_TEST(guest_cat(g, "/Windows/Drivers/VirtIO/viostor.inf").find("2k19/amd64") != std::string::npos);

    must(g, guestfs_download(g, kSystemHive, (dir / "SYSTEM").c_str()), "download SYSTEM");
    must(g, guestfs_download(g, kSoftwareHive, (dir / "SOFTWARE").c_str()), "download SOFTWARE");

    // A hive hivex cannot parse is an error that names the hive.
    must(g, guestfs_umount_all(g), "umount");
    must(g, guestfs_mount(g, guest.root.c_str(), "/"), "mount");
    const std::string junk(8192, 'x');
    must(g, guestfs_write(g, kSystemHive, junk.data(), junk.size()), "write junk SYSTEM");
    GuestFixReport broken;
    try {
      fix_windows(g, guest.result, guest.root, options, broken);
      BOOST_FAIL("a corrupt SYSTEM hive must be reported");
    } catch (const ConversionError& e) {
      BOOST_TEST(e.kind() == ErrorKind::GuestFix);
      BOOST_TEST(e.file() == kSystemHive);
      BOOST_TEST(e.reason().find("cannot open registry hive") != std::string::npos, e.reason());
    }
  }

  // The registry as Windows will read it at boot, checked with hivex's tools.
  const fs::path system = dir / "SYSTEM";
  const std::string viostor = "ControlSet001\\Services\\viostor";
  BOOST_TEST(hivexget(system, viostor, "Start") == "0");
  BOOST_TEST(hivexget(system, viostor, "Type") == "1");
  BOOST_TEST(hivexget(system, viostor, "ErrorControl") == "1");
  BOOST_TEST(hivexget(system, viostor, "Group") == "SCSI miniport");
  BOOST_TEST(hivexget(system, viostor, "ImagePath") == "system32\\drivers\\viostor.sys");
  const std::string cdd = "ControlSet001\\Control\\CriticalDeviceDatabase\\";
  BOOST_TEST(hivexget(system, cdd + "pci#ven_1af4&dev_1001&subsys_00021af4&rev_00", "Service") == "viostor");
  BOOST_TEST(hivexget(system, cdd + "pci#ven_1af4&dev_1042&subsys_11001af4&rev_01", "Service") == "viostor");
  BOOST_TEST(hivexget(system, cdd + "pci#ven_1af4&dev_1001&subsys_00021af4&rev_00", "ClassGUID") ==
             "{4D36E97B-E325-11CE-BFC1-08002BE10318}");
  BOOST_TEST(hivexget(system, cdd + "pci#ven_1af4&dev_1048&subsys_11001af4&rev_01", "Service") == "vioscsi");
  BOOST_TEST(hive_has_key(system, "DriverDatabase\\DeviceIds\\PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00"));
  BOOST_TEST(hivexget(system, "ControlSet001\\Services\\netkvm", "Start") == "3");
  BOOST_TEST(hivexget(system, "ControlSet001\\Services\\netkvm", "Group") == "NDIS");
  BOOST_TEST(hivexget(system, "ControlSet001\\Services\\VMTools", "Start") == "4");
  BOOST_TEST(hivexget(system, "ControlSet001\\Services\\vmci", "Start") == "4");
  BOOST_TEST(hivexget(system, "ControlSet001\\Services\\pvscsi", "Start") == "0");
  BOOST_TEST(hivexget(system, "ControlSet002\\Services\\VMTools", "Start") == "2");
  BOOST_TEST(hivexget(dir / "SOFTWARE", "Microsoft\\Windows\\CurrentVersion", "DevicePath") ==
             "%SystemRoot%\\inf;%SystemRoot%\\Drivers\\VirtIO");

  // The report says what the domain can use and what was done.
  BOOST_TEST(report.disk_bus == "virtio");
  BOOST_TEST(report.nic_model == "virtio");
  BOOST_TEST(find_fix(report, "windows-driver", "/Windows/System32/Drivers/viostor.sys") != nullptr);
  BOOST_TEST(find_fix(report, "windows-driver", "/Windows/Drivers/VirtIO/viostor.inf") != nullptr);
  const auto* start = find_fix(report, "registry", "HKLM\\SYSTEM\\ControlSet001\\Services\\viostor", "Start = ");
  BOOST_TEST_REQUIRE(start != nullptr);
  BOOST_TEST(start->before == "");
  BOOST_TEST(start->after == "Start = REG_DWORD 0x0 (0)");
  const auto* tools = find_fix(report, "vmware-tools", "HKLM\\SYSTEM\\ControlSet001\\Services\\VMTools");
  BOOST_TEST_REQUIRE(tools != nullptr);
  BOOST_TEST(tools->before == "Start = REG_DWORD 0x2 (2)");
  BOOST_TEST(tools->after == "Start = REG_DWORD 0x4 (4)");
  const auto* device_path =
      find_fix(report, "registry", "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion", "DevicePath = ");
  BOOST_TEST_REQUIRE(device_path != nullptr);
  BOOST_TEST(device_path->before == "DevicePath = REG_EXPAND_SZ \"%SystemRoot%\\inf\"");
  BOOST_TEST(has_warning(report, "VMware Tools cannot be uninstalled offline"));
  BOOST_TEST(!has_warning(report, "SATA"));
}

BOOST_AUTO_TEST_SUITE_END()

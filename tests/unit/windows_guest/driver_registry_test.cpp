// Registry edits for virtio drivers and VMware Tools, on SYSTEM / SOFTWARE hives
// built from tests/data/windows_guest/*.reg (a Windows Server 2019 shape).
// Results are read back with hivexget / hivexregedit, not with our wrapper.
#include <algorithm>

#include "engine/guest/windows/driver_registry.hpp"
#include "engine/guest/windows/registry_editor.hpp"
#include "engine/guest/windows/registry_hive.hpp"
#include "engine/guest/windows/vmware_tools.hpp"
#include "windows_test_support.hpp"

using namespace h2k;
using namespace h2k::windows;
using namespace h2k::windows_guest_test;

namespace {

struct SystemHive {
  ScratchDir dir;
  fs::path path = dir / "SYSTEM";
  SystemHive() { make_hive(path, data_dir() / "system.reg", "HKEY_LOCAL_MACHINE\\SYSTEM"); }
};

struct SoftwareHive {
  ScratchDir dir;
  fs::path path = dir / "SOFTWARE";
  SoftwareHive() { make_hive(path, data_dir() / "software.reg", "HKEY_LOCAL_MACHINE\\SOFTWARE"); }
};

const RegistryChange* find_change(const RegistryEditor& e, const std::string& key, const std::string& value) {
  for (const auto& c : e.changes())
    if (c.key == key && c.value == value) return &c;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(driver_registry)

BOOST_AUTO_TEST_CASE(current_control_set_follows_select_current) {
  SystemHive sys;
  RegistryHive hive(sys.path, RegistryHive::Mode::ReadWrite, "/Windows/System32/config/SYSTEM");
  BOOST_TEST(current_control_set(hive) == "ControlSet001");
  // After a "last known good" boot Windows may run from another set.
  hive.set_dword(*hive.find("Select"), "Current", 2);
  BOOST_TEST(current_control_set(hive) == "ControlSet002");
}

BOOST_AUTO_TEST_CASE(current_control_set_errors_name_the_hive) {
  SystemHive sys;
  RegistryHive hive(sys.path, RegistryHive::Mode::ReadWrite, "/Windows/System32/config/SYSTEM");
  hive.set_dword(*hive.find("Select"), "Current", 3);   // ControlSet003 does not exist
  try {
    current_control_set(hive);
    BOOST_FAIL("a missing control set must be an error");
  } catch (const ConversionError& e) {
    BOOST_TEST(e.kind() == ErrorKind::GuestFix);
    BOOST_TEST(e.file() == "/Windows/System32/config/SYSTEM");
    BOOST_TEST(e.reason().find("ControlSet003") != std::string::npos, e.reason());
  }
  ScratchDir dir;
  write_empty_hive(dir / "EMPTY");
  RegistryHive empty(dir / "EMPTY", RegistryHive::Mode::ReadOnly, "EMPTY");
  BOOST_CHECK_THROW(current_control_set(empty), ConversionError);
}

BOOST_AUTO_TEST_CASE(viostor_is_registered_as_a_boot_start_miniport) {
  SystemHive sys;
  {
    RegistryHive hive(sys.path, RegistryHive::Mode::ReadWrite);
    RegistryEditor editor(hive, "HKLM\\SYSTEM");
    register_boot_storage_driver(editor, "ControlSet001", "viostor");
    hive.commit();

    const auto* start = find_change(editor, "HKLM\\SYSTEM\\ControlSet001\\Services\\viostor", "Start");
    BOOST_TEST_REQUIRE(start != nullptr);
    BOOST_TEST(start->before == "");   // new value
    BOOST_TEST(start->after == "REG_DWORD 0x0 (0)");
  }
  const std::string svc = "ControlSet001\\Services\\viostor";
  BOOST_TEST(hivexget(sys.path, svc, "Start") == "0");
  BOOST_TEST(hivexget(sys.path, svc, "Type") == "1");
  BOOST_TEST(hivexget(sys.path, svc, "ErrorControl") == "1");
  BOOST_TEST(hivexget(sys.path, svc, "Group") == "SCSI miniport");
  BOOST_TEST(hivexget(sys.path, svc, "ImagePath") == "system32\\drivers\\viostor.sys");
  // REG_EXPAND_SZ (type 2), as Windows writes ImagePath.
  BOOST_TEST(hive_export(sys.path, svc).find("\"ImagePath\"=hex(2):73,00,79,00") != std::string::npos);

  for (const std::string id : {"pci#ven_1af4&dev_1001&subsys_00021af4&rev_00",
                               "pci#ven_1af4&dev_1042&subsys_11001af4&rev_01", "pci#ven_1af4&dev_1001&rev_00"}) {
    const std::string key = "ControlSet001\\Control\\CriticalDeviceDatabase\\" + id;
    BOOST_TEST(hivexget(sys.path, key, "Service") == "viostor", key);
    BOOST_TEST(hivexget(sys.path, key, "ClassGUID") == "{4D36E97B-E325-11CE-BFC1-08002BE10318}", key);
  }
  // The hive has a DriverDatabase (Windows 8+), which replaced the
  // CriticalDeviceDatabase: the PCI ids must be bound there as well.
  BOOST_TEST(hive_has_key(sys.path, "DriverDatabase\\DeviceIds\\PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00"));
  BOOST_TEST(hive_export(sys.path, "DriverDatabase\\DeviceIds\\PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01")
                 .find("\"h2k-viostor.inf\"=hex(3):01,ff,00,00") != std::string::npos);
  BOOST_TEST(hivexget(sys.path, "DriverDatabase\\DriverPackages\\h2k-viostor.inf_h2k\\Configurations\\h2k_viostor_boot",
                      "Service") == "viostor");
  // The .inf's default value lists its package (REG_MULTI_SZ, written as "@").
  BOOST_TEST(hive_export(sys.path, "DriverDatabase\\DriverInfFiles\\h2k-viostor.inf")
                 .find("@=" + reg_hex(7, ascii_utf16le("h2k-viostor.inf_h2k") + std::string(4, '\0'))) !=
             std::string::npos);
  // Version blob carries the SCSI adapter class GUID in binary form.
  BOOST_TEST(hive_export(sys.path, "DriverDatabase\\DriverPackages\\h2k-viostor.inf_h2k")
                 .find("7b,e9,36,4d,25,e3,ce,11,bf,c1,08,00,2b,e1,03,18") != std::string::npos);
  // Only the current control set is touched.
  BOOST_TEST(!hive_has_key(sys.path, "ControlSet002\\Services\\viostor"));
}

BOOST_AUTO_TEST_CASE(vioscsi_uses_its_own_pci_ids) {
  SystemHive sys;
  {
    RegistryHive hive(sys.path, RegistryHive::Mode::ReadWrite);
    RegistryEditor editor(hive, "HKLM\\SYSTEM");
    register_boot_storage_driver(editor, "ControlSet001", "vioscsi");
    hive.commit();
  }
  BOOST_TEST(hivexget(sys.path, "ControlSet001\\Services\\vioscsi", "ImagePath") == "system32\\drivers\\vioscsi.sys");
  BOOST_TEST(hivexget(sys.path, "ControlSet001\\Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1004&subsys_00081af4&rev_00",
                      "Service") == "vioscsi");
  BOOST_TEST(hivexget(sys.path, "ControlSet001\\Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1048&subsys_11001af4&rev_01",
                      "Service") == "vioscsi");
  BOOST_TEST(!hive_has_key(sys.path, "ControlSet001\\Services\\viostor"));
}

BOOST_AUTO_TEST_CASE(windows_7_hives_get_no_driver_database) {
  // A pre-Windows-8 SYSTEM hive: no DriverDatabase key; the CDD is what counts.
  ScratchDir dir;
  write_file(dir / "w7.reg",
             "Windows Registry Editor Version 5.00\n\n"
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n\"Current\"=dword:00000001\n\n"
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001]\n\n"
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services]\n\n");
  make_hive(dir / "SYSTEM", dir / "w7.reg", "HKEY_LOCAL_MACHINE\\SYSTEM");
  {
    RegistryHive hive(dir / "SYSTEM", RegistryHive::Mode::ReadWrite);
    RegistryEditor editor(hive, "HKLM\\SYSTEM");
    register_boot_storage_driver(editor, current_control_set(hive), "viostor");
    hive.commit();
  }
  BOOST_TEST(hivexget(dir / "SYSTEM", "ControlSet001\\Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1001&subsys_00021af4&rev_00",
                      "Service") == "viostor");
  BOOST_TEST(!hive_has_key(dir / "SYSTEM", "DriverDatabase"));
}

BOOST_AUTO_TEST_CASE(registering_twice_changes_nothing_the_second_time) {
  SystemHive sys;
  RegistryHive hive(sys.path, RegistryHive::Mode::ReadWrite);
  RegistryEditor first(hive, "HKLM\\SYSTEM");
  register_boot_storage_driver(first, "ControlSet001", "viostor");
  register_network_driver(first, "ControlSet001", "netkvm");
  BOOST_TEST(first.changes().size() > 10u);
  RegistryEditor second(hive, "HKLM\\SYSTEM");
  register_boot_storage_driver(second, "ControlSet001", "viostor");
  register_network_driver(second, "ControlSet001", "netkvm");
  BOOST_TEST(second.changes().empty());
}

BOOST_AUTO_TEST_CASE(existing_service_values_are_recorded_with_their_old_value) {
  SystemHive sys;
  RegistryHive hive(sys.path, RegistryHive::Mode::ReadWrite);
  hive.set_dword(hive.ensure("ControlSet001\\Services\\viostor"), "Start", 3);   // a demand-start leftover
  RegistryEditor editor(hive, "HKLM\\SYSTEM");
  register_boot_storage_driver(editor, "ControlSet001", "viostor");
  const auto* start = find_change(editor, "HKLM\\SYSTEM\\ControlSet001\\Services\\viostor", "Start");
  BOOST_TEST_REQUIRE(start != nullptr);
  BOOST_TEST(start->before == "REG_DWORD 0x3 (3)");
  BOOST_TEST(start->after == "REG_DWORD 0x0 (0)");
}

BOOST_AUTO_TEST_CASE(unknown_storage_driver_is_rejected_before_any_edit) {
  SystemHive sys;
  RegistryHive hive(sys.path, RegistryHive::Mode::ReadWrite);
  RegistryEditor editor(hive, "HKLM\\SYSTEM");
  BOOST_CHECK_THROW(register_boot_storage_driver(editor, "ControlSet001", "pvscsi"), std::invalid_argument);
  BOOST_TEST(editor.changes().empty());
}

BOOST_AUTO_TEST_CASE(netkvm_is_a_demand_start_ndis_driver) {
  SystemHive sys;
  {
    RegistryHive hive(sys.path, RegistryHive::Mode::ReadWrite);
    RegistryEditor editor(hive, "HKLM\\SYSTEM");
    register_network_driver(editor, "ControlSet001", "netkvm");
    hive.commit();
  }
  BOOST_TEST(hivexget(sys.path, "ControlSet001\\Services\\netkvm", "Start") == "3");
  BOOST_TEST(hivexget(sys.path, "ControlSet001\\Services\\netkvm", "Group") == "NDIS");
  BOOST_TEST(hivexget(sys.path, "ControlSet001\\Services\\netkvm", "ImagePath") == "system32\\drivers\\netkvm.sys");
}

BOOST_AUTO_TEST_CASE(driver_folder_is_appended_to_device_path_once) {
  SoftwareHive sw;
  {
    RegistryHive hive(sw.path, RegistryHive::Mode::ReadWrite);
    RegistryEditor editor(hive, "HKLM\\SOFTWARE");
    BOOST_TEST(add_driver_search_folder(editor, "%SystemRoot%\\Drivers\\VirtIO"));
    BOOST_TEST(!add_driver_search_folder(editor, "%SystemRoot%\\Drivers\\VirtIO"));
    // Windows paths are case-insensitive: no second entry either.
    BOOST_TEST(!add_driver_search_folder(editor, "%systemroot%\\drivers\\virtio"));
    BOOST_TEST(editor.changes().size() == 1u);
    BOOST_TEST(editor.changes().front().key == "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion");
    BOOST_TEST(editor.changes().front().before == "REG_EXPAND_SZ \"%SystemRoot%\\inf\"");
    hive.commit();
  }
  BOOST_TEST(hivexget(sw.path, "Microsoft\\Windows\\CurrentVersion", "DevicePath") ==
             "%SystemRoot%\\inf;%SystemRoot%\\Drivers\\VirtIO");
  // Other values under the key are kept.
  BOOST_TEST(hivexget(sw.path, "Microsoft\\Windows\\CurrentVersion", "ProgramFilesDir") == "C:\\Program Files");
}

BOOST_AUTO_TEST_CASE(missing_device_path_starts_from_the_windows_default) {
  ScratchDir dir;
  write_empty_hive(dir / "SOFTWARE");
  {
    RegistryHive hive(dir / "SOFTWARE", RegistryHive::Mode::ReadWrite);
    RegistryEditor editor(hive, "HKLM\\SOFTWARE");
    BOOST_TEST(add_driver_search_folder(editor, "%SystemRoot%\\Drivers\\VirtIO"));
    hive.commit();
  }
  BOOST_TEST(hivexget(dir / "SOFTWARE", "Microsoft\\Windows\\CurrentVersion", "DevicePath") ==
             "%SystemRoot%\\inf;%SystemRoot%\\Drivers\\VirtIO");
}

BOOST_AUTO_TEST_CASE(vmware_tools_services_are_disabled_and_filters_unhooked) {
  SystemHive sys;
  std::vector<std::string> disabled;
  {
    RegistryHive hive(sys.path, RegistryHive::Mode::ReadWrite);
    RegistryEditor editor(hive, "HKLM\\SYSTEM");
    disabled = disable_vmware_tools(editor, "ControlSet001");
    hive.commit();
    const auto* tools = find_change(editor, "HKLM\\SYSTEM\\ControlSet001\\Services\\VMTools", "Start");
    BOOST_TEST_REQUIRE(tools != nullptr);
    BOOST_TEST(tools->before == "REG_DWORD 0x2 (2)");
    BOOST_TEST(tools->after == "REG_DWORD 0x4 (4)");
  }
  std::sort(disabled.begin(), disabled.end());
  BOOST_TEST(disabled == (std::vector<std::string>{"VMTools", "vm3dmp", "vmci", "vmmouse"}),
             boost::test_tools::per_element());
  for (const std::string svc : {"VMTools", "vmci", "vmmouse", "vm3dmp"})
    BOOST_TEST(hivexget(sys.path, "ControlSet001\\Services\\" + svc, "Start") == "4", svc);
  // Not VMware Tools: left alone (pvscsi never loads on KVM anyway).
  BOOST_TEST(hivexget(sys.path, "ControlSet001\\Services\\pvscsi", "Start") == "0");
  BOOST_TEST(hivexget(sys.path, "ControlSet001\\Services\\mouclass", "Start") == "1");
  // The mouse class keeps mouclass but no longer loads the disabled vmmouse filter.
  const std::string mouse = hive_export(sys.path, "ControlSet001\\Control\\Class\\{4D36E96F-E325-11CE-BFC1-08002BE10318}");
  BOOST_TEST(mouse.find("\"UpperFilters\"=" + reg_hex(7, ascii_utf16le("mouclass") + std::string(4, '\0'))) !=
             std::string::npos, mouse);
  BOOST_TEST(hive_export(sys.path, "ControlSet001\\Control\\Class\\{4D36E96B-E325-11CE-BFC1-08002BE10318}")
                 .find(reg_hex(7, ascii_utf16le("kbdclass") + std::string(4, '\0'))) != std::string::npos);
  // The other control set is not the one Windows boots: untouched.
  BOOST_TEST(hivexget(sys.path, "ControlSet002\\Services\\VMTools", "Start") == "2");
}

BOOST_AUTO_TEST_SUITE_END()

// The guest-fix report and options cross a process boundary as JSON (parent
// <-> isolated child) and end up in the conversion report: every field must
// survive the trip, and bad input must be rejected by name.
#include <boost/test/unit_test.hpp>

#include "engine/core/error.hpp"
#include "engine/guest/guest_fix.hpp"

using namespace h2k;

BOOST_AUTO_TEST_SUITE(guest_fix_json)

BOOST_AUTO_TEST_CASE(report_round_trips_every_field) {
  GuestFixReport r;
  r.inspection.found_os = true;
  r.inspection.os_type = "linux";
  r.inspection.distro = "debian";
  r.inspection.product_name = "Debian GNU/Linux 12 (bookworm)";
  r.inspection.major_version = 12;
  r.inspection.minor_version = 4;
  r.inspection.arch = "x86_64";
  r.inspection.root_device = "/dev/sda1";
  r.inspection.package_format = "deb";
  r.inspection.hostname = "web01";
  r.inspection.firmware = Firmware::Efi;
  r.inspection.kernels = {"6.1.0-18-amd64", "6.1.0-21-amd64"};
  r.inspection.filesystems = {{"/dev/sda1", "ext4", "0b3e-uuid", "root", "/"}, {"/dev/sda2", "swap", "5c1d", "", ""}};
  r.fixes = {{"fstab", "/etc/fstab", "/dev/sda1 / ext4 defaults 0 1", "UUID=0b3e-uuid / ext4 defaults 0 1", "n"}};
  r.warnings = {"cannot resolve /dev/disk/by-path/x: left as is"};
  r.fixes_applied = true;
  r.skip_reason = "";
  r.disk_bus = "sata";
  r.nic_model = "e1000e";
  r.inspect_seconds = 31.5;
  r.fix_seconds = 140.25;

  GuestFixReport back = guest_fix_report_from_json(nlohmann::json::parse(to_json(r).dump()));
  BOOST_TEST(back.inspection.found_os);
  BOOST_TEST(back.inspection.os_type == "linux");
  BOOST_TEST(back.inspection.distro == "debian");
  BOOST_TEST(back.inspection.product_name == r.inspection.product_name);
  BOOST_TEST(back.inspection.major_version == 12);
  BOOST_TEST(back.inspection.minor_version == 4);
  BOOST_TEST(back.inspection.arch == "x86_64");
  BOOST_TEST(back.inspection.root_device == "/dev/sda1");
  BOOST_TEST(back.inspection.package_format == "deb");
  BOOST_TEST(back.inspection.hostname == "web01");
  BOOST_TEST((back.inspection.firmware == Firmware::Efi));
  BOOST_TEST(back.inspection.kernels == r.inspection.kernels, boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(back.inspection.filesystems.size(), 2u);
  BOOST_TEST(back.inspection.filesystems[0].uuid == "0b3e-uuid");
  BOOST_TEST(back.inspection.filesystems[0].label == "root");
  BOOST_TEST(back.inspection.filesystems[0].mountpoint == "/");
  BOOST_TEST(back.inspection.filesystems[1].type == "swap");
  BOOST_REQUIRE_EQUAL(back.fixes.size(), 1u);
  BOOST_TEST(back.fixes[0].action == "fstab");
  BOOST_TEST(back.fixes[0].file == "/etc/fstab");
  BOOST_TEST(back.fixes[0].before == r.fixes[0].before);
  BOOST_TEST(back.fixes[0].after == r.fixes[0].after);
  BOOST_TEST(back.fixes[0].note == "n");
  BOOST_TEST(back.warnings == r.warnings, boost::test_tools::per_element());
  BOOST_TEST(back.fixes_applied);
  BOOST_TEST(back.disk_bus == "sata");
  BOOST_TEST(back.nic_model == "e1000e");
  BOOST_TEST(back.inspect_seconds == 31.5);
  BOOST_TEST(back.fix_seconds == 140.25);
}

BOOST_AUTO_TEST_CASE(options_round_trip_every_field) {
  GuestFixOptions o;
  o.enabled = false;
  o.vmware_tools = VmwareToolsAction::Disable;
  o.rebuild_initramfs = false;
  o.virtio_win_dir = "/usr/share/virtio-win";
  o.windows_requires_virtio_win = true;
  o.nics = {{"00:50:56:aa:bb:01", "vmxnet3", "VM Network"}, {"00:50:56:aa:bb:02", "e1000", "Backup"}};
  o.guestfs.backend = "libvirt";
  o.guestfs.backend_settings = "force_kvm,foo=bar";
  o.guestfs.launch_timeout_s = 42;
  o.guestfs.memsize_mib = 2048;
  o.guestfs.smp = 2;
  o.guestfs.cachedir = "/var/cache/h2k-guestfs";

  GuestFixOptions back = guest_fix_options_from_json(nlohmann::json::parse(to_json(o).dump()));
  BOOST_TEST(!back.enabled);
  BOOST_TEST((back.vmware_tools == VmwareToolsAction::Disable));
  BOOST_TEST(!back.rebuild_initramfs);
  BOOST_TEST(back.virtio_win_dir == o.virtio_win_dir);
  BOOST_TEST(back.windows_requires_virtio_win);
  BOOST_REQUIRE_EQUAL(back.nics.size(), 2u);
  BOOST_TEST(back.nics[1].mac == "00:50:56:aa:bb:02");
  BOOST_TEST(back.nics[1].model == "e1000");
  BOOST_TEST(back.nics[1].network == "Backup");
  BOOST_TEST(back.guestfs.backend == "libvirt");
  BOOST_TEST(back.guestfs.backend_settings == "force_kvm,foo=bar");
  BOOST_TEST(back.guestfs.launch_timeout_s == 42);
  BOOST_TEST(back.guestfs.memsize_mib == 2048);
  BOOST_TEST(back.guestfs.smp == 2);
  BOOST_TEST(back.guestfs.cachedir == "/var/cache/h2k-guestfs");
}

BOOST_AUTO_TEST_CASE(missing_option_fields_keep_the_safe_defaults) {
  // A request that names only one option must not silently lose force_tcg or
  // the launch deadline, which keep a broken-KVM host from hanging.
  GuestFixOptions o = guest_fix_options_from_json(nlohmann::json::parse(R"({"rebuild_initramfs": false})"));
  BOOST_TEST(!o.rebuild_initramfs);
  BOOST_TEST(o.enabled);
  BOOST_TEST((o.vmware_tools == VmwareToolsAction::Remove));
  BOOST_TEST(o.guestfs.backend == "direct");
  BOOST_TEST(o.guestfs.backend_settings == "force_tcg");
  BOOST_TEST(o.guestfs.launch_timeout_s == 600);
  BOOST_TEST(!o.windows_requires_virtio_win);  // one host keeps a Windows guest on emulated devices
}

BOOST_AUTO_TEST_CASE(unknown_vmware_tools_action_is_rejected_by_name) {
  try {
    guest_fix_options_from_json(nlohmann::json::parse(R"({"vmware_tools": "uninstall"})"));
    BOOST_FAIL("an unknown vmware_tools action was accepted");
  } catch (const ConversionError& e) {
    BOOST_TEST((e.kind() == ErrorKind::InvalidInput));
    BOOST_TEST(e.reason().find("uninstall") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(wrongly_typed_field_is_an_error_naming_the_field) {
  try {
    guest_fix_options_from_json(nlohmann::json::parse(R"({"guestfs": {"launch_timeout_s": "soon"}})"));
    BOOST_FAIL("a string launch timeout was accepted");
  } catch (const ConversionError& e) {
    BOOST_TEST((e.kind() == ErrorKind::InvalidInput));
    BOOST_TEST(e.reason().find("launch_timeout_s") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(vmware_tools_action_names) {
  BOOST_TEST(std::string(to_string(VmwareToolsAction::Keep)) == "keep");
  BOOST_TEST(std::string(to_string(VmwareToolsAction::Disable)) == "disable");
  BOOST_TEST(std::string(to_string(VmwareToolsAction::Remove)) == "remove");
}

BOOST_AUTO_TEST_SUITE_END()

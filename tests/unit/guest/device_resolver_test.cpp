// The device resolver decides which UUID replaces /dev/sda1 in a guest's
// fstab and kernel command line. A wrong answer makes the guest mount the
// wrong filesystem, so besides the mappings it must get right, these tests pin
// down that it refuses to answer whenever the answer would be a guess.
#include <boost/test/unit_test.hpp>

#include "engine/guest/device_resolver.hpp"

using namespace h2k;

namespace {

// Two disks as the appliance sees them: sda (root, swap), sdb (data, second swap).
ApplianceDevices two_disks() {
  ApplianceDevices d;
  d.devices = {"/dev/sda", "/dev/sdb"};
  d.partitions = {"/dev/sda1", "/dev/sda2", "/dev/sdb1"};
  d.mountpoints = {{"/", "/dev/sda1"}, {"/srv", "/dev/sdb1"}};
  d.filesystems = {{"/dev/sda1", "ext4", "uuid-root", "", "/"},
                   {"/dev/sda2", "swap", "uuid-swap", "", ""},
                   {"/dev/sdb1", "xfs", "uuid-data", "", "/srv"}};
  return d;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(device_resolver)

BOOST_AUTO_TEST_CASE(guest_kernel_names_map_by_disk_index_whatever_the_bus_prefix) {
  auto d = two_disks();
  BOOST_TEST(appliance_device_for_guest_name("/dev/sda1", d).value_or("") == "/dev/sda1");
  BOOST_TEST(appliance_device_for_guest_name("/dev/hda1", d).value_or("") == "/dev/sda1");   // IDE guest
  BOOST_TEST(appliance_device_for_guest_name("/dev/xvdb1", d).value_or("") == "/dev/sdb1");  // Xen guest
  BOOST_TEST(appliance_device_for_guest_name("/dev/vdb1", d).value_or("") == "/dev/sdb1");
  BOOST_TEST(appliance_device_for_guest_name("/dev/sdb", d).value_or("") == "/dev/sdb");     // whole disk
}

BOOST_AUTO_TEST_CASE(names_the_appliance_does_not_have_do_not_map) {
  auto d = two_disks();
  BOOST_TEST(!appliance_device_for_guest_name("/dev/sdc1", d));   // third disk: not converted
  BOOST_TEST(!appliance_device_for_guest_name("/dev/sda7", d));   // no such partition
  BOOST_TEST(!appliance_device_for_guest_name("/dev/mapper/vg-root", d));
  BOOST_TEST(!appliance_device_for_guest_name("UUID=uuid-root", d));
}

BOOST_AUTO_TEST_CASE(disk_letters_beyond_z_are_counted_like_the_kernel_does) {
  ApplianceDevices d;
  for (char c = 'a'; c <= 'z'; ++c) d.devices.push_back(std::string("/dev/sd") + c);
  d.devices.push_back("/dev/sdaa");
  d.partitions = {"/dev/sdaa1"};
  BOOST_TEST(appliance_device_for_guest_name("/dev/sdaa1", d).value_or("") == "/dev/sdaa1");
}

BOOST_AUTO_TEST_CASE(nvme_style_appliance_disks_get_a_p_before_the_partition) {
  ApplianceDevices d;
  d.devices = {"/dev/nvme0n1"};
  d.partitions = {"/dev/nvme0n1p2"};
  BOOST_TEST(appliance_device_for_guest_name("/dev/sda2", d).value_or("") == "/dev/nvme0n1p2");
}

BOOST_AUTO_TEST_CASE(resolver_returns_the_filesystem_uuid) {
  auto resolve = make_device_resolver(two_disks());
  BOOST_TEST(resolve("/dev/sda1", "/").value_or("") == "uuid-root");
  BOOST_TEST(resolve("/dev/sdb1", "/srv").value_or("") == "uuid-data");
  BOOST_TEST(resolve("/dev/sda2", "swap").value_or("") == "uuid-swap");
  BOOST_TEST(resolve("/dev/sda1", "").value_or("") == "uuid-root");   // root= without known mountpoint
}

BOOST_AUTO_TEST_CASE(by_id_and_by_path_resolve_through_the_mountpoint) {
  auto resolve = make_device_resolver(two_disks());
  BOOST_TEST(resolve("/dev/disk/by-id/scsi-36000c29a1b2c3d4e5f-part1", "/").value_or("") == "uuid-root");
  BOOST_TEST(resolve("/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part1", "/srv").value_or("") == "uuid-data");
  BOOST_TEST(resolve("/dev/cciss/c0d0p1", "/").value_or("") == "uuid-root");
  // Without a mountpoint a by-id name cannot be tied to a filesystem.
  BOOST_TEST(!resolve("/dev/disk/by-id/scsi-36000c29a1b2c3d4e5f-part1", ""));
}

BOOST_AUTO_TEST_CASE(swap_by_id_resolves_only_when_there_is_exactly_one_swap) {
  auto one = two_disks();
  BOOST_TEST(make_device_resolver(one)("/dev/disk/by-id/wwn-0x5000-part2", "swap").value_or("") == "uuid-swap");

  auto two = two_disks();
  two.partitions.push_back("/dev/sdb2");
  two.filesystems.push_back({"/dev/sdb2", "swap", "uuid-swap2", "", ""});
  auto resolve = make_device_resolver(two);
  BOOST_TEST(!resolve("/dev/disk/by-id/wwn-0x5000-part2", "swap"));   // which one? do not guess
  BOOST_TEST(resolve("/dev/sdb2", "swap").value_or("") == "uuid-swap2");   // the name itself is unambiguous
}

BOOST_AUTO_TEST_CASE(a_name_that_contradicts_the_mountpoint_is_not_resolved) {
  auto resolve = make_device_resolver(two_disks());
  // fstab says / is on sda1; a root=/dev/sdb1 elsewhere cannot both be true.
  BOOST_TEST(!resolve("/dev/sdb1", "/"));
  // A swap entry naming the root filesystem's partition.
  BOOST_TEST(!resolve("/dev/sda1", "swap"));
}

BOOST_AUTO_TEST_CASE(filesystem_without_uuid_is_not_resolved) {
  auto d = two_disks();
  d.filesystems[2].uuid = "";
  BOOST_TEST(!make_device_resolver(d)("/dev/sdb1", "/srv"));
}

BOOST_AUTO_TEST_SUITE_END()

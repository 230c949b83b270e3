#include <boost/test/unit_test.hpp>

#include "engine/guest/linux/rewriters.hpp"

using h2k::linux_guest::is_unstable_device_spec;

BOOST_AUTO_TEST_SUITE(device_spec)

BOOST_AUTO_TEST_CASE(kernel_disk_names_that_change_on_virtio_are_unstable) {
  for (const char* spec : {"/dev/sda", "/dev/sda1", "/dev/sdb12", "/dev/sdaa3", "/dev/hda1", "/dev/hdc",
                           "/dev/xvda2", "/dev/cciss/c0d0p1", "/dev/nvme0n1p2"})
    BOOST_TEST(is_unstable_device_spec(spec), spec);
}

BOOST_AUTO_TEST_CASE(hardware_paths_and_vmware_serials_are_unstable) {
  for (const char* spec : {"/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part2",
                           "/dev/disk/by-id/scsi-36000c29a1b2c3d4e5f60718293a4b5c6-part1",
                           "/dev/disk/by-id/wwn-0x6000c29a1b2c3d4e5f60718293a4b5c6-part1",
                           "/dev/disk/by-id/ata-VMware_Virtual_SATA_Hard_Drive_00000000000000000001-part1"})
    BOOST_TEST(is_unstable_device_spec(spec), spec);
}

BOOST_AUTO_TEST_CASE(filesystem_ids_volume_managers_and_virtio_names_are_stable) {
  for (const char* spec : {"UUID=0c5a5a4e-1111-4000-8000-000000000001", "LABEL=/", "PARTUUID=5d0f9c2a-01",
                           "PARTLABEL=root", "/dev/vda1", "/dev/mapper/rhel-root", "/dev/rhel/root", "/dev/md0",
                           "/dev/md/boot", "/dev/disk/by-uuid/0c5a5a4e-1111-4000-8000-000000000001",
                           "/dev/disk/by-label/root", "/dev/disk/by-id/dm-name-rhel-root",
                           "/dev/disk/by-id/md-uuid-1a2b3c4d:5e6f7a8b:9c0d1e2f:3a4b5c6d",
                           "/dev/disk/by-id/lvm-pv-uuid-Xr4dGf-1aBc-2DeF-3gHi-4JkL-5mNo-6PqRsT"})
    BOOST_TEST(!is_unstable_device_spec(spec), spec);
}

BOOST_AUTO_TEST_CASE(pseudo_and_network_filesystems_and_the_cd_drive_are_left_alone) {
  for (const char* spec : {"tmpfs", "proc", "none", "sysfs", "devpts", "nas01.example.com:/export/backup",
                           "//fileserver/share", "/dev/sr0", "/dev/shm", "/dev/sd", "/dev/sda1x", ""})
    BOOST_TEST(!is_unstable_device_spec(spec), spec);
}

BOOST_AUTO_TEST_SUITE_END()

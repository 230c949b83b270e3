// Guest device names resolved against the disks' own identities: every form
// an fstab, root= or crypttab line uses, on the layouts enterprise guests
// have (separate /boot, LVM root, two disks, GPT + ESP, md RAID, btrfs).
#include <boost/test/unit_test.hpp>

#include "engine/guest/block_devices.hpp"
#include "engine/guest/guest_mounts.hpp"

using namespace h2k;
using Kind = BlockDevice::Kind;

namespace {

BlockDevice disk(int index, const std::string& name) {
  BlockDevice d;
  d.kind = Kind::Disk;
  d.device = name;
  d.disk_index = index;
  return d;
}

BlockDevice part(int index, int num, const std::string& name, const std::string& type, const std::string& uuid,
                 const std::string& label = "", const std::string& partuuid = "", const std::string& partlabel = "") {
  BlockDevice d;
  d.kind = Kind::Partition;
  d.device = name;
  d.disk_index = index;
  d.partition = num;
  d.fs_type = type;
  d.fs_uuid = uuid;
  d.fs_label = label;
  d.part_uuid = partuuid;
  d.part_label = partlabel;
  return d;
}

BlockDevice lv(const std::string& vg, const std::string& name, const std::string& type, const std::string& uuid) {
  BlockDevice d;
  d.kind = Kind::LogicalVolume;
  d.device = "/dev/" + vg + "/" + name;
  d.vg = vg;
  d.lv = name;
  d.fs_type = type;
  d.fs_uuid = uuid;
  d.vg_uuid = "VGUUID0123";
  d.lv_uuid = "LVUUID" + name;
  return d;
}

// RHEL-style: /dev/sda1 /boot, /dev/sda2 a PV holding vg_sys/root and vg_sys/swap;
// a second disk with /var (ext4, labelled) and a swap partition.
BlockDeviceTable enterprise_layout() {
  BlockDeviceTable t;
  t.disk_count = 2;
  t.devices = {disk(0, "/dev/sda"),
               disk(1, "/dev/sdb"),
               part(0, 1, "/dev/sda1", "ext4", "b00710b0-0000-4000-8000-000000000001", "boot", "4832b0a1-01"),
               part(0, 2, "/dev/sda2", "LVM2_member", "pv-uuid", "", "4832b0a1-02"),
               part(1, 1, "/dev/sdb1", "ext4", "7a700000-0000-4000-8000-000000000001", "h2k-var", "", "var"),
               part(1, 2, "/dev/sdb2", "swap", "5a5a0000-0000-4000-8000-000000000002", "h2k-swap"),
               lv("vg_sys", "root", "ext4", "2007f000-0000-4000-8000-000000000001"),
               lv("vg_sys", "swap", "swap", "5a5a0000-0000-4000-8000-000000000001"),
               lv("vg-data", "my-lv", "xfs", "da7a0000-0000-4000-8000-000000000001")};
  return t;
}

std::string resolved(const std::string& spec, const BlockDeviceTable& t, const std::string& fstype = "") {
  auto r = resolve_device_spec(spec, t, fstype);
  return r ? r.device->device : "ERROR: " + r.error;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(block_devices)

BOOST_AUTO_TEST_CASE(filesystem_and_partition_identities) {
  auto t = enterprise_layout();
  BOOST_TEST(resolved("UUID=b00710b0-0000-4000-8000-000000000001", t) == "/dev/sda1");
  BOOST_TEST(resolved("UUID=B00710B0-0000-4000-8000-000000000001", t) == "/dev/sda1");   // blkid is case-insensitive
  BOOST_TEST(resolved("/dev/disk/by-uuid/7a700000-0000-4000-8000-000000000001", t) == "/dev/sdb1");
  BOOST_TEST(resolved("LABEL=h2k-var", t) == "/dev/sdb1");
  BOOST_TEST(resolved("/dev/disk/by-label/h2k-swap", t) == "/dev/sdb2");
  BOOST_TEST(resolved("PARTUUID=4832b0a1-01", t) == "/dev/sda1");
  BOOST_TEST(resolved("/dev/disk/by-partuuid/4832B0A1-02", t) == "/dev/sda2");
  BOOST_TEST(resolved("PARTLABEL=var", t) == "/dev/sdb1");
  BOOST_TEST(resolved("/dev/disk/by-partlabel/var", t) == "/dev/sdb1");
}

BOOST_AUTO_TEST_CASE(kernel_names_count_disks_in_boot_order_whatever_the_bus_prefix) {
  auto t = enterprise_layout();
  BOOST_TEST(resolved("/dev/sda1", t) == "/dev/sda1");
  BOOST_TEST(resolved("/dev/sdb2", t) == "/dev/sdb2");
  BOOST_TEST(resolved("/dev/hdb1", t) == "/dev/sdb1");    // IDE guest
  BOOST_TEST(resolved("/dev/xvdb1", t) == "/dev/sdb1");   // Xen guest
  BOOST_TEST(resolved("/dev/vda1", t) == "/dev/sda1");
  BOOST_TEST(resolved("/dev/sdb", t) == "/dev/sdb");      // whole disk
  BOOST_TEST(resolved("/dev/nvme1n1p2", t) == "/dev/sdb2");
  BOOST_TEST(resolved("/dev/cciss/c0d1p1", t) == "/dev/sdb1");
  BOOST_TEST(resolved("/dev/sdc1", t).find("the VM has 2 disk(s)") != std::string::npos);
  BOOST_TEST(resolved("/dev/sda7", t).find("no partition 7") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lvm_names_in_every_spelling) {
  auto t = enterprise_layout();
  BOOST_TEST(resolved("/dev/mapper/vg_sys-root", t) == "/dev/vg_sys/root");
  BOOST_TEST(resolved("/dev/vg_sys/swap", t) == "/dev/vg_sys/swap");
  BOOST_TEST(resolved("/dev/mapper/vg--data-my--lv", t) == "/dev/vg-data/my-lv");   // dashes doubled
  BOOST_TEST(resolved("/dev/disk/by-id/dm-name-vg_sys-root", t) == "/dev/vg_sys/root");
  BOOST_TEST(resolved("/dev/disk/by-id/dm-uuid-LVM-VGUUID0123LVUUIDroot", t) == "/dev/vg_sys/root");
  BOOST_TEST(resolved("/dev/mapper/luks-1234", t).find("not an LVM volume") != std::string::npos);
  BOOST_TEST(resolved("/dev/dm-0", t).find("numbered by the kernel") != std::string::npos);
  BOOST_TEST(mapper_name("vg-data", "my-lv") == "/dev/mapper/vg--data-my--lv");
}

BOOST_AUTO_TEST_CASE(by_path_and_by_id_on_one_disk_take_the_partition_number) {
  BlockDeviceTable t;
  t.disk_count = 1;
  t.devices = {disk(0, "/dev/sda"), part(0, 1, "/dev/sda1", "ext4", "u1"), part(0, 2, "/dev/sda2", "LVM2_member", "")};
  BOOST_TEST(resolved("/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0-part1", t) == "/dev/sda1");
  BOOST_TEST(resolved("/dev/disk/by-id/ata-VMware_Virtual_SATA_Hard_Drive_00000000000000000001-part1", t) == "/dev/sda1");
  BOOST_TEST(resolved("/dev/disk/by-id/scsi-36000c29a1b2c3d4e5f60718293a4b5c6-part1", t) == "/dev/sda1");
  BOOST_TEST(resolved("/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0-part9", t).find("no partition 9") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(by_path_on_several_disks_uses_the_scsi_target_or_ata_port) {
  auto t = enterprise_layout();
  BOOST_TEST(resolved("/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part1", t, "ext4") == "/dev/sdb1");
  BOOST_TEST(resolved("/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0-part1", t, "ext4") == "/dev/sda1");
  BOOST_TEST(resolved("/dev/disk/by-path/pci-0000:00:1f.2-ata-2.0-part2", t, "swap") == "/dev/sdb2");
  BOOST_TEST(resolved("/dev/disk/by-path/pci-0000:00:1f.2-ata-1-part1", t, "ext4") == "/dev/sda1");
}

BOOST_AUTO_TEST_CASE(serial_names_on_several_disks_need_a_unique_filesystem_match) {
  auto t = enterprise_layout();
  // Partition 2 holds swap only on the second disk: that is the one.
  BOOST_TEST(resolved("/dev/disk/by-id/wwn-0x6000c29aaaa-part2", t, "swap") == "/dev/sdb2");
  // Partition 1 is ext4 on both disks: refusing beats guessing.
  auto r = resolve_device_spec("/dev/disk/by-id/wwn-0x6000c29aaaa-part1", t, "ext4");
  BOOST_TEST(!r);
  BOOST_TEST(r.error.find("2 disks could be meant") != std::string::npos);
  BOOST_TEST(r.error.find("UUID=") != std::string::npos);   // says what to do
}

BOOST_AUTO_TEST_CASE(duplicate_uuids_are_ambiguous_but_btrfs_members_are_one_filesystem) {
  BlockDeviceTable t;
  t.disk_count = 2;
  t.devices = {disk(0, "/dev/sda"), disk(1, "/dev/sdb"), part(0, 1, "/dev/sda1", "ext4", "same"),
               part(1, 1, "/dev/sdb1", "ext4", "same")};
  BOOST_TEST(resolved("UUID=same", t).find("ambiguous") != std::string::npos);
  t.devices[2].fs_type = t.devices[3].fs_type = "btrfs";
  BOOST_TEST(resolved("UUID=same", t) == "/dev/sda1");
}

BOOST_AUTO_TEST_CASE(md_arrays_by_name_number_and_uuid) {
  BlockDeviceTable t;
  t.disk_count = 2;
  BlockDevice md;
  md.kind = Kind::Raid;
  md.device = "/dev/md127";   // the appliance numbers it differently from the guest
  md.md_name = "web01:0";
  md.md_uuid = "a1b2c3d4:e5f60718:293a4b5c:6d7e8f90";
  md.fs_type = "ext4";
  md.fs_uuid = "md-fs";
  t.devices = {disk(0, "/dev/sda"), disk(1, "/dev/sdb"), md};
  BOOST_TEST(resolved("/dev/md0", t) == "/dev/md127");
  BOOST_TEST(resolved("/dev/md/0", t) == "/dev/md127");
  BOOST_TEST(resolved("/dev/disk/by-id/md-uuid-a1b2c3d4:e5f60718:293a4b5c:6d7e8f90", t) == "/dev/md127");
  BOOST_TEST(resolved("/dev/disk/by-id/md-name-web01:0", t) == "/dev/md127");
  BOOST_TEST(virtio_name(md) == "/dev/md/0");
}

BOOST_AUTO_TEST_CASE(stable_names_and_virtio_names) {
  auto t = enterprise_layout();
  BOOST_TEST(stable_spec_for(t.devices[2]) == "UUID=b00710b0-0000-4000-8000-000000000001");
  BOOST_TEST(stable_spec_for(t.devices[6]) == "/dev/mapper/vg_sys-root");
  BlockDevice no_fs = part(0, 3, "/dev/sda3", "", "", "", "4832b0a1-03");
  BOOST_TEST(stable_spec_for(no_fs) == "PARTUUID=4832b0a1-03");
  BOOST_TEST(virtio_name(t.devices[4]) == "/dev/vdb1");
  BOOST_TEST(virtio_name(t.devices[6]) == "/dev/mapper/vg_sys-root");
  for (const char* stable : {"UUID=x", "LABEL=x", "PARTUUID=x", "PARTLABEL=x", "/dev/mapper/vg-lv", "/dev/vg/lv",
                             "/dev/vda1", "/dev/md0", "/dev/disk/by-uuid/x", "/dev/disk/by-id/dm-name-vg-lv"})
    BOOST_TEST(is_stable_on_virtio(stable), stable);
  for (const char* unstable : {"/dev/sda1", "/dev/hda1", "/dev/xvda1", "/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0-part1",
                               "/dev/disk/by-id/ata-VMware_Virtual_SATA_Hard_Drive_01-part2", "/dev/dm-0",
                               "/dev/cciss/c0d0p1", "/dev/nvme0n1p1"})
    BOOST_TEST(!is_stable_on_virtio(unstable), unstable);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(mount_plan)

BOOST_AUTO_TEST_CASE(vmware_by_path_boot_and_lvm_root_are_planned_parents_first) {
  auto t = enterprise_layout();
  const std::string fstab =
      "# <file system> <mount point> <type> <options> <dump> <pass>\n"
      "/dev/mapper/vg_sys-root / ext4 errors=remount-ro 0 1\n"
      "/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0-part1 /boot ext4 defaults 0 2\n"
      "LABEL=h2k-var /var ext4 defaults 0 2\n"
      "/dev/vg_sys/swap none swap sw 0 0\n"
      "proc /proc proc defaults 0 0\n"
      "tmpfs /tmp tmpfs defaults 0 0\n"
      "/dev/sr0 /media/cdrom0 udf,iso9660 user,noauto 0 0\n"
      "nfs01:/export /srv/nfs nfs defaults 0 0\n";
  auto plan = plan_guest_mounts(linux_guest::parse_fstab(fstab), t);
  BOOST_REQUIRE_EQUAL(plan.entries.size(), 4u);   // proc, tmpfs, the CD and NFS are not on the VM's disks
  BOOST_TEST(plan.unresolved_required().empty());
  auto order = plan.mount_order();
  BOOST_REQUIRE_EQUAL(order.size(), 2u);
  BOOST_TEST(order[0]->entry.mountpoint == "/boot");
  BOOST_TEST(t.devices[*order[0]->device].device == "/dev/sda1");
  BOOST_TEST(order[1]->entry.mountpoint == "/var");
  BOOST_TEST(t.devices[*plan.at("/")->device].device == "/dev/vg_sys/root");
  BOOST_TEST(t.devices[*plan.at("swap")->device].device == "/dev/vg_sys/swap");

  auto resolve = make_stable_name_resolver(t, plan, "/dev/vg_sys/root");
  BOOST_TEST(resolve("/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0-part1", "/boot").value_or("") ==
             "UUID=b00710b0-0000-4000-8000-000000000001");
  BOOST_TEST(resolve("/dev/dm-0", "/").value_or("") == "/dev/mapper/vg_sys-root");   // by what is mounted there
  BOOST_TEST(resolve("/dev/sdb2", "swap").value_or("") == "UUID=5a5a0000-0000-4000-8000-000000000002");
  BOOST_TEST(!resolve("/dev/sdb1", "/boot"));   // names /var's disk for /boot: they disagree, no guess
}

BOOST_AUTO_TEST_CASE(a_required_mount_that_names_no_disk_is_reported_with_its_line) {
  auto t = enterprise_layout();
  const std::string fstab =
      "UUID=2007f000-0000-4000-8000-000000000001 / ext4 defaults 0 1\n"
      "UUID=dead-beef /data xfs defaults 0 2\n"
      "UUID=feed-f00d /backup xfs defaults,nofail 0 2\n"
      "UUID=0000-swap none swap sw 0 0\n";
  auto plan = plan_guest_mounts(linux_guest::parse_fstab(fstab), t);
  auto problems = plan.unresolved_required();
  BOOST_REQUIRE_EQUAL(problems.size(), 1u);   // nofail and swap do not stop a boot
  BOOST_TEST(problems[0].find("fstab line 2 \"UUID=dead-beef /data xfs defaults 0 2\"") != std::string::npos);
  BOOST_TEST(problems[0].find("UUID dead-beef") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(btrfs_subvolumes_keep_their_options) {
  BlockDeviceTable t;
  t.disk_count = 1;
  t.devices = {disk(0, "/dev/sda"), part(0, 1, "/dev/sda1", "btrfs", "b7f5", "h2k-root")};
  auto entries = linux_guest::parse_fstab("LABEL=h2k-root / btrfs subvol=@,compress=zstd 0 0\n"
                                          "LABEL=h2k-root /home btrfs subvol=@home 0 0\n");
  auto plan = plan_guest_mounts(entries, t);
  auto order = plan.mount_order();
  BOOST_REQUIRE_EQUAL(order.size(), 1u);
  BOOST_TEST(order[0]->entry.option("subvol") == "@home");
  BOOST_TEST(plan.at("/")->entry.option("subvol") == "@");
}

// The root's device decides what the initramfs must hold (LVM, md) and which
// device fstab's root line must name: a btrfs root on an LV is that LV, not
// its volume group's folder.
BOOST_AUTO_TEST_CASE(a_btrfs_subvolume_lies_on_the_longest_device_name_it_starts_with) {
  BlockDeviceTable t;
  t.disk_count = 1;
  t.devices = {disk(0, "/dev/sda"), part(0, 1, "/dev/sda1", "LVM2_member", "", ""),
               part(0, 10, "/dev/sda10", "btrfs", "c0de", "data"), lv("vg", "root", "btrfs", "b7f5")};
  BOOST_TEST(device_of_mountable("btrfsvol:/dev/vg/root/@", t) == "/dev/vg/root");
  BOOST_TEST(device_of_mountable("btrfsvol:/dev/vg/root/@/var/lib", t) == "/dev/vg/root");
  BOOST_TEST(device_of_mountable("btrfsvol:/dev/sda10/@home", t) == "/dev/sda10");
  BOOST_TEST(device_of_mountable("/dev/vg/root", t) == "/dev/vg/root");
  // Not a device of the VM: left as it is, so it matches none.
  BOOST_TEST(device_of_mountable("btrfsvol:/dev/sdz1/@", t) == "btrfsvol:/dev/sdz1/@");
}

BOOST_AUTO_TEST_SUITE_END()

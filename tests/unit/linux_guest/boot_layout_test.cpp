// The pure readers behind guest mounting and the final audit: fstab entries
// as the boot reads them, grub.cfg/BLS boot entries, what an initramfs must
// hold for a root on LVM/md/XFS/btrfs, and crypttab's device names.
#include <algorithm>

#include <boost/test/unit_test.hpp>

#include "engine/guest/linux/boot_storage.hpp"
#include "engine/guest/linux/fstab_entries.hpp"
#include "engine/guest/linux/grub_menu.hpp"
#include "engine/guest/linux/rewriters.hpp"
#include "linux_guest_test_support.hpp"

using namespace h2k::linux_guest;
using namespace h2k::linux_guest::testing;

BOOST_AUTO_TEST_SUITE(fstab_entries)

BOOST_AUTO_TEST_CASE(required_swap_and_disk_entries) {
  auto e = parse_fstab(
      "# comment\n"
      "UUID=\"abc\"  /  xfs  defaults  0 1\n"
      "\n"
      "/dev/sdb1 /mnt/my\\040disk ext4 defaults,nofail 0 2\n"
      "LABEL=swap none swap sw\n"
      "/dev/sr0 /media/cdrom iso9660 ro,user 0 0\n"
      "server:/srv /srv nfs4 _netdev 0 0\n"
      "/srv/a /srv/b none bind 0 0\n"
      "PARTUUID=x /boot/efi vfat umask=0077,noauto 0 1\n"
      "onlyonefield\n");
  BOOST_REQUIRE_EQUAL(e.size(), 7u);
  BOOST_TEST(e[0].spec == "UUID=abc");   // quotes as util-linux strips them
  BOOST_TEST(e[0].line == 2);
  BOOST_TEST(e[0].required());
  BOOST_TEST(e[0].on_vm_disk());
  BOOST_TEST(e[1].mountpoint == "/mnt/my disk");
  BOOST_TEST(!e[1].required());
  BOOST_TEST(e[2].is_swap());
  BOOST_TEST(e[2].on_vm_disk());
  BOOST_TEST(!e[3].on_vm_disk());   // CD drive
  BOOST_TEST(!e[4].on_vm_disk());   // NFS
  BOOST_TEST(!e[5].on_vm_disk());   // bind mount
  BOOST_TEST(!e[6].required());     // noauto
  BOOST_TEST(e[6].option("umask") == "0077");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(grub_menu)

BOOST_AUTO_TEST_CASE(debian_grub_cfg_with_separate_boot_and_submenu) {
  const std::string cfg =
      "set default=\"0\"\n"
      "menuentry 'Debian GNU/Linux' --class debian --class gnu-linux $menuentry_id_option 'gnulinux-simple-x' {\n"
      "\tload_video\n"
      "\tsearch --no-floppy --fs-uuid --set=root b00710b0\n"
      "\techo\t'Loading Linux 6.1.0-13-amd64 ...'\n"
      "\tlinux\t/vmlinuz-6.1.0-13-amd64 root=/dev/mapper/vg_sys-root ro  quiet\n"
      "\tinitrd\t/initrd.img-6.1.0-13-amd64\n"
      "}\n"
      "submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-x' {\n"
      "\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-13-amd64 (recovery mode)' {\n"
      "\t\tlinux\t/vmlinuz-6.1.0-13-amd64 root=UUID=2007f000 ro single resume=\"UUID=5a5a\"\n"
      "\t\tinitrd\t/intel-ucode.img /initrd.img-6.1.0-13-amd64\n"
      "\t}\n"
      "}\n";
  auto entries = parse_grub_menu(cfg);
  BOOST_REQUIRE_EQUAL(entries.size(), 2u);
  BOOST_TEST(entries[0].title == "Debian GNU/Linux");
  BOOST_TEST(entries[0].kernel == "/vmlinuz-6.1.0-13-amd64");
  BOOST_TEST(entries[0].initrds.size() == 1u);
  BOOST_TEST(kernel_params(entries[0].cmdline, "root").front() == "/dev/mapper/vg_sys-root");
  BOOST_TEST(entries[1].initrds.size() == 2u);
  BOOST_TEST(kernel_params(entries[1].cmdline, "resume").front() == "UUID=5a5a");
}

BOOST_AUTO_TEST_CASE(bls_entry_and_loader_paths) {
  auto e = parse_bls_entry("title Red Hat Enterprise Linux (4.18.0-513.el8.x86_64) 8.9\n"
                           "version 4.18.0-513.el8.x86_64\n"
                           "linux /vmlinuz-4.18.0-513.el8.x86_64\n"
                           "initrd /initramfs-4.18.0-513.el8.x86_64.img $tuned_initrd\n"
                           "options $kernelopts $tuned_params\n");
  BOOST_TEST(e.title == "Red Hat Enterprise Linux (4.18.0-513.el8.x86_64) 8.9");
  BOOST_TEST(e.kernel == "/vmlinuz-4.18.0-513.el8.x86_64");
  BOOST_TEST(e.cmdline == "$kernelopts $tuned_params");
  auto c = guest_path_candidates("($root)/@/boot/vmlinuz-6.1");
  BOOST_TEST((std::find(c.begin(), c.end(), "/boot/vmlinuz-6.1") != c.end()));
  auto d = guest_path_candidates("/vmlinuz-6.1");
  BOOST_TEST(d.at(0) == "/vmlinuz-6.1");
  BOOST_TEST(d.at(1) == "/boot/vmlinuz-6.1");   // a separate /boot filesystem
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(boot_storage)

BOOST_AUTO_TEST_CASE(root_layers_add_their_drivers_and_tools) {
  auto plain = boot_storage_needs("ext3", RootLayer::Plain);
  BOOST_TEST((plain.modules == std::vector<std::string>{"virtio_blk", "virtio_pci", "ext4"}));
  BOOST_TEST(plain.tools.empty());
  auto lvm = boot_storage_needs("xfs", RootLayer::Lvm);
  BOOST_TEST((lvm.modules == std::vector<std::string>{"virtio_blk", "virtio_pci", "xfs", "dm_mod"}));
  BOOST_TEST((lvm.tools == std::vector<std::string>{"lvm"}));
  BOOST_TEST((lvm.dracut_modules == std::vector<std::string>{"lvm"}));
  auto md = boot_storage_needs("btrfs", RootLayer::Raid);
  BOOST_TEST((md.dracut_modules == std::vector<std::string>{"btrfs", "mdraid"}));
  BOOST_TEST(md.why == "root filesystem btrfs on md RAID");
}

BOOST_AUTO_TEST_CASE(listings_from_lsinitramfs_lsinitrd_and_modules_builtin) {
  const std::string lsinitramfs = "usr/lib/modules/6.1.0-13-amd64/kernel/drivers/block/virtio_blk.ko\n"
                                  "usr/lib/modules/6.1.0-13-amd64/kernel/drivers/md/dm-mod.ko\n"
                                  "usr/sbin/lvm\n";
  BOOST_TEST(listing_has_module(lsinitramfs, "virtio_blk"));
  BOOST_TEST(listing_has_module(lsinitramfs, "dm_mod"));   // the file says dm-mod
  BOOST_TEST(!listing_has_module(lsinitramfs, "virtio_pci"));
  BOOST_TEST(listing_has_tool(lsinitramfs, "lvm"));
  const std::string lsinitrd =
      "-rwxr-xr-x   1 root     root      2794616 Jan 10 12:00 usr/sbin/mdadm\n"
      "-rw-r--r--   1 root     root        41204 Jan 10 12:00 usr/lib/modules/6.1/kernel/fs/xfs/xfs.ko.xz\n";
  BOOST_TEST(listing_has_tool(lsinitrd, "mdadm"));
  BOOST_TEST(!listing_has_tool(lsinitrd, "lvm"));
  BOOST_TEST(listing_has_module(lsinitrd, "xfs"));
  BOOST_TEST(listing_has_module("kernel/fs/ext4/ext4.ko\n", "ext4"));   // modules.builtin
}

BOOST_AUTO_TEST_CASE(dracut_conf_names_drivers_and_dracut_modules) {
  auto conf = dracut_virtio_conf({"virtio_blk", "xfs"}, {"lvm"});
  BOOST_TEST(conf.find("add_drivers+=\" virtio_blk xfs \"\n") != std::string::npos);
  BOOST_TEST(conf.find("add_dracutmodules+=\" lvm \"\n") != std::string::npos);
  BOOST_TEST(dracut_virtio_conf().find("add_dracutmodules") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(crypttab)

BOOST_AUTO_TEST_CASE(unstable_sources_become_stable_names_and_the_rest_stays) {
  FakeResolver resolver;
  const std::string in = "# <target name> <source device> <key file> <options>\n"
                         "sda3_crypt /dev/sda3 none luks,discard\n"
                         "data_crypt\tUUID=1234-abcd\t/etc/keys/data\tluks\n"
                         "gone_crypt /dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:9:0-part1 none luks\n";
  auto r = rewrite_crypttab(in, resolver.fn());
  BOOST_REQUIRE_EQUAL(r.changes.size(), 1u);
  BOOST_TEST(r.changes[0].after == "sda3_crypt UUID=" + sda_uuid(3) + " none luks,discard");
  BOOST_TEST(r.content.find("data_crypt\tUUID=1234-abcd\t/etc/keys/data\tluks\n") != std::string::npos);
  BOOST_REQUIRE_EQUAL(r.warnings.size(), 1u);
  BOOST_TEST(r.warnings[0].find("crypttab line 4") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>

#include "engine/guest/linux/rewriters.hpp"
#include "linux_guest_test_support.hpp"

using namespace h2k::linux_guest;
using namespace h2k::linux_guest::testing;
using Calls = std::vector<std::pair<std::string, std::string>>;

BOOST_AUTO_TEST_SUITE(fstab)

BOOST_AUTO_TEST_CASE(debian12_sdX_entries_become_uuids_and_nothing_else_moves) {
  FakeResolver resolver;
  const std::string in = read_data("fstab-debian12-sda");
  auto r = rewrite_fstab(in, resolver.fn());
  BOOST_TEST(r.content == read_data("fstab-debian12-sda.expected"));
  BOOST_TEST(r.warnings.empty());
  BOOST_REQUIRE_EQUAL(r.changes.size(), 3u);
  BOOST_TEST(r.changes[0].line == 12);
  BOOST_TEST(r.changes[0].before == "/dev/sda1       /               ext4    errors=remount-ro 0       1");
  BOOST_TEST(r.changes[0].after == "UUID=" + sda_uuid(1) + "       /               ext4    errors=remount-ro 0       1");
  BOOST_TEST(r.changes[1].line == 14);
  BOOST_TEST(r.changes[2].line == 16);
  // Swap is looked up as "swap" whatever the mount field says; the CD drive is not looked up.
  BOOST_TEST((resolver.calls == Calls{{"/dev/sda1", "/"}, {"/dev/sda3", "/home"}, {"/dev/sda5", "swap"}}));
}

BOOST_AUTO_TEST_CASE(rewriting_a_rewritten_fstab_changes_nothing) {
  FakeResolver resolver;
  const std::string once = read_data("fstab-debian12-sda.expected");
  auto r = rewrite_fstab(once, resolver.fn());
  BOOST_TEST(r.content == once);
  BOOST_TEST(!r.changed());
  BOOST_TEST(resolver.calls.empty());
}

BOOST_AUTO_TEST_CASE(sles_by_id_and_by_path_entries_keep_tabs_comments_and_missing_final_newline) {
  const std::string disk = "/dev/disk/by-id/scsi-36000c29a1b2c3d4e5f60718293a4b5c6";
  FakeResolver resolver({{disk + "-part2", "9f1e2d3c-aaaa-4bbb-8ccc-0123456789ab"},
                         {disk + "-part3", "7c6b5a49-dddd-4eee-8fff-0123456789ab"},
                         {"/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part1", "2468ace0-1357-49bd-8f00-112233445566"}});
  auto r = rewrite_fstab(read_data("fstab-sles-by-id"), resolver.fn());
  const std::string expected =
      "UUID=9f1e2d3c-aaaa-4bbb-8ccc-0123456789ab  /      btrfs  defaults                      0  0\n"
      "UUID=9f1e2d3c-aaaa-4bbb-8ccc-0123456789ab  /home  btrfs  subvol=/@/home                0  0\n"
      "UUID=7c6b5a49-dddd-4eee-8fff-0123456789ab  swap   swap   defaults                      0  0\n"
      "UUID=5E1C-8A2F  /boot/efi  vfat  utf8  0  2\n"
      "#/dev/sdb1\t/data\txfs\tdefaults\t0 0\n"
      "UUID=2468ace0-1357-49bd-8f00-112233445566\t/data\txfs\tdefaults,nofail\t0 0\n"
      "/dev/disk/by-path/pci-0000:0b:00.0-scsi-0:0:0:0-part1\t/scratch\text4\tdefaults\t0 0\n"
      "nas01.example.com:/export/backup\t/mnt/backup\tnfs\tdefaults,_netdev\t0 0\n"
      "tmpfs\t/tmp\ttmpfs\tmode=1777,size=2G\t0 0";
  BOOST_TEST(r.content == expected);
  BOOST_TEST(r.changes.size() == 4u);
  BOOST_TEST((resolver.calls == Calls{{disk + "-part2", "/"},
                                      {disk + "-part2", "/home"},
                                      {disk + "-part3", "swap"},
                                      {"/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part1", "/data"},
                                      {"/dev/disk/by-path/pci-0000:0b:00.0-scsi-0:0:0:0-part1", "/scratch"}}));
}

BOOST_AUTO_TEST_CASE(an_unresolvable_entry_is_warned_about_by_line_and_left_as_is) {
  FakeResolver resolver;   // knows nothing about by-path
  const std::string in = read_data("fstab-sles-by-id");
  auto r = rewrite_fstab(in, resolver.fn());
  BOOST_TEST(r.content == in);
  BOOST_TEST(!r.changed());
  BOOST_REQUIRE_EQUAL(r.warnings.size(), 5u);
  BOOST_TEST(r.warnings[3].find("fstab line 6") != std::string::npos);
  BOOST_TEST(r.warnings[3].find("/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part1") != std::string::npos);
  BOOST_TEST(r.warnings[3].find("left as is") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rhel8_lvm_fstab_is_already_stable_and_stays_byte_identical) {
  FakeResolver resolver;
  const std::string in = read_data("fstab-rhel8-lvm");
  auto r = rewrite_fstab(in, resolver.fn());
  BOOST_TEST(r.content == in);
  BOOST_TEST(!r.changed());
  BOOST_TEST(r.warnings.empty());
  BOOST_TEST(resolver.calls.empty());
}

BOOST_AUTO_TEST_CASE(centos5_ide_hdX_entries_are_rewritten_and_labels_kept) {
  FakeResolver resolver({{"/dev/hda1", "d2b7c1a0-5f4e-4c3b-9a8d-7e6f5a4b3c21"},
                         {"/dev/hda3", "a1b2c3d4-0000-4111-8222-333344445555"}});
  auto r = rewrite_fstab(read_data("fstab-centos5-ide"), resolver.fn());
  const std::string expected =
      "LABEL=/                 /                       ext3    defaults        1 1\n"
      "UUID=d2b7c1a0-5f4e-4c3b-9a8d-7e6f5a4b3c21               /boot                   ext3    defaults        1 2\n"
      "tmpfs                   /dev/shm                tmpfs   defaults        0 0\n"
      "devpts                  /dev/pts                devpts  gid=5,mode=620  0 0\n"
      "sysfs                   /sys                    sysfs   defaults        0 0\n"
      "proc                    /proc                   proc    defaults        0 0\n"
      "UUID=a1b2c3d4-0000-4111-8222-333344445555               swap                    swap    defaults        0 0\n";
  BOOST_TEST(r.content == expected);
  BOOST_TEST((resolver.calls == Calls{{"/dev/hda1", "/boot"}, {"/dev/hda3", "swap"}}));
}

BOOST_AUTO_TEST_CASE(escaped_mount_points_reach_the_resolver_decoded) {
  FakeResolver resolver(std::map<std::string, std::string>{{"/dev/sdb1", "11111111-2222-4333-8444-555555555555"}});
  auto r = rewrite_fstab("/dev/sdb1 /srv/team\\040share ext4 defaults 0 2\n", resolver.fn());
  BOOST_TEST(r.content == "UUID=11111111-2222-4333-8444-555555555555 /srv/team\\040share ext4 defaults 0 2\n");
  BOOST_TEST((resolver.calls == Calls{{"/dev/sdb1", "/srv/team share"}}));
}

BOOST_AUTO_TEST_CASE(crlf_line_endings_and_indented_entries_survive) {
  FakeResolver resolver;
  auto r = rewrite_fstab("  /dev/sda1\t/\text4\tdefaults\t0 1\r\n# c\r\n", resolver.fn());
  BOOST_TEST(r.content == "  UUID=" + sda_uuid(1) + "\t/\text4\tdefaults\t0 1\r\n# c\r\n");
  BOOST_REQUIRE_EQUAL(r.changes.size(), 1u);
  BOOST_TEST(r.changes[0].before == "  /dev/sda1\t/\text4\tdefaults\t0 1");
}

BOOST_AUTO_TEST_CASE(empty_fstab_is_fine) {
  FakeResolver resolver;
  auto r = rewrite_fstab("", resolver.fn());
  BOOST_TEST(r.content.empty());
  BOOST_TEST(!r.changed());
}

BOOST_AUTO_TEST_SUITE_END()

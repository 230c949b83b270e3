// The root filesystem inspection found must be usable whatever order the
// appliance kernel probed the disks in. libguestfs 1.48 returns a btrfs
// subvolume root under the kernel's device name but translates names it is
// given into by-path order (fixed upstream in 1.58): when a launch probes a
// two-disk VM's disks the other way round, the root it returned names the
// other disk (or, when the appliance's own disk took a lower letter, a name
// such as /dev/sdc1 that libguestfs accepts untranslated but lists for no
// disk). That order cannot be chosen, so the appliance test below gives
// the root as the swapped launch returns it (the other disk's name) and
// requires the same answer as for the name the launch returned.
#include <boost/test/unit_test.hpp>

#include <guestfs.h>

#include "engine/core/error.hpp"
#include "engine/guest/guestfs_strings.hpp"
#include "engine/guest/inspected_root.hpp"
#include "engine/guest/inspector.hpp"
#include "guest_test_support.hpp"

using namespace h2k;
using namespace guest_test;

namespace {

const std::vector<std::string> kNames = {"/dev/sda", "/dev/sdb", "/dev/sda1", "/dev/sda2", "/dev/sdb1", "/dev/sdb10"};

void check(GuestfsSession& s, int rc, const char* what) {
  BOOST_REQUIRE_MESSAGE(rc == 0, what << ": " << s.last_error());
}

void write(GuestfsSession& s, const std::string& path, const std::string& text) {
  check(s, guestfs_write(s.handle(), path.c_str(), text.data(), text.size()), path.c_str());
}

std::string cat(GuestfsSession& s, const std::string& path) {
  char* text = guestfs_cat(s.handle(), path.c_str());
  BOOST_REQUIRE_MESSAGE(text, "cat " << path << ": " << s.last_error());
  return take_string(text);
}

// Disk 1: MBR, btrfs (LABEL=root) whose subvolume @ holds a Debian-shaped
// root. Disk 2: MBR, ext4 for /var. fstab names both the way the two-disk
// layout guest does.
void build_two_disk_btrfs_guest(GuestfsSession& s) {
  guestfs_h* g = s.handle();
  check(s, guestfs_part_disk(g, "/dev/sda", "mbr"), "partition disk 1");
  check(s, guestfs_part_disk(g, "/dev/sdb", "mbr"), "partition disk 2");
  check(s, guestfs_mkfs(g, "btrfs", "/dev/sda1"), "mkfs.btrfs");
  check(s, guestfs_set_label(g, "/dev/sda1", "root"), "label");
  check(s, guestfs_mkfs(g, "ext4", "/dev/sdb1"), "mkfs.ext4");
  check(s, guestfs_mount(g, "/dev/sda1", "/"), "mount btrfs");
  check(s, guestfs_btrfs_subvolume_create(g, "/@"), "subvolume @");
  check(s, guestfs_umount_all(g), "umount");
  check(s, guestfs_mount_options(g, "subvol=@", "/dev/sda1", "/"), "mount @");
  for (const char* d : {"/etc", "/bin", "/var", "/usr/bin"}) check(s, guestfs_mkdir_p(g, d), d);
  write(s, "/etc/fstab", "LABEL=root / btrfs defaults,subvol=@ 0 0\n/dev/sdb1 /var ext4 defaults 0 2\n");
  write(s, "/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n");
  write(s, "/etc/hostname", "two-disk\n");
  write(s, "/etc/marker", "root subvolume on disk 1\n");
  check(s, guestfs_mount(g, "/dev/sdb1", "/var"), "mount /var");
  write(s, "/var/marker", "/var on disk 2\n");
  check(s, guestfs_umount_all(g), "umount");
}

std::string other_disk(std::string mountable) {
  auto at = mountable.find("/dev/sd");
  BOOST_REQUIRE(at != std::string::npos);
  char& letter = mountable[at + 7];
  letter = letter == 'a' ? 'b' : 'a';
  return mountable;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inspected_root)

BOOST_AUTO_TEST_CASE(a_btrfsvol_name_splits_at_the_longest_listed_device) {
  auto n = split_btrfsvol("btrfsvol:/dev/sdb10/@/var", kNames);
  BOOST_REQUIRE(n);
  BOOST_TEST(n->device == "/dev/sdb10");
  BOOST_TEST(n->volume == "@/var");
  BOOST_TEST(!split_btrfsvol("/dev/sda1", kNames));
  BOOST_TEST(!split_btrfsvol("btrfsvol:/dev/vg/root/@", kNames));  // LVM names are never translated
  BOOST_TEST(!split_btrfsvol("btrfsvol:/dev/sda1/", kNames));
}

BOOST_AUTO_TEST_CASE(alternatives_are_the_same_subvolume_on_every_other_device) {
  auto alt = btrfsvol_alternatives("btrfsvol:/dev/sda1/@", kNames);
  std::vector<std::string> want = {"btrfsvol:/dev/sda/@", "btrfsvol:/dev/sdb/@", "btrfsvol:/dev/sda2/@",
                                   "btrfsvol:/dev/sdb1/@", "btrfsvol:/dev/sdb10/@"};
  BOOST_TEST(alt == want, boost::test_tools::per_element());
  BOOST_TEST(btrfsvol_alternatives("/dev/sda1", kNames).empty());
  // A kernel name libguestfs does not list (sdc, when the appliance's own
  // disk took sda): every listed device.
  auto unlisted = btrfsvol_alternatives("btrfsvol:/dev/sdc1/@", kNames);
  BOOST_TEST(unlisted.size() == kNames.size());
  BOOST_TEST(unlisted.front() == "btrfsvol:/dev/sda/@");
  auto split = split_returned_btrfsvol("btrfsvol:/dev/sdc1/@/var", kNames);
  BOOST_REQUIRE(split);
  BOOST_TEST(split->device == "/dev/sdc1");
  BOOST_TEST(split->volume == "@/var");
}

BOOST_AUTO_TEST_CASE(renaming_touches_only_subvolumes_of_that_device) {
  BOOST_TEST(rename_btrfsvol_device("btrfsvol:/dev/sdb1/@home", "/dev/sdb1", "/dev/sda1") == "btrfsvol:/dev/sda1/@home");
  BOOST_TEST(rename_btrfsvol_device("btrfsvol:/dev/sdb10/@", "/dev/sdb1", "/dev/sda1") == "btrfsvol:/dev/sdb10/@");
  BOOST_TEST(rename_btrfsvol_device("/dev/sdb1", "/dev/sdb1", "/dev/sda1") == "/dev/sdb1");
  InspectedRoot same{"btrfsvol:/dev/sda1/@", "btrfsvol:/dev/sda1/@", "", ""};
  BOOST_TEST(!same.renamed());
  BOOST_TEST(same.accepted("btrfsvol:/dev/sdb1/@") == "btrfsvol:/dev/sdb1/@");
}

// One appliance launch: build the guest, inspect it, then mount it the way
// the guest fix does.
BOOST_AUTO_TEST_CASE(a_btrfs_root_named_on_the_other_disk_is_found_and_mounted_from_its_own_disk) {
  ScratchDir dir("btrfs-root");
  std::vector<DiskForFix> disks;
  for (const char* name : {"disk1.raw", "disk2.raw"}) {
    fs::path p = dir.path() / name;
    { std::ofstream create(p); }
    fs::resize_file(p, 320u << 20);
    disks.push_back({p, "raw"});
  }
  GuestfsSession s(disks, GuestfsSettings{});
  s.launch();
  build_two_disk_btrfs_guest(s);

  auto roots = take_list(guestfs_inspect_os(s.handle()));
  BOOST_REQUIRE_MESSAGE(roots.size() == 1, "inspection found " << roots.size() << " roots: " << s.last_error());
  auto names = take_list(guestfs_list_devices(s.handle()));
  for (auto& p : take_list(guestfs_list_partitions(s.handle()))) names.push_back(p);

  const std::string returned = roots.front(), swapped = other_disk(returned);
  BOOST_TEST_MESSAGE("inspect_os returned " << returned);
  InspectedRoot as_returned = accepted_root(s, returned, names);
  InspectedRoot as_swapped = accepted_root(s, swapped, names);
  // Disk 1 is /dev/sda to the API whatever the kernel called it.
  BOOST_TEST(as_returned.root == "btrfsvol:/dev/sda1/@");
  BOOST_TEST(as_swapped.root == "btrfsvol:/dev/sda1/@");
  // A kernel name listed for no disk (as a launch returns it when the
  // appliance's own disk took a lower letter) ends on the listed name too.
  BOOST_TEST(accepted_root(s, "btrfsvol:/dev/sdc1/@", names).root == "btrfsvol:/dev/sda1/@");
  // Exactly one of the two names is the one the API accepts as is.
  BOOST_TEST(as_returned.renamed() != as_swapped.renamed());
  const InspectedRoot& renamed = as_returned.renamed() ? as_returned : as_swapped;
  BOOST_TEST(renamed.returned_device != "/dev/sda1");  // sdb1, or sdc1 when the appliance's disk took sda
  BOOST_TEST(renamed.device == "/dev/sda1");
  BOOST_TEST(renamed.accepted("btrfsvol:" + renamed.returned_device + "/@var") == "btrfsvol:/dev/sda1/@var");

  BOOST_CHECK_EXCEPTION(accepted_root(s, "btrfsvol:/dev/sdb1/@nothing", names), ConversionError,
                        [](const ConversionError& e) {
                          return std::string(e.what()).find("btrfsvol:/dev/sdb1/@nothing") != std::string::npos;
                        });

  std::vector<std::string> warnings;
  GuestInspection in = inspect_and_mount(s, warnings);
  BOOST_TEST(in.result.found_os);
  BOOST_TEST(in.result.distro == "debian");
  BOOST_TEST(in.result.root_device == "btrfsvol:/dev/sda1/@");
  BOOST_TEST(in.devices.mountpoints["/var"] == "/dev/sdb1");
  BOOST_TEST(cat(s, "/etc/marker") == "root subvolume on disk 1\n");
  BOOST_TEST(cat(s, "/var/marker") == "/var on disk 2\n");
  s.shutdown();
}

BOOST_AUTO_TEST_SUITE_END()

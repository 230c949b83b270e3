// A real Linux guest, converted for real: a small Debian-shaped disk built at
// test time (see tiny_debian_guest.hpp) goes through the isolated guest fix,
// and the disk is then read back with guestfish the way a user would check it.
// Three appliance launches: the fix, the check, and the broken-rebuild case.
#include <algorithm>
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "tests/unit/support/test_paths.hpp"
#include "engine/core/error.hpp"
#include "engine/guest/guest_fix_runner.hpp"
#include "guest_test_support.hpp"
#include "tiny_debian_guest.hpp"

using namespace h2k;
using namespace guest_test;

namespace {

const std::filesystem::path kChild = H2K_GUEST_FIX_CHILD;

// Reads files back from the converted disk with guestfish (read-only).
std::string guestfish_read(const fs::path& disk, const std::vector<std::string>& commands) {
  std::vector<std::string> argv = {"env", "LIBGUESTFS_BACKEND=direct", "LIBGUESTFS_BACKEND_SETTINGS=force_tcg",
                                   "guestfish", "--ro", "--format=qcow2", "-a", disk.string(), "-m", "/dev/sda1"};
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (i) argv.push_back(":");
    argv.push_back("echo");
    argv.push_back("==== " + commands[i]);
    argv.push_back(":");
    std::string cmd = commands[i];
    std::size_t sp = cmd.find(' ');
    argv.push_back(cmd.substr(0, sp));
    if (sp != std::string::npos) argv.push_back(cmd.substr(sp + 1));
  }
  return run_ok(argv);
}

// The output of one guestfish command from guestfish_read's transcript.
std::string section(const std::string& transcript, const std::string& command) {
  std::string marker = "==== " + command + "\n";
  auto start = transcript.find(marker);
  BOOST_REQUIRE_MESSAGE(start != std::string::npos, "no output for " << command);
  start += marker.size();
  auto end = transcript.find("==== ", start);
  return transcript.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

const FixRecord* find_fix(const GuestFixReport& r, const std::string& file) {
  for (const auto& f : r.fixes)
    if (f.file == file) return &f;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(linux_guest_fix)

BOOST_AUTO_TEST_CASE(vmware_shaped_debian_disk_is_rewritten_to_boot_on_virtio) {
  ScratchDir dir("linux");
  fs::path disk = build_tiny_debian(dir);

  GuestFixOptions options;   // defaults: rebuild the initramfs, remove VMware tools
  options.nics = {{"00:50:56:aa:bb:01", "vmxnet3", "VM Network"}, {"00:50:56:aa:bb:02", "vmxnet3", "Backup"}};
  std::vector<ProgressEvent> events;
  GuestFixReport report = run_guest_fix_isolated({{disk, "qcow2"}}, options,
                                                 [&](const ProgressEvent& e) { events.push_back(e); }, {}, kChild,
                                                 kGuestFixDeadline);

  for (const auto& w : report.warnings) BOOST_TEST_MESSAGE("warning: " << w);
  // What inspection found.
  const auto& in = report.inspection;
  BOOST_TEST(in.found_os);
  BOOST_TEST(in.os_type == "linux");
  BOOST_TEST(in.distro == "debian");
  BOOST_TEST(in.major_version == 12);
  BOOST_TEST(in.hostname == "tiny-h2k");
  BOOST_TEST(in.root_device == "/dev/sda1");
  BOOST_TEST((in.firmware == Firmware::Bios));
  auto root_fs = std::find_if(in.filesystems.begin(), in.filesystems.end(), [](auto& f) { return f.device == "/dev/sda1"; });
  BOOST_REQUIRE(root_fs != in.filesystems.end());
  BOOST_TEST(root_fs->uuid == kRootUuid);
  BOOST_TEST(root_fs->mountpoint == "/");
  BOOST_TEST(report.fixes_applied);
  BOOST_TEST(report.disk_bus == "virtio");
  BOOST_TEST(report.inspect_seconds > 0);

  // What the report says was changed.
  const FixRecord* fstab = find_fix(report, "/etc/fstab");
  BOOST_REQUIRE(fstab);
  BOOST_TEST(fstab->action == "fstab");
  BOOST_TEST(contains(fstab->before, "/dev/sda1"));
  BOOST_TEST(contains(fstab->after, "UUID=" + kRootUuid));
  BOOST_TEST(find_fix(report, "/etc/default/grub"));
  BOOST_TEST(find_fix(report, "/boot/grub/grub.cfg"));
  BOOST_TEST(find_fix(report, "/etc/initramfs-tools/modules"));
  BOOST_TEST(find_fix(report, "/etc/systemd/network/10-hyper2kvm-ens224.link"));
  BOOST_TEST(!find_fix(report, "/etc/systemd/network/10-hyper2kvm-ens192.link"));   // the udev rule pins it
  BOOST_TEST(in.kernels == std::vector<std::string>{kKernel}, boost::test_tools::per_element());
  const FixRecord* initrd = find_fix(report, kInitrd);
  BOOST_REQUIRE(initrd);
  BOOST_TEST(initrd->action == "initramfs");
  BOOST_TEST(contains(initrd->note, "update-initramfs -u -k"), initrd->note);
  // update-grub put root=/dev/sda1 back; the re-check must have caught it.
  BOOST_TEST(find_fix(report, "/boot/grub/grub.cfg")->action == "kernel-cmdline");
  BOOST_TEST(std::any_of(report.fixes.begin(), report.fixes.end(),
                         [](auto& f) { return f.action == "grub-regenerate" && f.after == "update-grub"; }));
  BOOST_TEST(std::any_of(report.fixes.begin(), report.fixes.end(), [](auto& f) {
    return f.file == "/boot/grub/grub.cfg" && f.note == "after regeneration" && contains(f.before, "root=/dev/sda1");
  }));
  // dpkg refuses to remove open-vm-tools: the services are disabled instead, and the user is told.
  const FixRecord* tools = find_fix(report, "/etc/systemd/system/multi-user.target.wants/open-vm-tools.service");
  BOOST_REQUIRE(tools);
  BOOST_TEST(tools->action == "vmware-tools");
  BOOST_TEST(std::any_of(report.warnings.begin(), report.warnings.end(), [](auto& w) {
    return contains(w, "removing VMware tools") && contains(w, "dependency problems");
  }));
  BOOST_TEST(std::any_of(events.begin(), events.end(), [](auto& e) { return contains(e.message, "rebuilding initramfs"); }));
  // Files written without SELinux labels: the guest relabels on first boot.
  BOOST_TEST(find_fix(report, "/.autorelabel"));
  BOOST_TEST(std::any_of(events.begin(), events.end(), [](auto& e) { return e.message == "rewriting /etc/fstab"; }));
  // The final audit read the result back: fstab, root=, the initramfs, the boot loader, all ok.
  for (const auto& c : report.checks) BOOST_TEST(c.ok, c.name << ": " << c.detail);
  auto has_check = [&](const std::string& prefix) {
    return std::any_of(report.checks.begin(), report.checks.end(), [&](auto& c) { return c.name.rfind(prefix, 0) == 0; });
  };
  BOOST_TEST(has_check("fstab /"));
  BOOST_TEST(has_check("root=UUID=" + kRootUuid));
  BOOST_TEST(has_check("initramfs " + kKernel));
  BOOST_TEST(has_check("bootloader /boot/grub/grub.cfg"));

  // What is really on the disk now.
  std::string t = guestfish_read(disk, {"cat /etc/fstab", "cat /etc/default/grub", "cat /boot/grub/grub.cfg",
                                        "cat /etc/systemd/network/10-hyper2kvm-ens224.link",
                                        "cat /etc/udev/rules.d/70-persistent-net.rules",
                                        "cat /etc/initramfs-tools/modules", "cat " + kInitrd,
                                        "is-symlink /etc/systemd/system/multi-user.target.wants/open-vm-tools.service",
                                        "exists /.autorelabel"});
  std::string fstab_now = section(t, "cat /etc/fstab");
  BOOST_TEST(contains(fstab_now, "UUID=" + kRootUuid + "  /  ext4  errors=remount-ro  0  1"), fstab_now);
  BOOST_TEST(contains(fstab_now, "UUID=" + kSwapUuid), fstab_now);
  BOOST_TEST(!contains(fstab_now, "/dev/sda"), fstab_now);

  std::string grub_now = section(t, "cat /etc/default/grub");
  BOOST_TEST(!contains(grub_now, "\nGRUB_DISABLE_LINUX_UUID=true"), grub_now);
  BOOST_TEST(contains(grub_now, "resume=UUID=" + kSwapUuid), grub_now);

  std::string cfg_now = section(t, "cat /boot/grub/grub.cfg");
  BOOST_TEST(contains(cfg_now, "root=UUID=" + kRootUuid), cfg_now);
  BOOST_TEST(!contains(cfg_now, "/dev/sda"), cfg_now);

  std::string link = section(t, "cat /etc/systemd/network/10-hyper2kvm-ens224.link");
  BOOST_TEST(contains(link, "MACAddress=00:50:56:aa:bb:02"), link);
  BOOST_TEST(contains(link, "Name=ens224"), link);

  std::string rules = section(t, "cat /etc/udev/rules.d/70-persistent-net.rules");
  BOOST_TEST(contains(rules, "00:50:56:aa:bb:01"), rules);
  BOOST_TEST(contains(rules, "NAME=\"ens192\""), rules);
  BOOST_TEST(!contains(rules, "vmxnet3"), rules);

  std::string modules = section(t, "cat /etc/initramfs-tools/modules");
  BOOST_TEST(contains(modules, "virtio_blk"), modules);
  BOOST_TEST(contains(modules, "vmw_pvscsi"), modules);

  std::string initrd_now = section(t, "cat " + kInitrd);
  BOOST_TEST(contains(initrd_now, "virtio_blk.ko"), initrd_now);
  BOOST_TEST(contains(initrd_now, "virtio_pci.ko"), initrd_now);

  BOOST_TEST(contains(section(t, "exists /.autorelabel"), "true"));
  BOOST_TEST(contains(section(t, "is-symlink /etc/systemd/system/multi-user.target.wants/open-vm-tools.service"),
                      "false"));
}

BOOST_AUTO_TEST_CASE(initramfs_without_virtio_after_the_rebuild_is_an_error_naming_it) {
  // A rebuild that "succeeds" but leaves virtio_blk out would give a guest
  // that panics at boot; the fixer must notice and fail the conversion.
  ScratchDir dir("badinitrd");
  TinyDebianOptions broken;
  broken.initramfs_rebuild_honours_config = false;
  fs::path disk = build_tiny_debian(dir, broken);
  try {
    run_guest_fix_isolated({{disk, "qcow2"}}, GuestFixOptions{}, {}, {}, kChild, kGuestFixDeadline);
    BOOST_FAIL("an initramfs without virtio_blk was accepted");
  } catch (const ConversionError& e) {
    BOOST_TEST((e.kind() == ErrorKind::GuestFix));
    // The final audit names the image, the kernel and what is missing.
    BOOST_TEST(contains(e.reason(), "would not boot on virtio"), e.reason());
    BOOST_TEST(contains(e.reason(), "initramfs " + kKernel), e.reason());
    BOOST_TEST(contains(e.reason(), kInitrd + " lacks virtio_blk"), e.reason());
    BOOST_TEST(contains(e.reason(), kKernel), e.reason());
  }
}

BOOST_AUTO_TEST_SUITE_END()

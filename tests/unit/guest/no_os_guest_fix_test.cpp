// A disk without an operating system (a data disk, or a guest libguestfs
// cannot recognise) is copied unchanged, and the report says so in words an
// operator will act on. One appliance launch, so the same disk also carries
// an EFI System Partition with a bootloader, which firmware detection must see.
#include <algorithm>
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "tests/unit/support/test_paths.hpp"
#include "engine/guest/guest_fix_runner.hpp"
#include "guest_test_support.hpp"

using namespace h2k;
using namespace guest_test;

namespace {

void make_sized_file(const fs::path& p, std::uintmax_t bytes) {
  { std::ofstream create(p); }
  fs::resize_file(p, bytes);
}

// GPT: partition 1 = ESP (FAT, EFI/BOOT/BOOTX64.EFI), partition 2 = ext4 with data only.
fs::path build_efi_data_disk(const ScratchDir& dir) {
  fs::path esp = dir.path() / "esp.img", data = dir.path() / "data.img", disk = dir.path() / "efi-data.raw";
  make_sized_file(esp, 32 << 20);
  run_ok({"mkfs.vfat", esp.string()});
  std::ofstream(dir.path() / "BOOTX64.EFI") << "not really a bootloader";
  run_ok({"mmd", "-i", esp.string(), "::/EFI", "::/EFI/BOOT"});
  run_ok({"mcopy", "-i", esp.string(), (dir.path() / "BOOTX64.EFI").string(), "::/EFI/BOOT/BOOTX64.EFI"});
  make_sized_file(data, 48 << 20);
  run_ok({"mkfs.ext4", "-q", "-F", data.string()});
  make_sized_file(disk, (1 + 32 + 48 + 1) << 20);
  run_ok({"sh", "-c",
          "printf 'label: gpt\\nstart=2048, size=65536, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\\n"
          "start=67584, size=98304, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\\n' | sfdisk -q " + disk.string()});
  run_ok({"dd", "if=" + esp.string(), "of=" + disk.string(), "bs=1M", "seek=1", "conv=notrunc", "status=none"});
  run_ok({"dd", "if=" + data.string(), "of=" + disk.string(), "bs=1M", "seek=33", "conv=notrunc", "status=none"});
  return disk;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(no_os_guest_fix)

BOOST_AUTO_TEST_CASE(disk_without_an_os_is_left_unchanged_with_a_warning) {
  ScratchDir dir("noos");
  fs::path disk = build_efi_data_disk(dir);
  std::string before = run_ok({"sha256sum", disk.string()});

  GuestFixOptions options;
  GuestFixReport r = run_guest_fix_isolated({{disk, "raw"}}, options, {}, {}, H2K_GUEST_FIX_CHILD,
                                            kGuestFixDeadline);
  BOOST_TEST(!r.inspection.found_os);
  BOOST_TEST(!r.fixes_applied);
  BOOST_TEST(r.fixes.empty());
  BOOST_TEST(r.skip_reason == "no operating system found");
  BOOST_TEST(std::any_of(r.warnings.begin(), r.warnings.end(), [](const std::string& w) {
    return w == "no operating system found: disks copied unchanged; the guest may not boot on virtio";
  }));
  // virtio stays the bus: see fix_guest for why no other bus is safer here.
  BOOST_TEST(r.disk_bus == "virtio");
  BOOST_TEST(run_ok({"sha256sum", disk.string()}) == before);

  // GPT + an ESP holding an EFI bootloader: the domain must boot it with UEFI.
  BOOST_TEST((r.inspection.firmware == Firmware::Efi));
  auto data_fs = std::find_if(r.inspection.filesystems.begin(), r.inspection.filesystems.end(),
                              [](const FilesystemInfo& f) { return f.device == "/dev/sda2"; });
  BOOST_REQUIRE(data_fs != r.inspection.filesystems.end());
  BOOST_TEST(data_fs->type == "ext4");
  BOOST_TEST(!data_fs->uuid.empty());
}

BOOST_AUTO_TEST_SUITE_END()

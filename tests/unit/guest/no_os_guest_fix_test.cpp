// A disk without an operating system (a data disk, or a guest libguestfs
// cannot recognise) is copied unchanged, and the report says so in words an
// operator will act on. One appliance launch.
#include <algorithm>
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "engine/guest/guest_fix_runner.hpp"
#include "guest_test_support.hpp"

using namespace h2k;
using namespace guest_test;

BOOST_AUTO_TEST_SUITE(no_os_guest_fix)

BOOST_AUTO_TEST_CASE(disk_without_an_os_is_left_unchanged_with_a_warning) {
  ScratchDir dir("noos");
  fs::path disk = dir.path() / "data.raw";
  { std::ofstream create(disk); }
  fs::resize_file(disk, 64 << 20);
  run_ok({"mkfs.ext4", "-q", "-F", disk.string()});   // a filesystem, but no OS on it
  std::string before = run_ok({"sha256sum", disk.string()});

  GuestFixOptions options;
  GuestFixReport r = run_guest_fix_isolated({{disk, "raw"}}, options, {}, {}, H2K_GUEST_FIX_CHILD,
                                            std::chrono::seconds(900));
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
}

BOOST_AUTO_TEST_SUITE_END()

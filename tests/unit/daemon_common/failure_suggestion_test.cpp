// suggest_fix: each error kind gets its own actionable advice, and the error
// text refines it where it names the cause.
#include <boost/test/unit_test.hpp>

#include <set>

#include "actors/common/failure_suggestion.hpp"

using h2k::suggest_fix;

namespace {

bool has(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(failure_suggestion)

BOOST_AUTO_TEST_CASE(every_kind_gets_its_own_advice) {
  const std::vector<std::string> kinds{"invalid_input", "unsupported", "io_error", "no_space", "timeout",
                                       "guest_fix", "cancelled", "internal"};
  std::set<std::string> distinct;
  for (const auto& k : kinds) {
    const std::string s = suggest_fix(k, "something went wrong");
    BOOST_TEST(s.size() > 40u, k << ": " << s);
    distinct.insert(s);
  }
  BOOST_TEST(distinct.size() == kinds.size());

  const std::string invalid = suggest_fix("invalid_input", "web01.vmdk: bad magic");
  BOOST_TEST(has(invalid, "Export the VM again"), invalid);
  BOOST_TEST(has(invalid, "transfer"), invalid);
  BOOST_TEST(has(suggest_fix("unsupported", "x"), "Re-export"));
  BOOST_TEST(has(suggest_fix("io_error", "x"), "dmesg"));
  BOOST_TEST(suggest_fix("no_space", "x") == suggest_fix("io_error", "No space left on device"));
  BOOST_TEST(has(suggest_fix("no_space", "x"), "output directory"));
  BOOST_TEST(has(suggest_fix("guest_fix", "x"), "conversion.guest_fixes: false"));
  BOOST_TEST(has(suggest_fix("cancelled", "x"), "Queue the file again"));
  BOOST_TEST(has(suggest_fix("internal", "x"), "journalctl"));
}

BOOST_AUTO_TEST_CASE(libguestfs_trouble_points_at_kvm_force_tcg_and_the_timeout) {
  for (const std::string kind : {"timeout", "appliance_launch"}) {
    const std::string s = suggest_fix(kind, "appliance did not start within 600 s");
    BOOST_TEST(has(s, "/dev/kvm"), s);
    BOOST_TEST(has(s, "conversion.libguestfs.backend_settings: force_tcg"), s);
    BOOST_TEST(has(s, "conversion.libguestfs.launch_timeout"), s);
    BOOST_TEST(has(s, "libguestfs-test-tool"), s);
  }
}

BOOST_AUTO_TEST_CASE(an_unknown_kind_gets_the_generic_advice) {
  BOOST_TEST(suggest_fix("martian", "x") == suggest_fix("internal", "x"));
  BOOST_TEST(suggest_fix("", "x") == suggest_fix("internal", "x"));
}

BOOST_AUTO_TEST_CASE(the_error_text_refines_the_advice) {
  const std::string sha = suggest_fix("invalid_input", "web01.ova: web01-disk1.vmdk: SHA256 mismatch with web01.mf");
  BOOST_TEST(has(sha, "Copy it again"), sha);
  BOOST_TEST(has(sha, "sha256sum"), sha);
  BOOST_TEST(sha != suggest_fix("invalid_input", "bad magic"));

  // a full disk reported by a subprocess as an I/O error is still a full disk
  BOOST_TEST(suggest_fix("io_error", "qemu-img: error while writing: No space left on device") ==
             suggest_fix("io_error", "ENOSPC"));
  BOOST_TEST(has(suggest_fix("io_error", "No space left on device"), "output filesystem is full"));

  BOOST_TEST(has(suggest_fix("io_error", "open /queue/a.ova: Permission denied"), "root"));
  BOOST_TEST(has(suggest_fix("internal", "This operation requires root. Re-run with sudo."), "root"));
  BOOST_TEST(has(suggest_fix("timeout", "Could not access KVM kernel module: /dev/kvm: No such file"), "force_tcg"));
  BOOST_TEST(has(suggest_fix("invalid_input", "big.vmdk: grain table points past the end of the file"), "incomplete"));
  BOOST_TEST(has(suggest_fix("invalid_input", "web01.vmdk: missing extent web01-flat.vmdk"), "-flat.vmdk"));
  BOOST_TEST(has(suggest_fix("unsupported", "db.vmdk: is a snapshot (differencing) disk"), "Consolidate"));
  const std::string boot = suggest_fix(
      "guest_fix", "web01.vmdk: the converted guest failed to boot on virtio (TCG): Gave up waiting for root");
  BOOST_TEST(has(boot, "verification boot"), boot);
  BOOST_TEST(has(boot, "conversion.verify_boot_timeout"), boot);
  BOOST_TEST(boot != suggest_fix("guest_fix", "web01.vmdk: cannot rebuild the initramfs"));
}

BOOST_AUTO_TEST_SUITE_END()

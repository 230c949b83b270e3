#include <algorithm>

#include <boost/test/unit_test.hpp>

#include "engine/guest/linux/rewriters.hpp"
#include "linux_guest_test_support.hpp"

using namespace h2k::linux_guest;
using namespace h2k::linux_guest::testing;

BOOST_AUTO_TEST_SUITE(selinux)

BOOST_AUTO_TEST_CASE(rhel9_enforcing_config_needs_a_relabel) {
  BOOST_TEST(selinux_needs_relabel(read_data("selinux-config-rhel9")));
}

BOOST_AUTO_TEST_CASE(disabled_config_does_not) {
  BOOST_TEST(!selinux_needs_relabel(read_data("selinux-config-disabled")));
}

BOOST_AUTO_TEST_CASE(permissive_with_quotes_and_a_trailing_comment_needs_a_relabel) {
  BOOST_TEST(selinux_needs_relabel("SELINUX=\"permissive\"  # while testing\nSELINUXTYPE=targeted\n"));
  BOOST_TEST(selinux_needs_relabel("  SELINUX=Enforcing\r\n"));
}

BOOST_AUTO_TEST_CASE(missing_commented_or_overridden_settings_do_not) {
  BOOST_TEST(!selinux_needs_relabel(""));
  BOOST_TEST(!selinux_needs_relabel("#SELINUX=enforcing\nSELINUXTYPE=targeted\n"));
  BOOST_TEST(!selinux_needs_relabel("SELINUX=enforcing\nSELINUX=disabled\n"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(vmware_tools)

BOOST_AUTO_TEST_CASE(package_list_covers_debian_and_rpm_names) {
  for (const char* p : {"open-vm-tools", "open-vm-tools-desktop", "open-vm-tools-sdmp", "vmware-tools"})
    BOOST_TEST((std::count(kVmwareToolsPackages.begin(), kVmwareToolsPackages.end(), p) == 1), p);
}

BOOST_AUTO_TEST_CASE(unit_list_covers_debian_rhel_and_tarball_units) {
  for (const char* u : {"open-vm-tools.service", "vmtoolsd.service", "vgauth.service", "vgauthd.service",
                        "vmware-tools.service", "run-vmblock\\x2dfuse.mount"})
    BOOST_TEST((std::count(kVmwareToolsUnits.begin(), kVmwareToolsUnits.end(), u) == 1), u);
  // systemd escapes '-' inside a path component as a literal "\x2d" (backslash,
  // x, 2, d): the mount unit for /run/vmblock-fuse. Not a '-' byte.
  BOOST_TEST((std::count(kVmwareToolsUnits.begin(), kVmwareToolsUnits.end(), R"(run-vmblock\x2dfuse.mount)") == 1));
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>

#include "engine/guest/linux/rewriters.hpp"
#include "linux_guest_test_support.hpp"

using namespace h2k::linux_guest;
using namespace h2k::linux_guest::testing;

BOOST_AUTO_TEST_SUITE(persistent_net_rules)

BOOST_AUTO_TEST_CASE(debian_rules_drop_vmware_only_keys_and_keep_mac_matches) {
  const std::string in = read_data("70-persistent-net.rules-debian");
  std::vector<InterfacePin> pins;
  auto r = rewrite_persistent_net_rules(in, &pins);
  BOOST_TEST(r.content == read_data("70-persistent-net.rules-debian.expected"));
  BOOST_REQUIRE_EQUAL(r.changes.size(), 3u);
  BOOST_TEST(r.changes[0].line == 8);
  BOOST_TEST(r.changes[1].line == 11);
  BOOST_TEST(r.changes[1].before ==
             "SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"vmxnet3\", ATTR{address}==\"00:50:56:8A:3C:12\", "
             "ATTR{dev_id}==\"0x0\", ATTR{type}==\"1\", KERNEL==\"eth*\", NAME=\"eth1\"");
  BOOST_TEST(r.changes[2].line == 14);
  BOOST_TEST((describe(pins) == std::vector<std::string>{"eth0=00:50:56:8a:3c:11", "eth1=00:50:56:8a:3c:12",
                                                          "eth2=00:0c:29:5e:77:a0", "eth3="}));
  BOOST_TEST(pins[0].source == "/etc/udev/rules.d/70-persistent-net.rules");
}

BOOST_AUTO_TEST_CASE(a_rule_without_a_mac_is_warned_about_and_not_widened) {
  std::vector<InterfacePin> pins;
  auto r = rewrite_persistent_net_rules(read_data("70-persistent-net.rules-debian"), &pins);
  BOOST_REQUIRE_EQUAL(r.warnings.size(), 1u);
  BOOST_TEST(r.warnings[0].find("line 17") != std::string::npos);
  BOOST_TEST(r.warnings[0].find("eth3") != std::string::npos);
  // The PCI-path rule stays exactly as it was.
  BOOST_TEST(r.content.find("SUBSYSTEM==\"net\", ACTION==\"add\", KERNELS==\"0000:0b:00.0\", NAME=\"eth3\"\n") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(rewriting_rewritten_rules_changes_nothing) {
  const std::string once = read_data("70-persistent-net.rules-debian.expected");
  std::vector<InterfacePin> pins;
  auto r = rewrite_persistent_net_rules(once, &pins);
  BOOST_TEST(r.content == once);
  BOOST_TEST(!r.changed());
  BOOST_TEST(pins.size() == 4u);
}

BOOST_AUTO_TEST_CASE(hyperv_and_pci_id_keys_go_generic_keys_stay) {
  const std::string in =
      "SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"hv_netvsc\", ATTRS{vendor}==\"0x15ad\", "
      "ATTR{address}==\"00:15:5d:01:02:03\", KERNEL==\"eth*\", NAME=\"lan0\"\n";
  std::vector<InterfacePin> pins;
  auto r = rewrite_persistent_net_rules(in, &pins);
  BOOST_TEST(r.content == "SUBSYSTEM==\"net\", ACTION==\"add\", ATTR{address}==\"00:15:5d:01:02:03\", KERNEL==\"eth*\", "
                          "NAME=\"lan0\"\n");
  BOOST_TEST((describe(pins) == std::vector<std::string>{"lan0=00:15:5d:01:02:03"}));
}

BOOST_AUTO_TEST_CASE(rules_that_do_not_name_interfaces_are_untouched) {
  const std::string in =
      "# disable TSO on VMware NICs\n"
      "ACTION==\"add\", SUBSYSTEM==\"net\", DRIVERS==\"vmxnet3\", RUN+=\"/sbin/ethtool -K %k tso off\"\n";
  std::vector<InterfacePin> pins{{"stale", "", ""}};
  auto r = rewrite_persistent_net_rules(in, &pins);
  BOOST_TEST(r.content == in);
  BOOST_TEST(pins.empty());
  BOOST_TEST(r.warnings.empty());
  BOOST_TEST(!rewrite_persistent_net_rules(in, nullptr).changed());
}

BOOST_AUTO_TEST_SUITE_END()

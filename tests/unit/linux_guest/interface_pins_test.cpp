#include <boost/test/unit_test.hpp>

#include "engine/guest/linux/rewriters.hpp"
#include "linux_guest_test_support.hpp"

using namespace h2k::linux_guest;
using namespace h2k::linux_guest::testing;
using Strings = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(interface_pins)

BOOST_AUTO_TEST_CASE(link_file_matches_the_mac_and_sets_the_name) {
  const std::string link = systemd_link_file({"ens192", "00:50:56:aa:bb:01", "/etc/network/interfaces"});
  const std::string body = "[Match]\nMACAddress=00:50:56:aa:bb:01\n\n[Link]\nName=ens192\n";
  BOOST_REQUIRE_GE(link.size(), body.size());
  BOOST_TEST(link.substr(link.size() - body.size()) == body);
  // Everything before the body is a comment saying who wrote it.
  const std::string header = link.substr(0, link.size() - body.size());
  BOOST_TEST(header.find("hyper2kvm") != std::string::npos);
  for (std::size_t at = 0; at < header.size(); at = header.find('\n', at) + 1) BOOST_TEST(header[at] == '#');
}

BOOST_AUTO_TEST_CASE(udev_rule_names_the_nic_with_that_mac_only) {
  BOOST_TEST(udev_name_rule({"eth0", "00:50:56:8a:3c:11", ""}) ==
             "SUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", ATTR{address}==\"00:50:56:8a:3c:11\", NAME=\"eth0\"\n");
}

BOOST_AUTO_TEST_CASE(configured_macs_are_kept_and_the_one_gap_is_filled_without_warning) {
  Strings warnings;
  auto pins = pair_interfaces_with_macs({{"ens192", "00:50:56:AA:BB:01", "netplan"}, {"ens224", "", "ifcfg-ens224"}},
                                        {"00:50:56:aa:bb:01", "00:50:56:AA:BB:02"}, &warnings);
  BOOST_TEST((describe(pins) == Strings{"ens192=00:50:56:aa:bb:01", "ens224=00:50:56:aa:bb:02"}));
  BOOST_TEST(pins[1].source == "ifcfg-ens224");
  BOOST_TEST(warnings.empty());
}

BOOST_AUTO_TEST_CASE(several_gaps_are_paired_in_natural_name_order_with_a_warning) {
  Strings warnings;
  auto pins = pair_interfaces_with_macs({{"eth10", "", "a"}, {"ens224", "", "b"}, {"eth2", "", "c"}, {"ens192", "", "d"}},
                                        {"00:50:56:00:00:01", "00:50:56:00:00:02", "00:50:56:00:00:03", "00:50:56:00:00:04"},
                                        &warnings);
  BOOST_TEST((describe(pins) == Strings{"ens192=00:50:56:00:00:01", "ens224=00:50:56:00:00:02", "eth2=00:50:56:00:00:03",
                                        "eth10=00:50:56:00:00:04"}));
  BOOST_TEST(warnings.size() == 4u);
  BOOST_TEST(warnings[0].find("paired by order") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_name_configured_in_several_files_is_pinned_once_preferring_the_mac) {
  Strings warnings;
  auto pins = pair_interfaces_with_macs(
      {{"ens192", "", "/etc/network/interfaces"}, {"ens192", "00:50:56:aa:bb:01", "/etc/netplan/50-cloud-init.yaml"}},
      {"00:50:56:aa:bb:01"}, &warnings);
  BOOST_REQUIRE_EQUAL(pins.size(), 1u);
  BOOST_TEST(pins[0].mac == "00:50:56:aa:bb:01");
  BOOST_TEST(pins[0].source == "/etc/netplan/50-cloud-init.yaml");
  BOOST_TEST(warnings.empty());
}

BOOST_AUTO_TEST_CASE(a_configured_mac_no_source_nic_has_is_kept_with_a_warning) {
  Strings warnings;
  auto pins = pair_interfaces_with_macs({{"ens256", "00:50:56:aa:bb:03", "interfaces"}}, {"00:50:56:aa:bb:01"}, &warnings);
  BOOST_TEST((describe(pins) == Strings{"ens256=00:50:56:aa:bb:03"}));
  BOOST_REQUIRE_EQUAL(warnings.size(), 1u);
  BOOST_TEST(warnings[0].find("no source NIC") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(names_beyond_the_source_nics_are_not_pinned) {
  Strings warnings;
  auto pins = pair_interfaces_with_macs({{"eth0", "", "a"}, {"eth1", "", "a"}}, {"00:50:56:00:00:01"}, &warnings);
  BOOST_TEST((describe(pins) == Strings{"eth0=00:50:56:00:00:01"}));
  BOOST_REQUIRE_EQUAL(warnings.size(), 2u);
  BOOST_TEST(warnings[1].find("eth1") != std::string::npos);
  BOOST_TEST(warnings[1].find("not pinned") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(two_names_claiming_one_mac_keep_the_first) {
  Strings warnings;
  auto pins = pair_interfaces_with_macs({{"eth0", "00:50:56:00:00:01", "a"}, {"lan0", "00:50:56:00:00:01", "b"}},
                                        {"00:50:56:00:00:01"}, &warnings);
  BOOST_TEST((describe(pins) == Strings{"eth0=00:50:56:00:00:01"}));
  BOOST_TEST(warnings.size() == 1u);
}

BOOST_AUTO_TEST_CASE(mac_spellings_are_compared_in_normal_form) {
  Strings warnings;
  auto pins = pair_interfaces_with_macs({{"eth0", "00-50-56-8A-3C-11", "a"}, {"eth1", "", "b"}},
                                        {"00:50:56:8a:3c:11", "00-50-56-8A-3C-12"}, &warnings);
  BOOST_TEST((describe(pins) == Strings{"eth0=00:50:56:8a:3c:11", "eth1=00:50:56:8a:3c:12"}));
  BOOST_TEST(warnings.empty());
}

BOOST_AUTO_TEST_CASE(works_without_a_warnings_sink) {
  auto pins = pair_interfaces_with_macs({{"eth0", "", "a"}, {"eth1", "", "a"}}, {}, nullptr);
  BOOST_TEST(pins.empty());
}

BOOST_AUTO_TEST_SUITE_END()

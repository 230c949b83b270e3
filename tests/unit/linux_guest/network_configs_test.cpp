#include <boost/test/unit_test.hpp>

#include "engine/guest/linux/rewriters.hpp"
#include "linux_guest_test_support.hpp"

using namespace h2k::linux_guest;
using namespace h2k::linux_guest::testing;
using Strings = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(debian_interfaces)

BOOST_AUTO_TEST_CASE(debian12_installer_file_names_the_primary_nic_once) {
  auto pins = interfaces_from_debian_interfaces(read_data("interfaces-debian12"), "/etc/network/interfaces");
  BOOST_TEST((describe(pins) == Strings{"ens192="}));
  BOOST_TEST(pins[0].source == "/etc/network/interfaces");
}

BOOST_AUTO_TEST_CASE(bridge_ports_vlan_parents_and_hwaddress_are_resolved_to_nics) {
  auto pins = interfaces_from_debian_interfaces(read_data("interfaces-bridge-vlan"), "/etc/network/interfaces");
  BOOST_TEST((describe(pins) == Strings{"ens192=", "ens256=00:50:56:aa:bb:03", "ens224="}));
}

BOOST_AUTO_TEST_CASE(bonds_and_vlan_raw_devices) {
  const std::string text =
      "auto bond0\niface bond0 inet dhcp\n  bond-slaves eth0 eth1\n  bond-mode active-backup\n"
      "auto vlan20\niface vlan20 inet manual\n  vlan-raw-device eth2\n";
  BOOST_TEST((describe(interfaces_from_debian_interfaces(text, "f")) == Strings{"eth0=", "eth1=", "eth2="}));
}

BOOST_AUTO_TEST_CASE(a_bridge_with_any_name_is_not_a_nic) {
  // Named like a NIC would be: only its bridge_ports line tells it apart.
  const std::string text = "auto internal\niface internal inet static\n  address 10.1.0.1/24\n  bridge-ports ens161\n";
  BOOST_TEST((describe(interfaces_from_debian_interfaces(text, "f")) == Strings{"ens161="}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(netplan)

BOOST_AUTO_TEST_CASE(ubuntu2204_installer_config_names_the_nic_by_its_id) {
  auto pins = interfaces_from_netplan(read_data("netplan-ubuntu2204-installer.yaml"), "/etc/netplan/00-installer-config.yaml");
  BOOST_TEST((describe(pins) == Strings{"ens192="}));
  BOOST_TEST(pins[0].source == "/etc/netplan/00-installer-config.yaml");
}

BOOST_AUTO_TEST_CASE(cloud_init_set_name_with_mac_match_gives_name_and_lowercase_mac) {
  auto pins = interfaces_from_netplan(read_data("netplan-ubuntu2204-cloud-init.yaml"), "f");
  BOOST_TEST((describe(pins) == Strings{"ens192=00:50:56:aa:bb:01", "ens224=00:50:56:aa:bb:02"}));
}

BOOST_AUTO_TEST_CASE(driver_and_glob_matches_pin_nothing_and_bridges_are_not_nics) {
  auto pins = interfaces_from_netplan(read_data("netplan-bridge.yaml"), "f");
  BOOST_TEST((describe(pins) == Strings{"ens192=", "ens224="}));
}

BOOST_AUTO_TEST_CASE(flow_style_yaml_is_understood) {
  auto pins = interfaces_from_netplan(
      "network: {version: 2, ethernets: {lan: {match: {macaddress: \"00:50:56:AA:BB:09\"}, set-name: lan0}}}\n", "f");
  BOOST_TEST((describe(pins) == Strings{"lan0=00:50:56:aa:bb:09"}));
}

BOOST_AUTO_TEST_CASE(broken_yaml_or_other_documents_give_nothing) {
  BOOST_TEST(interfaces_from_netplan("network:\n  ethernets:\n    ens192: [unclosed\n", "f").empty());
  BOOST_TEST(interfaces_from_netplan("", "f").empty());
  BOOST_TEST(interfaces_from_netplan("- a\n- b\n", "f").empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ifcfg)

BOOST_AUTO_TEST_CASE(rhel8_anaconda_ifcfg_names_its_device) {
  auto pins = interfaces_from_ifcfg(read_data("ifcfg-ens192-rhel8"), "/etc/sysconfig/network-scripts/ifcfg-ens192");
  BOOST_TEST((describe(pins) == Strings{"ens192="}));
}

BOOST_AUTO_TEST_CASE(centos6_quoted_values_and_hwaddr) {
  auto pins = interfaces_from_ifcfg(read_data("ifcfg-eth0-centos6"), "/etc/sysconfig/network-scripts/ifcfg-eth0");
  BOOST_TEST((describe(pins) == Strings{"eth0=00:50:56:9a:12:35"}));
}

BOOST_AUTO_TEST_CASE(sles_ifcfg_without_device_takes_the_file_name) {
  auto pins = interfaces_from_ifcfg(read_data("ifcfg-eth0-sles15"), "/etc/sysconfig/network/ifcfg-eth0");
  BOOST_TEST((describe(pins) == Strings{"eth0="}));
}

BOOST_AUTO_TEST_CASE(bonds_loopback_and_vlans) {
  BOOST_TEST(interfaces_from_ifcfg(read_data("ifcfg-bond0-rhel7"), "/etc/sysconfig/network-scripts/ifcfg-bond0").empty());
  BOOST_TEST(interfaces_from_ifcfg("DEVICE=lo\nIPADDR=127.0.0.1\n", "/etc/sysconfig/network-scripts/ifcfg-lo").empty());
  BOOST_TEST((describe(interfaces_from_ifcfg("DEVICE=ens192.100\nVLAN=yes\nPHYSDEV=ens192\n", "ifcfg-ens192.100")) ==
              Strings{"ens192="}));
  BOOST_TEST((describe(interfaces_from_ifcfg("DEVICE=ens224\nMASTER=bond0\nSLAVE=yes\nMACADDR=00:50:56:aa:bb:05 # spoofed\n",
                                             "ifcfg-ens224")) == Strings{"ens224=00:50:56:aa:bb:05"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(nm_keyfile)

BOOST_AUTO_TEST_CASE(rhel9_keyfile_gives_interface_name_and_mac) {
  auto pins = interfaces_from_nm_keyfile(read_data("ens192.nmconnection-rhel9"),
                                         "/etc/NetworkManager/system-connections/ens192.nmconnection");
  BOOST_TEST((describe(pins) == Strings{"ens192=00:50:56:9a:12:34"}));
}

BOOST_AUTO_TEST_CASE(old_networkmanager_decimal_byte_mac_is_decoded) {
  auto pins = interfaces_from_nm_keyfile(read_data("wired-connection-1-nm-0.9"), "f");
  BOOST_TEST((describe(pins) == Strings{"eth0=00:50:56:aa:bb:01"}));
}

BOOST_AUTO_TEST_CASE(profiles_without_interface_name_or_of_virtual_type_pin_nothing) {
  BOOST_TEST(interfaces_from_nm_keyfile("[connection]\nid=Wired\ntype=ethernet\n\n[ethernet]\nmac-address=00:50:56:aa:bb:01\n", "f").empty());
  BOOST_TEST(interfaces_from_nm_keyfile("[connection]\nid=br0\ntype=bridge\ninterface-name=br0\n", "f").empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(networkd)

BOOST_AUTO_TEST_CASE(name_match_gives_a_pin_without_mac) {
  BOOST_TEST((describe(interfaces_from_networkd(read_data("10-ens192.network"), "f")) == Strings{"ens192="}));
}

BOOST_AUTO_TEST_CASE(glob_names_pin_nothing) {
  BOOST_TEST(interfaces_from_networkd(read_data("20-wired-glob.network"), "f").empty());
}

BOOST_AUTO_TEST_CASE(name_with_mac_match_gives_both) {
  BOOST_TEST((describe(interfaces_from_networkd(read_data("30-storage-mac.network"), "f")) ==
              Strings{"ens256=00:50:56:aa:bb:03"}));
}

BOOST_AUTO_TEST_CASE(virtual_device_names_and_loopback_pin_nothing) {
  // A .network for a bridge or bond says nothing of its kind (that is in the
  // .netdev), so the well-known virtual prefixes decide.
  for (const char* name : {"br0", "bond0", "vmbr0", "virbr0", "team0", "vlan20", "docker0", "wg0", "tap0", "lo"})
    BOOST_TEST(interfaces_from_networkd(std::string("[Match]\nName=") + name + "\n", "f").empty(), name);
  BOOST_TEST((describe(interfaces_from_networkd("[Match]\nName=lan0\n", "f")) == Strings{"lan0="}));
}

BOOST_AUTO_TEST_CASE(several_names_cannot_share_one_mac) {
  BOOST_TEST((describe(interfaces_from_networkd("[Match]\nName=ens192 ens224 en*\nMACAddress=00:50:56:aa:bb:01\n", "f")) ==
              Strings{"ens192=", "ens224="}));
}

BOOST_AUTO_TEST_SUITE_END()

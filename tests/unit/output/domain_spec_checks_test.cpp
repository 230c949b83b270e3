// What render_domain_xml refuses, and why: each error names the domain and
// says what is wrong, before libvirt ever sees the XML.
#include "tests/unit/output/output_test_support.hpp"

#include "engine/output/disk_target.hpp"

using namespace h2k;
using namespace h2k::output_test;

BOOST_AUTO_TEST_SUITE(domain_spec_checks)

BOOST_AUTO_TEST_CASE(names) {
  expect_error([] { render_domain_xml(basic_spec("")); }, ErrorKind::InvalidInput, "<domain>", "empty");
  expect_error([] { render_domain_xml(basic_spec("web/01")); }, ErrorKind::InvalidInput, "web/01", "'/'");
  expect_error([] { render_domain_xml(basic_spec("web\n01")); }, ErrorKind::InvalidInput, "web", "control character");
  expect_error([] { render_domain_xml(basic_spec("caf\xe9")); }, ErrorKind::InvalidInput, "caf", "UTF-8");
  expect_error([] { render_domain_xml(basic_spec(std::string(101, 'x'))); }, ErrorKind::InvalidInput, "xxx",
               "101 characters");
  // 100 characters is fine, also when they take several bytes each.
  BOOST_CHECK_NO_THROW(render_domain_xml(basic_spec(std::string(100, 'x'))));
  std::string hundred_e_acute;
  for (int i = 0; i < 100; ++i) hundred_e_acute += "\xc3\xa9";
  BOOST_CHECK_NO_THROW(render_domain_xml(basic_spec(hundred_e_acute)));
}

BOOST_AUTO_TEST_CASE(macs) {
  auto with_mac = [](const std::string& mac) {
    DomainSpec s = basic_spec();
    s.nics = {{mac, "virtio", "default"}};
    return s;
  };
  expect_error([&] { render_domain_xml(with_mac("00:50:56:aa:bb")); }, ErrorKind::InvalidInput, "web01",
               "invalid MAC address '00:50:56:aa:bb'");
  expect_error([&] { render_domain_xml(with_mac("00-50-56-aa-bb-cc")); }, ErrorKind::InvalidInput, "web01",
               "invalid MAC");
  expect_error([&] { render_domain_xml(with_mac("01:00:5e:00:00:01")); }, ErrorKind::InvalidInput, "web01",
               "multicast");
  DomainSpec twice = basic_spec();
  twice.nics = {{"00:50:56:aa:bb:cc", "virtio", "default"}, {"00:50:56:AA:BB:CC", "virtio", "default"}};
  expect_error([&] { render_domain_xml(twice); }, ErrorKind::InvalidInput, "web01", "two NICs");
}

BOOST_AUTO_TEST_CASE(disks_and_sizes) {
  DomainSpec s = basic_spec();
  s.disks.clear();
  expect_error([&] { render_domain_xml(s); }, ErrorKind::InvalidInput, "web01", "no disks");

  s = basic_spec();
  s.disks[0].path = "relative/disk1.qcow2";
  expect_error([&] { render_domain_xml(s); }, ErrorKind::InvalidInput, "web01", "absolute");

  s = basic_spec();
  s.disks[0].format = "vmdk";
  expect_error([&] { render_domain_xml(s); }, ErrorKind::InvalidInput, "web01", "'vmdk'");

  s = basic_spec();
  s.disks[0].bus = "ide";
  expect_error([&] { render_domain_xml(s); }, ErrorKind::InvalidInput, "web01", "'ide'");

  s = basic_spec();
  s.disks.push_back({"/d/two.qcow2", "qcow2", "virtio", 1});
  expect_error([&] { render_domain_xml(s); }, ErrorKind::InvalidInput, "web01", "boot order 1 is used twice");

  s = basic_spec();
  s.memory_mib = 0;
  expect_error([&] { render_domain_xml(s); }, ErrorKind::InvalidInput, "web01", "memory");

  s = basic_spec();
  s.vcpus = 0;
  expect_error([&] { render_domain_xml(s); }, ErrorKind::InvalidInput, "web01", "vCPU");

  s = basic_spec();
  s.uuid = "not-a-uuid";
  expect_error([&] { render_domain_xml(s); }, ErrorKind::InvalidInput, "web01", "UUID");

  s = basic_spec();
  s.firmware = Firmware::Unknown;
  expect_error([&] { render_domain_xml(s); }, ErrorKind::InvalidInput, "web01", "firmware");

  s = basic_spec();
  s.nics = {{"", "vmxnet3", "default"}};
  expect_error([&] { render_domain_xml(s); }, ErrorKind::InvalidInput, "web01", "vmxnet3");
}

BOOST_AUTO_TEST_CASE(target_names_continue_like_the_kernel) {
  BOOST_TEST(disk_target_name("virtio", 0) == "vda");
  BOOST_TEST(disk_target_name("virtio", 25) == "vdz");
  BOOST_TEST(disk_target_name("virtio", 26) == "vdaa");
  BOOST_TEST(disk_target_name("sata", 1) == "sdb");
  BOOST_TEST(disk_target_name("sata", 701) == "sdzz");
  BOOST_TEST(disk_target_name("sata", 702) == "sdaaa");
}

BOOST_AUTO_TEST_SUITE_END()

// define_domain against libvirt's in-process test driver: the domain is
// really defined (seen from another connection of this process), persistent,
// and failures name the URI with libvirt's reason.
#include "tests/unit/output/output_test_support.hpp"

using namespace h2k;
using namespace h2k::output_test;

BOOST_AUTO_TEST_SUITE(define_domain_tests)

BOOST_AUTO_TEST_CASE(defines_a_persistent_domain_and_returns_its_uuid) {
  Connection observer = open_observer();
  DomainSpec spec = basic_spec("define-me");
  spec.nics = {{"00:50:56:01:02:03", "virtio", "default"}};
  const std::string uuid = define_domain(render_domain_xml(spec), kTestUri);
  BOOST_TEST(uuid.size() == 36u);

  Domain by_name(virDomainLookupByName(observer.get(), "define-me"));
  BOOST_TEST_REQUIRE(by_name != nullptr, "the domain is not visible after define_domain");
  char found_uuid[VIR_UUID_STRING_BUFLEN] = {};
  BOOST_TEST_REQUIRE(virDomainGetUUIDString(by_name.get(), found_uuid) == 0);
  BOOST_TEST(std::string(found_uuid) == uuid);
  BOOST_TEST(virDomainIsPersistent(by_name.get()) == 1);
  BOOST_TEST(virDomainIsActive(by_name.get()) == 0, "define must not start the guest");

  auto stored = parse_xml(stored_xml(by_name.get()));
  auto devices = stored.child("domain").child("devices");
  BOOST_TEST(std::string(devices.child("disk").child("source").attribute("file").value()) ==
             "/var/lib/hyper2kvm/web01/disk1.qcow2");
  BOOST_TEST(devices.child("disk").child("boot").attribute("order").as_int() == 1);
  BOOST_TEST(std::string(devices.child("interface").child("mac").attribute("address").value()) ==
             "00:50:56:01:02:03");
}

BOOST_AUTO_TEST_CASE(keeps_the_uuid_from_the_spec) {
  Connection observer = open_observer();
  DomainSpec spec = basic_spec("with-uuid");
  spec.uuid = "0b3e4c2a-9d7f-4e61-8a5b-3c2d1e0f9a8b";
  BOOST_TEST(define_domain(render_domain_xml(spec), kTestUri) == spec.uuid);
}

BOOST_AUTO_TEST_CASE(a_second_vm_with_the_same_name_is_refused) {
  Connection observer = open_observer();
  define_domain(render_domain_xml(basic_spec("twin")), kTestUri);
  expect_error([] { define_domain(render_domain_xml(basic_spec("twin")), kTestUri); }, ErrorKind::InvalidInput,
               kTestUri, "already exists");
}

BOOST_AUTO_TEST_CASE(unreachable_uri_is_named) {
  const std::string uri = "qemu+unix:///system?socket=/nonexistent/h2k-test.sock";
  expect_error([&] { define_domain(render_domain_xml(basic_spec()), uri); }, ErrorKind::Io, uri,
               "cannot connect");
}

BOOST_AUTO_TEST_CASE(unknown_driver_uri_is_named) {
  const std::string uri = "nosuchdriver:///x";
  expect_error([&] { define_domain(render_domain_xml(basic_spec()), uri); }, ErrorKind::Io, uri, "cannot connect");
}

BOOST_AUTO_TEST_CASE(xml_libvirt_rejects_is_reported_with_its_reason) {
  Connection observer = open_observer();
  expect_error([] { define_domain("<domain type='kvm'><name>x</name>", kTestUri); }, ErrorKind::Internal, kTestUri,
               "libvirt refused the domain");
}

BOOST_AUTO_TEST_SUITE_END()

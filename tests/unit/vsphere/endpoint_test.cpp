#include <boost/test/unit_test.hpp>

#include "engine/vsphere/vsphere_session.hpp"

using namespace h2k::vsphere;

namespace {
std::string refusal_of(const std::string& input, TlsPolicy tls = {}) {
  try {
    parse_endpoint(input, tls);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  BOOST_FAIL("'" << input << "' was accepted as HOST[:PORT]");
  return {};
}
}  // namespace

BOOST_AUTO_TEST_SUITE(vsphere_endpoint)

BOOST_AUTO_TEST_CASE(host_alone_means_port_443) {
  const Endpoint e = parse_endpoint("vcenter.example.com", {});
  BOOST_TEST(e.host == "vcenter.example.com");
  BOOST_TEST(e.port == 443);
  BOOST_TEST(authority(e) == "vcenter.example.com");
}

BOOST_AUTO_TEST_CASE(host_and_port) {
  const Endpoint e = parse_endpoint("127.0.0.1:8989", {});
  BOOST_TEST(e.host == "127.0.0.1");
  BOOST_TEST(e.port == 8989);
  BOOST_TEST(authority(e) == "127.0.0.1:8989");
}

BOOST_AUTO_TEST_CASE(ipv6_in_brackets_and_a_pasted_sdk_url) {
  const Endpoint v6 = parse_endpoint("[fd00::5]:8443", {});
  BOOST_TEST(v6.host == "fd00::5");
  BOOST_TEST(v6.port == 8443);
  BOOST_TEST(authority(v6) == "[fd00::5]:8443");
  const Endpoint url = parse_endpoint("https://vc.example.com/sdk", {});
  BOOST_TEST(url.host == "vc.example.com");
  BOOST_TEST(url.port == 443);
}

BOOST_AUTO_TEST_CASE(empty_host_and_bad_ports_are_refused) {
  BOOST_TEST(refusal_of("").find("no host") != std::string::npos);
  BOOST_TEST(refusal_of(":443").find("no host") != std::string::npos);
  BOOST_TEST(refusal_of("vc:").find("empty port") != std::string::npos);
  BOOST_TEST(refusal_of("vc:0").find("port '0' is not a number from 1 to 65535") != std::string::npos);
  BOOST_TEST(refusal_of("vc:65536").find("65536") != std::string::npos);
  BOOST_TEST(refusal_of("vc:https").find("port 'https'") != std::string::npos);
  BOOST_TEST(refusal_of("user@vc").find("expected HOST[:PORT]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_thumbprint_is_normalized_or_refused_with_the_endpoint) {
  TlsPolicy tls;
  tls.thumbprint = std::string(64, 'a');
  const Endpoint e = parse_endpoint("vc", tls);
  BOOST_TEST(e.tls.thumbprint.substr(0, 6) == "AA:AA:");
  BOOST_TEST(e.tls.thumbprint.size() == 95u);
  tls.thumbprint = "AA:BB";
  BOOST_TEST(refusal_of("vc", tls).find("thumbprint") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lease_device_urls_get_the_endpoint_host) {
  const Endpoint e = parse_endpoint("127.0.0.1:8989", {});
  BOOST_TEST(device_url_for("https://*/nfc/52a1/disk-0.vmdk", e) == "https://127.0.0.1:8989/nfc/52a1/disk-0.vmdk");
  BOOST_TEST(device_url_for("https://*:443/nfc/52a1/disk-0.vmdk", e) == "https://127.0.0.1:443/nfc/52a1/disk-0.vmdk");
  BOOST_TEST(device_url_for("https://esx1.example.com/nfc/x/disk-0.vmdk", e) ==
             "https://esx1.example.com/nfc/x/disk-0.vmdk");
  const Endpoint standard = parse_endpoint("vc.example.com", {});
  BOOST_TEST(device_url_for("https://*/nfc/x/d.vmdk", standard) == "https://vc.example.com/nfc/x/d.vmdk");
}

BOOST_AUTO_TEST_SUITE_END()

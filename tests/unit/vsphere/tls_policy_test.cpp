#include <boost/test/unit_test.hpp>

#include "engine/vsphere/tls_policy.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k::vsphere;

namespace {
const std::string kUpper = "44:8F:62:8A:8A:65:AA:18:56:0E:53:A8:0C:53:AC:B3:8C:51:B4:27:DF:03:34:08:23:49:14:11:47:DC:9B:F6";

std::string invalid_argument_of(const std::string& input) {
  try {
    normalize_thumbprint(input);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  BOOST_FAIL("'" << input << "' was accepted as a thumbprint");
  return {};
}
}  // namespace

BOOST_AUTO_TEST_SUITE(tls_thumbprint)

BOOST_AUTO_TEST_CASE(every_spelling_of_a_sha256_fingerprint_normalizes_to_upper_case_with_colons) {
  std::string lower = kUpper;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string bare;
  for (char c : lower)
    if (c != ':') bare += c;
  BOOST_TEST(normalize_thumbprint(kUpper) == kUpper);
  BOOST_TEST(normalize_thumbprint(lower) == kUpper);
  BOOST_TEST(normalize_thumbprint(bare) == kUpper);
}

BOOST_AUTO_TEST_CASE(malformed_thumbprints_are_refused_saying_why) {
  BOOST_TEST(invalid_argument_of(kUpper.substr(0, kUpper.size() - 1)).find("63 hex digits") != std::string::npos);
  // A SHA-1 thumbprint (what older vSphere tools print) is 20 bytes.
  BOOST_TEST(invalid_argument_of("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01").find("SHA-1") !=
             std::string::npos);
  std::string bad = kUpper;
  bad[4] = 'G';
  BOOST_TEST(invalid_argument_of(bad).find("'G' is not a hex digit") != std::string::npos);
  BOOST_TEST(invalid_argument_of("").find("0 hex digits") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(thumbprint_of_a_certificate_matches_openssl_fingerprint) {
  h2k::test::ScratchDir dir("vsphere-tls");
  const auto key = dir / "key.pem";
  const auto der = dir / "cert.der";
  h2k::test::run_ok({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.string(), "-subj",
                     "/CN=vcenter.test", "-days", "1", "-outform", "DER", "-out", der.string()});
  std::string expected = h2k::test::run_ok({"openssl", "x509", "-inform", "DER", "-in", der.string(), "-noout",
                                            "-fingerprint", "-sha256"});
  expected = expected.substr(expected.find('=') + 1);
  while (!expected.empty() && (expected.back() == '\n' || expected.back() == '\r')) expected.pop_back();
  const std::string bytes = h2k::test::read_file(der);
  BOOST_TEST(thumbprint_of_der(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) == expected);
}

BOOST_AUTO_TEST_CASE(a_pin_mismatch_names_both_thumbprints) {
  TlsPolicy policy;
  policy.thumbprint = kUpper;
  TlsCheck check{kUpper, "00" + kUpper.substr(2)};
  const std::string message = describe_transfer_failure(CURLE_PEER_FAILED_VERIFICATION, "", policy, &check);
  BOOST_TEST(message == "certificate thumbprint mismatch: server presented " + check.presented + ", expected " + kUpper);
}

BOOST_AUTO_TEST_CASE(an_unverified_chain_says_which_options_fix_it) {
  TlsPolicy policy;
  const std::string message = describe_transfer_failure(
      CURLE_PEER_FAILED_VERIFICATION, "SSL certificate problem: self-signed certificate", policy, nullptr);
  BOOST_TEST(message.find("certificate verification failed") != std::string::npos);
  BOOST_TEST(message.find("--thumbprint") != std::string::npos);
  BOOST_TEST(message.find("--ca-file") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// The `api:` section (REST API) and the callback keys of `notifications:`:
// defaults, what "explicitly set" means, errors naming the key, and what
// --check-config shows (paths, never secrets).
#include <sys/stat.h>

#include <fstream>

#include <boost/test/unit_test.hpp>

#include "config_test_support.hpp"

using namespace h2k;
using namespace h2k::test;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_config_api)

BOOST_AUTO_TEST_CASE(defaults_to_loopback_8080_not_explicit) {
  auto c = parse("");
  BOOST_TEST(c.api.enabled);
  BOOST_TEST(c.api.listen.to_string() == "127.0.0.1:8080");
  BOOST_TEST(!c.api.listen_explicit);
  BOOST_TEST(c.api.max_body_bytes == 1048576u);
  BOOST_TEST(c.api.timeout.count() == 10);
  BOOST_TEST(error_of("") == "(no error)");
}

BOOST_AUTO_TEST_CASE(listen_set_is_explicit_and_off_disables) {
  auto c = parse("api:\n  listen: \"[::1]:9000\"\n  max_body_bytes: 4096\n  timeout: 2m\n");
  BOOST_TEST(c.api.listen_explicit);
  BOOST_TEST(c.api.listen.host == "::1");
  BOOST_TEST(c.api.listen.port == 9000);
  BOOST_TEST(c.api.max_body_bytes == 4096u);
  BOOST_TEST(c.api.timeout.count() == 120);
  BOOST_TEST(!parse("api:\n  listen: off\n").api.enabled);
  BOOST_TEST(!parse("api:\n  listen: \"\"\n").api.enabled);
  BOOST_TEST(parse("api:\n  listen:\n").api.enabled);  // null keeps the default
}

BOOST_AUTO_TEST_CASE(errors_name_the_key) {
  BOOST_TEST(contains(error_of("api:\n  listen: 8080\n"), "api.listen"));
  BOOST_TEST(contains(error_of("api:\n  max_body_bytes: 10\n"), "api.max_body_bytes"));
  BOOST_TEST(contains(error_of("api:\n  lisen: 127.0.0.1:1\n"), "api.lisen"));
  const std::string open = error_of("api:\n  listen: 0.0.0.0:8080\n");
  BOOST_TEST(contains(open, "api.token_file"), open);
  BOOST_TEST(contains(open, "not a loopback"), open);
  BOOST_TEST(error_of("api:\n  listen: 0.0.0.0:8080\n  token_file: /etc/h2k/token\n") == "(no error)");
  BOOST_TEST(contains(error_of("notifications:\n  callback_url: ftp://x/y\n"), "notifications.callback_url"));
}

BOOST_AUTO_TEST_CASE(loopback_addresses) {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1"})
    BOOST_TEST(is_loopback_host(h), h);
  for (const char* h : {"0.0.0.0", "::", "10.0.0.5", "192.168.1.1", "example.com", "::ffff:10.0.0.1"})
    BOOST_TEST(!is_loopback_host(h), h);
}

BOOST_AUTO_TEST_CASE(check_config_shows_paths_not_secrets) {
  TempDir t;
  const auto secret = t.path / "callback.secret";
  std::ofstream(secret) << "hmac-key-123\n";
  ::chmod(secret.c_str(), 0600);
  auto c = parse("api:\n  token_file: /etc/h2k/api.token\nnotifications:\n  callback_url: https://hv.example/hook/s3cr3t\n"
                 "  callback_secret_file: " + secret.string() + "\n  callback_all_jobs: true\n");
  BOOST_TEST(error_of_validate(c) == "(no error)");
  const std::string shown = c.to_json().dump();
  BOOST_TEST(c.to_json()["api"]["token_file"] == "/etc/h2k/api.token");
  BOOST_TEST(c.to_json()["notifications"]["callback_secret_file"] == secret.string());
  BOOST_TEST(c.to_json()["notifications"]["callback_all_jobs"] == true);
  BOOST_TEST(!contains(shown, "s3cr3t"), shown);
  BOOST_TEST(!contains(shown, "hmac-key-123"), shown);
  ::chmod(secret.c_str(), 0644);
  const std::string open = error_of_validate(c);
  BOOST_TEST(contains(open, "notifications.callback_secret_file"), open);
}

BOOST_AUTO_TEST_SUITE_END()

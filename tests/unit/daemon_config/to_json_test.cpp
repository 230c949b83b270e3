// to_json(): every setting for --check-config and the log, secrets redacted.
#include <boost/test/unit_test.hpp>

#include "config_test_support.hpp"

using namespace h2k;
using namespace h2k::test;

BOOST_AUTO_TEST_SUITE(daemon_config_to_json)

BOOST_AUTO_TEST_CASE(secrets_never_appear) {
  const auto c = parse(R"(notifications:
  enabled: true
  webhook_url: "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXX"
  webhook_type: slack
  webhook_headers:
    Authorization: "Bearer s3cr3t-t0ken"
  email_enabled: true
  smtp_server: smtp.example.com
  smtp_username: notifications@example.com
  smtp_password: "hunter2-app-password"
  email_from: h2k@example.com
  email_to: ops@example.com
)");
  const auto j = c.to_json();
  const std::string text = j.dump();
  for (const char* secret : {"T00000000", "XXXXXXXXXXXXXXXXXXXX", "s3cr3t-t0ken", "hunter2-app-password"})
    BOOST_TEST(text.find(secret) == std::string::npos, secret);
  BOOST_TEST(j["notifications"]["webhook_url"] == "https://hooks.slack.com/***");
  BOOST_TEST(j["notifications"]["webhook_headers"]["Authorization"] == "***");
  BOOST_TEST(j["notifications"]["smtp_password"] == "***");
  // What is not secret stays readable.
  BOOST_TEST(j["notifications"]["smtp_username"] == "notifications@example.com");
  BOOST_TEST(j["notifications"]["webhook_type"] == "slack");
}

BOOST_AUTO_TEST_CASE(unset_secrets_stay_empty) {
  const auto j = default_daemon_config().to_json();
  BOOST_TEST(j["notifications"]["smtp_password"] == "");
  BOOST_TEST(j["notifications"]["webhook_url"] == "");
}

BOOST_AUTO_TEST_CASE(values_and_units_as_configured) {
  const auto j = parse(R"(max_concurrent_jobs: 5
file_stable_timeout: 1.5
deduplication_use_md5: true
retry_policy:
  retry_delay: 10m
  backoff_multiplier: 1.5
conversion:
  output_format: raw
  vmware_tools: keep
  verify_boot: yes
  verify_boot_timeout: 2m
  verify_boot_accel: kvm
  libguestfs:
    backend_settings: ""
    memsize: 2048
    kvm_probe_timeout: 45s
)")
                     .to_json();
  BOOST_TEST(j["max_concurrent_jobs"] == 5);
  BOOST_TEST(j["file_stable_timeout"] == 1.5);
  BOOST_TEST(j["deduplication_method"] == "md5");
  BOOST_TEST(j["retry_policy"]["retry_delay"] == 600);
  BOOST_TEST(j["retry_policy"]["backoff_multiplier"] == 1.5);
  BOOST_TEST(j["conversion"]["output_format"] == "raw");
  BOOST_TEST(j["conversion"]["vmware_tools"] == "keep");
  BOOST_TEST(j["conversion"]["verify_boot"] == true);
  BOOST_TEST(j["conversion"]["verify_boot_timeout"] == 120);
  BOOST_TEST(j["conversion"]["verify_boot_accel"] == "kvm");
  BOOST_TEST(j["conversion"]["libguestfs"]["backend_settings"] == "");
  BOOST_TEST(j["conversion"]["libguestfs"]["memsize"] == 2048);
  BOOST_TEST(j["conversion"]["libguestfs"]["kvm_probe_timeout"] == 45);
  BOOST_TEST(j["state_dir"] == "/var/lib/hyper2kvm/state");
  BOOST_TEST(j["state_db"] == "/var/lib/hyper2kvm/state/state.rocksdb");
}

BOOST_AUTO_TEST_CASE(redact_url_keeps_only_scheme_and_host) {
  BOOST_TEST(redact_url("https://discord.com/api/webhooks/123/abc") == "https://discord.com/***");
  BOOST_TEST(redact_url("https://user:pw@hooks.example.com:8443/x?token=1") == "https://***@hooks.example.com:8443/***");
  BOOST_TEST(redact_url("https://monitor.example.com") == "https://monitor.example.com");
  BOOST_TEST(redact_url("https://monitor.example.com/") == "https://monitor.example.com");
  BOOST_TEST(redact_url("xoxb-bare-token") == "***");
  BOOST_TEST(redact_url("") == "");
}

BOOST_AUTO_TEST_SUITE_END()

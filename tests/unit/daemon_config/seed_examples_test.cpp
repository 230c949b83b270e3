// The configurations printed in the Python daemon's user guide, verbatim:
// what users will paste into daemon.yaml.
#include <boost/test/unit_test.hpp>

#include "config_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(daemon_config_guide_examples)

BOOST_AUTO_TEST_CASE(quick_start) {
  const auto c = parse(R"(command: daemon
daemon: true
watch_dir: /var/lib/hyper2kvm/queue
output_dir: /var/lib/hyper2kvm/output
work_dir: /var/lib/hyper2kvm/work

# Enable all enhancements
max_concurrent_jobs: 3
file_stable_timeout: 30
enable_deduplication: true
archive_processed: true

retry_policy:
  enabled: true
  max_retries: 3
  retry_delay: 300
  backoff_multiplier: 2.0

verbose: 2
)");
  BOOST_TEST(c.max_concurrent_jobs == 3);
  BOOST_TEST(c.verbose == 2);
  BOOST_TEST(c.retry_policy.retry_delay.count() == 300'000);
  BOOST_CHECK_NO_THROW(c.validate());
}

BOOST_AUTO_TEST_CASE(production_config_with_a_vsphere_password_is_refused_naming_the_key) {
  const std::string production = R"(command: daemon
daemon: true

# Directories
watch_dir: /var/lib/hyper2kvm/queue
output_dir: /var/lib/hyper2kvm/output
work_dir: /var/lib/hyper2kvm/work

# Logging
log_file: /var/log/hyper2kvm/daemon.log
verbose: 2

# Performance
max_concurrent_jobs: 3
file_stable_timeout: 60

# Reliability
retry_policy:
  enabled: true
  max_retries: 3
  retry_delay: 600
  backoff_multiplier: 2.0

# Deduplication
enable_deduplication: true
deduplication_use_md5: false

# File Management
archive_processed: true

# Notifications
notifications:
  enabled: true
  webhook_url: "YOUR_WEBHOOK_URL"
  webhook_type: "slack"
  notify_on_success: false
  notify_on_failure: true
  notify_on_stall: true
)";
  const std::string vsphere = R"(
# vSphere connection (if using vSphere export)
vsphere:
  server: "vcenter.company.com"
  username: "automation@vsphere.local"
  password: "CHANGE_ME"
  datacenter: "DC1"
  insecure: false
)";
  const auto err = error_of(production + vsphere);
  BOOST_TEST(err.rfind("daemon.yaml: vsphere.password: not allowed in the configuration", 0) == 0, err);
  // Without the password, the section is accepted (credentials from a 0600 file or the environment).
  std::string without_password = vsphere;
  without_password.replace(without_password.find("  password: \"CHANGE_ME\"\n"), 24, "");
  BOOST_TEST(error_of(production + without_password) == "daemon.yaml: notifications.webhook_url: must be an http:// or https:// URL");
  // Without it, the guide's placeholder URL is caught before anything is sent.
  BOOST_TEST(error_of(production) == "daemon.yaml: notifications.webhook_url: must be an http:// or https:// URL");
  const auto c = parse(production);
  BOOST_TEST(c.log_file == fs::path("/var/log/hyper2kvm/daemon.log"));
  BOOST_TEST(c.file_stable_timeout.count() == 60'000);
  BOOST_TEST(c.notifications.webhook_type == WebhookType::Slack);
}

BOOST_AUTO_TEST_CASE(slack_and_discord_webhooks) {
  const auto slack = parse(R"(notifications:
  enabled: true
  webhook_url: "https://hooks.slack.com/services/YOUR/WEBHOOK/URL"
  webhook_type: "slack"

  # Optional: Filter events
  notify_on_success: false  # Don't spam on every success
  notify_on_failure: true   # Alert on failures
  notify_on_stall: true     # Alert if daemon stalls
)");
  BOOST_CHECK_NO_THROW(slack.validate());
  BOOST_TEST(slack.notifications.webhook_url == "https://hooks.slack.com/services/YOUR/WEBHOOK/URL");
  const auto discord = parse(R"(notifications:
  enabled: true
  webhook_url: "https://discord.com/api/webhooks/YOUR/WEBHOOK/URL"
  webhook_type: "discord"
  notify_on_success: true
  notify_on_failure: true
)");
  BOOST_CHECK_NO_THROW(discord.validate());
  BOOST_TEST(discord.notifications.webhook_type == WebhookType::Discord);
  BOOST_TEST(discord.notifications.notify_on_success);
}

BOOST_AUTO_TEST_CASE(generic_webhook_with_headers) {
  const auto c = parse(R"(notifications:
  enabled: true
  webhook_url: "https://your-monitoring.com/webhook"
  webhook_type: "generic"  # Sends JSON payload
  webhook_headers:
    Authorization: "Bearer YOUR_TOKEN"
    X-Custom-Header: "value"
)");
  BOOST_CHECK_NO_THROW(c.validate());
  BOOST_TEST(c.notifications.webhook_headers.size() == 2u);
  BOOST_TEST(c.notifications.webhook_headers.at("Authorization") == "Bearer YOUR_TOKEN");
}

BOOST_AUTO_TEST_CASE(combined_webhook_and_email_with_stall_interval) {
  const auto c = parse(R"(notifications:
  enabled: true

  # Webhook for real-time alerts
  webhook_url: "https://hooks.slack.com/services/YOUR/WEBHOOK/URL"
  webhook_type: "slack"

  # Email for failures only
  email_enabled: true
  smtp_server: "smtp.company.com"
  smtp_port: 587
  smtp_use_tls: true
  smtp_username: "notifications@company.com"
  smtp_password: "password"
  email_from: "hyper2kvm@company.com"
  email_to: "oncall@company.com"

  # Event filters
  notify_on_success: false  # Slack only, not email
  notify_on_failure: true   # Both Slack and email
  notify_on_stall: true     # Both
  stall_check_interval: 3600
)");
  BOOST_CHECK_NO_THROW(c.validate());
  const auto& n = c.notifications;
  BOOST_TEST(n.email_to == std::vector<std::string>{"oncall@company.com"}, boost::test_tools::per_element());
  BOOST_TEST(n.smtp_password == "password");
  BOOST_TEST(n.stall_check_interval.count() == 3'600'000);
}

BOOST_AUTO_TEST_CASE(email_to_may_be_a_list) {
  const auto c = parse("notifications:\n  email_to: [ops@example.com, oncall@example.com]\n");
  BOOST_TEST(c.notifications.email_to.size() == 2u);
  BOOST_TEST(c.notifications.email_to[1] == "oncall@example.com");
}

BOOST_AUTO_TEST_CASE(deduplication_use_md5_selects_md5) {
  BOOST_TEST((parse("deduplication_use_md5: true\n").deduplication_method == DedupMethod::Md5));
  BOOST_TEST((parse("deduplication_use_md5: false\n").deduplication_method == DedupMethod::NameAndSize));
  BOOST_TEST((parse("deduplication_method: xxh128\n").deduplication_method == DedupMethod::Xxh128));
  BOOST_TEST((parse("deduplication_use_md5: true\ndeduplication_method: md5\n").deduplication_method ==
              DedupMethod::Md5));
  BOOST_TEST(error_of("deduplication_use_md5: true\ndeduplication_method: xxh128\n") ==
             "daemon.yaml: deduplication_method: 'xxh128' contradicts deduplication_use_md5: true "
             "(keep one of the two keys)");
}

BOOST_AUTO_TEST_SUITE_END()

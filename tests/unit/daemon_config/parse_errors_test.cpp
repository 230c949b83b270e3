// Wrong keys, types and ranges: each error names the file and the key path.
#include <boost/test/unit_test.hpp>

#include "config_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(daemon_config_parse_errors)

BOOST_AUTO_TEST_CASE(backoff_multiplier_below_one) {
  BOOST_TEST(error_of("retry_policy:\n  backoff_multiplier: 0.5\n") ==
             "daemon.yaml: retry_policy.backoff_multiplier: must be >= 1.0 (got 0.5)");
}

BOOST_AUTO_TEST_CASE(unknown_keys_at_every_level) {
  BOOST_TEST(error_of("watch_dri: /q\n") == "daemon.yaml: watch_dri: unknown key (did you mean watch_dir?)");
  BOOST_TEST(error_of("notifications:\n  webhook_ur: https://x/y\n") ==
             "daemon.yaml: notifications.webhook_ur: unknown key (did you mean notifications.webhook_url?)");
  BOOST_TEST(error_of("conversion:\n  libguestfs:\n    memory: 2048\n") ==
             "daemon.yaml: conversion.libguestfs.memory: unknown key");
  BOOST_TEST(error_of("colour: blue\n") == "daemon.yaml: colour: unknown key");
}

BOOST_AUTO_TEST_CASE(a_key_in_the_wrong_section_says_where_it_belongs) {
  BOOST_TEST(error_of("output_format: raw\n") ==
             "daemon.yaml: output_format: unknown key (it belongs under another section: conversion.output_format)");
  BOOST_TEST(error_of("max_retries: 5\n") ==
             "daemon.yaml: max_retries: unknown key (it belongs under another section: retry_policy.max_retries)");
}

BOOST_AUTO_TEST_CASE(wrong_types_name_the_key) {
  BOOST_TEST(error_of("max_concurrent_jobs: many\n") ==
             "daemon.yaml: max_concurrent_jobs: expected a whole number (got 'many')");
  BOOST_TEST(error_of("max_concurrent_jobs: 2.5\n") ==
             "daemon.yaml: max_concurrent_jobs: expected a whole number (got '2.5')");
  BOOST_TEST(error_of("enable_deduplication: maybe\n") ==
             "daemon.yaml: enable_deduplication: expected true or false (got 'maybe')");
  BOOST_TEST(error_of("retry_policy: [1, 2]\n") ==
             "daemon.yaml: retry_policy: expected a mapping of keys, got a list");
  BOOST_TEST(error_of("watch_dir: [a, b]\n") == "daemon.yaml: watch_dir: expected a string, got a list");
  BOOST_TEST(error_of("notifications:\n  email_to: [ops@x.org, {a: b}]\n") ==
             "daemon.yaml: notifications.email_to[1]: expected a string, got a mapping");
  BOOST_TEST(error_of("notifications:\n  webhook_headers: Bearer x\n") ==
             "daemon.yaml: notifications.webhook_headers: expected a mapping of names to values, got a single value");
  BOOST_TEST(error_of("- watch_dir: /q\n") == "daemon.yaml: expected a mapping of keys at the top level");
}

BOOST_AUTO_TEST_CASE(ranges_name_the_key_and_the_value) {
  BOOST_TEST(error_of("max_concurrent_jobs: 0\n") ==
             "daemon.yaml: max_concurrent_jobs: must be between 1 and 64 (got 0)");
  BOOST_TEST(error_of("max_concurrent_jobs: 65\n") ==
             "daemon.yaml: max_concurrent_jobs: must be between 1 and 64 (got 65)");
  BOOST_TEST(error_of("verbose: 4\n") == "daemon.yaml: verbose: must be between 0 and 3 (got 4)");
  BOOST_TEST(error_of("retry_policy:\n  max_retries: -1\n") ==
             "daemon.yaml: retry_policy.max_retries: must be between 0 and 100 (got -1)");
  BOOST_TEST(error_of("notifications:\n  smtp_port: 70000\n") ==
             "daemon.yaml: notifications.smtp_port: must be between 1 and 65535 (got 70000)");
  BOOST_TEST(error_of("conversion:\n  libguestfs:\n    memsize: 64\n") ==
             "daemon.yaml: conversion.libguestfs.memsize: must be between 128 and 65536 (got 64)");
  BOOST_TEST(error_of("conversion:\n  libguestfs:\n    kvm_probe_timeout: 2h\n").find(
                 "daemon.yaml: conversion.libguestfs.kvm_probe_timeout: ") == 0u);
  BOOST_TEST(error_of("max_concurrent_jobs: 99999999999999999999\n") ==
             "daemon.yaml: max_concurrent_jobs: must be between 1 and 64 (got 99999999999999999999)");
}

BOOST_AUTO_TEST_CASE(choices_list_the_allowed_names) {
  BOOST_TEST(error_of("notifications:\n  webhook_type: teams\n") ==
             "daemon.yaml: notifications.webhook_type: must be slack, discord or generic (got 'teams')");
  BOOST_TEST(error_of("conversion:\n  output_format: vmdk\n") ==
             "daemon.yaml: conversion.output_format: must be qcow2 or raw (got 'vmdk')");
  BOOST_TEST(error_of("conversion:\n  vmware_tools: delete\n") ==
             "daemon.yaml: conversion.vmware_tools: must be keep, disable or remove (got 'delete')");
  BOOST_TEST(error_of("conversion:\n  verify_boot_accel: hvf\n") ==
             "daemon.yaml: conversion.verify_boot_accel: must be auto, kvm or tcg (got 'hvf')");
}

BOOST_AUTO_TEST_CASE(verification_boot_keys) {
  const auto c = parse("conversion:\n  verify_boot: true\n  verify_boot_timeout: 10m\n  verify_boot_accel: tcg\n");
  BOOST_TEST(c.conversion.verify_boot);
  BOOST_TEST(c.conversion.verify_boot_timeout_s == 600);
  BOOST_TEST((c.conversion.verify_boot_accel == AccelChoice::Tcg));
  BOOST_TEST(parse("conversion:\n  verify_boot_timeout: 90.2\n").conversion.verify_boot_timeout_s == 91);  // rounded up
  BOOST_TEST((parse("conversion:\n  verify_boot_accel: kvm\n").conversion.verify_boot_accel == AccelChoice::Kvm));
  BOOST_TEST(error_of("conversion:\n  verify_boot: sometimes\n") ==
             "daemon.yaml: conversion.verify_boot: expected true or false (got 'sometimes')");
  BOOST_TEST(error_of("conversion:\n  verify_boot_timeout: 5\n") ==
             "daemon.yaml: conversion.verify_boot_timeout: must be between 30 and 86400 seconds (got 5)");
  BOOST_TEST(error_of("conversion:\n  verify_boot_timeout: soon\n") ==
             "daemon.yaml: conversion.verify_boot_timeout: expected a duration: seconds as a number (300) or with a "
             "unit (90s, 5m, 2h) (got 'soon')");
  BOOST_TEST(error_of("conversion:\n  verify_boot_timout: 300\n") ==
             "daemon.yaml: conversion.verify_boot_timout: unknown key (did you mean conversion.verify_boot_timeout?)");
  BOOST_TEST(error_of("verify_boot: true\n") ==
             "daemon.yaml: verify_boot: unknown key (it belongs under another section: conversion.verify_boot)");
}

BOOST_AUTO_TEST_CASE(durations_are_seconds_or_carry_a_unit) {
  BOOST_TEST(parse("file_stable_timeout: 1.5\n").file_stable_timeout.count() == 1500);
  BOOST_TEST(parse("file_stable_timeout: 90s\n").file_stable_timeout.count() == 90'000);
  BOOST_TEST(parse("retry_policy:\n  retry_delay: 5m\n").retry_policy.retry_delay.count() == 300'000);
  BOOST_TEST(parse("notifications:\n  stall_check_interval: 2h\n").notifications.stall_check_interval.count() ==
             7'200'000);
  BOOST_TEST(parse("conversion:\n  libguestfs:\n    launch_timeout: 10m\n").conversion.libguestfs.launch_timeout_s ==
             600);
  BOOST_TEST(error_of("file_stable_timeout: soon\n") ==
             "daemon.yaml: file_stable_timeout: expected a duration: seconds as a number (300) or with a unit "
             "(90s, 5m, 2h) (got 'soon')");
  BOOST_TEST(error_of("file_stable_timeout: -1\n") ==
             "daemon.yaml: file_stable_timeout: must be between 0 and 86400 seconds (got -1)");
  BOOST_TEST(parse("job_stall_timeout: 20m\n").job_stall_timeout.count() == 1'200'000);
  BOOST_TEST(error_of("job_stall_timeout: 0\n") ==
             "daemon.yaml: job_stall_timeout: must be between 1 and 604800 seconds (got 0)");
  BOOST_TEST(error_of("notifications:\n  stall_check_interval: 10\n") ==
             "daemon.yaml: notifications.stall_check_interval: must be between 60 and 604800 seconds (got 10)");
}

BOOST_AUTO_TEST_CASE(yaml_1_1_booleans_as_the_python_daemon_read_them) {
  BOOST_TEST(!parse("archive_processed: no\n").archive_processed);
  BOOST_TEST(!parse("archive_processed: off\n").archive_processed);
  BOOST_TEST(parse("notifications:\n  enabled: yes\n  webhook_url: https://x.org/h\n").notifications.enabled);
}

BOOST_AUTO_TEST_CASE(an_empty_value_keeps_the_default) {
  const auto c = parse("max_concurrent_jobs:\nlog_file:\nretry_policy:\nwatch_dir: ~\n");
  BOOST_TEST(c.max_concurrent_jobs == 2);
  BOOST_TEST(c.log_file.empty());
  BOOST_TEST(c.retry_policy.max_retries == 3);
  BOOST_TEST(c.watch_dir == fs::path("/var/lib/hyper2kvm/queue"));
}

BOOST_AUTO_TEST_CASE(paths) {
  TempDir t;
  const auto c = parse_daemon_config("watch_dir: incoming\noutput_dir: ../out/\n", t.path / "etc" / "daemon.yaml");
  BOOST_TEST(c.watch_dir == t.path / "etc" / "incoming");   // relative to the file's folder
  BOOST_TEST(c.output_dir == t.path / "out");
  BOOST_TEST(error_of("watch_dir: \"\"\n") == "daemon.yaml: watch_dir: must not be empty");
  BOOST_TEST(error_of("work_dir: ~/work\n") ==
             "daemon.yaml: work_dir: '~' is not expanded; write the full path (got '~/work')");
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_refused) {
  const auto err = error_of("max_concurrent_jobs: 2\nmax_concurrent_jobs: 8\n");
  BOOST_TEST(err == "daemon.yaml: max_concurrent_jobs: given twice");
}

BOOST_AUTO_TEST_CASE(yaml_syntax_errors_give_the_line) {
  const auto err = error_of("watch_dir: /q\nretry_policy:\n  max_retries: [1, 2\n");
  BOOST_TEST(err.rfind("daemon.yaml: not valid YAML: line ", 0) == 0, err);
}

BOOST_AUTO_TEST_CASE(load_names_a_missing_file) {
  try {
    load_daemon_config("/nonexistent/daemon.yaml");
    BOOST_FAIL("expected an error");
  } catch (const ConfigError& e) {
    BOOST_TEST(std::string(e.what()) == "/nonexistent/daemon.yaml: no such file");
    BOOST_TEST(e.file() == "/nonexistent/daemon.yaml");
  }
}

BOOST_AUTO_TEST_CASE(load_validates_and_names_the_file) {
  TempDir t;
  const auto file = t.write("daemon.yaml", "watch_dir: /srv/x\noutput_dir: /srv/x\n");
  try {
    load_daemon_config(file);
    BOOST_FAIL("expected an error");
  } catch (const ConfigError& e) {
    BOOST_TEST(e.file() == file.string());
    BOOST_TEST(e.key() == "output_dir");
  }
}

BOOST_AUTO_TEST_SUITE_END()

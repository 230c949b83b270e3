// DaemonConfig::validate(): relations between settings.
#include <boost/test/unit_test.hpp>

#include "config_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

namespace {

DaemonConfig with_dirs(const fs::path& watch, const fs::path& output, const fs::path& work) {
  auto c = default_daemon_config();
  c.source_file = "daemon.yaml";
  c.watch_dir = watch;
  c.output_dir = output;
  c.work_dir = work;
  return c;
}

bool starts(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_config_validate)

BOOST_AUTO_TEST_CASE(separate_folders_are_fine) {
  BOOST_TEST(error_of_validate(with_dirs("/srv/queue", "/srv/output", "/srv/work")) == "(no error)");
  // Hidden folders inside watch_dir are outside what the watcher scans.
  BOOST_TEST(error_of_validate(with_dirs("/srv/queue", "/srv/queue/.converted", "/srv/queue/.work")) == "(no error)");
}

BOOST_AUTO_TEST_CASE(watch_and_output_must_differ) {
  BOOST_TEST(error_of_validate(with_dirs("/srv/q", "/srv/q/", "/srv/w")) ==
             "daemon.yaml: output_dir: must differ from watch_dir (/srv/q)");
}

BOOST_AUTO_TEST_CASE(output_inside_the_watched_area_is_refused) {
  const auto err = error_of_validate(with_dirs("/srv/q", "/srv/q/converted", "/srv/w"));
  BOOST_TEST(starts(err, "daemon.yaml: output_dir: must not be inside watch_dir (/srv/q)"), err);
  const auto deep = error_of_validate(with_dirs("/srv/q", "/srv/q/a/b/../c", "/srv/w"));
  BOOST_TEST(starts(deep, "daemon.yaml: output_dir: must not be inside watch_dir"), deep);
}

BOOST_AUTO_TEST_CASE(watch_inside_output_is_refused) {
  BOOST_TEST(error_of_validate(with_dirs("/srv/out/queue", "/srv/out", "/srv/w")) ==
             "daemon.yaml: watch_dir: must not be inside output_dir (/srv/out): every folder there is a published VM");
}

BOOST_AUTO_TEST_CASE(work_dir_rules) {
  BOOST_TEST(error_of_validate(with_dirs("/srv/q", "/srv/o", "/srv/q")) ==
             "daemon.yaml: work_dir: must differ from watch_dir (/srv/q)");
  BOOST_TEST(error_of_validate(with_dirs("/srv/q", "/srv/o", "/srv/o")) ==
             "daemon.yaml: work_dir: must differ from output_dir (/srv/o)");
  BOOST_TEST(starts(error_of_validate(with_dirs("/srv/q", "/srv/o", "/srv/q/tmp")),
                    "daemon.yaml: work_dir: must not be inside watch_dir (/srv/q)"));
  BOOST_TEST(error_of_validate(with_dirs("/srv/h2k/q", "/srv/o", "/srv/h2k")) ==
             "daemon.yaml: work_dir: must not contain watch_dir or output_dir: it holds scratch files the daemon deletes");
}

BOOST_AUTO_TEST_CASE(symlinks_are_seen_through) {
  TempDir t;
  fs::create_directories(t.path / "queue");
  fs::create_directory_symlink(t.path / "queue", t.path / "incoming");
  const auto err = error_of_validate(with_dirs(t.path / "incoming", t.path / "queue" / "out", t.path / "work"));
  BOOST_TEST(starts(err, "daemon.yaml: output_dir: must not be inside watch_dir"), err);
}

BOOST_AUTO_TEST_CASE(log_file_must_not_be_picked_up) {
  auto c = with_dirs("/srv/q", "/srv/o", "/srv/w");
  c.log_file = "/srv/q/daemon.log";
  BOOST_TEST(starts(error_of_validate(c), "daemon.yaml: log_file: must not be inside watch_dir"));
  c.log_file = "/srv/q/.logs/daemon.log";
  BOOST_TEST(error_of_validate(c) == "(no error)");
}

BOOST_AUTO_TEST_CASE(scan_area_rule) {
  BOOST_TEST(in_watch_scan_area("/srv/q", "/srv/q"));
  BOOST_TEST(in_watch_scan_area("/srv/q", "/srv/q/sub/dir"));
  BOOST_TEST(!in_watch_scan_area("/srv/q", "/srv/q/.errors"));
  BOOST_TEST(!in_watch_scan_area("/srv/q", "/srv/q/sub/.hidden/x"));
  BOOST_TEST(!in_watch_scan_area("/srv/q", "/srv/queue2"));
  BOOST_TEST(!in_watch_scan_area("/srv/q", "/srv"));
}

BOOST_AUTO_TEST_CASE(enabled_notifications_need_a_channel) {
  BOOST_TEST(error_of("notifications:\n  enabled: true\n") ==
             "daemon.yaml: notifications.enabled: is true but nothing can be sent: set webhook_url, or "
             "email_enabled: true with the smtp_ and email_ keys");
  // Disabled notifications are not checked: a half-filled section may wait there.
  BOOST_TEST(error_of("notifications:\n  enabled: false\n  email_enabled: true\n") == "(no error)");
}

BOOST_AUTO_TEST_CASE(email_needs_server_sender_and_recipients) {
  const std::string base = "notifications:\n  enabled: true\n  email_enabled: true\n";
  BOOST_TEST(error_of(base) == "daemon.yaml: notifications.smtp_server: is required when email_enabled is true");
  const std::string with_server = base + "  smtp_server: smtp.example.com\n";
  BOOST_TEST(error_of(with_server) ==
             "daemon.yaml: notifications.email_from: must be an email address when email_enabled is true (got '')");
  const std::string with_from = with_server + "  email_from: h2k@example.com\n";
  BOOST_TEST(error_of(with_from) ==
             "daemon.yaml: notifications.email_to: needs at least one address when email_enabled is true");
  BOOST_TEST(error_of(with_from + "  email_to: [ops@example.com, oncall]\n") ==
             "daemon.yaml: notifications.email_to[1]: is not an email address (got 'oncall')");
  BOOST_TEST(error_of(with_from + "  email_to: ops@example.com\n") == "(no error)");
}

BOOST_AUTO_TEST_CASE(virtio_win_dir_must_exist_when_set) {
  TempDir t;
  BOOST_TEST(error_of("conversion:\n  virtio_win_dir: /nonexistent/virtio-win\n") ==
             "daemon.yaml: conversion.virtio_win_dir: no such folder (/nonexistent/virtio-win)");
  BOOST_TEST(error_of("conversion:\n  virtio_win_dir: " + t.path.string() + "\n") == "(no error)");
}

BOOST_AUTO_TEST_CASE(tls_ca_file_must_be_an_existing_file_when_set) {
  TempDir t;
  BOOST_TEST(error_of("notifications:\n  tls_ca_file: /nonexistent/ca.pem\n") ==
             "daemon.yaml: notifications.tls_ca_file: no such file (/nonexistent/ca.pem)");
  BOOST_TEST(error_of("notifications:\n  tls_ca_file: " + t.path.string() + "\n") ==
             "daemon.yaml: notifications.tls_ca_file: not a regular file (" + t.path.string() + ")");
  // A relative path is relative to the config file's folder.
  const auto file = t.write("daemon.yaml", "notifications:\n  tls_ca_file: certs/ca.pem\n");
  BOOST_TEST(error_of_validate(parse_daemon_config(read_file(file), file)) ==
             file.string() + ": notifications.tls_ca_file: no such file (" + (t.path / "certs/ca.pem").string() + ")");
  t.write("certs/ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const auto c = load_daemon_config(file);
  BOOST_TEST(c.notifications.tls_ca_file == t.path / "certs" / "ca.pem");
  BOOST_TEST(c.to_json()["notifications"]["tls_ca_file"] == (t.path / "certs" / "ca.pem").string());
}

BOOST_AUTO_TEST_CASE(built_in_defaults_are_named_as_such) {
  auto c = default_daemon_config();
  c.work_dir = c.watch_dir;
  BOOST_TEST(starts(error_of_validate(c), "daemon config (built-in defaults): work_dir: must differ"));
}

BOOST_AUTO_TEST_SUITE_END()

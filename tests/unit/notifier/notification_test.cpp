// notification_for(): which job events notify under which settings, and what
// they say (texts and generic details as in the daemon guide).
#include <boost/test/unit_test.hpp>

#include "actors/notifier/notification.hpp"
#include "notifier_test_support.hpp"

using namespace h2k;
using namespace h2k::test;

namespace {

std::string field(const Notification& n, const std::string& title) {
  for (auto& [t, v] : n.fields)
    if (t == title) return v;
  return "(no field " + title + ")";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(notifier_events)

BOOST_AUTO_TEST_CASE(a_scheduled_retry_is_a_failure_notice_with_the_retry) {
  const auto n = notification_for(job_event("retry_scheduled"), enabled_settings());
  BOOST_TEST_REQUIRE(n.has_value());
  BOOST_TEST(n->event == "conversion_failure");
  BOOST_TEST(n->title == "\u274C Conversion Failed");
  BOOST_TEST(n->text == "Failed to convert vm-123.vmdk");
  BOOST_TEST(n->color == "danger");
  BOOST_TEST(n->at_ms == kExampleMs);
  BOOST_TEST(field(*n, "Filename") == "vm-123.vmdk");
  BOOST_TEST(field(*n, "Size") == "51.2GB");
  BOOST_TEST(field(*n, "Error") == "Connection timeout to vSphere");
  BOOST_TEST(field(*n, "Retry") == "1/3 (next in 5.0 min)");
  // The guide's generic "details" object.
  BOOST_TEST(n->details["filename"] == "vm-123.vmdk");
  BOOST_TEST(n->details["file_size_mb"] == 51200.0);
  BOOST_TEST(n->details["error"] == "Connection timeout to vSphere");
  BOOST_TEST(n->details["retry_count"] == 1);
  BOOST_TEST(n->details["max_retries"] == 3);
  BOOST_TEST(n->details["next_retry_minutes"] == 5.0);
  BOOST_TEST(n->details["final"] == false);
}

BOOST_AUTO_TEST_CASE(the_final_failure_says_no_retries_are_left) {
  auto e = job_event("failed");
  e.attempt = 4;
  const auto n = notification_for(e, enabled_settings());
  BOOST_TEST_REQUIRE(n.has_value());
  BOOST_TEST(n->event == "conversion_failure");
  BOOST_TEST(field(*n, "Attempts") == "4 (no retries left)");
  BOOST_TEST(field(*n, "Retry") == "(no field Retry)");
  BOOST_TEST(n->details["retry_count"] == 3);
  BOOST_TEST(n->details["next_retry_minutes"].is_null());
  BOOST_TEST(n->details["final"] == true);
  // A file rejected outright (invalid input) is a failure too: the guide's
  // "echo test > queue/test.vmdk" must notify.
  auto r = job_event("rejected");
  r.error = "test.vmdk: not a VMDK (no descriptor, no sparse header)";
  const auto rejected = notification_for(r, enabled_settings());
  BOOST_TEST_REQUIRE(rejected.has_value());
  BOOST_TEST(rejected->event == "conversion_failure");
  BOOST_TEST(field(*rejected, "Attempts") == "(no field Attempts)");
}

BOOST_AUTO_TEST_CASE(failures_follow_notify_on_failure) {
  auto s = enabled_settings();
  s.notify_on_failure = false;
  BOOST_TEST(!notification_for(job_event("retry_scheduled"), s).has_value());
  BOOST_TEST(!notification_for(job_event("failed"), s).has_value());
}

BOOST_AUTO_TEST_CASE(successes_only_with_notify_on_success) {
  auto s = enabled_settings();
  BOOST_TEST(!s.notify_on_success);  // the default: no message per converted VM
  BOOST_TEST(!notification_for(job_event("succeeded"), s).has_value());
  s.notify_on_success = true;
  const auto n = notification_for(job_event("succeeded"), s);
  BOOST_TEST_REQUIRE(n.has_value());
  BOOST_TEST(n->event == "conversion_success");
  BOOST_TEST(n->title == "\u2705 Conversion Successful");
  BOOST_TEST(n->text == "vm-123.vmdk \u2192 2026-01-17/vm-123");
  BOOST_TEST(n->color == "good");
  BOOST_TEST(field(*n, "Duration") == "4m 32s");
  BOOST_TEST(field(*n, "Size") == "51.2GB");
  BOOST_TEST(n->details["output_path"] == "2026-01-17/vm-123");
  BOOST_TEST(n->details["duration_s"] == 272.0);
}

BOOST_AUTO_TEST_CASE(a_success_after_retries_resolves_the_failure_alerts) {
  auto e = job_event("succeeded");
  e.attempt = 2;
  e.previous_error = "Connection timeout to vSphere";
  e.duration_s = 312;
  // Sent whoever got the failure notices, even with success messages off.
  const auto n = notification_for(e, enabled_settings());
  BOOST_TEST_REQUIRE(n.has_value());
  BOOST_TEST(n->event == "retry_success");
  BOOST_TEST(n->title == "\u2705 Retry Successful");
  BOOST_TEST(n->text == "vm-123.vmdk succeeded on attempt 2/4");
  BOOST_TEST(field(*n, "Previous error") == "Connection timeout to vSphere");
  BOOST_TEST(field(*n, "Duration") == "5m 12s");
  BOOST_TEST(n->details["previous_error"] == "Connection timeout to vSphere");
  BOOST_TEST(n->details["retry_count"] == 1);
  auto s = enabled_settings();
  s.notify_on_failure = false;
  BOOST_TEST(!notification_for(e, s).has_value());
  s.notify_on_success = true;
  BOOST_TEST(notification_for(e, s).has_value());
}

BOOST_AUTO_TEST_CASE(other_events_and_disabled_notifications_send_nothing) {
  auto s = enabled_settings();
  s.notify_on_success = true;
  for (const char* kind : {"queued", "started", "duplicate", "cancelled", "something_new"})
    BOOST_TEST(!notification_for(job_event(kind), s).has_value(), kind);
  s.enabled = false;
  for (const char* kind : {"succeeded", "failed", "retry_scheduled"})
    BOOST_TEST(!notification_for(job_event(kind), s).has_value(), kind);
}

BOOST_AUTO_TEST_CASE(file_names_that_are_not_utf8_still_make_valid_json) {
  auto e = job_event("failed");
  e.filename = "caf\xE9-latin1.vmdk";  // a Latin-1 name on disk
  e.error = "cannot read caf\xE9-latin1.vmdk";
  const auto n = notification_for(e, enabled_settings());
  BOOST_TEST_REQUIRE(n.has_value());
  BOOST_TEST(n->details["filename"] == "caf\xEF\xBF\xBD-latin1.vmdk");
  BOOST_CHECK_NO_THROW(n->details.dump());  // strict dump throws on invalid UTF-8
  BOOST_TEST(field(*n, "Filename") == "caf\xEF\xBF\xBD-latin1.vmdk");
}

BOOST_AUTO_TEST_CASE(stall_and_test_notifications) {
  const auto n = stall_notification(std::chrono::minutes(61), 5, 0, kExampleMs);
  BOOST_TEST(n.event == "daemon_stall");
  BOOST_TEST(n.title == "\u26A0\uFE0F Daemon Stalled");
  BOOST_TEST(n.text == "No files processed in 61 minutes");
  BOOST_TEST(field(n, "Queue depth") == "5");
  BOOST_TEST(field(n, "Currently processing") == "0");
  BOOST_TEST(field(n, "Action") == "Check daemon health");
  BOOST_TEST(n.color == "warning");
  BOOST_TEST(n.details["queue_depth"] == 5);
  BOOST_TEST(n.details["idle_minutes"] == 61);
  const auto t = test_notification(kExampleMs);
  BOOST_TEST(t.event == "test");
  BOOST_TEST(t.at_ms == kExampleMs);
}

BOOST_AUTO_TEST_SUITE_END()

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

// Cluster mode: the scheduler's events for a converter node that went silent
// with 2 jobs: one slot_lost per job, then node_lost.
namespace {

const std::string kLostReason = "no heartbeat for more than 10000 ms";

msg::job_event slot_lost_on(const std::string& node, int slot, const std::string& job) {
  auto e = job_event("slot_lost");
  e.job_id = job;
  e.error = node + "/slot-" + std::to_string(slot) + " stopped: node " + node + " lost: " + kLostReason;
  return e;
}

msg::job_event node_lost_event(const std::string& node) {
  msg::job_event e;
  e.kind = "node_lost";
  e.error = "node " + node + " lost: " + kLostReason;
  e.at_ms = kExampleMs;
  return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_lost_node_is_an_operational_failure_notice) {
  NodeLossJobs jobs;
  BOOST_TEST(jobs.on_event(slot_lost_on("conv-01", 0, "job-1")) == 0u);
  BOOST_TEST(jobs.on_event(slot_lost_on("conv-02", 0, "job-9")) == 0u);  // another node's loss, later
  BOOST_TEST(jobs.on_event(job_event("started")) == 0u);
  BOOST_TEST(jobs.on_event(slot_lost_on("conv-01", 1, "job-2")) == 0u);
  auto plain = job_event("slot_lost");  // a local slot that died: no node loss
  plain.error = "slot-2 stopped: worker thread exited";
  BOOST_TEST(jobs.on_event(plain) == 0u);
  const auto e = node_lost_event("conv-01");
  const std::size_t moved = jobs.on_event(e);
  BOOST_TEST(moved == 2u);

  const auto n = notification_for(e, enabled_settings(), moved);
  BOOST_TEST_REQUIRE(n.has_value());
  BOOST_TEST(n->event == "node_lost");
  BOOST_TEST(n->title == "\u26A0\uFE0F Node Lost");
  BOOST_TEST(n->text ==
             "hyper2kvm: node conv-01 lost: no heartbeat for more than 10000 ms; its 2 job(s) get new leases");
  BOOST_TEST(n->color == "warning");
  BOOST_TEST(n->at_ms == kExampleMs);
  BOOST_TEST(field(*n, "Node") == "conv-01");
  BOOST_TEST(field(*n, "Reason") == kLostReason);
  BOOST_TEST(field(*n, "Jobs requeued") == "2");
  BOOST_TEST(field(*n, "Action") == "Check the node");
  BOOST_TEST(n->details == nlohmann::json::parse(R"({"node": "conv-01", "reason": "no heartbeat for more than 10000 ms",
      "error": "node conv-01 lost: no heartbeat for more than 10000 ms", "jobs_requeued": 2})"), n->details.dump());

  // Counted once: the next loss of conv-01 starts from zero; conv-02's count is its own.
  BOOST_TEST(jobs.on_event(e) == 0u);
  BOOST_TEST(jobs.on_event(node_lost_event("conv-02")) == 1u);
  // A node without jobs: no job clause, no job field.
  const auto idle = notification_for(node_lost_event("conv-03"), enabled_settings(), 0);
  BOOST_TEST_REQUIRE(idle.has_value());
  BOOST_TEST(idle->text == "hyper2kvm: node conv-03 lost: no heartbeat for more than 10000 ms");
  BOOST_TEST(field(*idle, "Jobs requeued") == "(no field Jobs requeued)");
  BOOST_TEST(idle->details["jobs_requeued"] == 0);
}

BOOST_AUTO_TEST_CASE(node_loss_follows_notify_on_failure) {
  auto s = enabled_settings();
  s.notify_on_stall = false;
  BOOST_TEST(notification_for(node_lost_event("conv-01"), s).has_value());
  s.notify_on_failure = false;
  s.notify_on_stall = true;
  BOOST_TEST(!notification_for(node_lost_event("conv-01"), s).has_value());
  s.notify_on_failure = true;
  s.enabled = false;
  BOOST_TEST(!notification_for(node_lost_event("conv-01"), s).has_value());
}

BOOST_AUTO_TEST_CASE(an_unexpected_node_lost_error_is_passed_on_whole) {
  BOOST_TEST((parse_node_lost("node conv-01 lost: connection lost (normal)") ==
              std::pair<std::string, std::string>{"conv-01", "connection lost (normal)"}));
  BOOST_TEST((parse_node_lost("conv-01 vanished") == std::pair<std::string, std::string>{"", "conv-01 vanished"}));
  BOOST_TEST((parse_node_lost("node  lost: x") == std::pair<std::string, std::string>{"", "node  lost: x"}));
  msg::job_event e;
  e.kind = "node_lost";
  e.error = "conv-01 vanished";
  const auto n = notification_for(e, enabled_settings());
  BOOST_TEST_REQUIRE(n.has_value());
  BOOST_TEST(n->text == "hyper2kvm: conv-01 vanished");
  BOOST_TEST(field(*n, "Node") == "(no field Node)");
  BOOST_TEST(field(*n, "Reason") == "conv-01 vanished");
}

BOOST_AUTO_TEST_SUITE_END()

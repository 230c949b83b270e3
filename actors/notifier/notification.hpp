#pragma once
// What a notification says, independent of where it goes: built from a
// scheduler job_event (or the stall detector), then rendered per channel by
// payloads.hpp (Slack attachment, Discord embed, generic JSON, email).
// Texts follow the Python daemon's guide ("❌ Conversion Failed",
// "Retry: 1/3 (next in 5.0 min)", ...), so existing channel filters and
// dashboards keep matching.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/settings/notification_settings.hpp"
#include "messages/messages.hpp"

namespace h2k {

struct Notification {
  // conversion_success, conversion_failure, retry_success, job_stalled, node_lost, daemon_stall, test.
  // A scheduled retry is a conversion_failure whose details carry the retry.
  std::string event;
  std::string title;   // "❌ Conversion Failed"
  std::string text;    // one line: "Failed to convert vm-123.vmdk"
  std::vector<std::pair<std::string, std::string>> fields;  // ("Filename", "vm-123.vmdk"), ...
  std::string color;   // Slack names: "good", "danger", "warning", or "#rrggbb"
  std::int64_t at_ms = 0;  // unix ms of what happened
  // The generic webhook's "details" object (filename, file_size_mb, error,
  // retry_count, max_retries, next_retry_minutes, ...).
  nlohmann::json details = nlohmann::json::object();
  // Set for a conversion-complete callback: this exact body is POSTed (it is
  // what the signature covers), with these headers, instead of the rendered
  // webhook payload.
  std::optional<std::string> raw_body;
  std::map<std::string, std::string> headers;
};

// The notification a job event deserves under `s`, or nullopt:
//   succeeded, attempt 1       -> conversion_success  (notify_on_success)
//   succeeded, attempt > 1     -> retry_success       (notify_on_success or notify_on_failure:
//                                                      it resolves failure alerts already sent)
//   retry_scheduled            -> conversion_failure with "Retry: n/m (next in x min)" (notify_on_failure)
//   failed, rejected           -> conversion_failure, final (notify_on_failure)
//   stalled                    -> job_stalled (notify_on_stall)
//   node_lost                  -> node_lost (notify_on_failure: an operational failure);
//                                 `node_jobs` = how many of the node's jobs got new
//                                 leases (NodeLossJobs), said when more than 0
//   anything else, or s.enabled false -> nullopt.
// Untrusted text (file names, errors) is made valid UTF-8.
std::optional<Notification> notification_for(const msg::job_event& e, const NotificationSettings& s,
                                             std::size_t node_jobs = 0);

// Cluster mode: the scheduler reports a lost node as a "node_lost" event
// (error "node <name> lost: <reason>", no job), right after one "slot_lost"
// event (error "<name>/slot-<n> stopped: node <name> lost: <reason>") for
// each of the node's jobs that went back to the queue. Fed every job event
// in order, this counts the latter for the former.
class NodeLossJobs {
public:
  // For a node_lost event: the node's jobs requeued since its last loss
  // (then forgotten); 0 for any other event.
  std::size_t on_event(const msg::job_event& e);

private:
  std::map<std::string, std::size_t> requeued_;  // by node
};

// The node name and reason in a node_lost event's error; name empty when
// the error is not of the form "node <name> lost: <reason>" (reason = the
// whole error then).
std::pair<std::string, std::string> parse_node_lost(const std::string& error);

// "⚠️ Daemon Stalled": nothing finished for `idle_for` while `queued` jobs wait.
// Whether stall alerts are wanted (s.enabled && s.notify_on_stall) is the caller's check.
Notification stall_notification(std::chrono::milliseconds idle_for, std::uint64_t queued, std::uint64_t running,
                                std::int64_t now_ms);

// A notification an operator sends to check the channels.
Notification test_notification(std::int64_t now_ms);

}  // namespace h2k

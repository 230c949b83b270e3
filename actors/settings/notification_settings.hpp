#pragma once
// What the notifier needs from daemon.yaml `notifications:` (webhook and
// email channels, which events, the stall check). Plain data: the YAML
// parsing and the checks between keys live with the node's configuration
// (h2k_daemon_config, the node's library), which fills these in.
#include <chrono>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace h2k {

enum class WebhookType { Slack, Discord, Generic };
const char* to_string(WebhookType t);  // "slack", "discord", "generic"
inline std::ostream& operator<<(std::ostream& os, WebhookType t) { return os << to_string(t); }

// The conversion-complete callback: a signed JSON POST to callback_url when
// a job ends (done, or an attempt failed), the seed's hypervisord webhook.
struct CallbackSettings {
  std::string url;                       // empty: no callbacks (a secret, like webhook_url)
  std::filesystem::path secret_file;     // HMAC-SHA256 key (mode 0600); empty: unsigned
  // Every job, or only those from a vSphere export (none yet: the daemon
  // has no exporter, so today only `true` sends anything).
  bool all_jobs = false;
  // Where the job's files are (filled from output_dir and watch_dir).
  std::filesystem::path output_root;
  std::filesystem::path errors_dir;      // <watch_dir>/.errors
};

struct NotificationSettings {
  bool enabled = false;
  std::string webhook_url;                          // a secret: Slack/Discord carry their token in it
  WebhookType webhook_type = WebhookType::Generic;  // generic: plain JSON any endpoint accepts
  std::map<std::string, std::string> webhook_headers;
  bool notify_on_success = false;
  bool notify_on_failure = true;
  bool notify_on_stall = true;
  // A stall alert fires when nothing finished for this long while work is waiting.
  std::chrono::milliseconds stall_check_interval = std::chrono::hours(1);
  bool email_enabled = false;
  std::string smtp_server;
  int smtp_port = 587;
  bool smtp_use_tls = true;                         // STARTTLS
  std::string smtp_username;
  std::string smtp_password;
  std::string email_from;
  std::vector<std::string> email_to;
  std::string email_subject_prefix = "[Hyper2KVM]";
  // PEM CA certificates that https webhooks and SMTP TLS servers are checked
  // against instead of the system's CAs (private CAs); empty: system CAs.
  std::filesystem::path tls_ca_file;
  CallbackSettings callback;

  // Webhooks or e-mail to send (the stall alert included).
  bool sends_notifications() const { return enabled && (!webhook_url.empty() || email_enabled); }
  // Whether the notifier has anything to do with job events: notifications
  // or conversion-complete callbacks. Without either the scheduler does not
  // send it the events at all.
  bool reads_job_events() const { return sends_notifications() || !callback.url.empty(); }
};

}  // namespace h2k

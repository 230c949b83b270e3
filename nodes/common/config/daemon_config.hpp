#pragma once
// The daemon's configuration: daemon.yaml parsed ONCE into these typed
// structs, which everything else reads. Keys and meanings follow the Python
// daemon's user guide (watch_dir, retry_policy, notifications, ...); engine
// options live under `conversion:`. cluster-config/daemon.yaml documents
// every key with its default.
//
// Errors (ConfigError) name the file and the key path. Unknown keys at any
// level are errors, so a misspelt setting never silently falls back to its
// default.
#include <chrono>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/copy/disk_copier.hpp"     // OutputFormat
#include "engine/guest/guest_fix.hpp"      // VmwareToolsAction, GuestfsSettings
#include "engine/verify/accel.hpp"         // AccelChoice
#include "nodes/common/config/config_error.hpp"
#include "storage/dedup_key.hpp"           // DedupMethod
#include "storage/retry_policy.hpp"

namespace h2k {

enum class WebhookType { Slack, Discord, Generic };
const char* to_string(WebhookType t);  // "slack", "discord", "generic"
inline std::ostream& operator<<(std::ostream& os, WebhookType t) { return os << to_string(t); }

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
};

// How each job is converted (what `hyper2kvm convert` takes as options).
struct ConversionSettings {
  OutputFormat output_format = OutputFormat::Qcow2;
  bool guest_fixes = true;
  VmwareToolsAction vmware_tools = VmwareToolsAction::Remove;
  bool rebuild_initramfs = true;
  std::filesystem::path virtio_win_dir;  // empty: Windows guests keep SATA + e1000e
  GuestfsSettings libguestfs;            // backend, backend_settings, launch_timeout_s, memsize_mib
  // Boot each converted guest (on throwaway overlays) before publishing it;
  // a guest that does not reach its default target fails the job.
  bool verify_boot = false;
  int verify_boot_timeout_s = 300;       // key verify_boot_timeout (a duration, 30s..24h)
  AccelChoice verify_boot_accel = AccelChoice::Auto;
};

struct DaemonConfig {
  static constexpr const char* kDefaultBase = "/var/lib/hyper2kvm";

  std::filesystem::path source_file;  // the YAML it came from; empty: built-in defaults
  std::filesystem::path watch_dir;    // default <base>/queue
  std::filesystem::path output_dir;   // default <base>/output
  std::filesystem::path work_dir;     // default <base>/work
  int max_concurrent_jobs = 2;        // 1..64
  // Wait until a dropped file stops growing, at most this long (0: don't wait).
  std::chrono::milliseconds file_stable_timeout = std::chrono::seconds(30);
  bool enable_deduplication = true;
  // deduplication_use_md5: true selects Md5 (the Python daemon's key);
  // deduplication_method names any of name_size, md5, xxh128.
  DedupMethod deduplication_method = DedupMethod::NameAndSize;
  bool archive_processed = true;      // move converted sources out of the watch folder
  RetryPolicy retry_policy;           // enabled, 3 retries, 300 s, x2.0
  NotificationSettings notifications;
  std::filesystem::path log_file;     // empty: stderr (the journal under systemd)
  int verbose = 1;                    // 0 warnings, 1 info, 2 debug, 3 trace
  ConversionSettings conversion;

  // Where the daemon keeps its own state (the Python daemon's `.daemon`).
  std::filesystem::path state_dir() const { return output_dir / ".daemon"; }
  std::filesystem::path state_db_path() const { return state_dir() / "state.rocksdb"; }

  // Checks relations between settings that no single key shows: the folders
  // (distinct, converted output never inside the watched area, ...) and
  // complete notification channels. Throws ConfigError naming the key.
  void validate() const;

  // Every setting, as --check-config prints it and the log records it.
  // Secrets are shown as "***": smtp_password, webhook header values, and
  // everything after the host in webhook_url (where Slack and Discord keep
  // their token).
  nlohmann::json to_json() const;
};

// Built-in defaults: folders under `base` (/var/lib/hyper2kvm unless given).
DaemonConfig default_daemon_config(const std::filesystem::path& base = DaemonConfig::kDefaultBase);

// Parses YAML text; `file` names it in errors and anchors relative paths
// (resolved against its folder). Does not call validate().
DaemonConfig parse_daemon_config(const std::string& yaml_text, const std::filesystem::path& file,
                                 const std::filesystem::path& base = DaemonConfig::kDefaultBase);

// Reads, parses and validates a config file.
DaemonConfig load_daemon_config(const std::filesystem::path& file,
                                const std::filesystem::path& base = DaemonConfig::kDefaultBase);

// Whether `path` lies in what the watcher scans: inside watch_dir, and not in
// a hidden folder of it (".errors", ".processed", ...: the watcher skips
// names starting with '.'). Both paths absolute; symlinks are resolved where
// they exist.
bool in_watch_scan_area(const std::filesystem::path& watch_dir, const std::filesystem::path& path);

// `url` with any user info and everything after the host replaced by "***".
std::string redact_url(const std::string& url);

}  // namespace h2k

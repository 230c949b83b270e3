#pragma once
// The daemon's configuration: daemon.yaml parsed ONCE into these typed
// structs, which everything else reads. Keys and meanings follow the Python
// daemon's user guide (watch_dir, retry_policy, notifications, ...); engine
// options live under `conversion:`. cluster-config/daemon.yaml documents
// every key with its default.
//
// The parts the actors are started with (ConversionSettings,
// NotificationSettings) are defined below the node, in actors/settings: the
// actors never include from nodes/.
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

#include "actors/settings/conversion_settings.hpp"    // ConversionSettings (engine option types)
#include "actors/settings/notification_settings.hpp"  // NotificationSettings, WebhookType
#include "actors/settings/redact_url.hpp"
#include "nodes/common/config/api_config.hpp"
#include "nodes/common/config/cluster_config.hpp"
#include "nodes/common/config/config_error.hpp"
#include "storage/dedup_key.hpp"           // DedupMethod
#include "storage/retry_policy.hpp"
#include "nodes/common/config/export_config.hpp"

namespace h2k {

struct DaemonConfig {
  static constexpr const char* kDefaultBase = "/var/lib/hyper2kvm";

  std::filesystem::path source_file;  // the YAML it came from; empty: built-in defaults
  std::filesystem::path watch_dir;    // default <base>/queue
  std::filesystem::path output_dir;   // default <base>/output
  std::filesystem::path work_dir;     // default <base>/work
  // The daemon's own state: the job database (state.rocksdb), stats.json,
  // metrics.prom and the control socket. Local disk: RocksDB locking and
  // Unix sockets do not work on NFS, where output_dir often is. An absolute
  // path (never resolved against the config file); default <base>/state.
  // The old place, <output_dir>/.daemon, is moved here once at start
  // (state_migration.hpp).
  std::filesystem::path state_dir;
  int max_concurrent_jobs = 2;        // 1..64
  // Wait until a dropped file stops growing, at most this long (0: don't wait).
  std::chrono::milliseconds file_stable_timeout = std::chrono::seconds(30);
  // Watchdog: a running job with no progress report for this long is
  // cancelled and retried (error_kind timeout).
  std::chrono::milliseconds job_stall_timeout = std::chrono::seconds(900);
  bool enable_deduplication = true;
  // deduplication_use_md5: true selects Md5 (the Python daemon's key);
  // deduplication_method names any of name_size, md5, xxh128.
  DedupMethod deduplication_method = DedupMethod::NameAndSize;
  bool archive_processed = true;      // move converted sources out of the watch folder
  // limits.per_source: jobs running at once per source, a source being the
  // first folder of a job's files under watch_dir (export nodes and
  // datastores write into their own folder); files at watch_dir's top are
  // not limited. 0: no limit.
  int per_source_limit = 10;
  RetryPolicy retry_policy;           // enabled, 3 retries, 300 s, x2.0
  NotificationSettings notifications;
  std::filesystem::path log_file;     // empty: stderr (the journal under systemd)
  int verbose = 1;                    // 0 warnings, 1 info, 2 debug, 3 trace
  ConversionSettings conversion;
  // The `cluster:` section; enabled is false without one (a single host).
  // When enabled, validate() also wants watch_dir and output_dir inside
  // share_root and state_dir outside it; a converter node's slot count is
  // max_concurrent_jobs.
  ClusterConfig cluster;
  // The `api:` section: the REST API of the coordinator (single-host daemon
  // or cluster coordinator).
  ApiConfig api;
  // `vsphere:` and `export:`: the export slots (hyperctl convert --vm).
  VsphereConfig vsphere;
  ExportConfig exports;

  std::filesystem::path state_db_path() const { return state_dir / "state.rocksdb"; }
  std::filesystem::path control_socket_path() const { return state_dir / "control.sock"; }

  // Checks relations between settings that no single key shows: the folders
  // (distinct, converted output never inside the watched area, ...),
  // complete notification channels and, in a cluster, the folders against
  // share_root and the TLS files. Throws ConfigError naming the key.
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

}  // namespace h2k

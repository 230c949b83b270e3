// daemon.yaml -> DaemonConfig: the one place that reads YAML.
#include <unistd.h>  // gethostname

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "nodes/common/config/daemon_config.hpp"
#include "nodes/common/config/yaml_map.hpp"

namespace h2k {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

void read_retry_policy(YamlMap& m, RetryPolicy& r) {
  m.get("enabled", r.enabled);
  m.get("max_retries", r.max_retries, 0, 100);
  m.get_duration("retry_delay", r.retry_delay, 0ms, RetryPolicy::kMaxDelay);
  m.get("backoff_multiplier", r.backoff_multiplier, 1.0, 10.0);
  m.finish();
}

void read_notifications(YamlMap& m, NotificationSettings& n) {
  m.get("enabled", n.enabled);
  m.get("webhook_url", n.webhook_url);
  m.get_choice("webhook_type", n.webhook_type,
               {{"slack", WebhookType::Slack}, {"discord", WebhookType::Discord}, {"generic", WebhookType::Generic}});
  m.get_string_map("webhook_headers", n.webhook_headers);
  m.get("notify_on_success", n.notify_on_success);
  m.get("notify_on_failure", n.notify_on_failure);
  m.get("notify_on_stall", n.notify_on_stall);
  // Under a minute a "stall" is just a conversion's normal pause.
  m.get_duration("stall_check_interval", n.stall_check_interval, 60s, std::chrono::hours(24 * 7));
  m.get("email_enabled", n.email_enabled);
  m.get("smtp_server", n.smtp_server);
  m.get("smtp_port", n.smtp_port, 1, 65535);
  m.get("smtp_use_tls", n.smtp_use_tls);
  m.get("smtp_username", n.smtp_username);
  m.get("smtp_password", n.smtp_password);
  m.get("email_from", n.email_from);
  m.get_string_list("email_to", n.email_to);
  m.get("email_subject_prefix", n.email_subject_prefix);
  m.get_path("tls_ca_file", n.tls_ca_file, /*allow_empty=*/true);
  // The conversion-complete callback (independent of `enabled`).
  m.get("callback_url", n.callback.url);
  m.get_path("callback_secret_file", n.callback.secret_file, /*allow_empty=*/true);
  m.get("callback_all_jobs", n.callback.all_jobs);
  m.finish();
}

void read_libguestfs(YamlMap& m, GuestfsSettings& g, int& kvm_probe_timeout_s) {
  if (m.get("backend", g.backend) && g.backend.empty()) m.fail("backend", "must not be empty (libguestfs' default is 'direct')");
  m.get("backend_settings", g.backend_settings);
  std::chrono::milliseconds launch = std::chrono::seconds(g.launch_timeout_s);
  if (m.get_duration("launch_timeout", launch, 10s, 24h))
    g.launch_timeout_s = static_cast<int>((launch.count() + 999) / 1000);  // whole seconds, rounded up
  m.get("memsize", g.memsize_mib, 128, 65536);
  // A first launch also builds the appliance (supermin): allow for that.
  std::chrono::milliseconds probe = std::chrono::seconds(kvm_probe_timeout_s);
  if (m.get_duration("kvm_probe_timeout", probe, 0ms, 1h))
    kvm_probe_timeout_s = static_cast<int>((probe.count() + 999) / 1000);
  m.finish();
}

void read_conversion(YamlMap& m, ConversionSettings& c) {
  m.get_choice("output_format", c.output_format, {{"qcow2", OutputFormat::Qcow2}, {"raw", OutputFormat::Raw}});
  m.get("guest_fixes", c.guest_fixes);
  m.get_choice("vmware_tools", c.vmware_tools,
               {{"keep", VmwareToolsAction::Keep}, {"disable", VmwareToolsAction::Disable},
                {"remove", VmwareToolsAction::Remove}});
  m.get("rebuild_initramfs", c.rebuild_initramfs);
  m.get_path("virtio_win_dir", c.virtio_win_dir, /*allow_empty=*/true);
  m.get_path("domain_output_dir", c.domain_output_dir, /*allow_empty=*/true);
  m.get("libvirt_uri", c.libvirt_uri);
  if (c.libvirt_uri.empty()) m.fail("libvirt_uri", "must name a libvirt connection (e.g. qemu:///system)");
  m.get("verify_boot", c.verify_boot);
  // Under 30 s not even a KVM boot gets to its login prompt.
  std::chrono::milliseconds verify_timeout = std::chrono::seconds(c.verify_boot_timeout_s);
  if (m.get_duration("verify_boot_timeout", verify_timeout, 30s, 24h))
    c.verify_boot_timeout_s = static_cast<int>((verify_timeout.count() + 999) / 1000);  // whole seconds, rounded up
  m.get_choice("verify_boot_accel", c.verify_boot_accel,
               {{"auto", AccelChoice::Auto}, {"kvm", AccelChoice::Kvm}, {"tcg", AccelChoice::Tcg}});
  auto libguestfs = m.section("libguestfs");
  read_libguestfs(libguestfs, c.libguestfs, c.kvm_probe_timeout_s);
  m.finish();
}

void read_deduplication(YamlMap& top, DaemonConfig& c) {
  top.get("enable_deduplication", c.enable_deduplication);
  bool use_md5 = false;
  const bool has_use_md5 = top.get("deduplication_use_md5", use_md5);
  DedupMethod method = c.deduplication_method;
  const bool has_method = top.get_choice("deduplication_method", method,
                                         {{"name_size", DedupMethod::NameAndSize},
                                          {"md5", DedupMethod::Md5},
                                          {"xxh128", DedupMethod::Xxh128}});
  if (has_method && has_use_md5 && use_md5 != (method == DedupMethod::Md5))
    top.fail("deduplication_method", std::string("'") + to_string(method) + "' contradicts deduplication_use_md5: " +
                                         (use_md5 ? "true" : "false") + " (keep one of the two keys)");
  if (has_method) c.deduplication_method = method;
  else if (has_use_md5) c.deduplication_method = use_md5 ? DedupMethod::Md5 : DedupMethod::NameAndSize;
}

std::string host_name() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

bool valid_node_name(const std::string& s) {
  static const std::regex re("[A-Za-z0-9._-]{1,63}");
  return std::regex_match(s, re);
}

// A "host:port" key of the cluster section.
bool read_host_port(YamlMap& m, const std::string& key, HostPort& out) {
  std::string text;
  if (!m.get(key, text)) return false;
  std::string why;
  auto hp = parse_host_port(text, &why);
  if (!hp) m.fail(key, "expected host:port or [ipv6-address]:port: " + why + " (got '" + text + "')");
  out = *hp;
  return true;
}

std::string role_names() {
  return "coordinator, converter, watcher or exporter";
}

// tls: certificate, key and ca, all three or none.
void read_cluster_tls(YamlMap& m, ClusterTls& t) {
  ClusterTls read;
  const bool has_cert = m.get_path("certificate", read.certificate, /*allow_empty=*/false);
  const bool has_key = m.get_path("key", read.key, /*allow_empty=*/false);
  const bool has_ca = m.get_path("ca", read.ca, /*allow_empty=*/false);
  m.finish();
  if (!has_cert && !has_key && !has_ca) return;  // no TLS (plain TCP)
  std::vector<std::string> given;
  std::vector<std::string> missing;
  (has_cert ? given : missing).push_back("certificate");
  (has_key ? given : missing).push_back("key");
  (has_ca ? given : missing).push_back("ca");
  if (!missing.empty()) {
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (std::size_t i = 0; i < v.size(); ++i) s += (i ? " and " : "") + v[i];
      return s;
    };
    m.fail(missing.front(), "missing: tls needs certificate, key and ca together, or none of them (given: " +
                                join(given) + "; missing: " + join(missing) +
                                "); with half of them libcaf_openssl would fall back to anonymous, "
                                "unauthenticated TLS");
  }
  t = read;
}

// The cluster section. Its keys are always read (so they are known for
// hints), but nothing is required unless the section was given.
void read_cluster(YamlMap& m, ClusterConfig& cc, bool enabled) {
  ClusterConfig c;
  c.enabled = enabled;

  std::vector<std::string> role_list;
  const bool has_role = m.get_string_list("role", role_list);
  const bool has_node_name = m.get("node_name", c.node_name);
  const bool has_listen = read_host_port(m, "listen", c.listen);
  const bool has_coordinator = read_host_port(m, "coordinator", c.coordinator);
  const bool has_share_root = m.get_absolute_path("share_root", c.share_root);
  // Under 100 ms heartbeats are mostly noise on the wire; over a minute a
  // dead node goes unnoticed for too long.
  m.get_duration("heartbeat_interval", c.heartbeat_interval, 100ms, 60s);
  const bool has_node_timeout = m.get_duration("node_timeout", c.node_timeout, 500ms, 1h);
  auto tls = m.section("tls");
  read_cluster_tls(tls, c.tls);
  m.finish();
  if (!enabled) return;  // `cluster:` absent or null: a single host

  // role
  if (!has_role) m.fail("role", "is required in a cluster: one of " + role_names() + ", or a list of them");
  if (role_list.empty()) m.fail("role", "needs at least one of " + role_names());
  for (std::size_t i = 0; i < role_list.size(); ++i) {
    const std::string at = role_list.size() == 1 ? "role" : "role[" + std::to_string(i) + "]";
    auto r = node_role_from_string(role_list[i]);
    if (!r) m.fail(at, "must be " + role_names() + " (got '" + role_list[i] + "')");
    if (c.has_role(*r)) m.fail(at, "'" + role_list[i] + "' given twice");
    c.roles.push_back(*r);
  }
  const bool coordinator_here = c.has_role(NodeRole::Coordinator);

  // node_name
  if (!has_node_name) {
    c.node_name = host_name();
    if (!valid_node_name(c.node_name))
      m.fail("node_name", "the host name '" + c.node_name +
                              "' is not a valid node name (1..63 of A-Z a-z 0-9 . _ -): set cluster.node_name");
  } else if (!valid_node_name(c.node_name)) {
    m.fail("node_name", "must be 1..63 characters of A-Z a-z 0-9 . _ - (got '" + c.node_name + "')");
  }

  // listen / coordinator
  if (has_listen && !coordinator_here)
    m.fail("listen", "only the coordinator listens; this node (role without coordinator) connects to "
                     "cluster.coordinator instead");
  if (coordinator_here && has_coordinator)
    m.fail("coordinator", "must not be given on the coordinator itself (it listens on cluster.listen, " +
                              c.listen.to_string() + ")");
  if (!coordinator_here && !has_coordinator)
    m.fail("coordinator", "is required on a node without the coordinator role: host:port of the coordinator's "
                          "cluster.listen");
  if (has_coordinator && (c.coordinator.host == "0.0.0.0" || c.coordinator.host == "::"))
    m.fail("coordinator", "'" + c.coordinator.host + "' listens on every address but is not one to connect to: "
                          "give the coordinator's host name or address");

  // share_root
  if (!has_share_root)
    m.fail("share_root", "is required in a cluster: the absolute path where this host mounts the shared folder");

  // node_timeout against heartbeat_interval
  if (c.node_timeout < 2 * c.heartbeat_interval) {
    auto secs = [](std::chrono::milliseconds ms) {
      std::ostringstream o;
      o << static_cast<double>(ms.count()) / 1000.0 << "s";
      return o.str();
    };
    m.fail("node_timeout", "must be at least twice heartbeat_interval (" + secs(c.heartbeat_interval) + "), got " +
                               secs(c.node_timeout) + (has_node_timeout ? "" : " (the default)") +
                               ": a healthy node would be declared dead between two heartbeats");
  }
  cc = std::move(c);
}

// api: the REST API. listen "" or "off" turns it off.
void read_api(YamlMap& m, ApiConfig& a) {
  std::string listen;
  if (m.get("listen", listen)) {
    a.listen_explicit = true;
    if (listen.empty() || listen == "off") {
      a.enabled = false;
    } else {
      std::string why;
      auto hp = parse_host_port(listen, &why);
      if (!hp)
        m.fail("listen", "expected host:port, [ipv6-address]:port, or off: " + why + " (got '" + listen + "')");
      a.listen = *hp;
    }
  }
  m.get_path("token_file", a.token_file, /*allow_empty=*/true);
  int max_body = static_cast<int>(a.max_body_bytes);
  // Under 1 KiB not even a queue-job request with a long path fits.
  if (m.get("max_body_bytes", max_body, 1024, 64 << 20)) a.max_body_bytes = static_cast<std::size_t>(max_body);
  std::chrono::milliseconds timeout = a.timeout;
  if (m.get_duration("timeout", timeout, 1s, 1h))
    a.timeout = std::chrono::seconds((timeout.count() + 999) / 1000);  // whole seconds, rounded up
  m.finish();
}

// vsphere: never a password in the file (it would sit in a world-readable
// config and in --check-config output).
void read_vsphere(YamlMap& m, VsphereConfig& v) {
  if (m.has("password"))
    m.fail("password", "not allowed in the configuration: use vsphere.credentials_file (a YAML file with "
                       "username: and password:, mode 0600) or $VSPHERE_PASSWORD in the daemon's environment");
  // The seed's connection defaults: each request names its vCenter,
  // datacenter and TLS policy (hyperctl convert --vcenter ...).
  m.ignore("server", YAML::NodeType::Scalar, "a host name");
  m.ignore("datacenter", YAML::NodeType::Scalar, "a datacenter name");
  m.ignore("insecure", YAML::NodeType::Scalar, "true or false");
  m.get("username", v.username);
  m.get_path("credentials_file", v.credentials_file, /*allow_empty=*/true);
  m.finish();
}

void read_export(YamlMap& m, ExportConfig& e) {
  m.get("concurrent_exports", e.concurrent_exports, 0, 32);
  m.get("parallel_disks", e.parallel_disks, 1, 32);
  m.get_duration("lease_ready_timeout", e.lease_ready_timeout, 10s, 24h);
  m.get_duration("shutdown_timeout", e.shutdown_timeout, 1s, 24h);
  m.finish();
}

}  // namespace

DaemonConfig default_daemon_config(const fs::path& base) {
  DaemonConfig c;
  const fs::path b = fs::absolute(base).lexically_normal();
  c.watch_dir = b / "queue";
  c.output_dir = b / "output";
  c.work_dir = b / "work";
  c.state_dir = b / "state";
  return c;
}

DaemonConfig parse_daemon_config(const std::string& yaml_text, const fs::path& file, const fs::path& base) {
  DaemonConfig c = default_daemon_config(base);
  c.source_file = file;
  auto source = std::make_shared<YamlSource>();
  source->file = file.string();
  source->relative_base = fs::absolute(file).parent_path();

  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(file.string(), "",
                      "not valid YAML: line " + std::to_string(e.mark.line + 1) + ", column " +
                          std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!root.IsDefined() || root.IsNull()) return c;  // an empty file: all defaults
  if (!root.IsMap()) throw ConfigError(file.string(), "", "expected a mapping of keys at the top level");

  YamlMap top(root, "", source);
  // The Python daemon's entry keys; this binary is the daemon already.
  top.ignore("command", YAML::NodeType::Scalar, "a string");
  top.ignore("daemon", YAML::NodeType::Scalar, "true or false");
  top.get_path("watch_dir", c.watch_dir, false);
  top.get_path("output_dir", c.output_dir, false);
  top.get_path("work_dir", c.work_dir, false);
  top.get_absolute_path("state_dir", c.state_dir);
  top.get("max_concurrent_jobs", c.max_concurrent_jobs, 1, 64);
  top.get_duration("file_stable_timeout", c.file_stable_timeout, 0ms, 24h);
  top.get_duration("job_stall_timeout", c.job_stall_timeout, 1000ms, 7 * 24h);
  read_deduplication(top, c);
  top.get("archive_processed", c.archive_processed);
  auto limits = top.section("limits");
  limits.get("per_source", c.per_source_limit, 0, 100000);
  limits.finish();
  top.get_path("log_file", c.log_file, /*allow_empty=*/true);
  top.get("verbose", c.verbose, 0, 3);
  auto retry_policy = top.section("retry_policy");
  read_retry_policy(retry_policy, c.retry_policy);
  auto notifications = top.section("notifications");
  read_notifications(notifications, c.notifications);
  auto conversion = top.section("conversion");
  read_conversion(conversion, c.conversion);
  // cluster: absent or null: a single host; a mapping: this node's part.
  const YAML::Node& const_root = root;  // const: operator[] would insert the key
  const YAML::Node cluster_node = const_root["cluster"];
  auto cluster = top.section("cluster");
  read_cluster(cluster, c.cluster, cluster_node.IsDefined() && !cluster_node.IsNull());
  // The callback reports where a job's files are.
  c.notifications.callback.output_root = c.output_dir;
  c.notifications.callback.errors_dir = c.watch_dir / ".errors";
  auto api = top.section("api");
  read_api(api, c.api);
  auto vsphere = top.section("vsphere");
  read_vsphere(vsphere, c.vsphere);
  auto exports = top.section("export");
  read_export(exports, c.exports);
  top.finish();
  return c;
}

DaemonConfig load_daemon_config(const fs::path& file, const fs::path& base) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw ConfigError(file.string(), "", fs::exists(file, ec) ? "not a regular file" : "no such file");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw ConfigError(file.string(), "", std::string("cannot read: ") + std::strerror(errno));
  DaemonConfig c = parse_daemon_config(text.str(), file, base);
  c.validate();
  return c;
}

}  // namespace h2k

// DaemonConfig::validate(): relations between settings that no single key shows.
#include "nodes/common/config/daemon_config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace h2k {

namespace fs = std::filesystem;

namespace {

// Symlinks resolved where the path exists, so /srv/queue -> /var/lib/... compares right.
fs::path real(const fs::path& p) {
  std::error_code ec;
  fs::path r = fs::weakly_canonical(p, ec);
  r = (ec ? p : r).lexically_normal();
  if (!r.has_filename() && r.has_relative_path()) r = r.parent_path();  // "/srv/q/" is "/srv/q"
  return r;
}

// rel of `inner` from `outer`, or empty when inner is not at or below outer.
fs::path relative_inside(const fs::path& outer, const fs::path& inner) {
  fs::path rel = real(inner).lexically_relative(real(outer));
  if (rel.empty() || *rel.begin() == "..") return {};
  return rel;
}

bool same(const fs::path& a, const fs::path& b) { return real(a) == real(b); }
bool at_or_below(const fs::path& outer, const fs::path& inner) { return !relative_inside(outer, inner).empty(); }

// Empty when the file can be opened for reading, else why not.
std::string unreadable(const fs::path& p) {
  std::error_code ec;
  if (!fs::exists(p, ec)) return "no such file";
  if (!fs::is_regular_file(p, ec)) return "not a regular file";
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string("cannot be read: ") + std::strerror(errno);
  ::close(fd);
  return "";
}

// A node of a cluster: the queue and the output are found through the
// share, the state stays on local disk, TLS files are readable.
void validate_cluster(const DaemonConfig& d, const std::string& file) {
  auto fail = [&](const std::string& key, const std::string& reason) { throw ConfigError(file, key, reason); };
  const auto& c = d.cluster;
  const auto& watch_dir = d.watch_dir;
  const auto& output_dir = d.output_dir;
  const auto& state_dir = d.state_dir;
  const int max_concurrent_jobs = d.max_concurrent_jobs;
  const std::string share = "cluster.share_root " + c.share_root.string();
  if (!c.share_root.is_absolute())
    fail("cluster.share_root", "must be an absolute path (got '" + c.share_root.string() + "')");
  if (!at_or_below(c.share_root, watch_dir))
    fail("watch_dir", watch_dir.string() + " is not inside " + share + ": every node finds the queue through the share");
  if (!at_or_below(c.share_root, output_dir))
    fail("output_dir", output_dir.string() + " is not inside " + share +
                           ": converters publish there and every node finds the results through the share");
  if (at_or_below(c.share_root, state_dir))
    fail("state_dir", state_dir.string() + " is inside " + share +
                          ": keep it on a local disk, RocksDB and its locks do not work on NFS");
  // A converter node offers max_concurrent_jobs slots to the coordinator.
  if (c.has_role(NodeRole::Converter) && (max_concurrent_jobs < 1 || max_concurrent_jobs > 64))
    fail("max_concurrent_jobs", "must be between 1 and 64 on a converter node: it is the node's slot count (got " +
                                    std::to_string(max_concurrent_jobs) + ")");
  if (!c.tls.certificate.empty() || !c.tls.key.empty() || !c.tls.ca.empty()) {
    const std::pair<const char*, const fs::path*> files[] = {
        {"cluster.tls.certificate", &c.tls.certificate}, {"cluster.tls.key", &c.tls.key}, {"cluster.tls.ca", &c.tls.ca}};
    for (auto& [key, path] : files) {
      if (path->empty()) fail(key, "missing: tls needs certificate, key and ca together, or none of them");
      const std::string why = unreadable(*path);
      if (!why.empty()) fail(key, why + " (" + path->string() + ")");
    }
  }
}

}  // namespace

bool in_watch_scan_area(const fs::path& watch_dir, const fs::path& path) {
  const fs::path rel = relative_inside(watch_dir, path);
  if (rel.empty()) return false;
  for (auto& part : rel) {
    const std::string s = part.string();
    if (s != "." && !s.empty() && s[0] == '.') return false;  // the watcher skips hidden entries
  }
  return true;
}

void DaemonConfig::validate() const {
  const std::string file = source_file.empty() ? "daemon config (built-in defaults)" : source_file.string();
  auto fail = [&](const std::string& key, const std::string& reason) { throw ConfigError(file, key, reason); };
  const std::string w = " (" + watch_dir.string() + ")";

  // Folders. The watcher picks up any file in watch_dir (hidden folders
  // excepted), so nothing the daemon writes may land there.
  if (same(watch_dir, output_dir)) fail("output_dir", "must differ from watch_dir" + w);
  if (in_watch_scan_area(watch_dir, output_dir))
    fail("output_dir", "must not be inside watch_dir" + w +
                           " (unless in a hidden folder): converted disks would be picked up as new input");
  if (at_or_below(output_dir, watch_dir))
    fail("watch_dir", "must not be inside output_dir (" + output_dir.string() +
                          "): every folder there is a published VM");
  if (same(work_dir, watch_dir)) fail("work_dir", "must differ from watch_dir" + w);
  if (same(work_dir, output_dir)) fail("work_dir", "must differ from output_dir (" + output_dir.string() + ")");
  if (in_watch_scan_area(watch_dir, work_dir))
    fail("work_dir", "must not be inside watch_dir" + w +
                         " (unless in a hidden folder): scratch files would be picked up as new input");
  if (at_or_below(work_dir, watch_dir) || at_or_below(work_dir, output_dir))
    fail("work_dir", "must not contain watch_dir or output_dir: it holds scratch files the daemon deletes");
  // state_dir: the job database and the control socket. The daemon never
  // deletes in it, but the watcher would pick its files up, the work_dir
  // clean-up would delete them, and output_dir's visible folders are VMs.
  if (!state_dir.is_absolute()) fail("state_dir", "must be an absolute path (got '" + state_dir.string() + "')");
  if (same(state_dir, watch_dir)) fail("state_dir", "must differ from watch_dir" + w);
  if (same(state_dir, output_dir)) fail("state_dir", "must differ from output_dir (" + output_dir.string() + ")");
  if (in_watch_scan_area(watch_dir, state_dir))
    fail("state_dir", "must not be inside watch_dir" + w +
                          " (unless in a hidden folder): the state files would be picked up as new input");
  if (in_watch_scan_area(output_dir, state_dir))
    fail("state_dir", "must not be inside output_dir (" + output_dir.string() +
                          ") unless in a hidden folder: every folder there is a published VM");
  if (at_or_below(work_dir, state_dir))
    fail("state_dir", "must not be inside work_dir (" + work_dir.string() + "): it holds scratch files the daemon deletes");
  if (!log_file.empty() && in_watch_scan_area(watch_dir, log_file))
    fail("log_file", "must not be inside watch_dir" + w + ": the log would be picked up as new input");

  // Notifications: a channel that is switched on must be able to send.
  const auto& n = notifications;
  if (n.enabled) {
    if (n.webhook_url.empty() && !n.email_enabled)
      fail("notifications.enabled",
           "is true but nothing can be sent: set webhook_url, or email_enabled: true with the smtp_ and email_ keys");
    if (!n.webhook_url.empty() && n.webhook_url.rfind("https://", 0) != 0 && n.webhook_url.rfind("http://", 0) != 0)
      fail("notifications.webhook_url", "must be an http:// or https:// URL");
    if (n.email_enabled) {
      if (n.smtp_server.empty()) fail("notifications.smtp_server", "is required when email_enabled is true");
      if (n.email_from.find('@') == std::string::npos)
        fail("notifications.email_from", "must be an email address when email_enabled is true (got '" + n.email_from + "')");
      if (n.email_to.empty()) fail("notifications.email_to", "needs at least one address when email_enabled is true");
      for (std::size_t i = 0; i < n.email_to.size(); ++i)
        if (n.email_to[i].find('@') == std::string::npos)
          fail("notifications.email_to[" + std::to_string(i) + "]", "is not an email address (got '" + n.email_to[i] + "')");
    }
  }

  // Checked even while notifications are off: a wrong path is found when the
  // file is edited, not when the first alert cannot be sent.
  if (!n.tls_ca_file.empty()) {
    std::error_code ec;
    if (!fs::exists(n.tls_ca_file, ec))
      fail("notifications.tls_ca_file", "no such file (" + n.tls_ca_file.string() + ")");
    if (!fs::is_regular_file(n.tls_ca_file, ec))
      fail("notifications.tls_ca_file", "not a regular file (" + n.tls_ca_file.string() + ")");
  }

  if (!conversion.virtio_win_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(conversion.virtio_win_dir, ec))
      fail("conversion.virtio_win_dir", "no such folder (" + conversion.virtio_win_dir.string() + ")");
  }

  // The conversion-complete callback: a reachable URL, a secret only its owner reads.
  const auto& cb = n.callback;
  if (!cb.url.empty() && cb.url.rfind("https://", 0) != 0 && cb.url.rfind("http://", 0) != 0)
    fail("notifications.callback_url", "must be an http:// or https:// URL");
  if (!cb.secret_file.empty()) {
    struct stat st{};
    if (::stat(cb.secret_file.c_str(), &st) != 0)
      fail("notifications.callback_secret_file", "no such file (" + cb.secret_file.string() + ")");
    if (!S_ISREG(st.st_mode))
      fail("notifications.callback_secret_file", "not a regular file (" + cb.secret_file.string() + ")");
    if ((st.st_mode & 077) != 0)
      fail("notifications.callback_secret_file",
           cb.secret_file.string() + " is readable by group or others: it holds the HMAC key (chmod 600)");
  }

  // The REST API controls the daemon: reachable from other hosts only with a token.
  if (api.enabled && !is_loopback_host(api.listen.host) && api.token_file.empty())
    fail("api.token_file", "is required when api.listen (" + api.listen.to_string() +
                               ") is not a loopback address: anyone who can reach it could control the daemon");

  if (cluster.enabled) validate_cluster(*this, file);
}

}  // namespace h2k

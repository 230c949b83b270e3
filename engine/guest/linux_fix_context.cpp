#include "engine/guest/linux_fix_context.hpp"

namespace h2k {

void LinuxFixContext::step(const std::string& message, double percent) const {
  if (!progress) return;
  ProgressEvent ev;
  ev.phase = "fix";
  ev.item = os_display_name(inspection.result);
  ev.percent = percent;
  ev.message = message;
  progress(ev);
}

void LinuxFixContext::record(const std::string& action, const std::string& file, const std::string& before,
                             const std::string& after, const std::string& note) {
  report.fixes.push_back(FixRecord{action, file, before, after, note});
}

void LinuxFixContext::warn(const std::string& message) { report.warnings.push_back(message); }

bool LinuxFixContext::rewrite_file(const std::string& action, const std::string& path,
                                   const std::function<linux_guest::RewriteResult(const std::string&)>& rewrite,
                                   const std::string& note) {
  if (!files.is_file(path)) return false;
  // Write the file a symlink points to, resolved inside the guest.
  const std::string target = files.is_symlink(path) ? files.realpath(path) : path;
  std::string before = files.read(target);
  linux_guest::RewriteResult result = rewrite(before);
  for (const auto& w : result.warnings) warn(w.find(path) == std::string::npos ? path + ": " + w : w);
  if (!result.changed() || result.content == before) return false;
  files.write(target, result.content);
  for (const auto& c : result.changes) record(action, target, c.before, c.after, note);
  return true;
}

bool LinuxFixContext::is_deb_family() const {
  const auto& r = inspection.result;
  return r.package_format == "deb" || r.distro == "debian" || r.distro == "ubuntu" || r.distro == "linuxmint";
}

bool LinuxFixContext::has_systemd() const {
  return files.exists("/lib/systemd/systemd-udevd") || files.exists("/usr/lib/systemd/systemd-udevd") ||
         files.exists("/lib/systemd/systemd") || files.exists("/usr/lib/systemd/systemd");
}

std::string LinuxFixContext::find_tool(const std::string& name) const {
  for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/", "/usr/local/sbin/"}) {
    std::string path = dir + name;
    if (files.is_file(path)) return path;
  }
  return {};
}

}  // namespace h2k

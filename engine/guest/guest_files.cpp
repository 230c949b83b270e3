#include "engine/guest/guest_files.hpp"

#include <guestfs.h>

#include <algorithm>
#include <cstdlib>

#include "engine/core/subprocess.hpp"
#include "engine/guest/guestfs_strings.hpp"

namespace h2k {
namespace {

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

bool GuestFiles::exists(const std::string& path) const {
  return guestfs_exists(session_.handle(), path.c_str()) > 0;
}

bool GuestFiles::is_file(const std::string& path) const {
  struct guestfs_is_file_opts_argv o {};
  o.bitmask = GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS_BITMASK;
  o.followsymlinks = 1;
  return guestfs_is_file_opts_argv(session_.handle(), path.c_str(), &o) > 0;
}

bool GuestFiles::is_dir(const std::string& path) const {
  struct guestfs_is_dir_opts_argv o {};
  o.bitmask = GUESTFS_IS_DIR_OPTS_FOLLOWSYMLINKS_BITMASK;
  o.followsymlinks = 1;
  return guestfs_is_dir_opts_argv(session_.handle(), path.c_str(), &o) > 0;
}

bool GuestFiles::is_symlink(const std::string& path) const {
  return guestfs_is_symlink(session_.handle(), path.c_str()) > 0;
}

std::string GuestFiles::read(const std::string& path) const {
  std::size_t size = 0;
  char* data = guestfs_read_file(session_.handle(), path.c_str(), &size);
  if (!data) session_.fail(ErrorKind::GuestFix, path, "cannot read the guest file");
  std::string out(data, size);
  std::free(data);
  return out;
}

void GuestFiles::write(const std::string& path, const std::string& content) {
  mkdir_p(parent_of(path));
  if (guestfs_write(session_.handle(), path.c_str(), content.data(), content.size()) == -1)
    session_.fail(ErrorKind::GuestFix, path, "cannot write the guest file");
}

void GuestFiles::remove(const std::string& path) {
  if (guestfs_rm_f(session_.handle(), path.c_str()) == -1)
    session_.fail(ErrorKind::GuestFix, path, "cannot remove the guest file");
}

void GuestFiles::mkdir_p(const std::string& path) {
  if (is_dir(path)) return;
  if (guestfs_mkdir_p(session_.handle(), path.c_str()) == -1)
    session_.fail(ErrorKind::GuestFix, path, "cannot create the guest folder");
}

void GuestFiles::touch(const std::string& path) {
  if (guestfs_touch(session_.handle(), path.c_str()) == -1)
    session_.fail(ErrorKind::GuestFix, path, "cannot create the guest file");
}

std::vector<std::string> GuestFiles::list(const std::string& dir) const {
  if (!is_dir(dir)) return {};
  char** entries = guestfs_ls(session_.handle(), dir.c_str());
  if (!entries) session_.fail(ErrorKind::GuestFix, dir, "cannot list the guest folder");
  auto out = take_list(entries);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> GuestFiles::list_matching(const std::string& dir, const std::string& prefix,
                                                   const std::string& suffix) const {
  std::vector<std::string> out;
  for (const auto& name : list(dir)) {
    if (name.size() < prefix.size() + suffix.size()) continue;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    out.push_back((dir == "/" ? "" : dir) + "/" + name);
  }
  return out;
}

std::string GuestFiles::readlink(const std::string& path) const {
  char* target = guestfs_readlink(session_.handle(), path.c_str());
  if (!target) session_.fail(ErrorKind::GuestFix, path, "cannot read the guest symlink");
  return take_string(target);
}

std::string GuestFiles::realpath(const std::string& path) const {
  char* resolved = guestfs_realpath(session_.handle(), path.c_str());
  if (!resolved) session_.fail(ErrorKind::GuestFix, path, "cannot resolve the guest path");
  return take_string(resolved);
}

GuestCommandResult GuestFiles::sh(const std::string& script) {
  GuestCommandResult r;
  session_.clear_last_error();
  char* out = guestfs_sh(session_.handle(), script.c_str());
  if (out) {
    r.ok = true;
    r.output = take_string(out);
  } else {
    // Tool failures can print pages (update-initramfs, dpkg); the end says why.
    r.error = tail_lines(session_.last_error(), 20);
  }
  return r;
}

}  // namespace h2k

#include "actors/cluster/share_marker.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace h2k {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int e) { return std::strerror(e); }

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::string random_id() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint64_t> d;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(d(rd)),
                static_cast<unsigned long long>(d(rd)));
  return buf;
}

}  // namespace

msg::share_view read_share_marker(const fs::path& share_root) {
  msg::share_view v;
  const fs::path marker = share_root / kShareMarkerName;
  const int fd = ::open(marker.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    struct stat st {};
    if (e == ENOENT && ::stat(share_root.c_str(), &st) != 0)
      v.problem = share_root.string() + " (cluster.share_root): " + errno_text(errno);
    else if (e == ENOENT)
      v.problem = marker.string() + " is missing: the share is not mounted at cluster.share_root " +
                  "(or this is another folder)";
    else
      v.problem = marker.string() + ": " + errno_text(e);
    return v;
  }
  char buf[256];
  std::string text;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      v.problem = marker.string() + ": " + errno_text(errno);
      ::close(fd);
      return v;
    }
    if (n == 0 || text.size() > 1024) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  v.id = trimmed(text);
  if (v.id.empty()) v.problem = marker.string() + " is empty";
  return v;
}

std::string share_mismatch(const fs::path& share_root, const std::string& expected_id) {
  const msg::share_view seen = read_share_marker(share_root);
  if (!seen.problem.empty()) return seen.problem;
  if (seen.id != expected_id)
    return (share_root / kShareMarkerName).string() + " holds share id '" + seen.id + "', not this coordinator's '" +
           expected_id + "'";
  return "";
}

std::string ensure_share_marker(const fs::path& share_root, bool* created) {
  if (created) *created = false;
  const fs::path marker = share_root / kShareMarkerName;
  auto fail = [&](const std::string& what, int e) {
    throw std::runtime_error("cluster.share_root " + share_root.string() + ": " + what + ": " + errno_text(e));
  };
  for (int tries = 0; tries < 3; ++tries) {
    msg::share_view seen = read_share_marker(share_root);
    if (seen.problem.empty()) return seen.id;
    if (::access(marker.c_str(), F_OK) == 0) {
      // There, but unreadable or empty: not ours to replace (a node may
      // have read it); the operator decides.
      throw std::runtime_error("cluster.share_root: " + seen.problem +
                               " (remove it to let the coordinator write a new one)");
    }
    if (errno != ENOENT) fail("cannot use it", errno);
    struct stat st {};
    if (::stat(share_root.c_str(), &st) != 0) fail("cannot use it", errno);
    const std::string id = random_id();
    const fs::path tmp = share_root / (std::string(kShareMarkerName) + ".tmp-" + random_id().substr(0, 8));
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) fail("cannot write " + tmp.string(), errno);
    const std::string line = id + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    const int write_errno = errno;
    ::close(fd);
    if (!written) {
      ::unlink(tmp.c_str());
      fail("cannot write " + tmp.string(), write_errno);
    }
    // link(), not rename(): a marker another coordinator put there first stays.
    const int linked = ::link(tmp.c_str(), marker.c_str());
    const int link_errno = errno;
    ::unlink(tmp.c_str());
    if (linked == 0) {
      if (created) *created = true;
      if (int dfd = ::open(share_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
      }
      return id;
    }
    if (link_errno != EEXIST) fail("cannot create " + marker.string(), link_errno);
  }
  throw std::runtime_error("cluster.share_root " + share_root.string() + ": " + std::string(kShareMarkerName) +
                           " keeps changing");
}

std::string open_coordinator_share(const fs::path& share_root, const std::string& remembered, bool* created) {
  if (created) *created = false;
  if (remembered.empty()) return ensure_share_marker(share_root, created);
  const msg::share_view seen = read_share_marker(share_root);
  const std::string marker = (share_root / kShareMarkerName).string();
  if (!seen.problem.empty())
    throw std::runtime_error("cluster.share_root: " + seen.problem + "; this coordinator's state (state_dir) belongs to " +
                             "share " + remembered + ": mount the share at " + share_root.string() +
                             " and start again (to make this folder the share instead, write " + remembered +
                             " into " + marker + ")");
  if (seen.id != remembered)
    throw std::runtime_error("cluster.share_root: " + marker + " holds share id " + seen.id +
                             ", but this coordinator's state (state_dir) belongs to share " + remembered +
                             ": another share is mounted at " + share_root.string() +
                             " (mount the right one; to adopt this one, write " + remembered + " into " + marker + ")");
  return seen.id;
}

}  // namespace h2k

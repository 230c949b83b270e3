// migrate_legacy_state(): <output_dir>/.daemon -> state_dir, once.
#include "nodes/common/config/state_migration.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace h2k {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDatabase = "state.rocksdb";
constexpr const char* kLegacyFolder = ".daemon";

[[noreturn]] void fail(const fs::path& from, const fs::path& to, const std::string& what) {
  throw std::runtime_error("cannot move the daemon state from " + from.string() + " to " + to.string() + ": " + what);
}

bool exists_no_follow(const fs::path& p) {
  std::error_code ec;
  return fs::symlink_status(p, ec).type() != fs::file_type::not_found && !ec;
}

// "/srv/state/" and "/srv/x/../state" are "/srv/state".
fs::path normal(const fs::path& p) {
  fs::path n = p.lexically_normal();
  if (!n.has_filename() && n.has_relative_path()) n = n.parent_path();
  return n;
}

// Symlinks resolved where the folders exist.
bool same_folder(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec) && !ec;
  std::error_code eca, ecb;
  const fs::path ca = fs::weakly_canonical(a, eca);
  const fs::path cb = fs::weakly_canonical(b, ecb);
  return normal(eca ? a : ca) == normal(ecb ? b : cb);
}

// RocksDB holds a POSIX record lock (fcntl F_SETLK) on <db>/LOCK while it
// is open. F_GETLK reports a lock held by another process.
bool locked_by_another_process(const fs::path& db) {
  const int fd = ::open((db / "LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // no LOCK file: never opened, or not RocksDB
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  const bool locked = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  ::close(fd);
  return locked;
}

void fsync_path(const fs::path& p, bool directory) {
  const int fd = ::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + p.string());
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw std::system_error(err, std::generic_category(), "fsync " + p.string());
}

// Everything under `root` (a copy) on disk before its source is deleted.
void fsync_tree(const fs::path& root) {
  if (fs::is_directory(fs::symlink_status(root))) {
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      const auto type = e.symlink_status().type();
      if (type == fs::file_type::regular) fsync_path(e.path(), false);
      else if (type == fs::file_type::directory) fsync_path(e.path(), true);
    }
    fsync_path(root, true);
  } else if (fs::is_regular_file(fs::symlink_status(root))) {
    fsync_path(root, false);
  }
}

// Moves one entry of the old folder to `dst`: a rename, or (another
// filesystem, or force_copy) a copy under a temporary name that is synced
// and renamed into place. The source is left for the caller to remove.
// Returns whether it was copied.
bool move_entry(const fs::path& src, const fs::path& dst, bool force_copy) {
  if (!force_copy) {
    std::error_code ec;
    fs::rename(src, dst, ec);
    if (!ec) return false;
    if (ec != std::errc::cross_device_link) throw fs::filesystem_error("rename", src, dst, ec);
  }
  const fs::path tmp = dst.parent_path() / ("." + dst.filename().string() + ".migrating");
  fs::remove_all(tmp);  // left by an interrupted earlier attempt
  fs::copy(src, tmp, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fsync_tree(tmp);
  fs::rename(tmp, dst);
  return true;
}

}  // namespace

StateMigration migrate_legacy_state(const fs::path& output_dir, const fs::path& state_dir,
                                    const StateMigrationOptions& options) {
  StateMigration m;
  m.from = normal(output_dir / kLegacyFolder);
  m.to = normal(state_dir);
  if (!exists_no_follow(m.from / kDatabase) || same_folder(m.from, m.to)) return m;

  if (exists_no_follow(m.to / kDatabase)) {
    m.action = StateMigration::Action::legacy_ignored;
    m.message = "both " + m.from.string() + " (the old place of the daemon state) and state_dir " + m.to.string() +
                " hold a state database: using " + m.to.string() + "; the old folder is ignored (remove it)";
    return m;
  }
  if (locked_by_another_process(m.from / kDatabase))
    fail(m.from, m.to, "its state database is open in another process (is a daemon of the previous version "
                       "still running? stop it first)");

  bool copied = false;
  try {
    fs::create_directories(m.to);
    std::vector<fs::directory_entry> entries(fs::directory_iterator(m.from), fs::directory_iterator{});
    // The database last: until it has moved, the old folder is still the
    // state and a restart finishes the move.
    std::stable_partition(entries.begin(), entries.end(),
                          [](const fs::directory_entry& e) { return e.path().filename() != kDatabase; });
    for (const auto& e : entries) {
      const auto type = e.symlink_status().type();
      if (type == fs::file_type::socket || type == fs::file_type::fifo) continue;  // a dead daemon's control.sock
      const fs::path dst = m.to / e.path().filename();
      if (exists_no_follow(dst) && fs::is_directory(fs::symlink_status(dst)))
        fail(m.from, m.to, dst.string() + " already exists (move it away or remove it)");
      copied = move_entry(e.path(), dst, options.force_copy) || copied;
    }
    fsync_path(m.to, true);
    // Only now that everything is in state_dir: the old folder goes.
    fs::remove_all(m.from);
  } catch (const fs::filesystem_error& e) {
    fail(m.from, m.to, e.what());
  } catch (const std::system_error& e) {
    fail(m.from, m.to, e.what());
  }
  m.action = copied ? StateMigration::Action::copied : StateMigration::Action::renamed;
  m.message = "moved the daemon state from " + m.from.string() + " to " + m.to.string() +
              (copied ? " (copied to the other filesystem, then the old folder removed)" : " (renamed)");
  return m;
}

}  // namespace h2k

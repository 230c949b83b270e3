#pragma once
// File and command access to the mounted guest, on top of a GuestfsSession.
// Every failure names the guest path and carries libguestfs' message, so a
// FixRecord or error always says which file inside the guest was involved.
#include <string>
#include <vector>

#include "engine/guest/guestfs_session.hpp"

namespace h2k {

struct GuestCommandResult {
  bool ok = false;
  std::string output;   // stdout on success
  std::string error;    // libguestfs' message (includes the command's stderr) on failure
};

class GuestFiles {
public:
  explicit GuestFiles(GuestfsSession& session) : session_(session) {}

  bool exists(const std::string& path) const;
  bool is_file(const std::string& path) const;      // follows symlinks
  bool is_dir(const std::string& path) const;
  bool is_symlink(const std::string& path) const;

  std::string read(const std::string& path) const;
  // Replaces the file's contents (creating it, and its parent folders, if missing).
  void write(const std::string& path, const std::string& content);
  void remove(const std::string& path);
  void mkdir_p(const std::string& path);
  void touch(const std::string& path);

  // Entry names in `dir` (not full paths), sorted; {} when `dir` is missing.
  std::vector<std::string> list(const std::string& dir) const;
  // Full paths in `dir` whose names start with `prefix` and end with `suffix`.
  std::vector<std::string> list_matching(const std::string& dir, const std::string& prefix,
                                         const std::string& suffix) const;
  std::string readlink(const std::string& path) const;
  // `path` with symlinks resolved inside the guest (absolute links point into
  // the guest, not the appliance).
  std::string realpath(const std::string& path) const;

  // Runs `script` with /bin/sh inside the guest (chroot with /dev, /proc, /sys
  // bind-mounted by libguestfs). Never throws for a failing command: callers
  // decide whether a failure is fatal.
  GuestCommandResult sh(const std::string& script);

  GuestfsSession& session() { return session_; }

private:
  GuestfsSession& session_;
};

// Quotes `s` for /bin/sh ('...' with embedded quotes escaped).
std::string shell_quote(const std::string& s);

}  // namespace h2k

#pragma once
// The one-time move of the daemon's state from its old place,
// <output_dir>/.daemon/, to state_dir (local disk: RocksDB locking and Unix
// sockets do not work on the NFS share output_dir often is). Called once at
// start, before the job database is opened; no actor involved.
//
//   old folder has no state.rocksdb, or is state_dir itself  -> nothing to do
//   state_dir already has a state.rocksdb                      -> state_dir is used,
//                                                                 the old folder is ignored (warning)
//   otherwise: every entry of the old folder (state.rocksdb last, sockets
//   dropped) is renamed into state_dir; across filesystems it is copied
//   under a temporary name, synced, renamed into place, and the old folder
//   is removed only once everything was copied. An interrupted migration is
//   finished by the next start (the database moves last, so until it has
//   moved the old folder still counts as the state).
#include <filesystem>
#include <string>

namespace h2k {

struct StateMigration {
  enum class Action {
    none,            // no old state (or it is state_dir): nothing logged
    renamed,         // moved by rename (same filesystem)
    copied,          // copied to another filesystem, then the old folder removed
    legacy_ignored,  // both hold a database: state_dir wins (log as a warning)
  };
  Action action = Action::none;
  std::filesystem::path from;  // the old folder (<output_dir>/.daemon)
  std::filesystem::path to;    // state_dir
  std::string message;         // the one log line; empty for none
};

struct StateMigrationOptions {
  // Test seam: copy even when a rename would do (exercises the
  // cross-filesystem path on one filesystem).
  bool force_copy = false;
};

// Throws std::runtime_error naming the folders when the old database is in
// use by another process (a daemon of the previous version still running),
// or when a rename or copy fails (the old folder is then left as it was, so
// the next start tries again).
StateMigration migrate_legacy_state(const std::filesystem::path& output_dir, const std::filesystem::path& state_dir,
                                    const StateMigrationOptions& options = {});

}  // namespace h2k

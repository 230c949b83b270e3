#pragma once
// The watcher actor: scans the queue folder with a WatchTracker and tells
// the scheduler about complete VMs (vm_found) and files it cannot take
// (watch_problem). Spawned detached (its own thread): a scan stats files and
// hashes complete ones (dedup keys, manifest checksums), which may take a
// while on a big file and must not hold up the other actors.
//
// It scans on its own timer (every check_interval while something is
// settling, else every idle_scan_interval; the timer is what makes NFS work,
// where no remote change raises an inotify event) and as soon as inotify
// reports a change in the folder.
#include <chrono>
#include <memory>

#include <caf/stateful_actor.hpp>
#include <spdlog/logger.h>

#include "actors/watcher/inotify_waker.hpp"
#include "actors/watcher/watch_tracker.hpp"
#include "messages/interfaces.hpp"

namespace h2k {

struct WatcherOptions {
  WatchSettings settings;
  std::chrono::milliseconds idle_scan_interval{2000};
  bool use_inotify = true;
};

struct watcher_state {
  std::unique_ptr<WatchTracker> tracker;
  std::unique_ptr<InotifyWaker> waker;
  WatcherOptions options;
  msg::job_intake_actor scheduler;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "watcher";
};

msg::watcher_actor::behavior_type watcher_actor_fn(msg::watcher_actor::stateful_pointer<watcher_state> self,
                                                   WatcherOptions options, msg::job_intake_actor scheduler,
                                                   std::shared_ptr<spdlog::logger> log);

}  // namespace h2k

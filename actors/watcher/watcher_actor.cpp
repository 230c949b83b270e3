#include "actors/watcher/watcher_actor.hpp"

#include "actors/common/iso_time.hpp"

#include <caf/all.hpp>

namespace h2k {

namespace {


using self_ptr = msg::watcher_actor::stateful_pointer<watcher_state>;

// One pass; returns whether something is still settling.
bool scan(self_ptr self) {
  auto& st = self->state;
  WatchTracker::ScanResult res;
  try {
    res = st.tracker->scan(unix_now_ms());
  } catch (const std::exception& e) {
    // The folder itself is unreadable (NFS hiccup, permissions): keep trying.
    st.log->error("cannot scan {}: {}", st.options.settings.watch_dir.string(), e.what());
    return false;
  }
  for (auto& vm : res.ready) {
    msg::vm_found found;
    for (const auto& s : vm.sources) found.sources.push_back(s.string());
    found.file_type = vm.file_type;
    found.total_bytes = vm.total_bytes;
    found.dedup_key = vm.dedup_key;
    st.log->debug("watcher: {} is complete ({} file(s))", found.sources.front(), found.sources.size());
    self->send(st.scheduler, std::move(found));
  }
  for (auto& p : res.problems) {
    msg::watch_problem problem;
    problem.file = p.file.string();
    problem.reason = p.reason;
    problem.error_kind = to_string(p.kind);
    problem.permanent = p.permanent;
    problem.file_size = p.size;
    for (const auto& r : p.related) problem.related.push_back(r.string());
    self->send(st.scheduler, std::move(problem));
  }
  return res.pending;
}

}  // namespace

msg::watcher_actor::behavior_type watcher_actor_fn(self_ptr self, WatcherOptions options, msg::job_intake_actor scheduler,
                                                   std::shared_ptr<spdlog::logger> log) {
  auto& st = self->state;
  st.options = options;
  st.scheduler = std::move(scheduler);
  st.log = std::move(log);
  st.tracker = std::make_unique<WatchTracker>(options.settings);
  if (options.use_inotify) {
    msg::watcher_actor me = caf::actor_cast<msg::watcher_actor>(self);
    // Called on the waker's own thread: only an asynchronous send.
    st.waker = std::make_unique<InotifyWaker>(options.settings.watch_dir,
                                              [me] { caf::anon_send(me, msg::scan_atom::value); });
    if (!st.waker->active())
      st.log->info("inotify unavailable for {} (NFS?): scanning every {} ms", options.settings.watch_dir.string(),
                   options.idle_scan_interval.count());
  }
  st.log->info("watching {}", options.settings.watch_dir.string());
  // Files already present at start-up are found by the first tick.
  self->send(self, msg::tick_atom::value);
  return {
      // inotify: scan now; the timer chain below keeps running on its own.
      [=](msg::scan_atom) { scan(self); },
      [=](msg::tick_atom) {
        bool pending = scan(self);
        auto& o = self->state.options;
        self->delayed_send(self, pending ? o.settings.check_interval : o.idle_scan_interval, msg::tick_atom::value);
      },
      [=](msg::shutdown_atom) {
        self->state.waker.reset();
        self->quit();
      },
  };
}

}  // namespace h2k

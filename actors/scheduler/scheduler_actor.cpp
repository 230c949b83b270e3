#include "actors/scheduler/scheduler_actor.hpp"

#include "actors/cluster/share_probe_actor.hpp"
#include "actors/common/iso_time.hpp"
#include "actors/scheduler/source_archiver.hpp"

#include <chrono>
#include <type_traits>
#include <variant>

#include <caf/all.hpp>

namespace h2k {

namespace {

using self_ptr = msg::scheduler_actor::stateful_pointer<scheduler_state>;

void append(SchedulerEffects& to, SchedulerEffects&& from) {
  for (auto& a : from.assignments) to.assignments.push_back(std::move(a));
  for (auto& c : from.cancels) to.cancels.push_back(std::move(c));
  for (auto& k : from.kill_slots) to.kill_slots.push_back(k);
  for (auto& id : from.archives) to.archives.push_back(std::move(id));
  for (auto& e : from.events) to.events.push_back(std::move(e));
  to.finished = to.finished || from.finished;
}

// Effects wait for the next commit (see the header).
void apply(self_ptr self, SchedulerEffects fx, bool queue_changed = true) {
  auto& st = self->state;
  st.core->journal_events(fx.events);
  append(st.pending, std::move(fx));
  st.queue_changed = st.queue_changed || queue_changed;
  if (!st.commit_scheduled) {
    st.commit_scheduled = true;
    self->send(self, msg::commit_atom::value);
  }
}

// A commit with no effects of its own: makes the store's buffered writes
// durable (they wait in the process until a sync).
void commit_soon(self_ptr self) { apply(self, SchedulerEffects{}, false); }

// Runs a handler's body so that nothing thrown can stop the scheduler: a
// message from outside (late, duplicate, malformed) must never kill it.
template <typename Fn>
void guarded(self_ptr self, const char* what, Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    self->state.log->critical("scheduler: {} failed: {} (message dropped; the scheduler keeps running)", what,
                              e.what());
  }
}

// Whether a handler's effects are worth a commit and the stats it sends.
bool has_effects(const SchedulerEffects& fx) {
  return !fx.assignments.empty() || !fx.cancels.empty() || !fx.kill_slots.empty() || !fx.events.empty() ||
         fx.finished;
}

void probe_own_share(self_ptr self);

// Arms a check at the first moment a node may fall silent
// (JobScheduler::next_silence_check_ms), unless one is armed for that
// moment or before: a dead node's jobs then move at node_timeout, not up
// to a tick (1 s) later.
void arm_silence_check(self_ptr self) {
  auto& st = self->state;
  const auto at = st.core->next_silence_check_ms();
  if (!at || (st.silence_check_at_ms != 0 && st.silence_check_at_ms <= *at)) return;
  st.silence_check_at_ms = *at;
  // Never sooner than 20 ms: a check that finds nothing to do cannot spin.
  const auto wait = std::max<std::int64_t>(20, *at - unix_now_ms());
  self->delayed_send(self, std::chrono::milliseconds(wait), msg::silence_atom::value, *at);
}

void check_silence(self_ptr self, std::int64_t armed_at) {
  auto& st = self->state;
  if (st.silence_check_at_ms != armed_at) return;  // replaced by an earlier one, which re-armed
  st.silence_check_at_ms = 0;
  // Stopped or starved since the last tick, or the clock stepped: the next
  // tick credits that time before it judges silence, and arms the next check.
  const std::int64_t wall = unix_now_ms();
  if (!st.tick_gap.running_since_last_tick(steady_now_ms(), wall)) return;
  guarded(self, "silence check", [&] {
    auto fx = st.core->on_silence_check(wall);
    if (has_effects(fx)) apply(self, std::move(fx));
  });
  arm_silence_check(self);
}

void spawn_archiver(self_ptr self) {
  auto& st = self->state;
  const auto& settings = st.core->settings();
  // Not linked: its death must not take the scheduler with it (it is
  // replaced instead); it watches the scheduler and leaves with it.
  const auto owner = caf::actor_cast<caf::actor>(self);
  if (st.make_archiver)
    st.archiver = st.make_archiver(self->system(), owner);
  else
    st.archiver = self->spawn<caf::detached>(source_archiver_fn, owner, settings.watch_root, settings.faults, st.log,
                                             st.core->archive_share());
  self->monitor(st.archiver);
}

// Whether archive moves can go out now: not while this coordinator's share
// is unusable (they would find nothing to move).
bool may_archive(const scheduler_state& st) { return !st.share_probe || st.core->own_share_ok(); }

// Moves under way, or waiting to go out (a stop waits for them a while).
bool archiving(const scheduler_state& st) {
  return st.archive_batch_out != 0 || (!st.archive_waiting.empty() && may_archive(st));
}

// A failed archive move is tried again this much later (or as soon as the share is back).
constexpr std::int64_t kArchiveRetryMs = 60'000;

// Sends the jobs waiting as one batch, unless a batch is out already (its
// answer sends the next one). The report comes back as one store write.
// Until then their files stay known to the scheduler (never taken for a new
// VM), and if this process dies first, start-up finishes the moves.
void send_archive_batch(self_ptr self) {
  auto& st = self->state;
  if (st.archive_batch_out != 0 || st.archive_waiting.empty() || !may_archive(st)) return;
  std::vector<std::string> ids = std::move(st.archive_waiting);
  st.archive_waiting.clear();
  std::vector<msg::archive_request> requests;
  guarded(self, "archiving sources", [&] { requests = st.core->archive_requests(ids); });
  if (requests.empty()) return;
  const std::uint64_t batch = ++st.archive_batches_sent;
  st.archive_batch_out = batch;
  st.archive_out_since_ms = unix_now_ms();
  st.archive_warned_ms = 0;
  // No timeout: a move is never abandoned half-way (the archiver is busy
  // until it returns); a stall is logged by the tick instead. The archiver's
  // death ends the batch through the down handler.
  auto settle = [=] {
    auto& s = self->state;
    if (s.archive_batch_out != batch) return;  // already given up with a dead archiver
    s.archive_batch_out = 0;
    send_archive_batch(self);
  };
  self->request(st.archiver, caf::infinite, msg::archive_batch{std::move(requests)})
      .then(
          [=](msg::archive_report& report) {
            auto& s = self->state;
            guarded(self, "recording archived sources", [&] { s.core->on_archived(report.jobs); });
            bool failed = false;
            for (const auto& r : report.jobs)
              if (!r.error.empty()) {
                s.archive_failed.push_back(r.job_id);
                failed = true;
              }
            if (failed) {
              s.archive_retry_at_ms = unix_now_ms() + kArchiveRetryMs;
              probe_own_share(self);  // the share's state decides when they go again
            }
            commit_soon(self);  // not only when the next job moves
            settle();
          },
          [=](caf::error& err) {
            self->state.log->error("archiving sources: {} (the next start finishes it)", self->system().render(err));
            settle();
          });
}

void archive(self_ptr self, std::vector<std::string>& job_ids) {
  auto& st = self->state;
  for (auto& id : job_ids) st.archive_waiting.push_back(std::move(id));
  send_archive_batch(self);
}

// The failed moves go again (their jobs keep archive_pending until one works).
void retry_failed_archives(self_ptr self) {
  auto& st = self->state;
  if (st.archive_failed.empty()) return;
  std::vector<std::string> ids = std::move(st.archive_failed);
  st.archive_failed.clear();
  archive(self, ids);
}

// A watcher's report, handled now, or held while this coordinator cannot
// see the files it names (its share unusable or not mounted here).
template <class Report>
void take_report(self_ptr self, Report& report, bool may_hold) {
  auto& st = self->state;
  const bool watched = st.share_probe && may_hold;
  if (watched && !st.core->own_share_ok()) {
    st.intake_waiting.hold(std::move(report), st.share_watch);
    return;
  }
  bool missing = false;
  guarded(self, "a watcher's report", [&] {
    SchedulerEffects fx;
    if constexpr (std::is_same_v<Report, msg::vm_found>)
      fx = st.core->on_found(report, unix_now_ms(), watched ? &missing : nullptr);
    else
      fx = st.core->on_problem(report, unix_now_ms(), watched ? &missing : nullptr);
    apply(self, std::move(fx));
  });
  if (missing) {
    // Gone from the queue, or the share went away since the last read:
    // a read made from now on tells.
    st.intake_waiting.hold(std::move(report), st.share_watch);
    probe_own_share(self);
  }
}

// A batch out for long: the share (or a move) is stuck. Dispatch goes on; say
// so (by default once a minute), because the sources of done jobs stay in the queue.
void warn_if_archiving_stalls(self_ptr self, std::int64_t now_ms) {
  auto& st = self->state;
  const std::int64_t after = st.core->settings().archive_stall_warning_ms;
  if (st.archive_batch_out == 0 || now_ms - st.archive_out_since_ms < after) return;
  if (st.archive_warned_ms != 0 && now_ms - st.archive_warned_ms < after) return;
  st.archive_warned_ms = now_ms;
  st.log->warn("scheduler: archiving sources has not answered for {} s ({} more job(s) waiting): is the share "
               "responding?",
               (now_ms - st.archive_out_since_ms) / 1000, st.archive_waiting.size());
}

// ---- this process's own share (its own slots in a cluster) ----

// Failed outcomes of its own slots whose share read has answered (all of
// them once the read is overdue: the share is not responding) are judged
// now, the share's state recorded before them.
void release_outcomes_behind_share(self_ptr self) {
  auto& st = self->state;
  const bool was_ok = st.core->own_share_ok();
  guarded(self, "own share", [&] {
    SchedulerEffects fx = st.core->on_own_share(st.share_watch.current(steady_now_ms()), unix_now_ms());
    // Most reads change nothing: no commit for them.
    if (!fx.assignments.empty() || !fx.cancels.empty() || !fx.events.empty()) apply(self, std::move(fx));
  });
  for (auto& o : st.awaiting_share.take_judged(st.share_watch, steady_now_ms()))
    guarded(self, "job_outcome", [&] { apply(self, st.core->on_outcome(o, unix_now_ms())); });
  // Reports held for a read that found the share there: handled now (files
  // still missing are really gone).
  for (auto& r : st.intake_waiting.take_released(st.share_watch, st.core->own_share_ok()))
    std::visit([&](auto& report) { take_report(self, report, false); }, r);
  if (!was_ok && st.core->own_share_ok()) {
    // Back: what waited for it goes now.
    commit_soon(self);  // failed jobs' files set aside: where they went is recorded
    retry_failed_archives(self);
    send_archive_batch(self);
  }
}

void probe_own_share(self_ptr self) {
  auto& st = self->state;
  if (!st.share_probe) return;
  const auto probe = st.share_watch.start(steady_now_ms());
  if (!probe) return;  // one in flight already
  st.share_probed_ms = steady_now_ms();
  auto answered = [self, n = *probe](msg::share_view seen) {
    auto& st = self->state;
    st.share_watch.answered(n, std::move(seen));
    release_outcomes_behind_share(self);
    // A failure (or a report) that came in while this read was out waits
    // for the next.
    if (!st.awaiting_share.empty() || st.intake_waiting.needs_probe(st.share_watch)) probe_own_share(self);
  };
  // No timeout here: ShareWatch declares the share "not responding" once the
  // read is overdue (the tick checks), and a late answer still counts.
  self->request(st.share_probe, caf::infinite, msg::probe_atom::value)
      .then([answered](msg::share_view& seen) mutable { answered(std::move(seen)); },
            [answered](caf::error& e) mutable {
              answered(msg::share_view{"", "the share probe failed: " + caf::to_string(e)});
            });
}

void spawn_slot(self_ptr self, std::size_t i) {
  auto& st = self->state;
  auto& make = st.core->slot_is_exporter(i) ? st.make_exporter : st.make_converter;
  auto conv = make(self->system(), caf::actor_cast<msg::scheduler_actor>(self));
  self->monitor(conv);
  if (i < st.slots.size()) st.slots[i] = conv;
  else st.slots.push_back(conv);
}

// Converter slots alive (status: slots_alive of max_concurrent_jobs); export
// slots are replaced the same way but counted apart.
std::size_t alive_slots(self_ptr self) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < self->state.slots.size(); ++i)
    n += self->state.slots[i] && !self->state.core->slot_is_exporter(i) ? 1 : 0;
  return n;
}

// At most this often from commits: at thousands of jobs a second every
// commit would rebuild (and stats copy) the whole node table, a summary per
// node, for figures nobody reads faster than this.
constexpr std::int64_t kClusterStateEveryMs = 250;

// `force`: the tick (heartbeat ages, or a change a commit held back).
void send_cluster_state(self_ptr self, std::int64_t now_ms, bool force) {
  auto& st = self->state;
  if (!st.stats) return;
  if (!force && now_ms - st.cluster_state_sent_ms < kClusterStateEveryMs) {
    st.cluster_state_stale = true;
    return;
  }
  st.cluster_state_sent_ms = now_ms;
  st.cluster_state_stale = false;
  self->send(st.stats, st.core->cluster_state(now_ms));
}

void commit(self_ptr self) {
  auto& st = self->state;
  st.commit_scheduled = false;
  try {
    st.store->sync();
  } catch (const std::exception& e) {
    // Nothing may act on state that is not durable: hold everything back
    // and try again shortly.
    st.log->critical("scheduler: cannot sync the job store: {}; retrying in 1 s", e.what());
    st.commit_scheduled = true;
    self->delayed_send(self, std::chrono::seconds(1), msg::commit_atom::value);
    return;
  }
  // Durable now: stale attempts' staging folders may go (not before: see
  // JobScheduler::remove_staging_of).
  guarded(self, "removing stale staging", [&] { st.core->remove_waiting_staging(); });
  SchedulerEffects fx = std::move(st.pending);
  st.pending = SchedulerEffects{};
  for (auto& deliver : st.replies) deliver();
  st.replies.clear();
  for (auto& [slot, job] : fx.assignments) self->send(st.slots.at(slot), std::move(job));
  for (auto& [slot, id] : fx.cancels) self->send(st.slots.at(slot), msg::cancel_atom::value, id);
  for (auto slot : fx.kill_slots) self->send_exit(st.slots.at(slot), caf::exit_reason::kill);
  if (!fx.archives.empty()) archive(self, fx.archives);
  if (!fx.events.empty()) {
    if (st.notifier) self->send(st.notifier, msg::job_events{fx.events});
    if (st.stats) self->send(st.stats, msg::job_events{std::move(fx.events)});
  }
  if (st.queue_changed) {
    st.queue_changed = false;
    auto q = st.core->queue_state();
    if (st.stats) self->send(st.stats, q);
    if (st.notifier) self->send(st.notifier, q);
    send_cluster_state(self, unix_now_ms(), false);
  }
  if (fx.finished) {
    st.log->info("no job running: scheduler done ({})", st.core->mode());
    // Let the reply to the drain/stop command go out first.
    self->delayed_send(self, std::chrono::milliseconds(50), msg::shutdown_atom::value);
  }
}

}  // namespace

msg::scheduler_actor::behavior_type scheduler_actor_fn(self_ptr self, SchedulerSettings settings,
                                                       std::shared_ptr<JobStore> store,
                                                       std::shared_ptr<spdlog::logger> log, ConverterFactory make_converter,
                                                       msg::stats_actor stats, msg::notifier_actor notifier,
                                                       ConverterFactory make_exporter, ArchiverFactory make_archiver) {
  auto& st = self->state;
  // This process's own slots, converters then exporters (0: a coordinator
  // that converts nothing).
  if (!make_exporter) settings.export_slots = 0;
  const std::size_t n = settings.slots + settings.export_slots;
  st.core = std::make_unique<JobScheduler>(std::move(settings), store, log);
  st.store = std::move(store);
  st.log = log;
  st.make_converter = std::move(make_converter);
  st.make_exporter = std::move(make_exporter);
  st.make_archiver = std::move(make_archiver);
  st.stats = std::move(stats);
  st.notifier = std::move(notifier);
  for (std::size_t i = 0; i < n; ++i) spawn_slot(self, i);
  st.core->set_slots_alive(alive_slots(self));
  spawn_archiver(self);
  if (st.core->watches_own_share()) {
    // Linked: it leaves with the scheduler; detached: a read on a hung
    // mount blocks its own thread only.
    st.share_probe = self->spawn<caf::linked + caf::detached>(share_probe_actor_fn, st.core->settings().share_root);
    probe_own_share(self);
  }
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source == self->state.archiver.address()) {
      // Its batch died with it: those jobs keep their marks until the next
      // start; the jobs waiting go to the new archiver.
      auto& st = self->state;
      st.log->error("scheduler: the archiver stopped ({}): started again", caf::to_string(dm.reason));
      spawn_archiver(self);
      st.archive_batch_out = 0;
      send_archive_batch(self);
      return;
    }
    // A slot died (a bug in it, an exception escaping, or the watchdog
    // killed it): replace it at once so throughput does not drop, and put
    // its job back in the queue. Only the slots are monitored.
    auto& st = self->state;
    for (std::size_t i = 0; i < st.slots.size(); ++i) {
      if (!st.slots[i] || st.slots[i].address() != dm.source) continue;
      if (!st.core->slot_is_local(i)) {
        // A node's slot: its connection dropped (killed, host down, or
        // silent past the middleman's connection timeout). The whole node is
        // gone: every one of its jobs gets a new lease elsewhere.
        // Its leases wait for it to reconnect (a reset connection must not
        // restart its conversions); silent past node_timeout, it is lost.
        const std::string node = st.core->node_of_slot(i);
        const std::string reason = caf::to_string(dm.reason);
        for (std::size_t k = 0; k < st.slots.size(); ++k)
          if (st.slots[k] && !st.core->slot_is_local(k) && st.core->node_of_slot(k) == node)
            st.slots[k] = msg::converter_actor{};
        guarded(self, "a node's connection lost", [&] { st.core->on_node_disconnected(node, reason, unix_now_ms()); });
        st.core->set_slots_alive(alive_slots(self));
        return;
      }
      const bool killed_from_outside =
          dm.reason == caf::exit_reason::kill || dm.reason == caf::exit_reason::user_shutdown;
      const std::string reason = caf::to_string(dm.reason);
      spawn_slot(self, i);
      st.core->set_slots_alive(alive_slots(self));
      guarded(self, "replacing a lost slot",
              [&] { apply(self, st.core->on_slot_lost(i, !killed_from_outside, reason, unix_now_ms())); });
      return;
    }
  });
  self->set_exit_handler([=](caf::exit_msg& em) {
    for (auto& c : self->state.slots) self->send(c, msg::shutdown_atom::value);
    self->quit(em.reason);
  });
  guarded(self, "start-up recovery", [&] { apply(self, st.core->start(unix_now_ms())); });
  self->delayed_send(self, std::chrono::seconds(1), msg::tick_atom::value);
  return {
      [=](msg::vm_found& vm) { take_report(self, vm, true); },
      [=](msg::watch_problem& p) { take_report(self, p, true); },
      [=](msg::job_progress& p) {
        guarded(self, "job_progress", [&] {
          SchedulerEffects fx;
          self->state.core->on_progress(p, unix_now_ms(), fx);
          if (!fx.events.empty()) apply(self, std::move(fx), false);
          else if (self->state.stats) self->send(self->state.stats, p);  // live progress: no durable state behind it
        });
      },
      [=](msg::job_outcome& o) {
        auto& st = self->state;
        // One of its own slots failed while the share is checked: the share
        // may be the cause; judged after a read of it made since.
        if (st.share_probe && OutcomesAwaitingShare::must_wait(o) && st.core->is_own_holder(o.holder)) {
          st.awaiting_share.hold(std::move(o), st.share_watch);
          probe_own_share(self);
          return;
        }
        guarded(self, "job_outcome", [&] { apply(self, st.core->on_outcome(o, unix_now_ms())); });
      },
      [=](msg::tick_atom) {
        guarded(self, "tick", [&] {
          const std::int64_t now = unix_now_ms();
          self->state.core->on_coordinator_pause(self->state.tick_gap.on_tick(steady_now_ms(), now), now);
          auto fx = self->state.core->on_tick(now);
          // Ticks only matter when something changed; keep stats quiet otherwise.
          if (has_effects(fx)) apply(self, std::move(fx));
        });
        // Anything written outside a handler that commits (the store buffers
        // writes until a sync) is durable within a tick.
        if (!self->state.commit_scheduled) commit_soon(self);
        warn_if_archiving_stalls(self, unix_now_ms());
        if (!self->state.archive_failed.empty() && unix_now_ms() >= self->state.archive_retry_at_ms)
          retry_failed_archives(self);
        if (self->state.share_probe) {
          auto& st = self->state;
          if (steady_now_ms() - st.share_probed_ms >= st.core->settings().share_check_interval_ms) probe_own_share(self);
          if (st.share_watch.overdue(steady_now_ms())) release_outcomes_behind_share(self);
        }
        // Heartbeat ages for the metrics, and what commits held back.
        if (self->state.core->cluster_mode() || self->state.cluster_state_stale)
          send_cluster_state(self, unix_now_ms(), true);
        arm_silence_check(self);
        self->delayed_send(self, std::chrono::seconds(1), msg::tick_atom::value);
      },
      [=](msg::silence_atom, std::int64_t armed_at) { check_silence(self, armed_at); },
      [=](msg::commit_atom) { commit(self); },
      [=](msg::shutdown_atom) {
        commit(self);
        auto& st = self->state;
        if (archiving(st)) {
          // Let the archive moves under way finish and be recorded, so a
          // stopped daemon leaves no source behind; not forever (a share
          // that stopped answering): the next start finishes them.
          const std::int64_t now = unix_now_ms();
          if (st.shutdown_deadline_ms == 0) st.shutdown_deadline_ms = now + 30000;
          if (now < st.shutdown_deadline_ms) {
            self->delayed_send(self, std::chrono::milliseconds(20), msg::shutdown_atom::value);
            return;
          }
          st.log->warn("scheduler: stopping with archiving unfinished ({} job(s) not yet sent): the next start "
                       "finishes it",
                       st.archive_waiting.size());
        }
        for (auto& c : self->state.slots) self->send(c, msg::shutdown_atom::value);
        self->quit();
      },
      [=](msg::job_planned& p) -> msg::plan_reply {
        // Answered at once, without waiting for the disk: a reservation lost
        // with a crash costs nothing, because the attempt that used it can
        // never publish (its publish request finds no reservation). It is
        // still made durable at the next commit, scheduled here, so that a
        // crash a moment later does not cost the running job its attempt.
        msg::plan_reply reply;
        SchedulerEffects fx;
        guarded(self, "job_planned", [&] { reply = self->state.core->on_planned(p, unix_now_ms(), fx); });
        apply(self, std::move(fx), false);
        return reply;
      },
      [=](msg::publish_request& r) -> caf::typed_response_promise<bool> {
        auto rp = self->make_response_promise<bool>();
        bool ok = false;
        SchedulerEffects fx;
        guarded(self, "publish_request", [&] { ok = self->state.core->on_publish(r, unix_now_ms(), fx); });
        self->state.replies.emplace_back([rp, ok]() mutable { rp.deliver(ok); });
        apply(self, std::move(fx), false);
        return rp;
      },
      [=](msg::node_hello& h) -> msg::node_welcome {
        auto& st = self->state;
        JobScheduler::NodeJoin join;
        join.welcome.reason = "internal error";
        guarded(self, "node_hello", [&] { join = st.core->on_node_hello(h, unix_now_ms()); });
        if (join.welcome.accepted) {
          // slot_indices: the converter slots, then the export slots.
          std::vector<msg::converter_actor> handles = h.slots;
          handles.insert(handles.end(), h.export_slots.begin(), h.export_slots.end());
          for (std::size_t k = 0; k < join.slot_indices.size() && k < handles.size(); ++k) {
            const std::size_t i = join.slot_indices[k];
            if (st.slots.size() <= i) st.slots.resize(i + 1);
            st.slots[i] = handles[k];
            self->monitor(handles[k]);
          }
          st.core->set_slots_alive(alive_slots(self));
        }
        // Assignments to the node's slots go out after the commit, behind
        // this answer's way back: the node has its slots running already.
        apply(self, std::move(join.fx));
        return join.welcome;
      },
      [=](msg::node_status& s) -> bool {
        bool known = false;
        guarded(self, "node_status", [&] { known = self->state.core->on_node_status(s, unix_now_ms()); });
        return known;
      },
      [=](msg::control_command& c) -> caf::typed_response_promise<msg::control_reply> {
        // Answered after the commit, as a publish is: a user told "cancelled"
        // or "queued" must find it so after a kill -9 (the store's writes wait
        // in the process until the commit's sync).
        auto rp = self->make_response_promise<msg::control_reply>();
        SchedulerEffects fx;
        msg::control_reply reply{false, R"({"ok":false,"error":"internal error"})"};
        guarded(self, "control command", [&] { reply = self->state.core->on_control(c, unix_now_ms(), fx); });
        self->state.replies.emplace_back([rp, reply = std::move(reply)]() mutable { rp.deliver(std::move(reply)); });
        apply(self, std::move(fx));
        return rp;
      },
  };
}

}  // namespace h2k

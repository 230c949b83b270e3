#include "actors/cluster/coordinator_link_actor.hpp"

#include "actors/cluster/share_probe_actor.hpp"
#include "actors/common/iso_time.hpp"
#include "engine/core/error.hpp"

#include <algorithm>
#include <random>
#include <sys/statvfs.h>
#include <type_traits>
#include <utility>

#include <caf/all.hpp>

namespace h2k {

namespace {

using self_ptr = msg::coordinator_link_actor::stateful_pointer<link_state>;

std::uint64_t free_bytes(const std::filesystem::path& dir) {
  struct statvfs v {};
  if (::statvfs(dir.c_str(), &v) != 0) return 0;
  return static_cast<std::uint64_t>(v.f_bavail) * v.f_frsize;
}

std::uint32_t busy_slots(const link_state& st) { return static_cast<std::uint32_t>(st.leases.size()); }

bool connected(const link_state& st) { return st.coordinator && st.welcomed; }

// Asks the coordinator on the path of a job (output folder, publish,
// outcome): no CAF timeout (CAF 0.17 never cancels one; see
// request_deadlines.hpp), a deadline of our own instead. `answered` gets
// the reply; `lost` runs once, with the reason, if the request fails or its
// deadline passes first. A request to a coordinator that died stays in
// CAF's table of awaited answers (one entry per request then in flight),
// never answered.
template <class Reply, class Request, class OnAnswer>
void ask_coordinator(self_ptr self, Request request, OnAnswer answered, RequestDeadlines::OnLost lost) {
  auto& st = self->state;
  const auto token = st.deadlines.open(steady_now_ms() + st.settings.request_timeout.count(), std::move(lost));
  auto failed = [self, token](caf::error& e) { self->state.deadlines.fail(token, caf::to_string(e)); };
  auto sent = self->request(st.coordinator, caf::infinite, std::move(request));
  if constexpr (std::is_void_v<Reply>) {
    sent.then(
        [self, token, answered]() mutable {
          if (self->state.deadlines.close(token)) answered();
        },
        failed);
  } else {
    sent.then(
        [self, token, answered](Reply& reply) mutable {
          if (self->state.deadlines.close(token)) answered(reply);
        },
        failed);
  }
}

// The two requests a slot makes, forwarded: held for the next try when lost.
void forward_planned(self_ptr self, msg::job_planned p, caf::typed_response_promise<msg::plan_reply> rp) {
  ask_coordinator<msg::plan_reply>(
      self, p, [rp](msg::plan_reply& r) mutable { rp.deliver(std::move(r)); },
      [self, p, rp](const std::string&) { self->state.held_planned.emplace_back(p, rp); });
}

void forward_publish(self_ptr self, msg::publish_request r, caf::typed_response_promise<bool> rp) {
  ask_coordinator<bool>(
      self, r, [rp](bool ok) mutable { rp.deliver(ok); },
      [self, r, rp](const std::string&) { self->state.held_publish.emplace_back(r, rp); });
}

// Whether a report of this lease comes from an attempt the coordinator
// revoked (see link_state::revoked).
bool revoked_lease(const link_state& st, const std::string& job_id, std::uint64_t epoch) {
  auto it = st.revoked.find(job_id);
  return it != st.revoked.end() && epoch <= it->second;
}

void revoke(link_state& st, const msg::lease_ref& lease) {
  auto& e = st.revoked[lease.job_id];
  e = std::max(e, lease.epoch);
}

void remember_lease(link_state& st, const std::string& job_id, std::uint64_t epoch, const std::string& holder) {
  if (job_id.empty() || revoked_lease(st, job_id, epoch)) return;
  auto& l = st.leases[job_id];
  if (l.epoch > epoch) return;  // an older attempt's late report
  l = msg::lease_ref{job_id, epoch, holder};
}

// The slot a holder names ("<node>/slot-<n>" or "<node>/export-<n>"), if
// it is one of ours.
msg::converter_actor* slot_named(link_state& st, const std::string& holder) {
  for (auto [kind, list] : {std::pair{"/slot-", &st.slots}, std::pair{"/export-", &st.export_slots}}) {
    const std::string prefix = st.settings.node_name + kind;
    if (holder.rfind(prefix, 0) != 0) continue;
    try {
      auto n = std::stoul(holder.substr(prefix.size()));
      if (n >= 1 && n <= list->size()) return &(*list)[n - 1];
    } catch (const std::exception&) {
    }
  }
  return nullptr;
}

void send_outcome(self_ptr self, msg::job_outcome o);
void hello(self_ptr self);
void start_clean(self_ptr self);

// The share as reported now (an unchecked share_root: nothing to report).
msg::share_view share_now(const link_state& st) {
  if (!st.share_probe) return {};
  return st.share_watch.current(steady_now_ms());
}

void send_status(self_ptr self) {
  auto& st = self->state;
  if (!connected(st)) return;
  msg::node_status s{st.settings.node_name, st.incarnation, free_bytes(st.settings.scratch_dir), busy_slots(st),
                     share_now(st)};
  auto to = st.coordinator;
  self->request(to, st.settings.request_timeout, s)
      .then(
          [self, to, inc = st.incarnation](bool known) {
            auto& st = self->state;
            if (!known && st.coordinator == to && st.incarnation == inc) start_clean(self);
          },
          [](caf::error&) {});  // a lost heartbeat: the connection's own timeout decides
}

void log_share_change(link_state& st) {
  const msg::share_view v = share_now(st);
  if (v.problem == st.share_logged) return;
  if (v.problem.empty())
    st.log->info("the share at {} is readable again (share id {}): the coordinator may give this node jobs",
                 st.settings.share_root.string(), v.id);
  else
    st.log->error("cannot use the share: {}: this node gets no job until it can", v.problem);
  st.share_logged = v.problem;
}

// Failed outcomes whose share probe has answered (all of them when the
// probe is overdue: the share is not responding) go out, behind a status
// that tells the coordinator what the probe saw.
void release_judged(self_ptr self) {
  auto& st = self->state;
  std::vector<msg::job_outcome> ready = st.awaiting_share.take_judged(st.share_watch, steady_now_ms());
  if (ready.empty()) return;
  send_status(self);
  for (auto& o : ready) send_outcome(self, std::move(o));
}

void probe_share(self_ptr self) {
  auto& st = self->state;
  if (!st.share_probe) return;
  const auto probe = st.share_watch.start(steady_now_ms());
  if (!probe) return;  // one in flight: its answer starts the next one if needed
  st.share_probed_ms = steady_now_ms();
  auto answered = [self, n = *probe](msg::share_view seen) {
    auto& st = self->state;
    st.share_watch.answered(n, std::move(seen));
    log_share_change(st);
    release_judged(self);
    if (!st.awaiting_share.empty()) probe_share(self);
    if (st.coordinator && !st.welcomed) hello(self);  // it waited for the first read
  };
  self->request(st.share_probe, caf::infinite, msg::probe_atom::value)
      .then([answered](msg::share_view& seen) mutable { answered(std::move(seen)); },
            [answered](caf::error& e) mutable {
              answered(msg::share_view{"", "the share probe failed: " + caf::to_string(e)});
            });
}

// Everything held while disconnected goes out, in the order a slot needs:
// outcomes first (they free the coordinator's view of our slots), then the
// paused requests, then the watcher's reports.
void flush_held(self_ptr self) {
  auto& st = self->state;
  auto outcomes = std::move(st.unacked_outcomes);
  st.unacked_outcomes.clear();
  for (auto& o : outcomes) send_outcome(self, std::move(o));
  auto planned = std::move(st.held_planned);
  st.held_planned.clear();
  for (auto& [p, rp] : planned) forward_planned(self, std::move(p), std::move(rp));
  auto publish = std::move(st.held_publish);
  st.held_publish.clear();
  for (auto& [r, rp] : publish) forward_publish(self, std::move(r), std::move(rp));
  for (auto& [k, vm] : st.held_found) self->send(st.coordinator, vm);
  st.held_found.clear();
  for (auto& p : st.held_problems) self->send(st.coordinator, p);
  st.held_problems.clear();
}

// An outcome stays held until the coordinator acknowledges it: a send into
// a connection that is dying would lose it silently.
void send_outcome(self_ptr self, msg::job_outcome o) {
  auto& st = self->state;
  if (revoked_lease(st, o.job_id, o.epoch)) {
    st.log->info("job {}: outcome '{}'{} of a revoked lease (epoch {}) dropped", o.job_id, o.status,
                 o.error.empty() ? std::string() : " (" + o.error + ")", o.epoch);
    return;
  }
  if (!connected(st)) {
    st.unacked_outcomes.push_back(std::move(o));
    return;
  }
  const std::string id = o.job_id;
  const std::uint64_t epoch = o.epoch;
  ask_coordinator<void>(
      self, o,
      [self, id, epoch]() {
        auto it = self->state.leases.find(id);
        if (it != self->state.leases.end() && it->second.epoch == epoch) self->state.leases.erase(it);
      },
      [self, o](const std::string& why) {
        self->state.log->warn("job {}: outcome not acknowledged ({}): held for the next coordinator", o.job_id, why);
        self->state.unacked_outcomes.push_back(o);
      });
}

// One registration in flight at a time: a burst of them (one per tick while
// a slow coordinator answers) would each re-register the node, every one
// taking back the jobs assigned since the previous.
void hello(self_ptr self) {
  auto& st = self->state;
  if (!st.coordinator || st.hello_in_flight) return;
  // The first read of the share goes with the registration (a node that
  // cannot see it must not get a job in between); the probe's answer, or
  // the next tick once it is overdue, registers.
  if (st.share_probe && st.share_watch.last_answered() == 0 && !st.share_watch.overdue(steady_now_ms())) return;
  st.hello_in_flight = true;
  msg::node_hello h;
  h.node_name = st.settings.node_name;
  h.incarnation = st.incarnation;
  h.roles = st.settings.roles;
  h.host = st.settings.host;
  h.scratch_free_bytes = free_bytes(st.settings.scratch_dir);
  h.accel = st.settings.accel;
  h.capabilities = st.settings.capabilities;
  h.slots = st.slots;
  h.export_slots = st.export_slots;
  h.share = share_now(st);
  // The welcome revokes leases as claimed here: a later lease of the same
  // job, given to this node while the welcome was on its way, is not one.
  std::map<std::string, msg::lease_ref> claimed;
  for (auto& [id, l] : st.leases) {
    h.leases.push_back(l);
    claimed.emplace(id, l);
  }
  auto to = st.coordinator;
  self->request(to, st.settings.request_timeout, h)
      .then(
          [self, to, inc = st.incarnation, claimed](msg::node_welcome& w) {
            auto& st = self->state;
            st.hello_in_flight = false;
            // A newer connection took over, or the node started clean since:
            // the next tick registers the current incarnation.
            if (st.coordinator != to || st.incarnation != inc) return;
            if (!w.accepted) {
              st.log->critical("the coordinator refused this node: {}", w.reason);
              return;
            }
            for (const auto& id : w.revoked) {
              auto c = claimed.find(id);
              if (c == claimed.end()) continue;
              revoke(st, c->second);
              auto it = st.leases.find(id);
              if (it == st.leases.end() || it->second.epoch > c->second.epoch) continue;  // a newer lease: ours
              st.log->warn("job {}: the coordinator gave its lease to another node: cancelling it here", id);
              if (auto* slot = slot_named(st, it->second.holder)) self->send(*slot, msg::cancel_atom::value, id);
              st.leases.erase(it);
            }
            st.welcomed = true;
            st.log->info("registered with the coordinator as {} ({}), {} slot(s), {} export slot(s), {} lease(s) kept",
                         st.settings.node_name, st.incarnation, st.slots.size(), st.export_slots.size(),
                         st.leases.size());
            flush_held(self);
          },
          [self, to](caf::error& e) {
            auto& st = self->state;
            st.hello_in_flight = false;
            if (st.coordinator != to) return;
            // The next heartbeat tick tries again.
            st.log->warn("registration with the coordinator failed ({}): trying again", caf::to_string(e));
          });
}

// The coordinator no longer knows this incarnation: whatever our slots run
// has a new lease elsewhere. Cancel it all, forget it, register anew.
void start_clean(self_ptr self) {
  auto& st = self->state;
  st.log->error("the coordinator no longer knows this node ({}: declared dead while frozen or cut off): "
                "cancelling {} running job(s) and registering again as a new incarnation",
                st.incarnation, st.leases.size());
  for (auto& [id, l] : st.leases) {
    if (auto* slot = slot_named(st, l.holder)) self->send(*slot, msg::cancel_atom::value, id);
    revoke(st, l);
  }
  st.leases.clear();
  st.unacked_outcomes.clear();
  for (auto& [p, rp] : st.held_planned) rp.deliver(msg::plan_reply{});
  st.held_planned.clear();
  for (auto& [r, rp] : st.held_publish) rp.deliver(false);
  st.held_publish.clear();
  st.incarnation = new_incarnation();
  st.welcomed = false;
  hello(self);
}

}  // namespace

std::string new_incarnation() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint64_t> d;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(d(rd)));
  return buf;
}

msg::coordinator_link_actor::behavior_type coordinator_link_actor_fn(self_ptr self, LinkSettings settings,
                                                                     SlotFactory make_slot,
                                                                     std::shared_ptr<spdlog::logger> log,
                                                                     SlotFactory make_export_slot) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.make_slot = std::move(make_slot);
  st.make_export_slot = std::move(make_export_slot);
  st.log = std::move(log);
  st.incarnation = new_incarnation();
  if (!st.make_export_slot) st.settings.export_slots = 0;
  st.share_watch = ShareWatch(st.settings.request_timeout.count());
  if (!st.settings.share_root.empty()) {
    // Linked: it goes with the link (a read blocked on a hung mount ends first).
    st.share_probe = self->spawn<caf::linked + caf::detached>(share_probe_actor_fn, st.settings.share_root);
    probe_share(self);
  }
  auto report_to = caf::actor_cast<msg::job_report_actor>(self);
  for (std::size_t i = 0; i < st.settings.slots; ++i) {
    st.slots.push_back(st.make_slot(self->system(), report_to));
    self->monitor(st.slots.back());
  }
  for (std::size_t i = 0; i < st.settings.export_slots; ++i) {
    st.export_slots.push_back(st.make_export_slot(self->system(), report_to));
    self->monitor(st.export_slots.back());
  }
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.coordinator && dm.source == st.coordinator.address()) {
      st.log->warn("lost the coordinator ({}): holding outcomes and requests until it is back",
                   caf::to_string(dm.reason));
      st.coordinator = msg::scheduler_actor{};
      st.welcomed = false;
      return;
    }
    for (auto [kind, list, make] : {std::tuple{"slot-", &st.slots, &st.make_slot},
                                    std::tuple{"export-", &st.export_slots, &st.make_export_slot}}) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        if ((*list)[i].address() != dm.source) continue;
        // A slot of ours died: its job's lease is lost with it. Start clean
        // is too much; the coordinator learns of the loss from its own
        // monitor on the slot and requeues the job. Replace the slot.
        const std::string holder = st.settings.node_name + "/" + kind + std::to_string(i + 1);
        st.log->error("{} stopped ({}): replaced", holder, caf::to_string(dm.reason));
        (*list)[i] = (*make)(self->system(), caf::actor_cast<msg::job_report_actor>(self));
        self->monitor((*list)[i]);
        for (auto it = st.leases.begin(); it != st.leases.end();)
          it = it->second.holder == holder ? st.leases.erase(it) : std::next(it);
        if (connected(st)) hello(self);  // the coordinator needs the new slot's handle
        return;
      }
    }
  });
  self->delayed_send(self, st.settings.heartbeat_interval, msg::tick_atom::value);
  return {
      [=](msg::scheduler_actor& coordinator) {
        auto& st = self->state;
        st.coordinator = coordinator;
        st.welcomed = false;
        st.hello_in_flight = false;  // an answer on the old connection is ignored
        self->monitor(coordinator);
        hello(self);
      },
      [=](msg::tick_atom) {
        auto& st = self->state;
        // Requests past their deadline are held again (see ask_coordinator).
        st.deadlines.expire(steady_now_ms(),
                            "no answer within " + std::to_string(st.settings.request_timeout.count()) + " ms");
        if (st.coordinator && !st.welcomed) {
          hello(self);
        } else if (connected(st)) {
          // Anything a timed-out try put back goes out again.
          if (!st.unacked_outcomes.empty() || !st.held_planned.empty() || !st.held_publish.empty()) flush_held(self);
          send_status(self);
        }
        // The share: read again every share_check_interval; failed outcomes
        // waiting on a read that does not come (a hung mount) go out now,
        // their node's status saying the share is not responding.
        if (steady_now_ms() - st.share_probed_ms >= st.settings.share_check_interval.count()) probe_share(self);
        if (st.share_watch.overdue(steady_now_ms())) {
          log_share_change(st);
          release_judged(self);
        }
        self->delayed_send(self, st.settings.heartbeat_interval, msg::tick_atom::value);
      },
      [=](msg::job_progress& p) {
        auto& st = self->state;
        if (revoked_lease(st, p.job_id, p.epoch)) return;
        remember_lease(st, p.job_id, p.epoch, p.holder);
        if (connected(st)) self->send(st.coordinator, std::move(p));
      },
      [=](msg::job_outcome& o) {
        auto& st = self->state;
        // A failure may be the share's, not the job's: judged after a read
        // of the share made since (see link_state::awaiting_share).
        if (st.share_probe && OutcomesAwaitingShare::must_wait(o)) {
          st.awaiting_share.hold(std::move(o), st.share_watch);
          probe_share(self);
          return;
        }
        send_outcome(self, std::move(o));
      },
      [=](msg::job_planned& p) -> caf::typed_response_promise<msg::plan_reply> {
        auto& st = self->state;
        auto rp = self->make_response_promise<msg::plan_reply>();
        remember_lease(st, p.job_id, p.epoch, p.holder);
        if (revoked_lease(st, p.job_id, p.epoch)) {
          rp.deliver(msg::plan_reply{});
        } else if (!connected(st)) {
          st.held_planned.emplace_back(p, rp);
        } else {
          forward_planned(self, p, rp);
        }
        return rp;
      },
      [=](msg::publish_request& r) -> caf::typed_response_promise<bool> {
        auto& st = self->state;
        auto rp = self->make_response_promise<bool>();
        remember_lease(st, r.job_id, r.epoch, r.holder);
        if (revoked_lease(st, r.job_id, r.epoch)) {
          rp.deliver(false);
        } else if (!connected(st)) {
          st.held_publish.emplace_back(r, rp);
        } else {
          // Not answered by a timeout: a publish permission lost in transit
          // is asked again of whichever coordinator answers next (it is
          // recorded durably there before the yes).
          forward_publish(self, r, rp);
        }
        return rp;
      },
      [=](msg::vm_found& vm) {
        auto& st = self->state;
        if (connected(st)) self->send(st.coordinator, std::move(vm));
        else if (!vm.sources.empty() && st.held_found.size() < st.settings.max_held_found)
          st.held_found[vm.sources.front()] = std::move(vm);
      },
      [=](msg::watch_problem& p) {
        auto& st = self->state;
        if (connected(st)) self->send(st.coordinator, std::move(p));
        else if (st.held_problems.size() < st.settings.max_held_found) st.held_problems.push_back(std::move(p));
      },
      [=](msg::shutdown_atom) {
        for (auto& s : self->state.slots) self->send(s, msg::shutdown_atom::value);
        for (auto& s : self->state.export_slots) self->send(s, msg::shutdown_atom::value);
        self->quit();
      },
  };
}

}  // namespace h2k

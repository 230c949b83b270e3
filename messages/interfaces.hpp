#pragma once
// The typed interfaces of hyper2kvm's actors: what each one accepts and
// answers. Actors never touch each other's state; they only send these.
#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/messages.hpp"

namespace h2k::msg {

// One job slot: converts one job at a time, off the actor threads, and
// reports job_progress / job_outcome to the scheduler that spawned it.
using converter_actor = caf::typed_actor<
    caf::reacts_to<job_assignment>,
    caf::reacts_to<cancel_atom, std::string>,   // job id; ignored unless it is the running job
    caf::reacts_to<shutdown_atom>>;

// Owns the queue (via the RocksDB JobStore), retries, dedup and the slots.
using scheduler_actor = caf::typed_actor<
    caf::reacts_to<vm_found>,
    caf::reacts_to<watch_problem>,
    caf::reacts_to<job_progress>,
    caf::reacts_to<job_outcome>,
    caf::reacts_to<tick_atom>,
    caf::reacts_to<commit_atom>,                  // self-sent: one fsync, then the batched effects go out
    caf::reacts_to<shutdown_atom>,                // leave now (after drain/stop has finished)
    caf::replies_to<job_planned>::with<std::string>,  // the reserved output folder ("" = stale lease)
    caf::replies_to<publish_request>::with<bool>,     // true once recorded durably
    caf::replies_to<control_command>::with<control_reply>>;

// stats.json and the Prometheus metrics.
using stats_actor = caf::typed_actor<
    caf::reacts_to<job_event>,
    caf::reacts_to<job_progress>,
    caf::reacts_to<queue_state>,
    caf::reacts_to<tick_atom>,
    caf::reacts_to<save_atom>,                   // coalesced write after events
    caf::replies_to<flush_atom>::with<bool>,     // write stats.json + metrics now
    caf::replies_to<control_command>::with<control_reply>>;

// Webhooks and e-mail; delivery happens on its own thread.
using notifier_actor = caf::typed_actor<
    caf::reacts_to<job_event>,
    caf::reacts_to<queue_state>,
    caf::reacts_to<tick_atom>,
    caf::replies_to<flush_atom>::with<bool>>;  // wait (bounded) for queued deliveries; at shutdown

// Watches the queue folder: scans on its own timer (tick) and when inotify
// says something changed (scan).
using watcher_actor =
    caf::typed_actor<caf::reacts_to<scan_atom>, caf::reacts_to<tick_atom>, caf::reacts_to<shutdown_atom>>;

// The control socket's entry point: routes each command to the actor that
// answers it (stats: the stats actor; everything else: the scheduler).
using control_actor = caf::typed_actor<caf::replies_to<control_command>::with<control_reply>>;

}  // namespace h2k::msg

#pragma once
// The typed interfaces of hyper2kvm's actors: what each one accepts and
// answers. Actors never touch each other's state; they only send these.
#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/messages.hpp"
#include "messages/node_messages.hpp"

namespace h2k::msg {

// One job slot: converts one job at a time, off the actor threads, and
// reports job_progress / job_outcome to the scheduler that spawned it.
using converter_actor = caf::typed_actor<
    caf::reacts_to<job_assignment>,
    caf::reacts_to<cancel_atom, std::string>,   // job id; ignored unless it is the running job
    caf::reacts_to<done_atom, std::string>,     // self-sent by the worker: its job has reported
    caf::reacts_to<shutdown_atom>>;

// An export slot is a job slot too, with the same interface: it takes the
// jobs still to be exported from vSphere (job_assignment.source_root
// "vsphere") and reports "exported" with the files it wrote to the queue.
using exporter_actor = converter_actor;

// What a job slot reports to (the scheduler; on a cluster node, the node's
// coordinator link, which forwards to the coordinator's scheduler).
using job_report_actor = caf::typed_actor<
    caf::reacts_to<job_progress>,
    caf::reacts_to<job_outcome>,
    caf::replies_to<job_planned>::with<plan_reply>,   // the reserved output folder ("" = stale lease)
    caf::replies_to<publish_request>::with<bool>>;    // true once recorded durably

// What a watcher reports to (the scheduler, or a node's coordinator link).
using job_intake_actor = caf::typed_actor<caf::reacts_to<vm_found>, caf::reacts_to<watch_problem>>;

// A node joins the cluster (defined here because it carries the node's
// converter slots as typed handles).
struct node_hello {
  std::string node_name;
  std::string incarnation;              // random per process start: a restarted node is a new member
  std::vector<std::string> roles;       // "converter", "watcher", "exporter"
  std::string host;                     // the node's own address, as shown by `hyperctl nodes`
  std::uint64_t scratch_free_bytes = 0;
  std::string accel;                    // converter: "kvm" or "tcg" (what a guest boot would use)
  std::vector<converter_actor> slots;   // its job slots, numbered 1.. in this order
  std::vector<lease_ref> leases;        // jobs it is still running (after a coordinator restart)
  std::vector<exporter_actor> export_slots;  // exporter role: its export slots, numbered 1..
  std::vector<std::string> capabilities;     // "kvm", "virtio-win": jobs needing one go only to nodes that have it
  share_view share;                          // what it sees at its share_root (no job while not the coordinator's)
};

struct node_welcome {
  bool accepted = false;
  std::string reason;                   // why not (accepted = false)
  std::vector<std::string> revoked;     // job ids of `leases` that are no longer the node's: cancel them
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_hello& x) {
  return f(caf::meta::type_name("h2k::msg::node_hello"), x.node_name, x.incarnation, x.roles, x.host,
           x.scratch_free_bytes, x.accel, x.slots, x.leases, x.export_slots, x.capabilities, x.share);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_welcome& x) {
  return f(caf::meta::type_name("h2k::msg::node_welcome"), x.accepted, x.reason, x.revoked);
}

// Owns the queue (via the RocksDB JobStore), retries, dedup and the slots.
// Published over the network by a cluster coordinator; nodes register with
// node_hello and send node_status as their heartbeat (false: the
// coordinator does not know this incarnation: start clean and register).
using scheduler_actor = caf::typed_actor<
    caf::reacts_to<vm_found>,
    caf::reacts_to<watch_problem>,
    caf::reacts_to<job_progress>,
    caf::reacts_to<job_outcome>,
    caf::reacts_to<tick_atom>,
    caf::reacts_to<commit_atom>,                  // self-sent: one fsync, then the batched effects go out
    caf::reacts_to<silence_atom, std::int64_t>,   // self-sent at the first moment a node may fall silent
    caf::reacts_to<shutdown_atom>,                // leave now (after drain/stop has finished)
    caf::replies_to<job_planned>::with<plan_reply>,   // the reserved output folder ("" = stale lease)
    caf::replies_to<publish_request>::with<bool>,     // true once recorded durably
    caf::replies_to<control_command>::with<control_reply>,
    caf::replies_to<node_hello>::with<node_welcome>,
    caf::replies_to<node_status>::with<bool>>;

// Reads the share's marker (storage/share_marker.hpp) on its own thread: a
// hung NFS mount blocks it, never an actor thread; the link asks one probe
// at a time and calls the share "not responding" when the answer is late.
using share_probe_actor = caf::typed_actor<caf::replies_to<probe_atom>::with<share_view>>;

// A cluster node's stand-in for the coordinator: slots and watchers talk to
// it; it forwards to the coordinator's scheduler while connected and holds
// what must not be lost (outcomes, publish requests, found VMs) while not.
using coordinator_link_actor = caf::typed_actor<
    caf::reacts_to<job_progress>,
    caf::reacts_to<job_outcome>,
    caf::replies_to<job_planned>::with<plan_reply>,
    caf::replies_to<publish_request>::with<bool>,
    caf::reacts_to<vm_found>,
    caf::reacts_to<watch_problem>,
    caf::reacts_to<scheduler_actor>,             // connected (again) to this coordinator
    caf::reacts_to<tick_atom>,                   // heartbeat
    caf::reacts_to<shutdown_atom>>;

// stats.json and the Prometheus metrics.
using stats_actor = caf::typed_actor<
    caf::reacts_to<job_events>,
    caf::reacts_to<cluster_state>,               // the nodes (cluster mode; one local node otherwise)
    caf::reacts_to<job_progress>,
    caf::reacts_to<queue_state>,
    caf::reacts_to<tick_atom>,
    caf::reacts_to<save_atom>,                   // coalesced write after events
    caf::replies_to<flush_atom>::with<bool>,     // write stats.json + metrics now
    caf::replies_to<control_command>::with<control_reply>>;

// Webhooks and e-mail; delivery happens on its own thread.
using notifier_actor = caf::typed_actor<
    caf::reacts_to<job_events>,
    caf::reacts_to<queue_state>,
    caf::reacts_to<tick_atom>,
    caf::replies_to<flush_atom>::with<bool>>;  // wait (bounded) for queued deliveries; at shutdown

// Watches the queue folder: scans on its own timer (tick) and when inotify
// says something changed (scan).
using watcher_actor =
    caf::typed_actor<caf::reacts_to<scan_atom>, caf::reacts_to<tick_atom>, caf::reacts_to<shutdown_atom>>;

// Moves done jobs' sources into the archive folders, off the scheduler's
// thread: on an NFS share each move is several round trips, and a stalled
// server must not stall dispatch or heartbeats with it.
using archiver_actor = caf::typed_actor<caf::replies_to<archive_batch>::with<archive_report>>;

// The control socket's entry point: routes each command to the actor that
// answers it (stats: the stats actor; everything else: the scheduler).
using control_actor = caf::typed_actor<caf::replies_to<control_command>::with<control_reply>>;

}  // namespace h2k::msg

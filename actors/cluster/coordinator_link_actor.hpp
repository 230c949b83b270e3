#pragma once
// A cluster node's stand-in for the coordinator. The node's job slots and
// its watcher talk to this actor, never to the network directly; it
// forwards to the coordinator's scheduler while connected and, while not
// (coordinator restarting, link down), holds what must not be lost:
//   - job outcomes, until the coordinator acknowledges them (replayed after
//     reconnecting; a duplicate is stale there and dropped);
//   - output-folder and publish requests, answered once a coordinator does
//     (the slot waits, its conversion paused at that step);
//   - found VMs (the latest report per file).
// Progress is live only: dropped while disconnected.
//
// It reads the share's marker every heartbeat (off its thread: a detached
// share_probe_actor) and reports what it saw with its status; a failed
// outcome goes to the coordinator after a fresh read, so that a failure
// caused by the share going away is not charged to the job.
//
// It registers the node (node_hello: its slots, and the leases its slots
// still hold, so that a restarted coordinator keeps them instead of
// redoing the work) and sends node_status every heartbeat interval. A
// coordinator that no longer knows this incarnation (it declared the node
// dead: frozen or cut off too long) makes it start clean: running jobs are
// cancelled (their leases are elsewhere now) and it registers again under
// a new incarnation.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <spdlog/logger.h>

#include "actors/cluster/request_deadlines.hpp"
#include "actors/cluster/share_watch.hpp"
#include "messages/interfaces.hpp"

namespace h2k {

// Makes one job slot reporting to the link.
using SlotFactory = std::function<msg::converter_actor(caf::actor_system&, msg::job_report_actor)>;

struct LinkSettings {
  std::string node_name;
  std::vector<std::string> roles;        // "converter", "watcher", "exporter"
  std::string host;                      // shown by `hyperctl nodes`
  std::string accel;                     // converters: "kvm" or "tcg"
  std::vector<std::string> capabilities; // "kvm", "virtio-win" (converters)
  std::size_t slots = 0;                 // converter slots (0: not a converter)
  std::size_t export_slots = 0;          // export slots (0: not an exporter)
  std::filesystem::path scratch_dir;     // free space reported (work_dir)
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds request_timeout{10000};  // one try of a forwarded request or registration
                                                     // (checked on the heartbeat tick for forwarded ones)
  std::size_t max_held_found = 10000;    // found VMs held while disconnected
  // Where this host mounts the share: its marker is read every heartbeat
  // and reported (share_marker.hpp). Empty: not checked (tests' stand-ins).
  std::filesystem::path share_root;
  // How often it is read when nothing failed (every failure reads it at
  // once): a node without its share stops getting jobs within this.
  std::chrono::milliseconds share_check_interval{5000};
};

struct link_state {
  LinkSettings settings;
  SlotFactory make_slot;
  SlotFactory make_export_slot;
  std::shared_ptr<spdlog::logger> log;
  std::string incarnation;
  msg::scheduler_actor coordinator;      // invalid while disconnected
  bool welcomed = false;
  bool hello_in_flight = false;
  std::vector<msg::converter_actor> slots;         // "<node>/slot-<n>"
  std::vector<msg::exporter_actor> export_slots;   // "<node>/export-<n>"
  // Leases this node's slots hold, learnt from their reports (job id ->).
  std::map<std::string, msg::lease_ref> leases;
  // Leases the coordinator revoked, as job id -> the highest revoked epoch:
  // reports of that epoch or an older one are dropped. A later lease of the
  // same job (a higher epoch: every assignment bumps it) is a new one, and
  // may well come back to this node, even to the same slot.
  std::map<std::string, std::uint64_t> revoked;
  // Forwarded requests in flight and their deadlines (no CAF timeouts: see
  // request_deadlines.hpp).
  RequestDeadlines deadlines;
  std::vector<msg::job_outcome> unacked_outcomes;
  std::vector<std::pair<msg::job_planned, caf::typed_response_promise<msg::plan_reply>>> held_planned;
  std::vector<std::pair<msg::publish_request, caf::typed_response_promise<bool>>> held_publish;
  std::map<std::string, msg::vm_found> held_found;
  std::vector<msg::watch_problem> held_problems;
  // The share as this host sees it. A failed outcome waits here for a probe
  // sent after it (the number it needs): the coordinator must know whether
  // the share was gone before it judges the failure (not charged if so).
  ShareWatch share_watch;
  msg::share_probe_actor share_probe;    // invalid when share_root is empty
  std::string share_logged;              // the problem last logged ("" = fine)
  std::int64_t share_probed_ms = 0;      // steady clock: the last probe sent
  OutcomesAwaitingShare awaiting_share;
  static inline const char* name = "coordinator_link";
};

msg::coordinator_link_actor::behavior_type coordinator_link_actor_fn(
    msg::coordinator_link_actor::stateful_pointer<link_state> self, LinkSettings settings, SlotFactory make_slot,
    std::shared_ptr<spdlog::logger> log, SlotFactory make_export_slot);

// A fresh random incarnation id (hex).
std::string new_incarnation();

}  // namespace h2k

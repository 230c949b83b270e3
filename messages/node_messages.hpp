#pragma once
// Cluster mode: what a node and the coordinator tell each other about the
// node itself (jobs travel as the messages of messages.hpp). The node's
// converter slots travel as typed actor handles: the coordinator sends them
// job_assignment / cancel directly, and monitors them, so a node that dies
// (kill -9, or silent for longer than the CAF connection timeout) takes its
// slots down with it and its jobs get new leases elsewhere.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/messages.hpp"

namespace h2k::msg {

// A lease the node still holds (a coordinator restart: the node tells the
// new coordinator what it is running, so that work is not redone).
struct lease_ref {
  std::string job_id;
  std::uint64_t epoch = 0;
  std::string holder;                   // "<node>/slot-<n>"
};

// What a node sees at its cluster.share_root: the id in the share's marker
// file (storage/share_marker.hpp: the coordinator keeps one there), or why
// it could not read it. A node that sees no share, or another one (not
// mounted, mounted elsewhere, hung), gets no job: the coordinator compares
// the id with its own.
struct share_view {
  std::string id;                       // "" when unreadable
  std::string problem;                  // "" = readable; else what went wrong, naming the path
};

// The node's own figures, sent every heartbeat_interval; the coordinator's
// "last heartbeat" and dispatch (most free scratch) come from it.
struct node_status {
  std::string node_name;
  std::string incarnation;              // random per process start
  std::uint64_t scratch_free_bytes = 0; // free space where the node converts (work_dir)
  std::uint32_t busy_slots = 0;
  share_view share;                     // read off the actor threads (share_probe_actor)
};

// The coordinator's view of one node, for the stats actor (metrics per
// node) after every change and once a second (heartbeat ages).
struct node_summary {
  std::string name;
  std::vector<std::string> roles;
  bool up = false;
  bool draining = false;
  std::uint32_t slots_total = 0;
  std::uint32_t slots_busy = 0;
  std::uint64_t jobs_done = 0;
  std::uint64_t jobs_lost = 0;          // leases taken away (node died or went silent)
  std::int64_t heartbeat_age_ms = 0;    // 0 for the coordinator's own process
  std::string accel;                    // converters: "kvm" or "tcg"
  std::string share_problem;            // "" = it sees the coordinator's share
};

struct cluster_state {
  std::vector<node_summary> nodes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_summary& x) {
  return f(caf::meta::type_name("h2k::msg::node_summary"), x.name, x.roles, x.up, x.draining, x.slots_total,
           x.slots_busy, x.jobs_done, x.jobs_lost, x.heartbeat_age_ms, x.accel, x.share_problem);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_state& x) {
  return f(caf::meta::type_name("h2k::msg::cluster_state"), x.nodes);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_ref& x) {
  return f(caf::meta::type_name("h2k::msg::lease_ref"), x.job_id, x.epoch, x.holder);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, share_view& x) {
  return f(caf::meta::type_name("h2k::msg::share_view"), x.id, x.problem);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(caf::meta::type_name("h2k::msg::node_status"), x.node_name, x.incarnation, x.scratch_free_bytes,
           x.busy_slots, x.share);
}

}  // namespace h2k::msg

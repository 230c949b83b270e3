#pragma once
// The cluster's members as the coordinator knows them: who registered, with
// which incarnation and slots, when it was last heard from, and whether it
// takes new work. Pure bookkeeping, no actors: JobScheduler asks it where a
// job may go and which nodes have gone silent.
//
// The single-host daemon has one member, its own process ("local"), which
// never times out.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace h2k {

struct NodeInfo {
  std::string name;
  std::string incarnation;              // "" for the coordinator's own process
  std::vector<std::string> roles;
  std::string host;
  std::string accel;                    // converters: "kvm" or "tcg"
  std::vector<std::string> capabilities;  // "kvm", "virtio-win" (actors/scheduler/job_needs.hpp)
  std::vector<std::size_t> slots;       // indices into the scheduler's slot table
  std::uint64_t scratch_free_bytes = 0;
  std::uint32_t busy_reported = 0;      // busy slots as the node last said
  std::int64_t joined_ms = 0;
  std::int64_t last_seen_ms = 0;
  std::uint64_t jobs_done = 0;
  std::uint64_t jobs_lost = 0;          // leases taken away (node died or went silent)
  bool up = true;
  bool local = false;                   // this process: never times out
  bool draining = false;                // finishes its jobs, gets no new ones
  std::string down_reason;
  // Why it cannot use the cluster's share ("" = it can); since when.
  std::string share_problem;
  std::int64_t share_problem_since_ms = 0;
};

class NodeRegistry {
public:
  // Adds or replaces the node (a new incarnation replaces the old one's
  // entry; the caller releases the old one's leases first).
  NodeInfo& join(NodeInfo node);
  NodeInfo* find(const std::string& name);
  const NodeInfo* find(const std::string& name) const;
  // The node's current incarnation, if it is up.
  bool is_current(const std::string& name, const std::string& incarnation) const;
  // A heartbeat: false when this incarnation is not (or no longer) a member.
  bool heard_from(const std::string& name, const std::string& incarnation, std::uint64_t scratch_free,
                  std::uint32_t busy, std::int64_t now_ms);
  void mark_down(const std::string& name, const std::string& reason);
  // The coordinator was not running for `paused_ms` (tick_gap_credit.hpp):
  // that long is taken off every remote node's silence (never past now).
  void excuse_silence(std::int64_t paused_ms, std::int64_t now_ms);
  // Remote nodes that are up but silent for longer than `timeout_ms`.
  std::vector<std::string> silent_since(std::int64_t now_ms, std::int64_t timeout_ms) const;
  // The first moment one of them would be (silent_since non-empty), if
  // any remote node is up: last heartbeat + timeout + 1 ms.
  std::optional<std::int64_t> first_silence_at(std::int64_t timeout_ms) const;
  // Every member, by name (the dispatch path walks it per assignment).
  const std::map<std::string, NodeInfo>& members() const { return nodes_; }
  std::size_t up_count() const;

private:
  std::map<std::string, NodeInfo> nodes_;
};

}  // namespace h2k

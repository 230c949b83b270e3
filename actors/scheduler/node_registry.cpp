#include "actors/scheduler/node_registry.hpp"

namespace h2k {

NodeInfo& NodeRegistry::join(NodeInfo node) {
  auto& slot = nodes_[node.name];
  // Counters survive a restart of the node: `hyperctl nodes` shows its life.
  const std::uint64_t done = slot.jobs_done, lost = slot.jobs_lost;
  const bool draining = slot.draining;
  slot = std::move(node);
  slot.jobs_done = done;
  slot.jobs_lost = lost;
  slot.draining = draining;  // a drained node that restarts stays drained until undrained
  slot.up = true;
  return slot;
}

NodeInfo* NodeRegistry::find(const std::string& name) {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

const NodeInfo* NodeRegistry::find(const std::string& name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

bool NodeRegistry::is_current(const std::string& name, const std::string& incarnation) const {
  auto* n = find(name);
  return n && n->up && n->incarnation == incarnation;
}

bool NodeRegistry::heard_from(const std::string& name, const std::string& incarnation, std::uint64_t scratch_free,
                              std::uint32_t busy, std::int64_t now_ms) {
  auto* n = find(name);
  if (!n || !n->up || n->incarnation != incarnation) return false;
  n->last_seen_ms = now_ms;
  n->scratch_free_bytes = scratch_free;
  n->busy_reported = busy;
  return true;
}

void NodeRegistry::mark_down(const std::string& name, const std::string& reason) {
  if (auto* n = find(name)) {
    n->up = false;
    n->down_reason = reason;
  }
}

std::vector<std::string> NodeRegistry::silent_since(std::int64_t now_ms, std::int64_t timeout_ms) const {
  std::vector<std::string> out;
  for (const auto& [name, n] : nodes_)
    if (n.up && !n.local && now_ms - n.last_seen_ms > timeout_ms) out.push_back(name);
  return out;
}

std::optional<std::int64_t> NodeRegistry::first_silence_at(std::int64_t timeout_ms) const {
  std::optional<std::int64_t> earliest_heard;
  for (const auto& [name, n] : nodes_)
    if (n.up && !n.local) earliest_heard = std::min(earliest_heard.value_or(n.last_seen_ms), n.last_seen_ms);
  if (!earliest_heard) return std::nullopt;
  return *earliest_heard + timeout_ms + 1;  // silent_since: "longer than" the timeout
}

std::size_t NodeRegistry::up_count() const {
  std::size_t c = 0;
  for (const auto& [name, n] : nodes_) c += n.up ? 1 : 0;
  return c;
}

void NodeRegistry::excuse_silence(std::int64_t paused_ms, std::int64_t now_ms) {
  if (paused_ms <= 0) return;
  for (auto& [name, n] : nodes_)
    if (!n.local && n.up) n.last_seen_ms = std::min(now_ms, n.last_seen_ms + paused_ms);
}

}  // namespace h2k

#pragma once
// The stats actor: owns a StatsModel, writes stats.json + metrics.prom on
// every job event and cluster change (not on the once-a-second heartbeat
// ages alone; coalesced to at most one write per second) and at least
// every 60 s, and answers the `stats` control command. Restores the totals
// of the previous run from stats.json at start.
#include <filesystem>
#include <memory>

#include <caf/stateful_actor.hpp>
#include <spdlog/logger.h>

#include "actors/stats/stats_model.hpp"
#include "messages/interfaces.hpp"

namespace h2k {

struct stats_state {
  std::unique_ptr<StatsModel> model;
  std::filesystem::path dir;
  std::shared_ptr<spdlog::logger> log;
  bool dirty = false;          // an event or a cluster change arrived since the last write
  bool write_scheduled = false;
  static inline const char* name = "stats";
};

msg::stats_actor::behavior_type stats_actor_fn(msg::stats_actor::stateful_pointer<stats_state> self,
                                               std::filesystem::path state_dir, std::shared_ptr<spdlog::logger> log,
                                               std::int64_t started_at_ms);

}  // namespace h2k

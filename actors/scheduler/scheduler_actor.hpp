#pragma once
// The scheduler actor: holds a JobScheduler (the decisions) and the job
// slots (converter actors it spawns and monitors), and forwards what happens
// to the stats and notifier actors. It ticks once a second to start retries
// whose time has come.
#include <functional>
#include <memory>
#include <vector>

#include <caf/stateful_actor.hpp>

#include "actors/scheduler/job_scheduler.hpp"
#include "messages/interfaces.hpp"

namespace h2k {

// Makes one job slot. The daemon passes the real converter; the scheduler
// benchmark passes a no-op one.
using ConverterFactory = std::function<msg::converter_actor(caf::actor_system&, msg::scheduler_actor)>;

struct scheduler_state {
  std::unique_ptr<JobScheduler> core;
  std::vector<msg::converter_actor> slots;
  msg::stats_actor stats;
  msg::notifier_actor notifier;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "scheduler";
};

msg::scheduler_actor::behavior_type scheduler_actor_fn(msg::scheduler_actor::stateful_pointer<scheduler_state> self,
                                                       SchedulerSettings settings, std::shared_ptr<JobStore> store,
                                                       std::shared_ptr<spdlog::logger> log, ConverterFactory make_converter,
                                                       msg::stats_actor stats, msg::notifier_actor notifier);

}  // namespace h2k

#pragma once
// The scheduler's decisions, without actors: what to do when the watcher
// finds a VM, a conversion ends, the clock ticks or the operator sends a
// command. Durable state lives in the JobStore (RocksDB); this class keeps
// only what a restart may lose (live progress, the pause flag). Each call
// returns the effects (assignments for slots, events for stats and the
// notifier) for the scheduler actor to send.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "messages/messages.hpp"
#include "storage/job_store.hpp"
#include "storage/retry_policy.hpp"

namespace h2k {

struct SchedulerSettings {
  std::filesystem::path watch_root;   // sources of queued files are relative to it
  std::filesystem::path output_root;  // outputs go to output_root/<date>/<vm>
  std::size_t slots = 2;              // max_concurrent_jobs
  RetryPolicy retry;
  bool enable_deduplication = true;
  bool archive_processed = true;
  std::string version = "0.1.0";
  std::int64_t started_at_ms = 0;
};

struct SchedulerEffects {
  std::vector<std::pair<std::size_t, msg::job_assignment>> assignments;  // slot index, job
  std::vector<std::pair<std::size_t, std::string>> cancels;             // slot index, job id
  std::vector<msg::job_event> events;
  bool finished = false;  // drain/stop is complete: the daemon may exit
};

class JobScheduler {
public:
  JobScheduler(SchedulerSettings settings, std::shared_ptr<JobStore> store, std::shared_ptr<spdlog::logger> log);

  // Start-up: crash recovery (jobs that were running are queued again, or
  // marked done when their output was published), then the first dispatch.
  SchedulerEffects start(std::int64_t now_ms);

  SchedulerEffects on_found(const msg::vm_found& vm, std::int64_t now_ms);
  SchedulerEffects on_problem(const msg::watch_problem& p, std::int64_t now_ms);
  // Records where a job will publish; false if it could not be recorded.
  bool on_planned(const msg::job_planned& p);
  void on_progress(const msg::job_progress& p);
  SchedulerEffects on_outcome(const msg::job_outcome& o, std::int64_t now_ms);
  SchedulerEffects on_tick(std::int64_t now_ms);
  // Commands of the control socket (all but `stats`, which the stats actor answers).
  msg::control_reply on_control(const msg::control_command& c, std::int64_t now_ms, SchedulerEffects& fx);

  msg::queue_state queue_state() const;
  const std::string& mode() const { return mode_; }
  std::size_t running() const;

private:
  struct Slot {
    std::string job_id;  // "" when free
  };

  void dispatch(std::int64_t now_ms, SchedulerEffects& fx);
  void finish_if_idle(SchedulerEffects& fx);
  msg::job_event event_for(const Job& job, const std::string& kind, std::int64_t now_ms) const;
  void fail_for_good(Job job, const JobError& error, const std::vector<std::string>& log_tail,
                     const std::vector<std::string>& details, std::int64_t now_ms,
                     SchedulerEffects& fx);
  void archive(Job& job, std::int64_t now_ms);
  std::optional<std::size_t> slot_of(const std::string& job_id) const;
  std::vector<Job> queued_in_order() const;  // high before normal before low, FIFO within
  std::optional<std::size_t> queue_position(const Job& job) const;
  nlohmann::json view(const Job& job) const;
  nlohmann::json view(const Job& job, std::optional<std::size_t> position) const;
  msg::control_reply queue_job(const nlohmann::json& args, std::int64_t now_ms, SchedulerEffects& fx);
  msg::control_reply list_jobs(const nlohmann::json& args) const;

  SchedulerSettings settings_;
  std::shared_ptr<JobStore> store_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<Slot> slots_;
  std::string mode_ = "running";  // running, paused, draining, stopping
  std::map<std::string, msg::job_progress> progress_;
  // Primary source (relative to the watch root) -> job, for jobs not final:
  // the watcher reports files still in the queue after a restart again.
  std::map<std::string, std::string> active_sources_;
  // Sources of cancelled jobs still lying in the queue: not picked up again.
  std::set<std::string> ignored_sources_;
  // Running jobs the operator cancelled, until their converter answers.
  std::set<std::string> cancel_requested_;
};

}  // namespace h2k

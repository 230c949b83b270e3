#pragma once
// The scheduler actor: holds a JobScheduler (the decisions) and supervises
// the job slots (converter actors it spawns, monitors and replaces), and
// forwards what happens to the stats and notifier actors. It ticks once a
// second (retries whose time has come, the stall watchdog).
//
// Group commit: handlers write to the store without waiting for the disk;
// their effects (assignments, events, archive moves, replies to publish requests)
// are held until a self-sent commit message, which syncs the store once and
// then lets them all out. Messages already queued are handled before it, so
// a burst of outcomes shares one fsync, and nothing leaves the actor before
// the state it depends on is durable. Archive moves go to the archiver actor
// after the commit; their results come back as one store write per batch.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/cluster/share_watch.hpp"
#include "actors/scheduler/job_scheduler.hpp"
#include "actors/scheduler/tick_gap_credit.hpp"
#include "messages/interfaces.hpp"

namespace h2k {

// Makes one job slot. The daemon passes the real converter; the scheduler
// benchmark passes a no-op one.
using ConverterFactory = std::function<msg::converter_actor(caf::actor_system&, msg::scheduler_actor)>;

// Makes the archiver; `owner` is the scheduler, which the archiver watches
// and leaves with. Empty: the real one (source_archiver_fn, detached). The
// actor test passes one that can be held, to stall archiving at will.
using ArchiverFactory = std::function<msg::archiver_actor(caf::actor_system&, caf::actor owner)>;

struct scheduler_state {
  std::unique_ptr<JobScheduler> core;
  std::shared_ptr<JobStore> store;
  std::vector<msg::converter_actor> slots;
  ConverterFactory make_converter;
  ConverterFactory make_exporter;  // export slots (an exporter actor: the same slot interface)
  msg::stats_actor stats;
  msg::notifier_actor notifier;
  std::shared_ptr<spdlog::logger> log;
  // Moves done jobs' sources on its own thread (see source_archiver.hpp).
  // One batch at a time (a credit of one): while it is out, the jobs done
  // meanwhile wait here and go out together with its answer, so a share
  // that stops answering queues job ids, not batches in a mailbox.
  ArchiverFactory make_archiver;
  msg::archiver_actor archiver;
  std::vector<std::string> archive_waiting;
  std::uint64_t archive_batch_out = 0;   // the batch in flight (0: none)
  std::uint64_t archive_batches_sent = 0;
  std::int64_t archive_out_since_ms = 0;  // when it went out (the stall warning)
  std::int64_t archive_warned_ms = 0;
  std::int64_t shutdown_deadline_ms = 0;  // shutting down: how long archiving may still take
  // Held until the next commit.
  SchedulerEffects pending;
  // Answers that depend on the state written (publish permissions, hyperctl
  // commands): delivered by the commit, after its sync.
  std::vector<std::function<void()>> replies;
  // Ticks come every second: a longer gap is time this coordinator was not
  // there to hear its nodes (tick_gap_credit.hpp).
  TickGapCredit tick_gap{1000};
  // The wall-clock time the armed silence check is for (0: none armed); it
  // is made only while tick_gap.running_since_last_tick.
  std::int64_t silence_check_at_ms = 0;
  bool commit_scheduled = false;
  bool queue_changed = false;
  // The node table for stats (stats.json, metrics) costs a summary per node:
  // sent at most every kClusterStateEveryMs by commits, the rest by the tick.
  std::int64_t cluster_state_sent_ms = 0;
  bool cluster_state_stale = false;
  // This process's own slots in a cluster (roles [coordinator, converter])
  // are held to the share check as a node's are by its link
  // (coordinator_link_actor): the marker read on a detached probe, one read
  // at a time, and a failure of one of its slots judged only after a read
  // made since (a lost mount fails every job fast: not the jobs' fault).
  // A coordinator without slots reads its share all the same: it moves
  // files there (archiving, failures set aside) and checks that the files
  // watchers report are there; on an unmounted share all would look gone.
  msg::share_probe_actor share_probe;
  ShareWatch share_watch;
  std::int64_t share_probed_ms = 0;  // steady clock
  OutcomesAwaitingShare awaiting_share;
  IntakeAwaitingShare intake_waiting;
  // Jobs whose archive moves failed (the share away, a file server error):
  // sent again when the share is back, or at archive_retry_at_ms.
  std::vector<std::string> archive_failed;
  std::int64_t archive_retry_at_ms = 0;
  static inline const char* name = "scheduler";
};

msg::scheduler_actor::behavior_type scheduler_actor_fn(msg::scheduler_actor::stateful_pointer<scheduler_state> self,
                                                       SchedulerSettings settings, std::shared_ptr<JobStore> store,
                                                       std::shared_ptr<spdlog::logger> log, ConverterFactory make_converter,
                                                       msg::stats_actor stats, msg::notifier_actor notifier,
                                                       ConverterFactory make_exporter, ArchiverFactory make_archiver);

}  // namespace h2k

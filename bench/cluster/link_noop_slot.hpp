#pragma once
// A cluster node's job slot that converts nothing, for bench/cluster only:
// the variant of bench/daemon/noop_converter.hpp that reports to a node's
// coordinator link (msg::job_report_actor) instead of a local scheduler.
// For every assignment it goes through the real lease protocol, as the
// converter actor does around a conversion:
//   job_planned (the coordinator reserves the output folder)
//   -> publish_request (the fenced publish, durable before the answer)
//   -> job_outcome "succeeded"
// every message carrying the assignment's epoch and holder, all through the
// link (which forwards them over the network and holds them while the
// coordinator is away). It writes nothing to disk.
//
// `hold` > 0 makes a slow slot: it keeps each job that long before starting
// the protocol (a conversion in progress, for the dead-node and failover
// runs). Event-based throughout (request(...).then(...), delayed_send),
// never a blocking receive, so two threads serve hundreds of slots.
//
// The hooks see each assignment arrive and each outcome leave, with the
// slot's own steady_clock timestamps; the bench derives from them the
// per-slot turnaround (outcome sent -> next assignment received) and the
// job ids each process held when it was killed.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/interfaces.hpp"

namespace h2k::bench {

struct slot_hooks {
  // An assignment arrived at time `now_ns`; `turnaround_ns` is the time since
  // this slot's previous outcome left (-1 for its first job).
  std::function<void(const msg::job_assignment&, std::int64_t now_ns, std::int64_t turnaround_ns)> assigned;
  // The outcome left for the link at `now_ns`, `service_ns` after the
  // assignment arrived (the hold included).
  std::function<void(const msg::job_outcome&, std::int64_t now_ns, std::int64_t service_ns)> outcome;
};

struct link_slot_state {
  std::optional<msg::job_assignment> held;  // a slow slot's job, until its hold is over
  std::int64_t last_outcome_ns = -1;
  std::int64_t assigned_ns = 0;
  static inline const char* name = "bench_link_slot";
};

inline std::int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace link_slot_detail {

inline msg::job_outcome outcome_for(const msg::job_assignment& job, const std::string& status,
                                    const std::string& output_path, const std::string& error) {
  msg::job_outcome out;
  out.job_id = job.job_id;
  out.epoch = job.epoch;
  out.holder = job.holder;
  out.status = status;
  out.output_path = output_path;
  if (status == "failed") {
    out.error_kind = "io_error";
    out.error = error;
    out.phase = "output";
  }
  return out;
}

inline std::string vm_name_of(const msg::job_assignment& job) {
  if (job.sources.empty()) return job.job_id;
  return std::filesystem::path(job.sources.front()).stem().string();
}

}  // namespace link_slot_detail

inline msg::converter_actor::behavior_type link_noop_slot(
    msg::converter_actor::stateful_pointer<link_slot_state> self, msg::job_report_actor link,
    std::chrono::milliseconds hold, std::shared_ptr<slot_hooks> hooks) {
  using namespace std::chrono_literals;
  using link_slot_detail::outcome_for;
  // As a cluster node's converter: its link holds a request while the
  // coordinator is away, so the slot waits as long as a restart may take.
  constexpr auto patience = std::chrono::seconds(3600);
  auto report = [=](const msg::job_outcome& o) {
    const std::int64_t now = mono_ns();
    auto& st = self->state;
    st.last_outcome_ns = now;
    if (hooks && hooks->outcome) hooks->outcome(o, now, now - st.assigned_ns);
    self->send(link, o);
  };
  auto run = [=](const msg::job_assignment& job) {
    auto fail = [=](const std::string& why) { report(outcome_for(job, "failed", "", why)); };
    self->request(link, patience,
                  msg::job_planned{job.job_id, job.epoch, job.holder, job.output_subdir,
                                   link_slot_detail::vm_name_of(job), ""})
        .then(
            [=](msg::plan_reply& plan) {
              const std::string folder = plan.output_folder;
              if (folder.empty()) return fail("no output folder reserved (stale lease)");
              self->request(link, patience, msg::publish_request{job.job_id, job.epoch, job.holder})
                  .then(
                      [=](bool allowed) {
                        if (!allowed) return fail("publish refused (stale lease)");
                        report(outcome_for(job, "succeeded", folder, ""));
                      },
                      [=](caf::error& err) { fail("publish request: " + caf::to_string(err)); });
            },
            [=](caf::error& err) { fail("job_planned: " + caf::to_string(err)); });
  };
  return {
      [=](msg::job_assignment& assigned) {
        auto& st = self->state;
        const std::int64_t now = mono_ns();
        st.assigned_ns = now;
        if (hooks && hooks->assigned)
          hooks->assigned(assigned, now, st.last_outcome_ns < 0 ? -1 : now - st.last_outcome_ns);
        if (hold.count() <= 0) return run(assigned);
        st.held = std::move(assigned);
        self->delayed_send(self, hold, msg::done_atom::value, st.held->job_id);
      },
      [=](msg::done_atom, const std::string& id) {
        auto& st = self->state;
        if (!st.held || st.held->job_id != id) return;
        auto job = std::move(*st.held);
        st.held.reset();
        run(job);
      },
      [=](msg::cancel_atom, const std::string& id) {
        // A held job stops at once and reports "cancelled", as a real
        // converter does; one already in the protocol finishes (its
        // reports are stale at the coordinator if the lease moved).
        auto& st = self->state;
        if (!st.held || st.held->job_id != id) return;
        auto job = std::move(*st.held);
        st.held.reset();
        report(outcome_for(job, "cancelled", "", ""));
      },
      [=](msg::shutdown_atom) { self->quit(); },
  };
}

}  // namespace h2k::bench

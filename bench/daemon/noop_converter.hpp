#pragma once
// A job slot that converts nothing: for every assignment it goes through the
// real lease protocol at once, as the converter actor does around a
// conversion — job_planned (the scheduler reserves the output folder) ->
// publish_request (the fenced publish, recorded before any rename) ->
// job_outcome "succeeded" — every message carrying the assignment's epoch
// and holder. It writes nothing to disk. For the scheduler benchmarks ONLY,
// so they measure the daemon's own machinery (watcher, scheduler, RocksDB,
// group commit) and not qemu-img.
//
// Event-based throughout: request(...).then(...) chains, never a blocking
// receive, so one scheduler thread can serve many slots. A refusal (stale
// lease) or a timeout becomes a "failed" outcome, like the real converter's.
#include <chrono>
#include <filesystem>
#include <string>

#include <caf/typed_event_based_actor.hpp>

#include "messages/interfaces.hpp"

namespace h2k::bench {

namespace noop_detail {

inline msg::job_outcome outcome_for(const msg::job_assignment& job, const std::string& status,
                                    const std::string& output_path, const std::string& error) {
  msg::job_outcome out;
  out.job_id = job.job_id;
  out.epoch = job.epoch;
  out.holder = job.holder;
  out.status = status;
  out.output_path = output_path;
  if (status != "succeeded") {
    out.error_kind = "io_error";
    out.error = error;
    out.phase = "output";
  }
  return out;
}

// The VM name a real converter would read from the input: the primary
// source's stem ("vm17.ova" -> "vm17").
inline std::string vm_name_of(const msg::job_assignment& job) {
  if (job.sources.empty()) return job.job_id;
  return std::filesystem::path(job.sources.front()).stem().string();
}

}  // namespace noop_detail

inline msg::converter_actor::behavior_type noop_converter(msg::converter_actor::pointer self,
                                                          msg::scheduler_actor scheduler) {
  using namespace std::chrono_literals;
  using noop_detail::outcome_for;
  return {
      [=](msg::job_assignment& assigned) {
        const msg::job_assignment job = std::move(assigned);
        auto fail = [=](const std::string& why) { self->send(scheduler, outcome_for(job, "failed", "", why)); };
        self->request(scheduler, 60s,
                      msg::job_planned{job.job_id, job.epoch, job.holder, job.output_subdir, noop_detail::vm_name_of(job), ""})
            .then(
                [=](msg::plan_reply& plan) {
                  const std::string folder = plan.output_folder;
                  if (folder.empty()) return fail("no output folder reserved (stale lease)");
                  self->request(scheduler, 60s, msg::publish_request{job.job_id, job.epoch, job.holder})
                      .then(
                          [=](bool allowed) {
                            if (!allowed) return fail("publish refused (stale lease)");
                            self->send(scheduler, outcome_for(job, "succeeded", folder, ""));
                          },
                          [=](caf::error& err) { fail("publish request: " + caf::to_string(err)); });
                },
                [=](caf::error& err) { fail("job_planned: " + caf::to_string(err)); });
      },
      [=](msg::cancel_atom, const std::string&) {},
      [=](msg::done_atom, const std::string&) {},
      [=](msg::shutdown_atom) { self->quit(); },
  };
}

}  // namespace h2k::bench

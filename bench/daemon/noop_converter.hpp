#pragma once
// A job slot that converts nothing: it answers every assignment at once with
// a successful outcome. For the scheduler benchmarks ONLY, so they measure
// the daemon's own machinery (watcher, scheduler, RocksDB) and not qemu-img.
#include <caf/typed_event_based_actor.hpp>

#include "messages/interfaces.hpp"

namespace h2k::bench {

inline msg::converter_actor::behavior_type noop_converter(msg::converter_actor::pointer self,
                                                          msg::scheduler_actor scheduler) {
  return {
      [=](msg::job_assignment& job) {
        msg::job_outcome out;
        out.job_id = job.job_id;
        out.status = "succeeded";
        out.output_path = job.output_subdir + "/" + job.job_id;
        self->send(scheduler, std::move(out));
      },
      [=](msg::cancel_atom, const std::string&) {},
      [=](msg::shutdown_atom) { self->quit(); },
  };
}

}  // namespace h2k::bench

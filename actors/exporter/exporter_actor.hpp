#pragma once
// An export slot (the exporter of the seeds' hypervisord): takes a job in
// its export phase, exports the VM from vSphere into the queue
// (<watch>/.exports/<job>-e<epoch>/<vm>/, manifest.json written last) on its
// own worker thread, and reports "exported" with the files to the scheduler,
// which queues the conversion directly (no waiting for file stability: the
// exporter wrote the files itself). Same slot interface, lease and
// cancellation as a converter slot: every report carries (epoch, holder); a
// cancel (operator, `stop`, shutdown) aborts the NFC lease before the
// worker reports; a failed attempt leaves nothing in the queue.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <caf/stateful_actor.hpp>
#include <spdlog/logger.h>

#include "actors/exporter/export_task.hpp"
#include "messages/interfaces.hpp"

namespace h2k {

struct exporter_state {
  std::thread worker;
  std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
  std::string job_id;  // "" when idle
  std::optional<msg::job_assignment> held;  // arrived while the running job was being cancelled
  std::shared_ptr<std::atomic<bool>> busy = std::make_shared<std::atomic<bool>>(false);
  // Set when the slot dies without a shutdown: the worker then reports
  // nothing (the scheduler's monitor decides what happens to the job).
  std::shared_ptr<std::atomic<bool>> abandoned = std::make_shared<std::atomic<bool>>(false);
  ~exporter_state();
  static inline const char* name = "exporter";
};

msg::exporter_actor::behavior_type exporter_actor_fn(msg::exporter_actor::stateful_pointer<exporter_state> self,
                                                     msg::job_report_actor scheduler, ExporterSettings settings,
                                                     std::shared_ptr<spdlog::logger> log);

}  // namespace h2k

#pragma once
// A job slot. Receives job_assignment from the scheduler and runs the
// conversion on its own worker thread (the engine blocks for minutes:
// qemu-img, the libguestfs appliance), so the actor threads stay free. The
// worker reports job_progress (at most once a second per phase) and the final
// job_outcome straight to the scheduler with anon_send; it never completes a
// response promise. Cancellation sets the job's CancelToken, which the
// engine's subprocess runners obey by killing their children.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <caf/stateful_actor.hpp>

#include "actors/converter/conversion_task.hpp"
#include "messages/interfaces.hpp"

namespace h2k {

struct converter_state {
  std::thread worker;
  CancelToken cancel;
  std::string job_id;                               // "" when idle
  std::optional<msg::job_assignment> held;          // arrived while the running job was being cancelled
  std::shared_ptr<std::atomic<bool>> busy = std::make_shared<std::atomic<bool>>(false);
  // Set when the slot dies (its state is destroyed without a shutdown): the
  // worker then reports nothing. The scheduler learns of the loss from its
  // monitor and decides (requeue, charged or not; or done if it published),
  // which a "cancelled" outcome racing the down message would pre-empt.
  std::shared_ptr<std::atomic<bool>> abandoned = std::make_shared<std::atomic<bool>>(false);
  ~converter_state();
  static inline const char* name = "converter";
};

msg::converter_actor::behavior_type converter_actor_fn(msg::converter_actor::stateful_pointer<converter_state> self,
                                                       msg::job_report_actor scheduler, ConverterSettings settings);

}  // namespace h2k

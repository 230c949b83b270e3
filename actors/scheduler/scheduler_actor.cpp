#include "actors/scheduler/scheduler_actor.hpp"

#include "actors/common/iso_time.hpp"

#include <chrono>

#include <caf/all.hpp>

namespace h2k {

namespace {


using self_ptr = msg::scheduler_actor::stateful_pointer<scheduler_state>;

void apply(self_ptr self, SchedulerEffects fx) {
  auto& st = self->state;
  for (auto& [slot, job] : fx.assignments) self->send(st.slots.at(slot), std::move(job));
  for (auto& [slot, id] : fx.cancels) self->send(st.slots.at(slot), msg::cancel_atom::value, id);
  for (auto& e : fx.events) {
    if (st.stats) self->send(st.stats, e);
    if (st.notifier) self->send(st.notifier, e);
  }
  auto q = st.core->queue_state();
  if (st.stats) self->send(st.stats, q);
  if (st.notifier) self->send(st.notifier, q);
  if (fx.finished) {
    st.log->info("no job running: scheduler done ({})", st.core->mode());
    // Let the reply to the drain/stop command go out first.
    self->delayed_send(self, std::chrono::milliseconds(50), msg::shutdown_atom::value);
  }
}

}  // namespace

msg::scheduler_actor::behavior_type scheduler_actor_fn(self_ptr self, SchedulerSettings settings,
                                                       std::shared_ptr<JobStore> store,
                                                       std::shared_ptr<spdlog::logger> log, ConverterFactory make_converter,
                                                       msg::stats_actor stats, msg::notifier_actor notifier) {
  auto& st = self->state;
  const std::size_t n = std::max<std::size_t>(1, settings.slots);
  st.core = std::make_unique<JobScheduler>(std::move(settings), std::move(store), log);
  st.log = log;
  st.stats = std::move(stats);
  st.notifier = std::move(notifier);
  msg::scheduler_actor me = caf::actor_cast<msg::scheduler_actor>(self);
  for (std::size_t i = 0; i < n; ++i) {
    auto conv = make_converter(self->system(), me);
    self->monitor(conv);
    st.slots.push_back(conv);
  }
  self->set_down_handler([=](caf::down_msg& dm) {
    // A slot that dies is a bug; its job stays "running" in the store and is
    // queued again at the next start. Say so loudly.
    self->state.log->critical("a converter slot stopped unexpectedly: {}", caf::to_string(dm.reason));
  });
  self->set_exit_handler([=](caf::exit_msg& em) {
    for (auto& c : self->state.slots) self->send(c, msg::shutdown_atom::value);
    self->quit(em.reason);
  });
  apply(self, st.core->start(unix_now_ms()));
  self->delayed_send(self, std::chrono::seconds(1), msg::tick_atom::value);
  return {
      [=](msg::vm_found& vm) { apply(self, self->state.core->on_found(vm, unix_now_ms())); },
      [=](msg::watch_problem& p) { apply(self, self->state.core->on_problem(p, unix_now_ms())); },
      [=](msg::job_progress& p) {
        self->state.core->on_progress(p);
        if (self->state.stats) self->send(self->state.stats, p);
      },
      [=](msg::job_outcome& o) { apply(self, self->state.core->on_outcome(o, unix_now_ms())); },
      [=](msg::tick_atom) {
        auto fx = self->state.core->on_tick(unix_now_ms());
        // Ticks only matter when something may start; keep stats quiet otherwise.
        if (!fx.assignments.empty() || fx.finished) apply(self, std::move(fx));
        self->delayed_send(self, std::chrono::seconds(1), msg::tick_atom::value);
      },
      [=](msg::shutdown_atom) {
        for (auto& c : self->state.slots) self->send(c, msg::shutdown_atom::value);
        self->quit();
      },
      [=](msg::job_planned& p) -> bool { return self->state.core->on_planned(p); },
      [=](msg::control_command& c) -> msg::control_reply {
        SchedulerEffects fx;
        auto reply = self->state.core->on_control(c, unix_now_ms(), fx);
        apply(self, std::move(fx));
        return reply;
      },
  };
}

}  // namespace h2k

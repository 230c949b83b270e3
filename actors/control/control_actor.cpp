#include "actors/control/control_actor.hpp"

#include <caf/all.hpp>

namespace h2k {

msg::control_actor::behavior_type control_actor_fn(msg::control_actor::pointer self, msg::scheduler_actor scheduler,
                                                   msg::stats_actor stats) {
  return {
      [=](msg::control_command& c) -> caf::delegated<msg::control_reply> {
        if (c.command == "stats") return self->delegate(stats, std::move(c));
        return self->delegate(scheduler, std::move(c));
      },
  };
}

ControlHandler control_bridge(caf::actor_system& system, msg::control_actor control, std::chrono::milliseconds timeout) {
  return [&system, control, timeout](const ControlRequest& req) -> nlohmann::json {
    caf::scoped_actor self{system};
    nlohmann::json reply;
    self->request(control, timeout, msg::control_command{req.command, req.args.dump()})
        .receive(
            [&](const msg::control_reply& r) {
              reply = nlohmann::json::parse(r.body_json, nullptr, false);
              if (reply.is_discarded() || !reply.is_object())
                reply = {{"ok", false}, {"error", "the daemon sent a malformed reply"}};
            },
            [&](const caf::error& e) {
              reply = error_reply(req.command + ": no answer from the daemon (" + system.render(e) + ")",
                                  kErrorUnavailable);
            });
    return reply;
  };
}

}  // namespace h2k

#pragma once
// The control actor routes socket commands to the actor that answers them,
// and control_bridge() is the ControlServer handler that, on the server's
// client thread, asks the control actor and waits (bounded) for its reply.
#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/control/control_server.hpp"
#include "messages/interfaces.hpp"

namespace h2k {

msg::control_actor::behavior_type control_actor_fn(msg::control_actor::pointer self, msg::scheduler_actor scheduler,
                                                   msg::stats_actor stats);

// Runs on ControlServer threads (never on an actor thread, so blocking is fine).
ControlHandler control_bridge(caf::actor_system& system, msg::control_actor control,
                              std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace h2k

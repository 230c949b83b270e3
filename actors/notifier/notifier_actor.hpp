#pragma once
// The notifier actor: turns job events into notifications (Slack, Discord,
// generic webhook, e-mail) and watches for stalls (work waiting, nothing
// finishing). Delivery happens on the NotificationDispatcher's own thread
// with timeouts and retries, so a slow or dead endpoint never holds up an
// actor, let alone a conversion.
#include <memory>

#include <caf/stateful_actor.hpp>
#include <spdlog/logger.h>

#include "actors/notifier/notification.hpp"
#include "actors/notifier/notification_dispatcher.hpp"
#include "actors/notifier/stall_detector.hpp"
#include "actors/settings/notification_settings.hpp"
#include "messages/interfaces.hpp"

namespace h2k {

struct notifier_state {
  NotificationSettings settings;
  std::unique_ptr<NotificationDispatcher> dispatcher;  // null when notifications are off
  // The conversion-complete callback's own channel (notifications.callback_url,
  // independent of `enabled`); null without a URL.
  std::unique_ptr<NotificationDispatcher> callbacks;
  std::string callback_secret;
  std::unique_ptr<StallDetector> stall;
  NodeLossJobs node_jobs;  // cluster mode: the jobs a lost node held
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "notifier";
};

msg::notifier_actor::behavior_type notifier_actor_fn(msg::notifier_actor::stateful_pointer<notifier_state> self,
                                                     NotificationSettings settings, std::shared_ptr<spdlog::logger> log);

}  // namespace h2k

#include "actors/notifier/notifier_actor.hpp"

#include "actors/common/iso_time.hpp"

#include <algorithm>
#include <chrono>

#include <caf/all.hpp>

#include "actors/notifier/callback.hpp"
#include "actors/notifier/notification.hpp"

namespace h2k {

namespace {


using self_ptr = msg::notifier_actor::stateful_pointer<notifier_state>;

// Stall checks run often enough to fire within ~10 % of the interval.
std::chrono::milliseconds check_period(const NotificationSettings& s) {
  auto p = s.stall_check_interval / 10;
  return std::clamp<std::chrono::milliseconds>(p, std::chrono::seconds(1), std::chrono::seconds(60));
}

}  // namespace

msg::notifier_actor::behavior_type notifier_actor_fn(self_ptr self, NotificationSettings settings,
                                                     std::shared_ptr<spdlog::logger> log) {
  auto& st = self->state;
  st.settings = settings;
  st.log = log;
  const bool on = settings.sends_notifications();
  if (on) {
    st.dispatcher = std::make_unique<NotificationDispatcher>(settings, [log](int level, const std::string& line) {
      if (level == 0)
        log->info("notify: {}", line);
      else
        log->warn("notify: {}", line);
    });
    st.stall = std::make_unique<StallDetector>(settings.stall_check_interval);
    std::string channels;
    if (!settings.webhook_url.empty()) channels = std::string("webhook (") + to_string(settings.webhook_type) + ")";
    if (settings.email_enabled) channels += channels.empty() ? "e-mail" : " and e-mail";
    log->info("notifications on: {}", channels);
    if (settings.notify_on_stall) self->delayed_send(self, check_period(settings), msg::tick_atom::value);
  }
  if (!settings.callback.url.empty()) {
    // The secret file was checked by the configuration; read it once here.
    if (!settings.callback.secret_file.empty()) st.callback_secret = read_callback_secret(settings.callback.secret_file);
    NotificationSettings channel;  // a generic webhook to callback_url, nothing else
    channel.enabled = true;
    channel.webhook_url = settings.callback.url;
    channel.webhook_type = WebhookType::Generic;
    channel.tls_ca_file = settings.tls_ca_file;
    st.callbacks = std::make_unique<NotificationDispatcher>(channel, [log](int level, const std::string& line) {
      if (level == 0)
        log->info("callback: {}", line);
      else
        log->warn("callback: {}", line);
    });
    if (settings.callback.all_jobs)
      log->info("conversion-complete callbacks on for every job ({})",
                st.callback_secret.empty() ? "unsigned: no callback_secret_file" : "signed");
    else
      log->info("conversion-complete callbacks on for jobs exported from vSphere (callback_all_jobs: false; {})",
                st.callback_secret.empty() ? "unsigned: no callback_secret_file" : "signed");
  }
  return {
      [=](msg::job_events& batch) {
        auto& st = self->state;
        for (const auto& e : batch.events) {
          // Jobs that came from an export always call back (the submitter is
          // waiting for the whole migration); others when configured.
          if (st.callbacks && (st.settings.callback.all_jobs || !e.origin.empty())) {
            if (auto payload = callback_payload(e, st.settings.callback))
              st.callbacks->enqueue(callback_notification(*payload, st.callback_secret, e.at_ms));
          }
          if (!st.dispatcher) continue;
          if (e.kind == "succeeded" || e.kind == "failed") st.stall->on_finish(e.at_ms);
          const std::size_t node_jobs = st.node_jobs.on_event(e);
          if (auto n = notification_for(e, st.settings, node_jobs)) st.dispatcher->enqueue(std::move(*n));
        }
      },
      [=](msg::queue_state& q) {
        auto& st = self->state;
        if (st.stall) st.stall->on_queue(q.queued, q.running, unix_now_ms());
      },
      [=](msg::tick_atom) {
        auto& st = self->state;
        if (!st.dispatcher) return;
        if (auto n = st.stall->check(unix_now_ms())) {
          st.log->warn("stall: {}", n->text);
          st.dispatcher->enqueue(std::move(*n));
        }
        self->delayed_send(self, check_period(st.settings), msg::tick_atom::value);
      },
      [=](msg::flush_atom) -> bool {
        // Bounded: at shutdown, give queued notifications a chance to go out.
        auto& st = self->state;
        const bool callbacks_sent = !st.callbacks || st.callbacks->flush(std::chrono::seconds(10));
        return (!st.dispatcher || st.dispatcher->flush(std::chrono::seconds(20))) && callbacks_sent;
      },
  };
}

}  // namespace h2k
